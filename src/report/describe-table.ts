// `sysgmm describe` output: the panel summary and the descriptive-statistics table as plain text,
// Markdown, LaTeX (booktabs) or CSV.
import { csvField } from '../data/csv-write.ts';
import { latexEscape } from './latex-escape.ts';
import type { PanelDescription, VariableSummary } from '../panel/describe.ts';

export type DescribeFormat = 'text' | 'markdown' | 'latex' | 'csv';
export const DESCRIBE_FORMATS: readonly DescribeFormat[] = ['text', 'markdown', 'latex', 'csv'];

/** Up to 7 significant digits, trailing zeros dropped; "." for missing (as Stata prints it). */
export function formatStat(x: number): string {
  if (Number.isNaN(x)) return '.';
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
  const a = Math.abs(x);
  if (a >= 1e9 || a < 1e-4) return x.toExponential(3);
  return String(Number(x.toPrecision(7)));
}

const HEAD = ['Variable', 'Obs', 'Missing', 'Mean', 'Std. dev.', 'Min', 'Max'];

function cells(v: VariableSummary): string[] {
  return [v.name, String(v.count), String(v.missing), formatStat(v.mean), formatStat(v.sd), formatStat(v.min), formatStat(v.max)];
}

/** The panel-level facts as short lines. */
/** The time span, "1976-1984"; "-2999 to -2990" when a dash would read as a minus sign. */
function span(d: PanelDescription): string {
  return d.timeMin < 0 || d.timeMax < 0 ? `${d.timeMin} to ${d.timeMax}` : `${d.timeMin}-${d.timeMax}`;
}

function summaryLines(d: PanelDescription): string[] {
  const gaps = d.unitsWithGaps.count
    ? `${d.unitsWithGaps.count} (${d.id} ${d.unitsWithGaps.first.join(', ')}${d.unitsWithGaps.count > d.unitsWithGaps.first.length ? ', ...' : ''})`
    : '0';
  return [
    `Panel: ${d.source || '(table)'}  (unit: ${d.id}, time: ${d.time})`,
    `Units: ${d.units}   Periods: ${d.periods} (${span(d)})   Observations: ${d.observations}`,
    `Obs per unit: min ${d.obsPerUnit.min}, avg ${formatStat(Number(d.obsPerUnit.mean.toFixed(2)))}, max ${d.obsPerUnit.max}   Balanced: ${d.balanced ? 'yes' : 'no'}`,
    `Units with gaps: ${gaps}`,
    ...descriptionNotes(d),
  ];
}

/** What the description leaves out or warns of: rows excluded, text columns not described, notes. A
 *  csv or latex description has no place for them, so the CLI writes them to standard error. */
export function descriptionNotes(d: PanelDescription): string[] {
  return [
    // A row missing both is counted once, as a missing id (Panel.fromTable): the second count says so.
    `Rows excluded: ${d.excluded.missingUnit} with missing ${d.id}, ${d.excluded.missingTime} with missing ${d.time} (${d.id} present)`,
    ...(d.textColumns.length
      ? [`Text columns, not described: ${d.textColumns.map((c) => (c.firstNonNumber ? `${c.name} (first non-number: ${c.firstNonNumber})` : c.name)).join('; ')}`]
      : []),
    ...d.notes.map((n) => `Note: ${n}`),
  ];
}

function text(d: PanelDescription): string {
  const rows = d.variables.map(cells);
  const width = HEAD.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]): string => r.map((c, j) => (j === 0 ? c.padEnd(width[0]) + ' |' : c.padStart(width[j]))).join(' ');
  const rule = '-'.repeat(width[0] + 1) + '+' + '-'.repeat(width.slice(1).reduce((a, w) => a + w + 1, 0));
  if (rows.length === 0) return [...summaryLines(d), '', '(no numeric columns besides the id and time)'].join('\n') + '\n';
  return [...summaryLines(d), '', line(HEAD), rule, ...rows.map(line)].join('\n') + '\n';
}

function markdown(d: PanelDescription): string {
  const row = (r: string[]): string => `| ${r.join(' | ')} |`;
  return [
    ...summaryLines(d).map((l) => `${l}  `),
    '',
    row(HEAD),
    `|${HEAD.map((_, j) => (j === 0 ? ':---' : '---:')).join('|')}|`,
    ...d.variables.map((v) => row(cells(v).map((c, j) => (j === 0 ? `\`${c}\`` : c)))),
  ].join('\n') + '\n';
}


function latex(d: PanelDescription): string {
  const note = `${d.units} units, ${d.periods} periods (${d.timeMin}--${d.timeMax}), ${d.observations} observations; ${d.balanced ? 'balanced' : 'unbalanced'}.`;
  return [
    '\\begin{table}[htbp]',
    '\\centering',
    '\\caption{Descriptive statistics}',
    '\\begin{tabular}{lrrrrrr}',
    '\\toprule',
    HEAD.join(' & ') + ' \\\\',
    '\\midrule',
    ...d.variables.map((v) => cells(v).map(latexEscape).join(' & ') + ' \\\\'),
    '\\bottomrule',
    '\\end{tabular}',
    `\\par\\footnotesize ${latexEscape(note)}`,
    '\\end{table}',
  ].join('\n') + '\n';
}

function csv(d: PanelDescription): string {
  const num = (x: number): string => (Number.isNaN(x) ? '' : String(x));
  return [
    'name,count,missing,mean,sd,min,max', // the columns of `--save FILE.csv` (write-table.ts variablesTable)
    ...d.variables.map((v) => [csvField(v.name), v.count, v.missing, num(v.mean), num(v.sd), num(v.min), num(v.max)].join(',')),
  ].join('\n') + '\n';
}

export function formatDescription(d: PanelDescription, format: DescribeFormat): string {
  switch (format) {
    case 'text':
      return text(d);
    case 'markdown':
      return markdown(d);
    case 'latex':
      return latex(d);
    case 'csv':
      return csv(d);
  }
}
