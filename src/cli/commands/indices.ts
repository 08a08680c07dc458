// `sysgmm indices`: co-agglomeration indices and manufacturing efficiency per city-year, to CSV.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { tableFromArrays, type Table } from 'apache-arrow';
import { DataError, SpecError } from '../../errors.ts';
import { readTable } from '../../data/read.ts';
import { writeCsv } from '../../data/csv-write.ts';
import { checkOutputFile } from '../../data/write-atomic.ts';
import { Panel } from '../../panel/panel.ts';
import { panelIndices, type ReferenceTotals } from '../../study/indices.ts';
import { EFFICIENCY_MEASURES, needsCapital, panelEfficiency, parseEfficiencyMeasures } from '../../study/efficiency.ts';
import { DEFAULT_SECTOR_MAPPING, parseSectorMapping, type SectorMapping } from '../../study/sectors.ts';
import type { MeasureWarning } from '../../study/warnings.ts';
import { DEFAULT_CONFIG } from '../../study/config.ts';
import { readOptionsOf } from '../../input/load-model.ts';
import { dataReadOptions } from '../data-options.ts';

export interface IndicesOptions {
  id: string;
  time: string;
  sectors?: string;
  reference: string;
  efficiency?: string;
  capital?: string;
  labour?: string;
  output?: string;
  out: string;
  /** Write every column of <file>, its rows in the file's order, with the computed columns after them. */
  append?: boolean;
  /** How to read <file> (not the --reference national totals, read by their extension). */
  inputFormat?: string;
  sheet?: string;
  delimiter?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('indices')
    .description('location quotients and co-agglomeration (CA1, CA2) of producer services and manufacturing per city-year, for the whole and each segment, plus manufacturing efficiency; writes a CSV')
    .argument('<file>', 'city-year data (csv, parquet, arrow, dta, xlsx)')
    .requiredOption('--id <column>', 'city column')
    .requiredOption('--time <column>', 'year column')
    .option('--sectors <config.json>', 'sector mapping, or a study.json (its "sectors" key): {columns: {code: column}, manufacturing: [codes], segments: [{key, name, codes}], total: column}; default: GB/T 4754-2002 door sectors in columns emp_<key>')
    .option('--reference <ref>', "reference totals of the location quotient: 'sample' (sums over the sample per year) or 'national:<file>' (one row per year, same column names)", 'sample')
    .option('--efficiency <list>', `comma-separated efficiency measures: ${EFFICIENCY_MEASURES.join(', ')} (labour productivity, output/labour in levels or logs, needs --labour and --output; DEA and Malmquist also --capital); output-oriented DEA is reported as 1/φ ∈ (0, 1]`)
    .option('--capital <column>', 'manufacturing capital')
    .option('--labour <column>', 'manufacturing labour')
    .option('--output <column>', 'manufacturing output')
    .option('--append', "write every column of <file> as the file has it, its rows in the file's order, with the computed columns after them (instead of id, time and the computed columns, sorted by id and time)")
    .requiredOption('--out <file.csv>', 'where to write the CSV');
  dataReadOptions(cmd).action(async (file: string, opts: IndicesOptions) => {
    const res = await runIndices(file, opts);
    for (const w of res.warnings) process.stderr.write(`warning: ${w.message}\n`);
    process.stdout.write(`${opts.out}: ${res.rows} city-years × ${res.columns.length} columns (${res.columns.join(', ')})\n`);
  });
}

/** Read the data, compute the indices (and efficiency), write the CSV; returns what was written. */
export async function runIndices(file: string, opts: IndicesOptions): Promise<{ rows: number; columns: string[]; warnings: MeasureWarning[] }> {
  const read = readOptionsOf(opts, file);
  const mapping = opts.sectors ? readMapping(opts.sectors) : DEFAULT_SECTOR_MAPPING;
  const measures = opts.efficiency ? parseEfficiencyMeasures(opts.efficiency) : [];
  const inputs = measures.some(needsCapital) ? (['capital', 'labour', 'output'] as const) : (['labour', 'output'] as const);
  if (measures.length) {
    const lacking = inputs.filter((k) => !opts[k]);
    if (lacking.length) throw new SpecError(`--efficiency needs ${lacking.map((k) => `--${k}`).join(', ')} (the manufacturing input and output columns)`, '--efficiency');
  }
  checkOutputFile(opts.out, '--out', [file]);
  const reference = await readReference(opts.reference, opts.time, mapping);
  // The id as the file writes it (the reader's `ids` rule), so the output merges back on it: '01503'
  // keeps its leading zero; ids that are all plain integers are numbers, sorted by number (9 before 10).
  const input = await readTable(file, { ...read, ids: [opts.id] });
  const panel = Panel.fromTable(input, { id: opts.id, time: opts.time, source: file });
  const warnings: MeasureWarning[] = [];
  const ex = panel.exclusions;
  if (ex.missingUnit + ex.missingTime > 0)
    warnings.push({
      measure: 'rows',
      cityYears: ex.missingUnit + ex.missingTime,
      reasons: { 'missing city': ex.missingUnit, 'missing year': ex.missingTime },
      message: `${ex.missingUnit + ex.missingTime} row(s) of ${file} dropped (${ex.missingUnit} without ${opts.id}, ${ex.missingTime} without ${opts.time})`,
    });
  const idx = panelIndices(panel, mapping, reference);
  const columns: Record<string, Float64Array> = { ...idx.columns };
  const names = [...idx.names];
  warnings.push(...idx.warnings);
  if (measures.length) {
    for (const k of inputs)
      if (!panel.isNumeric(opts[k]!))
        throw new DataError(`--${k} column '${opts[k]}' ${panel.has(opts[k]!) ? 'is not numeric' : 'not found'} in ${file}${panel.has(opts[k]!) ? panel.textReason(opts[k]!) : ''}`, { file, column: opts[k] });
    const eff = await panelEfficiency(panel, { capital: opts.capital, labour: opts.labour!, output: opts.output! }, measures);
    Object.assign(columns, eff.columns);
    names.push(...eff.names);
    warnings.push(...eff.warnings);
  }
  if (opts.append) {
    const written = await appendToInput(file, read, input, panel, names, columns, opts.out);
    return { rows: input.numRows, columns: written, warnings };
  }
  const ids = Array.from(panel.unitOf, (u) => panel.units[u]);
  const idColumn = typeof ids[0] === 'number' ? Float64Array.from(ids as number[]) : ids.map(String);
  writeCsv(opts.out, tableFromArrays({ [panel.idName]: idColumn, [panel.timeName]: panel.time, ...Object.fromEntries(names.map((n) => [n, columns[n]])) }), '--out');
  return { rows: panel.nrows, columns: [opts.id, opts.time, ...names], warnings };
}

