// Journal-style regression tables: one column per model, each coefficient with significance stars
// (*** p<0.01, ** p<0.05, * p<0.1) and its standard error in parentheses below, then the
// specification tests and sample sizes. Rendered as Markdown, LaTeX (booktabs), CSV, JSON and
// aligned plain text for the terminal.
import { csvField } from '../data/csv-write.ts';
import { latexEscape } from './latex-escape.ts';
import type { GmmResult } from '../gmm/result.ts';
import { unidentifiedNames } from '../gmm/inference.ts';

/** A bootstrap interval for one coefficient of one column. */
export interface BootstrapInterval {
  name: string;
  low: number;
  high: number;
}

export interface JournalColumn {
  /** Column heading, e.g. "Sys-GMM"; the table numbers columns (1), (2), ... itself. */
  label: string;
  result: GmmResult;
  /** Bootstrap intervals, printed in brackets below the standard error. */
  bootstrap?: BootstrapInterval[];
}

export interface JournalTableInput {
  /** Short id used for file names and LaTeX labels, e.g. "T2". */
  id: string;
  title: string;
  columns: JournalColumn[];
  /** Coefficients to show, in order: name as in GmmResult, label as printed. */
  rows: { name: string; label: string }[];
  /** Text rows after the statistics, e.g. { label: 'Year dummies', values: ['Yes', ...] }. */
  extraRows?: { label: string; values: string[] }[];
  notes?: string[];
  /** Decimals for estimates and standard errors (default 3). */
  digits?: number;
  /** Label of the unit count row (default "Cities"). */
  unitsLabel?: string;
}

export type RowKind = 'coef' | 'se' | 'ci' | 'stat' | 'extra';

export interface TableRow {
  kind: RowKind;
  label: string;
  cells: string[];
}

/** Numbers behind one column, for the JSON form. */
export interface ColumnSummary {
  label: string;
  estimator: GmmResult['estimator'];
  steps: number;
  vce: string;
  nobs: number;
  ngroups: number;
  ninstruments: number | null;
  ar1p: number | null;
  ar2p: number | null;
  hansenP: number | null;
  /** GMM coefficients not identified (estimate and SE set to 0 by the generalized inverse), shown as rows or not. */
  notIdentified: string[];
  coefficients: {
    name: string;
    label: string;
    estimate: number;
    se: number;
    p: number;
    stars: string;
    bootLow: number | null;
    bootHigh: number | null;
  }[];
}

export interface JournalTable {
  id: string;
  title: string;
  /** Column headings without the numbering. */
  header: string[];
  rows: TableRow[];
  notes: string[];
  columns: ColumnSummary[];
}

/** Significance stars at the 1%, 5% and 10% levels (strict inequalities). */
export function stars(p: number): string {
  if (!Number.isFinite(p)) return '';
  return p < 0.01 ? '***' : p < 0.05 ? '**' : p < 0.1 ? '*' : '';
}

/** Fixed decimals; never prints "-0.000". */
export function fixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '' : x > 0 ? 'Inf' : '-Inf';
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

const finiteOrNull = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

const isGmm = (r: GmmResult) => r.estimator === 'system' || r.estimator === 'difference';

