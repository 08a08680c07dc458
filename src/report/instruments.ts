// The instrument summary xtabond2 prints under the coefficient table ("Instruments for first
// differences equation / Standard / D.(w L.w k) / GMM-type ... / L(1/.).L.n"), built from the
// ModelSpec. Groups are listed last-given first, as xtabond2 lists them; the constant last.
import type { GmmGroup, IvGroup, ModelSpec } from '../spec/types.ts';
import { stataName } from '../spec/varlist.ts';

const GMM_TYPE = '  GMM-type (missing=0, separate instruments for each period unless collapsed)';
/** xtabond2 wraps each list as a Stata paragraph indented 4 within the 78-column log. */
const WRAP = 78;

export function instrumentLines(spec: ModelSpec): string[] {
  const out: string[] = [];
  const transformed = [...spec.iv].reverse().filter((g) => g.equation !== 'level');
  const transformedGmm = [...spec.gmm].reverse().filter((g) => g.equation !== 'level');
  if (transformed.length || transformedGmm.length) {
    out.push(`Instruments for ${spec.orthogonal ? 'orthogonal deviations' : 'first differences'} equation`);
    if (transformed.length) {
      out.push('  Standard');
      const op = spec.orthogonal ? 'FOD.' : 'D.';
      for (const g of transformed) out.push(...wrap((g.passthru ? names(g.vars) : op + grouped(g.vars)) + mzNote(g)));
    }
    if (transformedGmm.length) {
      out.push(GMM_TYPE);
      // xtabond2 marks backward orthogonal deviations (gmm(x, orthogonal)) in this list only.
      for (const g of transformedGmm) out.push(...wrap(`${g.orthogonal ? 'BOD.' : ''}${lagRange(g.lagMin, g.lagMax)}.${grouped(g.vars)}${g.collapse ? ' collapsed' : ''}`));
    }
  }
  if (spec.levelEquation) {
    const level = [...spec.iv].reverse().filter((g) => g.equation !== 'diff');
    const levelGmm = [...spec.gmm].reverse().filter((g) => g.equation !== 'diff');
    if (level.length || levelGmm.length || spec.constant) out.push('Instruments for levels equation');
    if (level.length || spec.constant) {
      out.push('  Standard');
      for (const g of level) out.push(...wrap(names(g.vars) + mzNote(g)));
      if (spec.constant) out.push('    _cons');
    }
    if (levelGmm.length) {
      out.push(GMM_TYPE);
      for (const g of levelGmm) out.push(...wrap(`${levelGmmOp(g)}.${grouped(g.vars)}${g.collapse ? ' collapsed' : ''}`));
    }
  }
  return out;
}

/** Level-equation GMM instruments: the difference at lag a−1 for an eq(both) group (D.x for lag(1 .)), all lags a..b of the difference for eq(level),
 *  of the variable itself under passthru (xtabond2's display: D unless passthru). */
function levelGmmOp(g: GmmGroup): string {
  if (g.equation === 'both') return `D${lagWord(g.lagMin - 1)}`;
  return `${g.passthru ? '' : 'D'}${lagRange(g.lagMin, g.lagMax)}`;
}

/** xtabond2 ends an iv-style group's line with this under `mz`. */
function mzNote(g: IvGroup): string {
  return g.mz ? ', missing recoded as zero' : '';
}

function lagWord(k: number): string {
  return k === 0 ? '' : k === 1 ? 'L' : `L${k}`;
}

/** L(a/b) for a range, else the single lag as xtabond2 writes it (L, L2, or nothing for lag 0). */
function lagRange(a: number, b: number | null): string {
  return a === b ? lagWord(a) : `L(${a}/${b ?? '.'})`;
}

function names(vars: GmmGroup['vars']): string {
  return vars.map(stataName).join(' ');
}

function grouped(vars: GmmGroup['vars']): string {
  return vars.length > 1 ? `(${names(vars)})` : names(vars);
}

/** Break a list at spaces into lines of at most WRAP columns, each indented 4. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && 4 + line.length + 1 + word.length > WRAP) {
      lines.push(`    ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`    ${line}`);
  return lines;
}
