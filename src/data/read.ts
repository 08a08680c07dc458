// One entry point for every supported file type: the format comes from the extension unless given.
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { DataType, type Table } from 'apache-arrow';
import { DataError } from '../errors.ts';
import { readArrowIpc } from './arrow.ts';
import { readCsv } from './csv.ts';
import { readDta } from './dta.ts';
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
  /** CSV field separator (default ',', or tab for .tsv). */
  delimiter?: string;
}

const BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
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
  // A folder, a glob or standard input (-): src/data/dataset.ts reads each file through here.
  if (isDatasetPath(path)) return readDataset(path, opts, readTable, formatOf);
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new DataError(`${path} is not a file`, { file: path });
    size = st.size;
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${(err as Error).message}`, { file: path });
  }
  if (size === 0) throw new DataError(`${path}: the file is empty`, { file: path });
  const format = opts.format ?? formatOf(path);
  if (!format)
    throw new DataError(`${path}: unknown file type '${extname(path)}'; name the format (${DATA_FORMATS.join(', ')})`, { file: path });
  if (!DATA_FORMATS.includes(format)) throw new DataError(`unknown format '${format}'; formats are: ${DATA_FORMATS.join(', ')}`);
  let table: Table;
  switch (format) {
    case 'csv':
      table = readCsv(path, {
        numeric: opts.numeric,
        text: opts.text,
        delimiter: opts.delimiter ?? (extname(path).toLowerCase() === '.tsv' ? '\t' : ','),
      });
      break;
    case 'arrow':
      table = readArrowIpc(path);
      break;
    case 'parquet':
      // parquet-wasm and exceljs are large: loaded only when needed.
      table = await (await import('./parquet.ts')).readParquet(path);
      break;
    case 'dta':
      table = readDta(path);
      break;
    case 'xlsx':
      table = await (await loadOptional('exceljs', `${path} (.xlsx)`, () => import('./xlsx.ts'))).readXlsx(path, { sheet: opts.sheet, numeric: opts.numeric });
      break;
  }
  if (format !== 'csv' && format !== 'xlsx') checkNumeric(table, opts.numeric ?? [], path);
  return table;
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