/** Assemble the cell grid and the numeric summary of a journal table. */
export function buildJournalTable(input: JournalTableInput): JournalTable {
  const digits = input.digits ?? 3;
  const cols = input.columns;
  const anyBoot = cols.some((c) => c.bootstrap && c.bootstrap.length > 0);
  // xtabond2's invsym reports a coefficient of a singular X'ZWZ'X as 0 with SE 0: not an estimate.
  const lost = cols.map((c) => (isGmm(c.result) ? unidentifiedNames(c.result.coefficients) : []));
  const rows: TableRow[] = [];
  for (const { name, label } of input.rows) {
    const coef: string[] = [];
    const se: string[] = [];
    const ci: string[] = [];
    let present = false;
    for (const [i, c] of cols.entries()) {
      const k = c.result.dropped.includes(name) ? undefined : c.result.coefficients.find((x) => x.name === name);
      if (!k || lost[i].includes(name)) {
        if (k) present = true;
        coef.push(k ? 'not identified' : '');
        se.push('');
        ci.push('');
        continue;
      }
      present = true;
      coef.push(fixed(k.estimate, digits) + stars(k.p));
      // A missing SE (a hand-edited or older saved result) as Stata writes a missing value.
      se.push(`(${Number.isFinite(k.se) ? fixed(k.se, digits) : '.'})`);
      const b = c.bootstrap?.find((x) => x.name === name);
      // A bound no replication could give (none succeeded) prints as Stata's missing value.
      const bound = (x: number) => (Number.isFinite(x) ? fixed(x, digits) : '.');
      ci.push(b ? `[${bound(b.low)}, ${bound(b.high)}]` : '');
    }
    if (!present) continue;
    rows.push({ kind: 'coef', label, cells: coef });
    rows.push({ kind: 'se', label: '', cells: se });
    if (anyBoot) rows.push({ kind: 'ci', label: '', cells: ci });
  }
  const pOf = (r: GmmResult, order: number) => (isGmm(r) ? r.ar.find((a) => a.order === order)?.p ?? null : null);
  const stat = (label: string, f: (r: GmmResult) => string) => rows.push({ kind: 'stat', label, cells: cols.map((c) => f(c.result)) });
  const p3 = (p: number | null | undefined) => (p === null || p === undefined ? '' : fixed(p, 3));
  stat('AR(1) p', (r) => p3(pOf(r, 1)));
  stat('AR(2) p', (r) => p3(pOf(r, 2)));
  stat('Hansen p', (r) => p3(isGmm(r) ? r.hansen?.p : null));
  const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : '');
  stat('Instruments', (r) => (isGmm(r) ? count(r.ninstruments) : ''));
  stat(input.unitsLabel ?? 'Cities', (r) => count(r.ngroups));
  stat('Observations', (r) => count(r.nobs));
  // Weighted fits say so (their Observations is the frequency weights' sum under [fw=…]).
  if (cols.some((c) => c.result.weights)) stat('Weights', (r) => (r.weights ? `[${r.weights.kind.slice(0, 1)}w=${r.weights.variable}]` : ''));
  for (const e of input.extraRows ?? []) {
    if (e.values.length !== cols.length) throw new Error(`extra row '${e.label}' has ${e.values.length} values for ${cols.length} columns`);
    rows.push({ kind: 'extra', label: e.label, cells: e.values });
  }
  const notes = [...(input.notes ?? [])];
  const lostText = lost.flatMap((names, i) => (names.length ? [`(${i + 1}) ${names.join(', ')}`] : []));
  if (lostText.length)
    notes.push(`Not identified (X'ZWZ'X singular; its generalized inverse, xtabond2's invsym, sets the estimate and standard error to 0): ${lostText.join('; ')}.`);
  notes.push(
    `Standard errors in parentheses${anyBoot ? '; bootstrap 95% intervals in brackets' : ''}. *** p<0.01, ** p<0.05, * p<0.1.`,
  );
  const columns: ColumnSummary[] = cols.map((c, i) => {
    const r = c.result;
    return {
      label: c.label,
      estimator: r.estimator,
      steps: r.steps,
      vce: r.vce,
      nobs: r.nobs,
      ngroups: r.ngroups,
      ninstruments: isGmm(r) ? r.ninstruments : null,
      ar1p: pOf(r, 1),
      ar2p: pOf(r, 2),
      hansenP: isGmm(r) ? r.hansen?.p ?? null : null,
      notIdentified: lost[i],
      coefficients: input.rows.flatMap(({ name, label }) => {
        const k = r.dropped.includes(name) ? undefined : r.coefficients.find((x) => x.name === name);
        if (!k) return [];
        const b = c.bootstrap?.find((x) => x.name === name);
        return [{ name, label, estimate: k.estimate, se: k.se, p: k.p, stars: stars(k.p), bootLow: finiteOrNull(b?.low), bootHigh: finiteOrNull(b?.high) }];
      }),
    };
  });
  return { id: input.id, title: input.title, header: cols.map((c) => c.label), rows, notes, columns };
}

