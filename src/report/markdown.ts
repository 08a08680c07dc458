// formatMarkdown: a result as GitHub-flavoured Markdown: a summary paragraph, the coefficient
// table, and the specification tests, with the digits of the text report.
import type { GmmResult } from '../gmm/result.ts';
import type { ReportContext } from './context.ts';
import { fixed, stataG } from './stata-format.ts';
import { testRows } from './tests-table.ts';
import { modelTestParts, seLabel, title, weightsLine } from './text.ts';

export function formatMarkdown(result: GmmResult, context: ReportContext = {}): string {
  const m = modelTestParts(result);
  const stat = result.small ? 't' : 'z';
  const se = seLabel(result);
  const { min, avg, max } = result.obsPerGroup;
  const lines = [
    `### ${title(result)}`,
    '',
    `Dependent variable: \`${result.depvar}\`. Group variable: \`${context.id ?? '.'}\`. Time variable: \`${context.time ?? '.'}\`.`,
    `Observations: ${result.nobs}. Groups: ${result.ngroups} (obs per group: min ${min}, avg ${fixed(avg, 2)}, max ${max}). Instruments: ${result.ninstruments}.`,
    `${m.label} = ${fixed(m.stat, 2)}, ${m.prob} = ${fixed(m.p, 3)}.`,
    '',
    `| ${cell(result.depvar)} | Coef. | ${se ? `${se} ` : ''}Std. Err. | ${stat} | P>\\|${stat}\\| | [${result.level ?? 95}% Conf. | Interval] |`,
    '|:---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of result.coefficients)
    lines.push(`| ${cell(c.name)} | ${num(c.estimate)} | ${num(c.se)} | ${fixed(c.stat, 2)} | ${fixed(c.p, 3)} | ${num(c.ciLow)} | ${num(c.ciHigh)} |`);
  const tests = testRows(result, context.spec?.arlevels ? 'levels' : 'first differences');
  if (tests.length) {
    lines.push('', '| Test | Statistic | df | p |', '|:---|---:|---:|---:|');
    for (const t of tests) lines.push(`| ${cell(t.name)} | ${t.kind} = ${fixed(t.stat, 2)} | ${t.df ?? ''} | ${fixed(t.p, 3)} |`);
  }
  const dropped = result.dropped.map((d) => `${d} dropped due to collinearity`);
  const notes = [...(result.weights ? [`${weightsLine(result.weights)} ([${result.weights.kind}=${result.weights.variable}])`] : []), ...dropped, ...result.warnings.filter((w) => !dropped.includes(w)), ...result.excluded.filter((e) => e.count > 0).map((e) => `${e.count} observations excluded: ${e.reason}`)];
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n.replace(/\s*\n\s*/g, ' ')}`));
  return `${lines.join('\n')}\n`;
}

/** Stata's digits with the leading zero restored (0.9356053), which reads better in documents. */
function num(x: number): string {
  return stataG(x).replace(/^(-?)\./, '$10.');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}
