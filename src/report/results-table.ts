// `sysgmm table`: an esttab-style table across models from saved results (`estimate --save`,
// `estimate --json`, or JSON.stringify of the library's estimate result): one column per file, the
// union of their coefficients in order of first appearance, then AR(1)/AR(2) p, Hansen p, instruments,
// groups and observations (the journal-table layout of src/report/journal-table.ts).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DataError, shortened } from '../errors.ts';
import type { GmmResult } from '../gmm/result.ts';
import { lookupCoefficient } from '../spec/coefficient-name.ts';
import { buildJournalTable, toCsv, toJson, toLatex, toMarkdown, toText, type JournalTable } from './journal-table.ts';

export const TABLE_FORMATS = ['text', 'markdown', 'latex', 'csv', 'json'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** JSON writes NaN as null: read it back as NaN. */
const num = (x: unknown): number => (typeof x === 'number' ? x : NaN);

/** A saved result, checked to be one: the fields the table reads must be there, each of its type (a
 *  wrong one once ended in a stack trace, or printed: an estimate "NaN" kept its standard error). */
export async function readSavedResult(path: string): Promise<GmmResult> {
  let json: unknown;
  try {
    // A byte-order mark (an editor's) is no part of the JSON.
    json = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`file not found: ${path}`, { file: path });
    if (err instanceof SyntaxError) throw new DataError(`${path} is not valid JSON: ${err.message}`, { file: path });
    throw err;
  }
  const r = json as Partial<GmmResult> | null;
  const missing = ['estimator', 'coefficients', 'nobs', 'ngroups'].filter((k) => r === null || typeof r !== 'object' || Array.isArray(r) || !(k in r));
  if (missing.length || !Array.isArray(r!.coefficients))
    throw new DataError(`${path} is not a saved sysgmm result (no ${missing.join(', ') || 'coefficients list'}); write one with \`sysgmm estimate ... --save FILE\``, { file: path });
  checkShape(path, r as Record<string, unknown>);
  const result = r as GmmResult;
  return {
    ...result,
    coefficients: result.coefficients.map((c) => ({ ...c, estimate: num(c.estimate), se: num(c.se), stat: num(c.stat), p: num(c.p), ciLow: num(c.ciLow), ciHigh: num(c.ciHigh) })),
    ar: (result.ar ?? []).map((a) => ({ ...a, z: num(a.z), p: num(a.p) })),
    hansen: result.hansen ? { ...result.hansen, p: num(result.hansen.p) } : null,
    dropped: result.dropped ?? [],
  };
}