const numbered = (t: JournalTable) => t.header.map((_, i) => `(${i + 1})`);

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function toMarkdown(t: JournalTable): string {
  const head = ['', ...t.header.map((h, i) => `(${i + 1}) ${h}`)];
  const lines = [`**${t.id}. ${t.title}**`, '', `| ${head.map(mdCell).join(' | ')} |`, `|${['---', ...t.header.map(() => '---:')].join('|')}|`];
  for (const r of t.rows) lines.push(`| ${[r.label, ...r.cells].map(mdCell).join(' | ')} |`);
  lines.push('');
  for (const n of t.notes) lines.push(`*${n.replace(/\*/g, '\\*')}*`, '');
  return lines.join('\n');
}

function latexCell(r: TableRow, cell: string): string {
  if (r.kind === 'coef') {
    const m = /^(.*?)(\*{1,3})$/.exec(cell);
    return m ? `${m[1]}$^{${m[2]}}$` : cell;
  }
  return latexEscape(cell);
}

export function toLatex(t: JournalTable): string {
  const k = t.header.length;
  const out = [
    '\\begin{table}[htbp]',
    '\\centering',
    `\\caption{${latexEscape(t.title)}}`,
    `\\label{tab:${t.id}}`,
    `\\begin{tabular}{l*{${k}}{c}}`,
    '\\toprule',
    ` & ${numbered(t).join(' & ')} \\\\`,
    ` & ${t.header.map(latexEscape).join(' & ')} \\\\`,
    '\\midrule',
  ];
  let prev: RowKind | null = null;
  for (const r of t.rows) {
    if ((r.kind === 'stat' && prev !== 'stat') || (r.kind === 'extra' && prev !== 'extra')) out.push('\\midrule');
    out.push(`${latexEscape(r.label)} & ${r.cells.map((c) => latexCell(r, c)).join(' & ')} \\\\`);
    prev = r.kind;
  }
  out.push('\\bottomrule', '\\end{tabular}');
  if (t.notes.length) out.push(`\\par\\smallskip{\\footnotesize ${t.notes.map(latexEscape).join(' ')}}`);
  out.push('\\end{table}', '');
  return out.join('\n');
}


/** The printed grid as CSV: a header row of column headings, then one line per printed row. */
export function toCsv(t: JournalTable): string {
  const lines = [['', ...t.header.map((h, i) => `(${i + 1}) ${h}`)], ...t.rows.map((r) => [r.label, ...r.cells])];
  return lines.map((l) => l.map(csvField).join(',')).join('\n') + '\n';
}

/** Numbers (columns) and the printed grid (rows), as one JSON object. */
export function toJson(t: JournalTable): string {
  return JSON.stringify({ id: t.id, title: t.title, columns: t.columns, header: t.header, rows: t.rows, notes: t.notes }, null, 2) + '\n';
}

/** Aligned plain text for the terminal. */
export function toText(t: JournalTable): string {
  const grid = [['', ...numbered(t)], ['', ...t.header], ...t.rows.map((r) => [r.label, ...r.cells])];
  const widths = grid[0].map((_, j) => Math.max(...grid.map((g) => g[j].length)));
  const fmt = (g: string[]) => g.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const out = [`${t.id}. ${t.title}`, rule, fmt(grid[0]), fmt(grid[1]), rule];
  let prev: RowKind | null = null;
  for (const r of t.rows) {
    if ((r.kind === 'stat' && prev !== 'stat') || (r.kind === 'extra' && prev !== 'extra')) out.push(rule);
    out.push(fmt([r.label, ...r.cells]));
    prev = r.kind;
  }
  out.push(rule, ...t.notes, '');
  return out.join('\n');
}
