// One entry point for every supported file type: the format comes from the extension unless given.
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { DataType, type Table } from './arrow-core.ts';
import { DataError, isOutOfMemory, MEMORY_LIMIT_HINT, SpecError } from '../errors.ts';
import { readFailure } from '../file-errors.ts';
import { refuseInfinite, toFloat64 } from './columns.ts';
import { csvThreads, readCsv } from './csv.ts';
import { releaseEarlyCsvWorker } from './early-worker.ts';
import { loadOptional } from './optional.ts';
import { isDatasetPath, readDataset } from './dataset.ts';

export type DataFormat = 'csv' | 'arrow' | 'parquet' | 'dta' | 'xlsx';
export const DATA_FORMATS: readonly DataFormat[] = ['csv', 'arrow', 'parquet', 'dta', 'xlsx'];

export interface ReadOptions {
  /** Override the format chosen from the file extension. */
  format?: DataFormat;
  /** Worksheet of an .xlsx file (default: the first). */
  sheet?: string;
  /** Columns that must be numeric; a value that is not a number is an error naming where it is. */
  numeric?: string[];
  /** CSV: columns kept as text even if every value looks numeric. */
  text?: string[];
  /** CSV: unit-id columns, read as numbers only while every id is written as a canonical integer, else as text exactly as written. */
  ids?: string[];
  /** CSV field separator (default: tab for .tsv, else detected from the header line). */
  delimiter?: string;
  /** CSV: threads that parse the file (default: SYSGMM_CSV_THREADS, else one per core for files of 64 MiB and more). */
  threads?: number;
}

const BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.arrows': 'arrow',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.dta': 'dta',
  '.xlsx': 'xlsx',
};

/** The format implied by a file name, or undefined. */
export function formatOf(path: string): DataFormat | undefined {
  return BY_EXTENSION[extname(path).toLowerCase()];
}

export async function readTable(path: string, opts: ReadOptions = {}): Promise<Table> {
  try {
    return await readPath(path, opts);
  } finally {
    // A CSV worker the bin started early and no threaded read took (early-worker.ts) is not needed.
    releaseEarlyCsvWorker();
  }
}

async function readPath(path: string, opts: ReadOptions): Promise<Table> {
  // A folder, a glob or standard input (-): src/data/dataset.ts reads each file through here.
  if (isDatasetPath(path)) return readDataset(path, opts, readTable, formatOf);
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new DataError(`${path} is not a file`, { file: path });
    size = st.size;
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(readFailure(path, err), { file: path });
  }
  if (size === 0) throw new DataError(`${path}: the file is empty`, { file: path });
  const format = opts.format ?? formatOf(path);
  if (!format)
    throw new DataError(`${path}: unknown file type '${extname(path)}'; name the format (${DATA_FORMATS.join(', ')})`, { file: path });
  if (!DATA_FORMATS.includes(format)) throw new DataError(`unknown format '${format}'; formats are: ${DATA_FORMATS.join(', ')}`);
  try {
    const table = await readAs(format, path, size, opts);
    checkNames(table, path);
    if (format !== 'csv' && format !== 'xlsx') checkNumeric(table, opts.numeric ?? [], path);
    if (format !== 'csv') checkFinite(table, path); // the CSV reader refuses them itself, naming the line
    return table;
  } catch (err) {
    if (err instanceof DataError || err instanceof SpecError) throw err;
    // Memory refused is no fault of the file: say which.
    if (isOutOfMemory(err)) throw new DataError(`${path}: not enough memory to read it (${err.message}); ${MEMORY_LIMIT_HINT}`, { file: path });
    // A reader library's own failure (a damaged file found while decoding): name the file and the format.
    throw new DataError(`${path}: cannot read it as ${format} (the file is damaged or not ${format}: ${(err as Error)?.message ?? String(err)})`, { file: path });
  }
}

async function readAs(format: DataFormat, path: string, size: number, opts: ReadOptions): Promise<Table> {
  let table: Table;
  switch (format) {
    case 'csv': {
      const csv = {
        numeric: opts.numeric,
        text: opts.text,
        ids: opts.ids,
        delimiter: opts.delimiter ?? (extname(path).toLowerCase() === '.tsv' ? '\t' : undefined),
      };
      const threads = csvThreads(size, opts.threads);
      // The threaded reader (worker_threads) loads only for the files it reads.
      table = threads > 1 ? (await (await import('./csv-parallel.ts')).readCsvParallel(path, csv, threads)).table : readCsv(path, csv);
      break;
    }
    case 'arrow':
      // The Arrow IPC reader (and the .dta reader below) load only when needed, like Parquet.
      table = (await import('./arrow.ts')).readArrowIpc(path);
      break;
    case 'parquet':
      // parquet-wasm and exceljs are large.
      table = await (await import('./parquet.ts')).readParquet(path);
      break;
    case 'dta':
      table = (await import('./dta.ts')).readDta(path);
      break;
    case 'xlsx':
      table = await (await loadOptional('exceljs', `${path} (.xlsx)`, () => import('./xlsx.ts'))).readXlsx(path, { sheet: opts.sheet, numeric: opts.numeric });
      break;
  }
  return table;
}

/** Two columns of one name (possible in Arrow and Parquet files) would make every lookup ambiguous. */
function checkNames(table: Table, path: string): void {
  const seen = new Set<string>();
  for (const f of table.schema.fields) {
    if (seen.has(f.name)) throw new DataError(`${path}: two columns are named '${f.name}'; rename one`, { file: path, column: f.name });
    seen.add(f.name);
  }
}

/** ±Infinity is not data (Stata has no such value): an error naming the first row and column holding one. */
function checkFinite(table: Table, path: string): void {
  for (const f of table.schema.fields) {
    if (!DataType.isFloat(f.type) && !DataType.isDecimal(f.type)) continue;
    refuseInfinite(toFloat64(table.getChild(f.name)!), f.name, path);
  }
}

/** Binary formats carry their types: a declared-numeric column must exist and have a numeric type. */
function checkNumeric(table: Table, numeric: string[], path: string): void {
  const names = table.schema.fields.map((f) => f.name);
  for (const name of numeric) {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) throw new DataError(`${path}: unknown column '${name}'; columns are: ${names.join(', ')}`, { file: path, column: name });
    const t = field.type;
    if (!(DataType.isInt(t) || DataType.isFloat(t) || DataType.isDecimal(t) || DataType.isBool(t)))
      throw new DataError(`${path}: column '${name}' is ${t}, not numeric`, { file: path, column: name });
  }
}
