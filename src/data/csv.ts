// A streaming, byte-level, typed CSV reader into Arrow columns.
//
// The file is read in chunks (1 MiB by default) into one reused Buffer; records are parsed
// straight from the bytes into Float64Array columns (NaN = missing), so the text never sits in
// memory as a whole. Every column starts numeric; the first non-missing value that is not a number
// turns that column into text from that row on. The numeric rows before it are re-read as text at
// the end, in one pass that extracts only those columns and stops at the last such row, so type
// inference never needs a second full pass. Missing: empty, NA, ".", NaN. The parser is in
// csv-parse.ts, which leaves records of plain numbers to a WebAssembly kernel (csv-fast.ts); readTable
// hands large files to csv-parallel.ts, which parses byte ranges on several threads into the same table.
import { closeSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Table } from 'apache-arrow';
import { DataError, SpecError } from '../errors.ts';
import { float64Data, NOT_NUMERIC, tableFromColumns, utf8Data, type BuiltColumn } from './build.ts';
import { CR, CsvParser, LF, QUOTE, scan, type CsvOptions, type TextPart } from './csv-parse.ts';

export type { CsvOptions };

/** gzip's magic number: no reader takes a compressed file. */
const GZIP = '\x1f\x8b';
/** Magic numbers of the binary formats a file named .csv most often turns out to be (another extension
 *  or --input-format reads them). */
const MAGIC: [string, string][] = [
  ['PAR1', 'a Parquet file'],
  ['ARROW1', 'an Arrow IPC file'],
  ['PK\x03\x04', 'a zip archive (an .xlsx workbook?)'],
  ['<stata_dta>', 'a Stata .dta file'],
  ['\xd0\xcf\x11\xe0', 'an old Excel .xls (or other OLE) file'],
];

/**
 * The first bytes of the file: refuse what is not UTF-8 text (UTF-16, binary formats) and, unless
 * given, pick the delimiter that splits the header line most often among , ; tab and |.
 */
export function sniff(path: string, delimiter: string | undefined): string {
  const head = Buffer.alloc(1 << 16);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const bytes = head.subarray(0, n);
  const start = bytes.toString('latin1', 0, 16);
  if (start.startsWith('\xff\xfe') || start.startsWith('\xfe\xff'))
    throw new DataError(`${path}: the file is UTF-16 text; save it as UTF-8 (CSV UTF-8 in Excel)`, { file: path });
  if (start.startsWith(GZIP)) throw new DataError(`${path}: not a CSV file: it is gzip-compressed; decompress it first (gunzip -k '${path}')`, { file: path });
  for (const [magic, what] of MAGIC)
    if (start.startsWith(magic)) throw new DataError(`${path}: not a CSV file: it is ${what}; give the right extension or --input-format`, { file: path });
  if (bytes.includes(0)) throw new DataError(`${path}: not a CSV file: it holds binary data (NUL bytes)`, { file: path });
  if (delimiter !== undefined) return delimiter;
  let best = ',';
  let most = 0;
  for (const d of [',', ';', '\t', '|']) {
    const code = d.charCodeAt(0);
    let count = 0;
    let quoted = false;
    for (let i = 0; i < n; i++) {
      const b = bytes[i];
      if (b === QUOTE) quoted = !quoted;
      else if (!quoted && (b === LF || b === CR)) break;
      else if (!quoted && b === code) count++;
    }
    if (count > most) [best, most] = [d, count];
  }
  return best;
}

/**
 * Read a CSV file into an Arrow table: numeric columns as Float64 (nulls for missing), others as Utf8.
 * The delimiter, unless given, is the one of , ; tab | that splits the header line most often.
 */
