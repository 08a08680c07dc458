// The terms of Stata's factor-variable notation, named as fvexpand names them (the notation and how
// the columns are made: src/spec/factor-variables.ts).
import { netOperators, type CellMark, type FactorBase, type FactorTerm, type InteractionPart, type LevelMark, type Term } from '../panel/term.ts';
import { opString } from './types.ts';

/** i.v's prefix: "i", "ib3", "ib(last)", "ibn". */
function factorPrefix(base: FactorBase): string {
  return base === 'first' ? 'i' : base === 'none' ? 'ibn' : typeof base === 'number' ? `ib${base}` : `ib(${base})`;
}

/** i.v (ib#.v, ib(first|last|freq).v, ibn.v) before its levels are known. */
export function factorTerm(variable: string, base: FactorBase): Term {
  return fvTerm(`${factorPrefix(base)}.${variable}`, { kind: 'factor', variable, base });
}

/** The indicator of one level of v: "2005.yr", "2004b.yr" for the base level (all zeros), "2004bn.yr"
 *  for the first level of ibn.yr. */
export function levelTerm(variable: string, level: number, mark: LevelMark = ''): Term {
  return fvTerm(`${level}${mark}.${variable}`, { kind: 'level', variable, level, mark });
}

/** One level as fvexpand writes it, alone or as a part of a cell: "2005.yr", "2004b.yr", "2004bn.yr",
 *  and in an omitted cell "2o.yr". */
const LEVEL = /^(\d+)(bn|b|o)?\.([\p{L}_][\p{L}\p{N}_]*)$/u;

/** A level's name read back ("2005.yr" → level 2005 of yr, mark ''; "2004b.yr", "2004bn.yr"), or null
 *  (the o mark is a cell part's only). */
export function levelName(name: string): { level: number; mark: LevelMark; variable: string } | null {
  const m = LEVEL.exec(name);
  return m && m[2] !== 'o' ? { level: Number(m[1]), mark: (m[2] ?? '') as LevelMark, variable: m[3] } : null;
}

/** One part of an interaction as fvexpand writes it: "c.x", "cL.x", "co.x" (omitted), "i.a", "ib3.a",
 *  "2.a", "1b.a", "2o.a". */
export function partName(p: InteractionPart): string {
  if (p.type === 'c') return `c${p.omitted ? 'o' : ''}${opString(p.lag, p.diff)}.${p.variable}`;
  if (p.type === 'i') return `${factorPrefix(p.base)}.${p.variable}`;
  return `${p.level}${p.mark}.${p.variable}`;
}

/** The product of its parts (#): "c.x#c.z", "cL.x#c.z", "i.a#c.x", "0b.a#co.x", "1.a#2.b". Factor
 *  parts come first, each kind in the order written, as Stata orders them (c.x#i.a is i.a#c.x). */
export function interactionTerm(parts: readonly InteractionPart[]): Term {
  const ordered = factorsFirst(parts);
  return fvTerm(ordered.map(partName).join('#'), { kind: 'interaction', parts: ordered });
}

function factorsFirst<P extends InteractionPart>(parts: readonly P[]): P[] {
  return [...parts.filter((p) => p.type !== 'c'), ...parts.filter((p) => p.type === 'c')];
}

/** The parts of a cell's name read back ("1.a#cL.x" → level 1 of a, L.x), factor parts first, or null
 *  when the name is not an interaction of levels and continuous variables. Operators are read in
 *  Stata's spellings. */
export function cellName(name: string): Exclude<InteractionPart, { type: 'i' }>[] | null {
  if (!name.includes('#')) return null;
  const parts: Exclude<InteractionPart, { type: 'i' }>[] = [];
  for (const text of name.split('#')) {
    const level = LEVEL.exec(text);
    if (level) {
      parts.push({ type: 'level', variable: level[3], level: Number(level[1]), mark: (level[2] ?? '') as CellMark });
      continue;
    }
    // c., with operators before it, after it and after its dot: "L.c.w", "cL2.w", "c.L.w", "co.w".
    const c = /^((?:[LFD]\d*\.)*)c(o?)((?:[LFD]\d*)*)\.((?:[LFD]\d*\.)*)([\p{L}_][\p{L}\p{N}_]*)$/iu.exec(text);
    if (!c) return null;
    const ops = netOperators(c[1] + c[3] + c[4]);
    parts.push({ type: 'c', variable: c[5], lag: ops.lag, diff: ops.diff, omitted: c[2] !== '' });
  }
  return factorsFirst(parts);
}

/** Whether an interaction's cell is omitted (its column zero, no coefficient), as Stata reads the
 *  marks: every part marked (b, o, co.), or any part o ("0b.a#co.x", "0b.a#1b.b"; "0b.a#c.x" is the
 *  slope of x where a is at its base, not omitted). */
export function omittedCell(parts: readonly InteractionPart[]): boolean {
  const o = (p: InteractionPart) => (p.type === 'c' ? p.omitted : p.type === 'level' && p.mark === 'o');
  return parts.some(o) || parts.every((p) => o(p) || (p.type === 'level' && p.mark === 'b'));
}

/** Whether a term's columns wait for the data's levels: i.v, or an interaction with an i. part. */
export function needsLevels(t: Term): boolean {
  return t.fv?.kind === 'factor' || (t.fv?.kind === 'interaction' && t.fv.parts.some((p) => p.type === 'i'));
}

function fvTerm(name: string, fv: FactorTerm): Term {
  return { name, base: name, lag: 0, diff: 0, fv };
}

/** The data columns a term reads: its own, or those its factor-variable column is made from. */
export function sourceColumns(t: Term): string[] {
  if (!t.fv) return [t.base];
  return t.fv.kind === 'interaction' ? t.fv.parts.map((p) => p.variable) : [t.fv.variable];
}
