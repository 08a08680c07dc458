// A user's spelling of a coefficient, read as the model's label. Labels are written by termName
// (src/spec/types.ts) with every operator numbered: "L1.n", "L2.n", "F1.k", "D1.w", "L1D1.w",
// "L2D1.w" (L(0/2).w gives "w", "L1.w", "L2.w"); plain names ("w", "yr1978", "_cons") as they are.
// Users write operators as Stata's `test` and `lincom` read them: without a number an operator means 1
// ("L.n" = "L1.n", "LD.w" = "L1D1.w"), in either order and case and chained ("DL.w", "l.d.w"),
// and L0/D0 are no operator ("L0.w" = "w"). An interaction is read part by part the same way
// ("L.c.w#c.k", "cL1.w#c.k" and "c.L.w#c.k" are "cL.w#c.k"; "2.ind#L.c.w" is "2.ind#cL.w"), in either
// order ("c.w#2.ind" is "2.ind#c.w"), and a level without its mark names the marked one ("1976.year"
// is "1976bn.year"; "1.ind#c.w" is "1b.ind#c.w"); a base level or an omitted cell ("1977b.year",
// "1b.ind#co.w") names no coefficient. --test, lincom, `table --keep`,
// vcovMatrix().get and a grid's focus all read names through this file.
import { termName } from './types.ts';
import { netOperators } from '../panel/term.ts';
import { cellName, levelName, omittedCell, partName } from './fv-terms.ts';

/** Operators (one or more chained with dots) before a variable name: "L.", "LD.", "L2.D.", "f3.". */
const OPERATED = /^((?:[LFD]\d*)+\.)+([\p{L}\p{N}_]+)$/iu;

/** The label a spelling stands for: "L.n" → "L1.n", "DL.w" → "L1D1.w", "F.k" → "F1.k", "L0.w" → "w",
 *  "L.c.w#c.k" → "cL.w#c.k", "1976bn.year" → "1976.year", "c.L.w#1b.ind" → "1.ind#cL.w"; other text
 *  as it is (trimmed). */
export function coefficientName(text: string): string {
  const s = text.trim();
  const level = levelName(s);
  if (level) return `${level.level}.${level.variable}`;
  const cell = cellName(s);
  if (cell) return cell.map((p) => partName(p.type === 'level' ? { ...p, mark: '' } : { ...p, omitted: false })).join('#');
  const m = OPERATED.exec(s);
  if (!m) return s;
  const { lag, diff } = netOperators(s.slice(0, s.length - m[2].length));
  return termName(m[2], lag, diff);
}

/**
 * The model's label for a user's spelling: the label spelt exactly so first, else the one label that
 * reads as the same term (coefficientName of both). Otherwise `error` says why, naming the model's
 * coefficients: "unknown coefficient 'L.ys' (L1.ys); coefficients are: L1.n, w, ...", or, when
 * several labels read as the spelling (saved results written by hand), which they are.
 */
export function lookupCoefficient(
  spelling: string,
  names: readonly string[],
  /** Regressors the fit dropped as collinear: a spelling of one is told so, not "unknown". */
  dropped: readonly string[] = [],
): { name: string; error?: undefined } | { name?: undefined; error: string } {
  const s = spelling.trim();
  if (names.includes(s)) return { name: s };
  const want = coefficientName(s);
  // A base level ("1977b.year") or an omitted cell ("1b.ind#co.w") has no coefficient: it names no
  // other level's or cell's.
  const cell = cellName(s);
  const base = levelName(s)?.mark === 'b' || (cell !== null && omittedCell(cell));
  // A level spelt with b in a cell names only a cell where that level is the base ("2b.ind#c.w" is
  // not "2.ind#c.w").
  const spelledBase = baseLevels(cell);
  const hits = base ? [] : [...new Set(names.filter((n) => coefficientName(n) === want && spelledBase.every((v) => baseLevels(cellName(n)).includes(v))))];
  if (hits.length === 1) return { name: hits[0] };
  const list = `coefficients are: ${names.join(', ')}`;
  if (hits.length > 1) return { error: `coefficient '${s}' is ambiguous: it may be ${hits.join(' or ')}; ${list}` };
  const gone = dropped.find((n) => n === s || coefficientName(n) === want);
  if (gone !== undefined) return { error: `${gone} was dropped due to collinearity, so it has no coefficient; ${list}` };
  return { error: `unknown coefficient '${s}'${want !== s ? ` (${want})` : ''}; ${list}` };
}

/** The variables of a cell's levels marked b (1b.ind#c.w → ["ind"]); none for a name that is no cell (null). */
function baseLevels(cell: ReturnType<typeof cellName>): string[] {
  return (cell ?? []).flatMap((p) => (p.type === 'level' && p.mark === 'b' ? [p.variable] : []));
}
