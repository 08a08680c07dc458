// Data sources that are more than one file: a dataset folder (every data file under it, recursively),
// a glob (`data/*.parquet`, `data/**/*.arrow`), and standard input (`-`, format given). The files must
// agree on their columns (names and types); hive-style folders `key=value/` add one column per key
// (numbers where every value reads as one, text otherwise; `__HIVE_DEFAULT_PARTITION__` is missing).
// The files' record batches are taken as they are (no copy) and the partition columns added beside.
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Field, Float64, RecordBatch, Schema, Struct, Table, makeData, type Data, type DataType } from './arrow-core.ts';
import { DataError } from '../errors.ts';
import { partitionShardFiles, verifyPartitionShards } from './partition-manifest.ts';
import { globParts, isGlob, segmentRegex } from './glob.ts';
import { float64Data, NOT_NUMERIC, utf8FromStrings } from './build.ts';
import { ROWS_BY_FILE } from './row-place.ts';

type Format = 'csv' | 'arrow' | 'parquet' | 'dta' | 'xlsx';
type ReadOne<O> = (path: string, opts: O) => Promise<Table>;
interface DatasetOptions {
  format?: Format;
  /** Columns declared numeric or text: a partition key among them is left out of each file's read. */
  numeric?: string[];
  text?: string[];
}

const EXTENSION: Record<Format, string> = { csv: '.csv', arrow: '.arrow', parquet: '.parquet', dta: '.dta', xlsx: '.xlsx' };
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/** Whether a path names standard input, a glob or a folder rather than one file. */
export function isDatasetPath(path: string): boolean {
  if (path === '-' || isGlob(path)) return true;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function readDataset<O extends DatasetOptions>(path: string, opts: O, readOne: ReadOne<O>, formatOf: (p: string) => Format | undefined): Promise<Table> {
  if (path === '-') return readStdin(opts, readOne);
  const { root, files: data } = datasetFiles(path, opts.format, formatOf);
  // A partition's shards are read only as its manifest recorded them (checksums).
  if (!isGlob(path)) await verifyPartitionShards(path);
  const formats = new Set(data.map((f) => opts.format ?? formatOf(f)));
  if (formats.size > 1) throw new DataError(`${path}: the files mix formats (${[...formats].join(', ')}); a dataset is one format`, { file: path });
  const tables: Table[] = [];
  for (const f of data) {
    const keys = partitions(root, f).map(([k]) => k);
    const own = (names: string[] | undefined) => names?.filter((n) => !keys.includes(n));
    tables.push(await readOne(f, { ...opts, numeric: own(opts.numeric), text: own(opts.text) }));
  }
  return combine(path, root, data, tables);
}

/** The data files of a folder or glob, sorted, and the folder their partition keys are relative to. */
export function datasetFiles(path: string, format: Format | undefined, formatOf: (p: string) => Format | undefined): { root: string; files: string[] } {
  const glob = isGlob(path);
  // A folder's .txt files are taken for its notes (README.txt), not data: read as CSV, they failed the
  // dataset with a column mismatch. Each skipped is named in a warning, since one may hold data; a
  // glob that names .txt files reads them.
  let { root, files } = glob ? expandGlob(path) : { root: path, files: partitionShardFiles(path) ?? listFolder(path) };
  if (!glob) {
    const notes = files.filter((f) => /\.txt$/i.test(f));
    if (notes.length) {
      files = files.filter((f) => !/\.txt$/i.test(f));
      warnSkipped(path, notes.map((f) => relative(root, f)));
    }
  }
  const data = files.filter((f) => (format ? formatOf(f) === format || formatOf(f) === undefined : formatOf(f) !== undefined));
  if (data.length === 0)
    throw new DataError(
      `${path}: no data files${glob ? ' match' : ' in the folder'}${/[{}]/.test(path) ? ' (braces {a,b} are not expanded in a glob: use a [ab] class, or a wider pattern and an if condition)' : ''}`,
      { file: path },
    );
  return { root, files: data };
}

/** Folders whose skipped .txt files were named: a command may list a folder more than once. */
const warned = new Set<string>();
function warnSkipped(path: string, names: string[]): void {
  if (warned.has(path)) return;
  warned.add(path);
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  process.stderr.write(`Warning: ${path}: not read: ${shown} (.txt files in a dataset folder are taken for notes; a glob such as '${join(path, '*.txt')}' reads them as data)\n`);
}

let stdin: Promise<Buffer> | undefined;
/** Standard input, read once per process (a command may read its data twice, e.g. declaring columns numeric). */
function stdinBytes(): Promise<Buffer> {
  stdin ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  return stdin;
}

/** Standard input, read whole, then read as a file of the given format. */
async function readStdin<O extends DatasetOptions>(opts: O, readOne: ReadOne<O>): Promise<Table> {
  if (!opts.format) throw new DataError('reading standard input (-) needs --input-format (csv, arrow, parquet, dta or xlsx)');
  const bytes = await stdinBytes();
  if (bytes.length === 0) throw new DataError('standard input (-) is empty');
  const dir = await mkdtemp(join(tmpdir(), 'sysgmm-stdin-'));
  try {
    const file = join(dir, `stdin${EXTENSION[opts.format]}`);
    await writeFile(file, bytes);
    try {
      return await readOne(file, opts);
    } catch (err) {
      // The copy is gone once the command ends: a message names what the user gave instead.
      if (err instanceof DataError) throw new DataError(err.message.replaceAll(file, 'standard input (-)'), { ...err.where, file: '-' });
      throw err;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every file under a folder, sorted, skipping hidden files and `_`-prefixed ones (_SUCCESS, _metadata). */
function listFolder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.startsWith('_')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFolder(p));
    else out.push(p);
  }
  return out;
}

/** Files matching a glob (`*`, `?`, `[...]` within a path segment; `**` for any depth), sorted. */
function expandGlob(pattern: string): { root: string; files: string[] } {
  const { root, parts, first } = globParts(pattern);
  const out = new Set<string>();
  const walk = (dir: string, i: number): void => {
    if (i === parts.length) return;
    const part = parts[i];
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
    } catch {
      return;
    }
    if (part === '**') {
      walk(dir, i + 1); // zero folders
      for (const n of names) if (statSync(join(dir, n)).isDirectory()) walk(join(dir, n), i);
      return;
    }
    const re = segmentRegex(part);
    for (const n of names) {
      if (!re.test(n)) continue;
      const p = join(dir, n);
      const isDir = statSync(p).isDirectory();
      if (i === parts.length - 1 && !isDir) out.add(p);
      else if (isDir) walk(p, i + 1);
    }
  };
  walk(root, first);
  return { root, files: [...out].sort() };
}

