// formatText: a GmmResult laid out as xtabond2 prints it (xtabond2 3.7 under Stata 16), so a Stata
// user reads it at once: notes, header block, coefficient table grouped by variable with
// time-series operators, instrument summary, AR tests, Sargan/Hansen, difference-in-Hansen.
import type { Coefficient, GmmResult, TestStat } from '../gmm/result.ts';
import { instrumentLines } from './instruments.ts';
import { withTimeDummies } from '../spec/time-dummies.ts';
import { withLevels } from '../spec/factor-variables.ts';
import { cellName, levelName, partName } from '../spec/fv-terms.ts';
import type { ReportContext } from './context.ts';
import { abbreviate, fixed, stataG } from './stata-format.ts';

const RULE = 78;

export function formatText(result: GmmResult, context: ReportContext = {}): string {
  const lines: string[] = [...noteLines(result)];
  if (lines.length) lines.push('');
  lines.push(title(result));
  lines.push('-'.repeat(RULE));
  lines.push(...headerLines(result, context));
  if (result.pca) {
    const p = result.pca;
    lines.push(
      'Principal components of the GMM-style instruments:',
      `  Components kept               = ${String(p.components).padStart(7)}  (of ${p.columns} instruments analysed)`,
      `  Variance explained            = ${fixed(p.varianceExplained, 4, 7)}`,
      `  Kaiser-Meyer-Olkin measure    = ${fixed(p.kmo, 4, 7)}`,
    );
  }
  lines.push(...coefficientTable(result));
  const spec = context.spec;
  if (spec) {
    const expanded = result.factorLevels ? withLevels(spec, result.factorLevels) : spec;
    // The 2009 release printed lag limits as given (Roodman 2009's logs: L(1/.).L.n); 3.7.0 clamps them.
    const periods = spec.conventions === '2009' ? undefined : result.periods;
    const inst = instrumentLines(result.timeDummies ? withTimeDummies(expanded, result.timeDummies) : expanded, periods);
    if (inst.length) lines.push(...inst, '-'.repeat(RULE));
  }
  if (result.ar.length) {
    const where = spec?.arlevels ? 'levels' : 'first differences';
    for (const a of result.ar) lines.push(`Arellano-Bond test for AR(${a.order}) in ${where}: z = ${fixed(a.z, 2, 6)}  Pr > z = ${fixed(a.p, 3, 6)}`);
    lines.push('-'.repeat(RULE));
  }
  if (result.sargan) {
    lines.push(`Sargan test of overid. restrictions: ${chi2Part(result.sargan)}`);
    lines.push('  (Not robust, but not weakened by many instruments.)');
  }
  if (result.hansen) {
    lines.push(`Hansen test of overid. restrictions: ${chi2Part(result.hansen)}`);
    lines.push('  (Robust, but weakened by many instruments.)');
  }
  if (result.diffHansen.length) {
    const test = result.hansen ? 'Hansen' : 'Sargan';
    lines.push('', `Difference-in-${test} tests of exogeneity of instrument subsets:`);
    for (const d of result.diffHansen) {
      lines.push(`  ${d.group}`);
      lines.push(`    ${`${test} test excluding group:`.padEnd(33)}${chi2Part(d.excluding)}`);
      lines.push(`    ${'Difference (null H = exogenous):'.padEnd(33)}${chi2Part(d.difference)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Regressors dropped, warnings and exclusions, printed before the table as xtabond2 does (and on
 *  standard error beside the formats that have no place for them, csv and latex). */
export function noteLines(result: GmmResult): string[] {
  const out = result.dropped.map((d) => `${d} dropped due to collinearity`);
  if (result.weights) out.unshift(`(${weightsLine(result.weights)})`);
  // A warning that repeats a dropped-regressor line is printed once.
  for (const w of result.warnings) if (!out.includes(w)) out.push(/^warning/i.test(w) ? w : `Warning: ${w}`);
  out.push(...exclusionLines(result));
  return out;
}

/** xtabond2's "sum of weights is …": the weights' sum over the observations, as given. */
export function weightsLine(w: NonNullable<GmmResult['weights']>): string {
  return `sum of weights is ${Number(w.sum.toPrecision(12))}`;
}

/** One line for each reason rows are not observations: "(140 observations excluded: ...)". */
function exclusionLines(result: Pick<GmmResult, 'excluded'>): string[] {
  return result.excluded.filter((e) => e.count > 0).map((e) => `(${e.count} observation${e.count === 1 ? '' : 's'} excluded: ${e.reason})`);
}

export function title(result: GmmResult): string {
  switch (result.estimator) {
    case 'system':
    case 'difference':
      return `Dynamic panel-data estimation, ${result.steps === 2 ? 'two' : 'one'}-step ${result.estimator} GMM`;
    case 'ols':
      return 'Pooled OLS regression';
    case 'within':
      return 'Fixed-effects (within) regression';
  }
}

/** "Robust" (one-step) or "Corrected" (two-step, Windmeijer) above "Std. Err."; nothing for unadjusted errors. */
export function seLabel(result: GmmResult): string {
  if (result.vce === 'unadjusted') return '';
  return result.steps === 2 ? 'Corrected' : 'Robust';
}

/** "Wald chi2(16)" / "F(16, 140)", and the statistic and p-value ("." when missing). */
export function modelTestParts(result: GmmResult): { label: string; prob: string; stat: number; p: number } {
  const m = result.modelTest;
  if (result.small) {
    return { label: `F(${m?.df1 ?? 0}, ${m?.df2 ?? '.'})`, prob: 'Prob > F', stat: m?.stat ?? NaN, p: m?.p ?? NaN };
  }
  return { label: `Wald chi2(${m?.df1 ?? 0})`, prob: 'Prob > chi2', stat: m?.stat ?? NaN, p: m?.p ?? NaN };
}

function headerLines(result: GmmResult, context: ReportContext): string[] {
  const left = (s: string, right: string) => `${s.padEnd(47)} ${right}`;
  const value = (x: number, d: number) => fixed(x, d, 10);
  const m = modelTestParts(result);
  const { min, avg, max } = result.obsPerGroup;
  return [
    left(`Group variable: ${context.id ?? '.'}`, `Number of obs      =${value(result.nobs, 0)}`),
    left(`Time variable : ${context.time ?? '.'}`, `Number of groups   =${value(result.ngroups, 0)}`),
    left(`Number of instruments = ${result.ninstruments}`, `Obs per group: min =${value(min, 0)}`),
    `${`${m.label.padEnd(13)} =${value(m.stat, 2)}`.padEnd(62)} avg =${value(avg, 2)}`,
    `${`${m.prob.padEnd(13)} =${value(m.p, 3)}`.padEnd(62)} max =${value(max, 0)}`,
  ];
}

/** A run of coefficients printed together: one variable with its lags/differences, a factor variable
 *  with its levels, or a single name (set apart by blank lines, as Stata sets apart an interaction). */
interface Block {
  header: string | null;
  rows: { label: string; c: Coefficient }[];
  apart: boolean;
}

/** Split "L1.n" → op "L1", base "n"; "_cons" → no op. */
function splitName(name: string): { op: string; base: string } {
  const m = /^((?:[LFD]\d+)+)\.(.+)$/.exec(name);
  return m ? { op: m[1], base: m[2] } : { op: '', base: name };
}

/** Stata's row label for an operator: "L1.", "D1.", "F2." alone; "LD.", "L2D." combined; "--." for the variable itself. */
function opLabel(op: string): string {
  if (!op) return '--.';
  const parts = op.match(/[LFD]\d+/g)!;
  if (parts.length === 1) return `${op}.`;
  return `${parts.map((p) => (p.endsWith('1') && p.length === 2 ? p[0] : p)).join('')}.`;
}

/** A coefficient Stata's table sets under a header: a level of a factor variable (header the variable,
 *  label the level: "year", "1977") or a cell of an interaction with factor variables (header its
 *  variables, label its levels: "ind#c.w", "2"; "a#b", "1#3"); null for other names, a product of
 *  continuous variables included. */
function factorRow(name: string): { header: string; label: string } | null {
  const level = levelName(name);
  if (level) return { header: level.variable, label: String(level.level) };
  const parts = cellName(name);
  if (!parts?.some((p) => p.type === 'level')) return null;
  return {
    header: parts.map((p) => (p.type === 'level' ? p.variable : partName({ ...p, omitted: false }))).join('#'),
    label: parts.flatMap((p) => (p.type === 'level' ? [String(p.level)] : [])).join('#'),
  };
}

function blocks(coefs: readonly Coefficient[]): Block[] {
  const out: Block[] = [];
  let k = 0;
  while (k < coefs.length) {
    const fv = factorRow(coefs[k].name);
    if (fv) {
      // Stata's table: the variable(s) as a header, each row labelled by its level(s), a column short.
      const rows = [{ label: `${fv.label} `, c: coefs[k] }];
      for (k++; k < coefs.length; k++) {
        const next = factorRow(coefs[k].name);
        if (next?.header !== fv.header) break;
        rows.push({ label: `${next.label} `, c: coefs[k] });
      }
      out.push({ header: fv.header, rows, apart: true });
      continue;
    }
    if (coefs[k].name.includes('#')) {
      out.push({ header: null, rows: [{ label: coefs[k].name, c: coefs[k] }], apart: true });
      k++;
      continue;
    }
    const { op, base } = splitName(coefs[k].name);
    let end = k + 1;
    while (end < coefs.length && splitName(coefs[end].name).base === base) end++;
    const run = coefs.slice(k, end);
    if (run.length === 1 && !op) out.push({ header: null, rows: [{ label: base, c: run[0] }], apart: false });
    else out.push({ header: base, rows: run.map((c) => ({ label: opLabel(splitName(c.name).op), c })), apart: true });
    k = end;
  }
  return out;
}

function coefficientTable(result: GmmResult): string[] {
  const bs = blocks(result.coefficients);
  // Stata widens the name column to its longest label (up to 32) where older versions abbreviated at
  // 12: the labels it shows, so L1.ln_lc_encons, shown as ln_lc_encons and L1., counts 12.
  const names = [result.depvar, ...bs.flatMap((b) => [...(b.header === null ? [] : [b.header]), ...b.rows.map((r) => r.label)])];
  const w = Math.min(32, Math.max(12, ...names.map((n) => n.length)));
  const width = w + 66;
  const name = (s: string) => abbreviate(s, w).padStart(w);
  const stat = result.small ? 't' : 'z';
  const se = seLabel(result);
  const out = ['-'.repeat(width)];
  // "Robust" sits over "Std. Err." as Stata centres it; "Corrected" fills the column.
  if (se) out.push(`${' '.repeat(w + 1)}|${se === 'Robust' ? '               Robust' : '              Corrected'}`);
  const lvl = String(result.level ?? 95);
  out.push(`${name(result.depvar)} |      Coef.   Std. Err.      ${stat}    P>|${stat}|${' '.repeat(Math.max(1, 7 - lvl.length))}[${lvl}% Conf. Interval]`);
  out.push(`${'-'.repeat(w + 1)}+${'-'.repeat(64)}`);
  const row = (label: string, c: Coefficient) =>
    `${name(label)} | ${stataG(c.estimate).padStart(10)} ${stataG(c.se).padStart(10)} ${fixed(c.stat, 2, 8)} ${fixed(c.p, 3, 7)}    ${stataG(c.ciLow).padStart(9)}   ${stataG(c.ciHigh).padStart(9)}`;
  bs.forEach((b, i) => {
    if (i > 0 && (b.apart || bs[i - 1].apart)) out.push(`${' '.repeat(w + 1)}|`);
    if (b.header !== null) out.push(`${name(b.header)} |`);
    for (const r of b.rows) out.push(row(r.label, r.c));
  });
  out.push('-'.repeat(width));
  return out;
}

function chi2Part(t: TestStat): string {
  return `${`chi2(${t.df})`.padEnd(11)}= ${fixed(t.chi2, 2, 6)}  Prob > chi2 = ${fixed(t.p, 3, 6)}`;
}
