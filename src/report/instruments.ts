// The instrument summary xtabond2 prints under the coefficient table ("Instruments for first
// differences equation / Standard / D.(w L.w k) / GMM-type ... / L(1/8).L.n"), built from the
// ModelSpec and the periods T the model spans. Groups are listed last-given first, as xtabond2 lists
// them; the constant last.
import type { GmmGroup, IvGroup, ModelSpec } from '../spec/types.ts';
import { stataName } from '../spec/varlist.ts';

const GMM_TYPE = '  GMM-type (missing=0, separate instruments for each period unless collapsed)';
/** xtabond2 wraps each list as a Stata paragraph indented 4 within the 78-column log. */
const WRAP = 78;

/** `periods`: xtabond2's T (GmmResult.periods), to which it clamps the lag limits it prints; without it
 *  (a result saved before it was recorded) the limits are printed as given, an open one as '.'. */
export function instrumentLines(spec: ModelSpec, periods?: number): string[] {
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
      for (const g of transformedGmm) out.push(...wrap(gmmLine(g, false, periods)));
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
      for (const g of levelGmm) out.push(...wrap(gmmLine(g, true, periods)));
    }
  }
  return out;
}

/**
 * A GMM-type group's line as xtabond2 3.7.0 writes it (xtabond2_output). Its lag limits are those it
 * stores in e(gmmlaglimits), clamped to the span of T periods (_GMMinstPerBaseVar): at most T − 1
 * lags back, T − 2 for an eq(level) group on differences (not passthru). In the transformed equation:
 * BOD. under the orthogonal suboption, then L(a/b), or the single lag when b ≤ a. In the levels
 * equation: D unless passthru; an eq(both) group (a split group's level part is eq(level) lag(a−1
 * a−1)) instruments with the difference at lag a − 1 alone (D.x for lag(1 .)), an eq(level) group
 * with its own lags.
 */
function gmmLine(g: GmmGroup, levels: boolean, periods: number | undefined): string {
  const differenced = g.equation === 'level' && !g.passthru;
  let hi = g.lagMax;
  if (periods !== undefined) hi = Math.min(hi ?? Infinity, periods - 1 - (differenced ? 1 : 0));
  const shift = levels && g.equation !== 'level' ? 1 : 0;
  const a = g.lagMin - shift;
  const lags = shift === 0 && (hi === null || hi > a) ? `L(${a}/${hi ?? '.'})` : lagWord(a);
  const op = `${!levels && g.orthogonal ? 'BOD.' : ''}${levels && !g.passthru ? 'D' : ''}`;
  return `${op}${lags}.${grouped(g.vars)}${g.collapse ? ' collapsed' : ''}`;
}

/** xtabond2 ends an iv-style group's line with this under `mz`. */
function mzNote(g: IvGroup): string {
  return g.mz ? ', missing recoded as zero' : '';
}

function lagWord(k: number): string {
  return k === 0 ? '' : k === 1 ? 'L' : `L${k}`;
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
