// Result tables of the workloads in three forms from one set of columns: Markdown and LaTeX with
// formatted cells, CSV with every number in full (shortest round-trip) precision.
import { csvField } from '../data/csv-write.ts';
import { latexEscape } from '../report/latex-escape.ts';

export interface Column<R> {
  title: string;
  /** The formatted cell (Markdown and LaTeX). */
  cell: (row: R) => string;
}

export interface CsvColumn<R> {
  name: string;
  value: (row: R) => number | string | null;
}

/** x to `digits` decimals; empty for a missing value. */
export function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits);
}

/** "0.052 (0.007)": a figure with its Monte Carlo standard error. */
export function withSe(x: number, se: number, digits = 3): string {
  return Number.isFinite(x) ? `${fmt(x, digits)}${Number.isFinite(se) ? ` (${fmt(se, digits)})` : ''}` : '';
}

export function toMarkdown<R>(columns: Column<R>[], rows: R[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const head = `| ${columns.map((c) => esc(c.title)).join(' | ')} |`;
  const rule = `|${columns.map(() => '---').join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${columns.map((c) => esc(c.cell(r))).join(' | ')} |`)].join('\n') + '\n';
}

export function toLatex<R>(columns: Column<R>[], rows: R[], caption: string): string {
  const lines = [
    '\\begin{table}[htbp]\\centering\\small',
    `\\caption{${latexEscape(caption)}}`,
    `\\begin{tabular}{${columns.map((_, i) => (i === 0 ? 'l' : 'r')).join('')}}`,
    '\\hline',
    `${columns.map((c) => latexEscape(c.title)).join(' & ')} \\\\`,
    '\\hline',
    ...rows.map((r) => `${columns.map((c) => latexEscape(c.cell(r))).join(' & ')} \\\\`),
    '\\hline',
    '\\end{tabular}',
    '\\end{table}',
  ];
  return lines.join('\n') + '\n';
}

export function toCsv<R>(columns: CsvColumn<R>[], rows: R[]): string {
  const cell = (v: number | string | null) => (v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : typeof v === 'number' ? String(v) : csvField(v));
  return [columns.map((c) => csvField(c.name)).join(','), ...rows.map((r) => columns.map((c) => cell(c.value(r))).join(','))].join('\n') + '\n';
}