/** key=value folders between the dataset root and the file. */
export function partitions(root: string, file: string): [string, string | null][] {
  const dirs = relative(root, file).split(sep).slice(0, -1);
  return dirs
    .filter((d) => /^[^=]+=/.test(d))
    .map((d) => {
      const at = d.indexOf('=');
      const value = decodeURIComponent(d.slice(at + 1));
      return [decodeURIComponent(d.slice(0, at)), value === HIVE_NULL || value === '' ? null : value];
    });
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function combine(path: string, root: string, files: string[], tables: Table[]): Table {
  const first = tables[0];
  const names = first.schema.fields.map((f) => f.name);
  const describe = (t: Table) => t.schema.fields.map((f) => `${f.name}: ${f.type}`).join(', ');
  tables.forEach((t, i) => {
    if (describe(t) === describe(first)) return;
    // A column text in one file for a non-number the reader found (a cell 'oops'): that cell, by file, row and column.
    for (const f of t.schema.fields) {
      const g = first.schema.fields.find((x) => x.name === f.name);
      if (!g || String(g.type) === String(f.type)) continue;
      const [textFile, field, numberFile] = f.metadata.has(NOT_NUMERIC) ? [files[i], f, files[0]] : g.metadata.has(NOT_NUMERIC) ? [files[0], g, files[i]] : [null, null, null];
      if (textFile)
        throw new DataError(`${textFile}: column '${f.name}' is not numeric there (first non-number: ${field.metadata.get(NOT_NUMERIC)}) but numbers in ${numberFile}; every file of a dataset has the same columns`, {
          file: textFile,
          column: f.name,
        });
    }
    throw new DataError(`${files[i]}: its columns (${describe(t)}) differ from those of ${files[0]} (${describe(first)}); every file of a dataset has the same columns`, {
      file: files[i],
    });
  });
  const parts = files.map((f) => partitions(root, f));
  const keys = parts[0].map(([k]) => k);
  parts.forEach((p, i) => {
    if (p.map(([k]) => k).join('/') !== keys.join('/'))
      throw new DataError(`${files[i]}: its partition folders (${p.map(([k]) => k).join('/') || 'none'}) differ from those of ${files[0]} (${keys.join('/') || 'none'})`, {
        file: files[i],
      });
  });
  const clash = keys.find((k) => names.includes(k));
  if (clash) throw new DataError(`${path}: the partition key '${clash}' is also a column of the files`, { file: path, column: clash });
  if (files.length === 1 && keys.length === 0) return first;
  const numeric = keys.map((_, k) => parts.every((p) => p[k][1] === null || NUMBER.test(p[k][1]!)));
  const fields = [
    ...first.schema.fields,
    ...keys.map((k, j) => new Field(k, (numeric[j] ? new Float64() : utf8FromStrings([]).type) as DataType, true)),
  ];
  // Which file each stretch of rows came from, so that an error can name the file and its own row (rowPlace).
  const metadata = new Map(first.schema.metadata);
  metadata.set(ROWS_BY_FILE, JSON.stringify(files.map((f, i) => [f, tables[i].numRows])));
  const schema = new Schema(fields, metadata);
  const batches: RecordBatch[] = [];
  tables.forEach((t, i) => {
    for (const batch of t.batches) {
      const n = batch.numRows;
      const extra: Data[] = keys.map((_, j) => {
        const v = parts[i][j][1];
        return numeric[j] ? float64Data(new Float64Array(n).fill(v === null ? NaN : Number(v))) : utf8FromStrings(new Array<string | null>(n).fill(v));
      });
      const children = [...batch.data.children, ...extra];
      batches.push(new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children })));
    }
  });
  return new Table(schema, batches);
}