/** Refuse a saved result whose fields the table reads are not of their types, naming the file and the field. */
function checkShape(path: string, r: Record<string, unknown>): void {
  const bad = (field: string, want: string, got: unknown): never => {
    const shown = JSON.stringify(got) ?? String(got);
    throw new DataError(`${path}: field '${field}' must be ${want}, got ${shortened(shown)}`, { file: path });
  };
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  // A number, or null (JSON writes NaN as null); never a string such as "NaN".
  const numberOrNull = (x: unknown, field: string): void => {
    if (x !== undefined && x !== null && typeof x !== 'number') bad(field, 'a number or null', x);
  };
  const count = (x: unknown, field: string): void => {
    if (x !== null && !(typeof x === 'number' && Number.isInteger(x) && x >= 0)) bad(field, 'a whole number of 0 or more', x);
  };
  if (typeof r.estimator !== 'string') bad('estimator', 'a string', r.estimator);
  count(r.nobs, 'nobs');
  count(r.ngroups, 'ngroups');
  if (r.ninstruments !== undefined) count(r.ninstruments, 'ninstruments');
  if (r.depvar !== undefined && r.depvar !== null && typeof r.depvar !== 'string') bad('depvar', 'a string', r.depvar);
  const names = new Set<string>();
  (r.coefficients as unknown[]).forEach((c, i) => {
    const at = `coefficients[${i}]`;
    if (!isObject(c)) return bad(at, 'an object {name, estimate, se, ...}', c);
    if (typeof c.name !== 'string' || c.name.trim() === '') bad(`${at}.name`, 'a non-empty string', c.name);
    const name = c.name as string;
    if (names.has(name)) throw new DataError(`${path}: coefficient '${name}' appears twice in 'coefficients' (${at} repeats it)`, { file: path });
    names.add(name);
    for (const k of ['estimate', 'se', 'stat', 'p', 'ciLow', 'ciHigh']) numberOrNull(c[k], `${at}.${k}`);
    if (typeof c.se === 'number' && c.se < 0) bad(`${at}.se`, 'a standard error of 0 or more', c.se);
  });
  if (r.ar !== undefined && r.ar !== null) {
    if (!Array.isArray(r.ar)) bad('ar', 'a list of {order, z, p}', r.ar);
    (r.ar as unknown[]).forEach((a, i) => {
      if (!isObject(a)) return bad(`ar[${i}]`, 'an object {order, z, p}', a);
      if (!(typeof a.order === 'number' && Number.isInteger(a.order) && a.order >= 1)) bad(`ar[${i}].order`, 'a whole number of 1 or more', a.order);
      numberOrNull(a.z, `ar[${i}].z`);
      numberOrNull(a.p, `ar[${i}].p`);
    });
  }
  if (r.hansen !== undefined && r.hansen !== null) {
    if (!isObject(r.hansen)) bad('hansen', 'an object {chi2, df, p} or null', r.hansen);
    numberOrNull((r.hansen as Record<string, unknown>).p, 'hansen.p');
  }
  if (r.dropped !== undefined && r.dropped !== null && !(Array.isArray(r.dropped) && r.dropped.every((d) => typeof d === 'string')))
    bad('dropped', 'a list of coefficient names', r.dropped);
}

export interface ResultsTableOptions {
  /** Column headings (default: each file's name without .json). */
  titles?: string[];
  title?: string;
  /** Coefficients to show, in this order (default: all); "L.n" is the label L1.n. */
  keep?: string[];
  digits?: number;
}

export function resultsTable(files: string[], results: GmmResult[], opts: ResultsTableOptions = {}): JournalTable {
  if (opts.titles && opts.titles.length !== files.length)
    throw new DataError(`--titles names ${opts.titles.length} column(s) for ${files.length} file(s)`);
  const seen: string[] = [];
  for (const r of results) for (const c of r.coefficients) if (!seen.includes(c.name)) seen.push(c.name);
  // A --keep name is spelt as Stata reads it ("L.n" is the label L1.n; src/spec/coefficient-name.ts),
  // looked up among the coefficients of every model; two spellings of one coefficient make one row.
  const names = [
    ...new Set(
      (opts.keep ?? seen).map((k) => {
        const found = lookupCoefficient(k, seen);
        if (found.error !== undefined) throw new DataError(`--keep: ${found.error}`);
        return found.name;
      }),
    ),
  ];
  const depvars = [...new Set(results.map((r) => r.depvar).filter((d) => d))];
  return buildJournalTable({
    id: 'Table',
    title: opts.title ?? (depvars.length === 1 ? `Dependent variable: ${depvars[0]}` : 'Estimates'),
    columns: results.map((result, i) => ({ label: opts.titles?.[i] ?? basename(files[i]).replace(/\.json$/i, ''), result })),
    rows: names.map((name) => ({ name, label: name })),
    unitsLabel: 'Groups',
    digits: opts.digits,
  });
}

export function formatResultsTable(table: JournalTable, format: TableFormat): string {
  switch (format) {
    case 'text':
      return toText(table);
    case 'markdown':
      return toMarkdown(table);
    case 'latex':
      return toLatex(table);
    case 'csv':
      return toCsv(table);
    case 'json':
      return toJson(table);
  }
}