export function readCsv(path: string, opts: CsvOptions = {}): Table {
  const delim = delimiterOf(path, opts);
  const parser = new CsvParser(path, delim);
  scan(path, parser, opts, Infinity, (rows) => parser.allocate(rows));
  const n = parser.row;
  // Re-read, as text, the leading rows of columns that turned out not to be numeric.
  let prefix: CsvParser | undefined;
  if (parser.lateText.size > 0) {
    prefix = new CsvParser(path, delim, new Set(parser.lateText.keys()));
    prefix.setHeader([...parser.names], {});
    const upto = Math.max(...parser.lateText.values());
    prefix.allocate(upto);
    scan(path, prefix, {}, upto);
  }
  const columns: BuiltColumn[] = parser.names.map((name, c) => {
    const values = parser.num[c];
    // A view, never a copy: capacity beyond the rows read was never written, so it holds address space, not memory.
    if (values) return { name, data: float64Data(values.subarray(0, n), parser.missing[c] === 1) };
    const t = parser.text[c]!;
    const head = prefix?.text[c];
    const rest: TextPart = { offsets: t.offsets, present: t.present, bytes: t.bytes, rows: t.count };
    const parts = head ? [{ offsets: head.offsets, present: head.present, bytes: head.bytes, rows: t.fromRow }, rest] : [rest];
    return textColumn(name, parts, n, parser.firstText.get(c));
  });
  return tableFromColumns(columns);
}

/** The one-byte field separator: given, or sniffed from the header line. */
export function delimiterOf(path: string, opts: CsvOptions): number {
  const delimiter = sniff(path, opts.delimiter);
  if (Buffer.byteLength(delimiter) !== 1) throw new DataError(`--delimiter: a CSV delimiter is one byte, got '${delimiter}'`);
  return delimiter.charCodeAt(0);
}

/** A Utf8 column of n rows from parts in row order; `first`: where the column's first non-number is (field metadata). */
export function textColumn(name: string, parts: TextPart[], n: number, first?: string): BuiltColumn {
  const metadata = first === undefined ? undefined : new Map([[NOT_NUMERIC, first]]);
  const offsets = new Int32Array(n + 1);
  const present = new Uint8Array(n);
  let row = 0;
  let base = 0;
  for (const part of parts) {
    for (let r = 0; r < part.rows; r++) offsets[row + r + 1] = base + part.offsets[r + 1];
    present.set(part.present.subarray(0, part.rows), row);
    row += part.rows;
    base += part.offsets[part.rows];
  }
  const bytes = new Uint8Array(base);
  base = 0;
  for (const part of parts) {
    bytes.set(part.bytes.subarray(0, part.offsets[part.rows]), base);
    base += part.offsets[part.rows];
  }
  return { name, data: utf8Data(offsets, bytes, present), metadata };
}

/**
 * Files from this size up are parsed on several threads (csv-parallel.ts). A worker thread costs about
 * 0.1 s of CPU to start and compiles the parser again, and the calling thread first counts the other
 * ranges' lines: below this size that is about what a second core saves (bench/RESULTS.md).
 */
export const PARALLEL_CSV_BYTES = 64 * 2 ** 20;
/** At least this much of the file per thread. */
const BYTES_PER_THREAD = 32 * 2 ** 20;

/** Whether the warning that a thread count was capped has been written (once a process: a dataset reads many files). */
let cappedWarned = false;

/**
 * Threads to read a CSV file of `size` bytes on: `threads`, else SYSGMM_CSV_THREADS, when given (1:
 * one thread; more: that many ranges whatever the size, at most one per core, with a warning: each
 * thread holds its own buffers, and 500 threads took 30 s and 2.8 GB on a 1 MB file, 100000 crashed);
 * else one per core, for files of PARALLEL_CSV_BYTES and more, with at least BYTES_PER_THREAD each.
 */
export function csvThreads(size: number, threads?: number): number {
  const env = process.env.SYSGMM_CSV_THREADS;
  const name = threads === undefined ? 'SYSGMM_CSV_THREADS' : 'threads';
  let given: number | undefined = threads;
  if (given === undefined && env !== undefined && env !== '') {
    // Written as digits only: Number() would also take ' 2', '0x10' and '1e2'.
    if (!/^\d+$/.test(env.trim())) throw new SpecError(`SYSGMM_CSV_THREADS must be a positive integer, got '${env}'`);
    given = Number(env.trim());
  }
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 1) throw new SpecError(`${name} must be a positive integer, got '${threads ?? env}'`);
    const cores = availableParallelism();
    if (given > cores) {
      if (!cappedWarned) process.stderr.write(`Warning: ${name === 'threads' ? 'threads' : 'SYSGMM_CSV_THREADS='}${given} is more than the ${cores} cores available; using ${cores}\n`);
      cappedWarned = true;
      return cores;
    }
    return given;
  }
  return size < PARALLEL_CSV_BYTES ? 1 : Math.max(1, Math.min(availableParallelism(), Math.floor(size / BYTES_PER_THREAD)));
}