/**
 * --append: the file's columns as it writes them (a CSV read again, every column as text), its rows
 * in its order, with the computed columns after them; a row without an id or a time (counted in a
 * warning) keeps its place, with the computed columns empty. Writes --out; returns its columns.
 */
async function appendToInput(file: string, read: ReturnType<typeof readOptionsOf>, input: Table, panel: Panel, names: string[], columns: Record<string, Float64Array>, out: string): Promise<string[]> {
  const inputNames = columnNames(input);
  const clash = names.filter((n) => inputNames.includes(n));
  if (clash.length) throw new SpecError(`--append: ${file} already has the column${clash.length > 1 ? 's' : ''} ${clash.join(', ')} that indices writes; rename ${clash.length > 1 ? 'them' : 'it'} or leave out --append`, '--append');
  const rowOf = new Map<string, number>();
  for (let r = 0; r < panel.nrows; r++) rowOf.set(`${panel.units[panel.unitOf[r]]}\u0000${panel.time[r]}`, r);
  const id = input.getChild(panel.idName)!;
  const time = input.getChild(panel.timeName)!;
  const at = Array.from({ length: input.numRows }, (_, r) => {
    const [u, t] = [id.get(r), time.get(r)];
    return u === null || t === null ? undefined : rowOf.get(`${u}\u0000${Number(t)}`);
  });
  // Every city-year of the panel is one row of the file (Panel.fromTable keeps each row with an id and a time).
  const matched = at.filter((p) => p !== undefined).length;
  // Only a file changed between the two reads can miss some.
  if (matched !== panel.nrows) throw new DataError(`--append: ${panel.nrows - matched} city-year(s) not found again in the rows of ${file}; did the file change while it was read?`, { file });
  const raw = await readTable(file, { ...read, text: inputNames });
  const computed = Object.fromEntries(names.map((n) => [n, Float64Array.from(at, (p) => (p === undefined ? NaN : columns[n][p]))]));
  writeCsv(out, raw.assign(tableFromArrays(computed)), '--out');
  return [...inputNames, ...names];
}

function readMapping(path: string): SectorMapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SpecError(`--sectors: cannot read ${path}: ${(err as Error).message}`, '--sectors');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`--sectors: ${path} is not valid JSON: ${(err as Error).message}`, '--sectors');
  }
  // A study.json holds the mapping under "sectors" (with the study's other keys beside it).
  const o = json as Record<string, unknown>;
  const studyLike = typeof json === 'object' && json !== null && !Array.isArray(json) && !('columns' in o) && ('sectors' in o || Object.keys(o).some((k) => STUDY_KEYS.includes(k)));
  if (studyLike) {
    if (o.sectors === undefined) return DEFAULT_SECTOR_MAPPING;
    return parseSectorMapping(o.sectors, `${path}: 'sectors'`);
  }
  return parseSectorMapping(json, path);
}

const STUDY_KEYS = Object.keys(DEFAULT_CONFIG);

/** 'sample' or 'national:<file>': the file has one row per year (column --time) and the employment columns of the mapping. */
async function readReference(spec: string, timeName: string, mapping: SectorMapping): Promise<ReferenceTotals> {
  if (spec === 'sample') return { kind: 'sample' };
  if (!spec.startsWith('national:') || spec.length === 'national:'.length)
    throw new SpecError(`--reference must be 'sample' or 'national:<file>', not '${spec}'`, '--reference');
  const path = spec.slice('national:'.length);
  const table = await readTable(path);
  const col = (name: string, what: string): Float64Array => {
    const v = table.getChild(name);
    if (!v) throw new DataError(`national totals ${path}: no ${what} column '${name}'; columns are: ${columnNames(table).join(', ')}`, { file: path, column: name });
    return Float64Array.from({ length: table.numRows }, (_, r) => {
      const x = v.get(r);
      return x === null || x === undefined ? NaN : Number(x);
    });
  };
  const year = col(timeName, 'year (named as --time)');
  const employment: Record<string, Float64Array> = {};
  const hasTotal = mapping.total !== undefined && table.getChild(mapping.total) !== null;
  for (const [code, name] of Object.entries(mapping.columns)) {
    // Without a national total every sector is needed (e is their sum); with one, those present.
    if (table.getChild(name) || !hasTotal) employment[code] = col(name, `sector ${code} employment`);
  }
  return { kind: 'national', year, employment, ...(hasTotal ? { total: col(mapping.total!, 'total employment') } : {}), source: path };
}

function columnNames(table: Table): string[] {
  return table.schema.fields.map((f) => f.name);
}
