// `sysgmm partition`: a panel of any size into K Parquet shards of whole units, each sorted by
// (unit, time), plus manifest.json, in two streaming passes with bounded memory:
//   1. route: the input is read one record batch at a time (a Parquet file streams; other formats are
//      read whole first); each row goes to shard hash(unit id) mod K and is appended to that shard's
//      spill file (length-prefixed Arrow IPC streams, opened for each append, so that K is not bounded
//      by the open-file limit) — memory: one input batch;
//   2. sort: each spill file is read back, its rows sorted by (unit, time) and written as one Parquet
//      file — memory: one shard.
// Peak memory is therefore about one shard (rows/K × columns × 8 bytes, a few copies), whatever the
// input size: choose K so that a shard fits. Rows without a unit id or a time are counted in the
// manifest, never silently dropped; a non-integer time or a repeated (unit, time) is an error naming
// the input row, column and value. The shards and manifest are written in the run's own folder
// (.spill-<pid>) and moved into the output folder once all are: the shards under names of their own
// (number and checksum), beside an earlier partition's, then the manifest that names them in one
// rename, the commit point; only then are the earlier shards removed. A run that fails before that
// rename leaves an earlier partition there whole, and its manifest describing it.
import { closeSync, openSync, readSync, fstatSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DataType, tableFromIPC, tableToIPC, type RecordBatch, type Vector } from 'apache-arrow';
import { DataError, SpecError } from '../errors.ts';
import { NOT_NUMERIC, float64Data, tableFromColumns, utf8FromStrings } from '../data/build.ts';
import { formatOf, readTable, type ReadOptions } from '../data/read.ts';
import { datasetFiles, isDatasetPath, partitions } from '../data/dataset.ts';
import { writeTableFile } from '../data/write-table.ts';
import { checkOutputFolder, writeAll, writeFailure, writeFileAtomic } from '../data/write-atomic.ts';
import { makeFolder } from '../data/make-folder.ts';
import { optionFault } from '../file-errors.ts';
import { parquetBatches } from '../data/parquet.ts';
import { checkedShardFile, fileSha256, isPartitionedFolder, PARTITION_FORMAT, SHARD_FILE, shardPath, verifyPartitionShards } from '../data/partition-manifest.ts';
import { realPathOf } from '../data/glob.ts';
import { processRunning } from '../run/run-lock.ts';
import { EXACT_INTEGER } from '../panel/ids.ts';
import { signalExit, STOP_SIGNALS } from '../run/signal-exit.ts';

const ROW = '__sysgmm_row';

export interface ShardEntry {
  file: string;
  rows: number;
  units: number;
  /** Earliest and latest period in the shard. */
  tmin: number;
  tmax: number;
  sha256: string;
  /** Distinct periods of the shard. */
  periods: number[];
}

export interface PartitionManifest {
  format: typeof PARTITION_FORMAT;
  input: string;
  id: string;
  time: string;
  /** Columns as stored in the shards: numbers as float64, anything else as text (with, for a column
   *  of text read from CSV, where its first non-number is: data/build.ts NOT_NUMERIC). */
  columns: { name: string; input: string; stored: 'float64' | 'utf8'; notNumeric?: string }[];
  rows: number;
  units: number;
  /** Time range of the whole panel and every period in it (time dummies are made of these). */
  timeRange: { min: number; max: number };
  periods: number[];
  /** Input rows left out of every shard, by reason (rows = shard rows + these). */
  excluded: { missingId: number; missingTime: number };
  shards: ShardEntry[];
  created: string;
}

export interface PartitionOptions {
  id: string;
  time: string;
  shards: number;
  out: string;
  /** Rows per input batch (Parquet input). */
  batchRows?: number;
  /** How to read the input (--input-format, --sheet, --delimiter). */
  read?: Pick<ReadOptions, 'format' | 'sheet' | 'delimiter'>;
}

type Col = { kind: 'num'; values: Float64Array } | { kind: 'text'; values: (string | null)[] };

function isNumeric(t: DataType): boolean {
  return DataType.isInt(t) || DataType.isFloat(t) || DataType.isDecimal(t) || DataType.isBool(t);
}

/** The first value of a 64-bit integer column beyond ±2^53 (where float64 stops being exact), or null. */
function wideInteger(v: Vector): { row: number; value: bigint } | null {
  if (!(DataType.isInt(v.type) && (v.type as { bitWidth: number }).bitWidth === 64)) return null;
  const limit = BigInt(EXACT_INTEGER);
  for (let r = 0; r < v.length; r++) {
    const x = v.get(r) as bigint | null;
    if (x !== null && (x > limit || x < -limit)) return { row: r, value: x };
  }
  return null;
}

function columnOf(v: Vector, numeric: boolean): Col {
  const n = v.length;
  if (numeric) {
    const out = new Float64Array(n);
    const raw = DataType.isBool(v.type) ? null : (v.toArray() as ArrayLike<number | bigint>);
    for (let r = 0; r < n; r++) {
      if (v.nullCount > 0 && !v.isValid(r)) out[r] = NaN;
      else out[r] = raw ? Number(raw[r]) : Number(v.get(r));
    }
    return { kind: 'num', values: out };
  }
  const out: (string | null)[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const x = v.get(r);
    out[r] = x === null || x === undefined ? null : String(x);
  }
  return { kind: 'text', values: out };
}

/** FNV-1a of a text id, or a mix of a numeric id's float64 bits: the shard of a unit. */
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
export function shardOfId(id: number | string, k: number): number {
  let h = 0x811c9dc5;
  if (typeof id === 'number') {
    bits[0] = id === 0 ? 0 : id; // −0 and 0 are one unit
    for (const w of [words[0], words[1]]) {
      h = Math.imul(h ^ w, 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
    }
  } else for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  return (h >>> 0) % k;
}

/** The input's record batches: a Parquet file, or a folder or glob of them without key=value folders
 *  (every file, subfolders included, in name order, as the dataset reader lists them), streamed; any
 *  other input (CSV, Arrow, Stata, Excel, standard input, a hive dataset, a format named by
 *  --input-format) is read whole first by the reader that adds the partition keys. */
async function* inputBatches(input: string, batchRows: number, read: Pick<ReadOptions, 'format' | 'sheet' | 'delimiter' | 'ids'> = {}): AsyncGenerator<RecordBatch> {
  const whole = async function* () {
    yield* (await readTable(input, read)).batches;
  };
  if (read.format !== undefined && read.format !== 'parquet') return yield* whole();
  if (!isDatasetPath(input)) return yield* input.toLowerCase().endsWith('.parquet') ? parquetBatches(input, batchRows) : whole();
  if (input === '-') return yield* whole();
  const { root, files } = datasetFiles(input, read.format, formatOf);
  await verifyPartitionShards(input); // a partition of a partition: its shards as its manifest recorded them
  if (!files.every((f) => formatOf(f) === 'parquet' && partitions(root, f).length === 0)) return yield* whole();
  let names: string | null = null;
  for (const f of files)
    for await (const batch of parquetBatches(f, batchRows)) {
      const these = batch.schema.fields.map((x) => x.name).join(', ');
      if (names !== null && these !== names) throw new DataError(`${f}: columns ${these} differ from the other files' (${names})`, { file: f });
      names = these;
      yield batch;
    }
}

/** Shard s's file name: its number and the start of its SHA-256, so that a new partition's shards
 *  never replace an earlier one's before the manifest naming them does (the same data, the same names). */
export const shardFileName = (s: number, sha256: string): string => `shard-${String(s).padStart(5, '0')}-${sha256.slice(0, 16)}.parquet`;

export async function partition(input: string, opts: PartitionOptions): Promise<PartitionManifest> {
  const K = opts.shards;
  if (!Number.isInteger(K) || K < 1) throw new SpecError(`--shards must be a positive integer, got ${K}`, '--shards');
  if (opts.id === opts.time) throw new SpecError(`--id and --time name the same column '${opts.id}'`, '--time');
  const out = resolve(opts.out);
  // Shards and a manifest written into the input folder would make it a partition, hiding its own
  // files. A partition folder partitioned again into itself is the exception: its new manifest and
  // shards replace the old ones once all are written, as for any earlier partition in `out`.
  if (!(isPartitionedFolder(input) && realPathOf(input) === realPathOf(out))) checkOutputFolder(opts.out, '--out', [input]);
  // The same for the folder that holds a single input file: its manifest would make that folder a
  // partition, and every reader of the folder would see the shards and nothing else in it.
  if (input !== '-' && statSync(input, { throwIfNoEntry: false })?.isFile() && realPathOf(dirname(resolve(input))) === realPathOf(out))
    throw new SpecError(`--out: ${opts.out} is the folder of the input file ${input}; a partition there would hide the folder's other files from every reader of it: write it to a folder of its own`, '--out');
  // A folder made here is removed again if the partition fails (a bad --id, a duplicate row).
  const made = (await makeFolder(out).catch((err: unknown) => {
    throw optionFault(err, '--out');
  })).length > 0;
  // The run's own folder, named for its process id: the spill files, then the new shards and manifest,
  // which replace an earlier partition in `out` only once all are written. One of this name already
  // there is an interrupted run's whose process id this process now has.
  const spill = join(out, `.spill-${process.pid}`);
  await rm(spill, { recursive: true, force: true });
  await mkdir(spill).catch((err: unknown) => {
    throw optionFault(err, '--out');
  });
  // Shard files of the new partition moved into `out`, removed again if the run fails before its
  // manifest is (`committed`).
  const moved: string[] = [];
  let committed = false;
  let columns: PartitionManifest['columns'] | null = null;
  let rowBase = 0;
  let missingId = 0;
  let missingTime = 0;
  // Ctrl-C, a SIGTERM or a hang-up (SIGHUP) ended the process with its spill folder left in `out` (as large as the data,
  // a tester's 13 MB): what this run wrote is removed first, as a failure removes it below.
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(spill, { recursive: true, force: true });
    if (!committed) for (const f of moved) rmSync(join(out, f), { force: true });
    if (made) {
      try {
        rmdirSync(out);
      } catch {
        // not empty: another run's files, or the committed partition
      }
    }
    process.stderr.write(`sysgmm: interrupted; the partition ${committed ? 'was written' : 'was not written'} to ${opts.out}, its temporary files removed\n`);
    process.exit(signalExit(signal));
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    // Another run's spill folder: a running process's run is writing into `out` (removing its spill
    // files would wreck it, and the two runs' shards would mix), so this one stops; one of a process
    // that is gone is an interrupted run's (a signal ends a process before it removes its folder),
    // removed. Looked for once this run's folder is made, so that of two runs started together at
    // least one sees the other's.
    for (const f of await readdir(out)) {
      const pid = Number(/^\.spill-(\d+)$/.exec(f)?.[1]);
      if (!(pid > 0) || pid === process.pid) continue;
      if (processRunning(pid))
        throw new SpecError(`another sysgmm partition (pid ${pid}) is writing to ${opts.out}; wait for it or remove ${join(opts.out, f)} if it is not running`, '--out');
      await rm(join(out, f), { recursive: true, force: true });
    }
    // Pass 1: route every row to its shard's spill file.
    for await (const batch of inputBatches(input, opts.batchRows ?? 1 << 16, { ...opts.read, ids: [opts.id] })) {
      if (!columns) {
        const names = batch.schema.fields.map((f) => f.name);
        for (const [opt, c] of [['--id', opts.id], ['--time', opts.time]] as const)
          if (!names.includes(c)) throw new DataError(`${opt} column '${c}' not found in ${input}; columns are: ${names.join(', ')}`, { file: input, column: c });
        columns = batch.schema.fields.map((f) => {
          const why = f.metadata.get(NOT_NUMERIC);
          // 64-bit integer ids beyond ±2^53 are stored as their decimal text, exact (as describe keys
          // them, src/panel/ids.ts): as float64, 2^53 and 2^53 + 1 merged into one unit.
          const stored = isNumeric(f.type) && !(f.name === opts.id && wideInteger(batch.getChild(f.name)!) !== null) ? 'float64' : 'utf8';
          return { name: f.name, input: String(f.type), stored, ...(why === undefined ? {} : { notNumeric: why }) };
        });
        const t = columns.find((c) => c.name === opts.time)!;
        if (t.stored !== 'float64') throw new DataError(`time column '${opts.time}' of ${input} is ${t.input}, not numbers`, { file: input, column: opts.time });
      }
      const idVector = batch.getChild(opts.id)!;
      const wide = columns.find((c) => c.name === opts.id)!.stored === 'float64' ? wideInteger(idVector) : null;
      if (wide)
        throw new DataError(
          `id column '${opts.id}' of ${input} has ${wide.value} at row ${rowBase + wide.row + 1}, beyond ±2^53, after rows whose ids were all within it: as float64 ids could merge; store the ids as text`,
          { file: input, row: rowBase + wide.row + 1, column: opts.id },
        );
      const cols = columns.map((c) => columnOf(batch.getChild(c.name)!, c.stored === 'float64'));
      const idCol = cols[columns.findIndex((c) => c.name === opts.id)];
      const time = (cols[columns.findIndex((c) => c.name === opts.time)] as { values: Float64Array }).values;
      const n = batch.numRows;
      const dest = new Int32Array(n);
      const counts = new Int32Array(K);
      for (let r = 0; r < n; r++) {
        const id = idCol.values[r];
        if (id === null || (typeof id === 'number' && Number.isNaN(id))) {
          missingId++;
          dest[r] = -1;
        } else if (Number.isNaN(time[r])) {
          missingTime++;
          dest[r] = -1;
        } else {
          if (!Number.isInteger(time[r]))
            throw new DataError(`time column '${opts.time}' must be integer-valued: row ${rowBase + r + 1} has ${time[r]} in ${input}`, { file: input, row: rowBase + r + 1, column: opts.time });
          counts[(dest[r] = shardOfId(id, K))]++;
        }
      }
      for (let s = 0; s < K; s++) {
        if (counts[s] === 0) continue;
        const pick = new Int32Array(counts[s]);
        let m = 0;
        for (let r = 0; r < n; r++) if (dest[r] === s) pick[m++] = r;
        const built = cols.map((c, j) => ({
          name: columns![j].name,
          data: c.kind === 'num' ? float64Data(Float64Array.from(pick, (r) => c.values[r])) : utf8FromStrings(Array.from(pick, (r) => c.values[r])),
        }));
        built.push({ name: ROW, data: float64Data(Float64Array.from(pick, (r) => rowBase + r + 1)) });
        const bytes = tableToIPC(tableFromColumns(built), 'stream');
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(bytes.length));
        // Opened for each append and closed at once: K may be far above the open-file limit (ulimit -n).
        const path = join(spill, `${s}.arrows`);
        try {
          const fh = await open(path, 'a');
          try {
            await writeAll(fh, [len, bytes], path);
          } finally {
            await fh.close();
          }
        } catch (err) {
          throw writeFailure(err, path, '--out');
        }
      }
      rowBase += n;
    }
    if (!columns) throw new DataError(`no data rows in ${input}`, { file: input });

    // Pass 2: each shard sorted by (unit, time) and written as Parquet.
    const shards: ShardEntry[] = [];
    let units = 0;
    let rows = 0;
    let tmin = Infinity;
    let tmax = -Infinity;
    const periods = new Set<number>();
    for (let s = 0; s < K; s++) {
      const entry = await writeShard(join(spill, `${s}.arrows`), join(spill, `${s}.parquet`), columns, opts, input);
      shards.push({ ...entry, file: shardFileName(s, entry.sha256) });
      for (const t of entry.periods) periods.add(t);
      units += entry.units;
      rows += entry.rows;
      if (entry.rows) {
        tmin = Math.min(tmin, entry.tmin);
        tmax = Math.max(tmax, entry.tmax);
      }
    }
    if (rows === 0) throw new DataError(`no row of ${input} has both a unit id and a time`, { file: input });
    const manifest: PartitionManifest = {
      format: PARTITION_FORMAT,
      input: resolve(input),
      id: opts.id,
      time: opts.time,
      columns,
      rows,
      units,
      timeRange: { min: tmin, max: tmax },
      periods: [...periods].sort((a, b) => a - b),
      excluded: { missingId, missingTime },
      shards,
      created: new Date().toISOString(),
    };
    await writeFileAtomic(join(spill, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n', '--out');
    // All written: the shards moved in beside an earlier partition's (a name already there is a shard
    // of the same bytes, the earlier partition's perhaps: not this run's to remove), then the manifest.
    const into = async (from: string, f: string): Promise<void> => {
      await rename(from, join(out, f)).catch((err: unknown) => {
        throw writeFailure(err, join(out, f), '--out');
      });
    };
    for (let s = 0; s < K; s++) {
      const f = shards[s].file;
      const there = await lstat(join(out, f)).then(() => true, () => false);
      await into(join(spill, `${s}.parquet`), f);
      if (!there) moved.push(f);
    }
    await into(join(spill, 'manifest.json'), 'manifest.json');
    committed = true;
    // The earlier partition's shards, which a dataset read of the folder would take too.
    const named = new Set(shards.map((x) => x.file));
    for (const f of await readdir(out))
      if (SHARD_FILE.test(f) && !named.has(f))
        await rm(join(out, f), { force: true }).catch((err: unknown) => {
          throw optionFault(err, '--out');
        });
    await rm(spill, { recursive: true, force: true });
    return manifest;
  } catch (err) {
    await rm(spill, { recursive: true, force: true });
    // Only what this run put there is removed: another run's spill folder keeps the folder.
    if (!committed) for (const f of moved) await rm(join(out, f), { force: true }).catch(() => undefined);
    if (made) await rmdir(out).catch(() => undefined);
    throw err;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

/** Fill `buf` from byte `position` of the open file `fd`: read(2) may return fewer bytes than asked,
 *  so it reads again until all are; a file that ends first is an error naming `path`. */
function readFully(fd: number, buf: Buffer, position: number, path: string): void {
  for (let got = 0; got < buf.length; ) {
    const n = readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) throw new DataError(`${path}: ends at byte ${position + got}, before the ${buf.length} bytes that start at byte ${position} were read`, { file: path });
    got += n;
  }
}

/** Read a spill file back, sort its rows by (unit, time), write the shard. */
export async function writeShard(spillPath: string, path: string, columns: PartitionManifest['columns'], opts: PartitionOptions, input: string): Promise<Omit<ShardEntry, 'file'>> {
  // 'a+': a shard no row was routed to has no spill file; it is created empty here.
  const fd = openSync(spillPath, 'a+');
  const parts: Col[][] = [];
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    for (let at = 0; at < size; ) {
      readFully(fd, head, at, spillPath);
      const len = Number(head.readBigUInt64LE(0));
      const body = Buffer.alloc(len);
      readFully(fd, body, at + 8, spillPath);
      at += 8 + len;
      const t = tableFromIPC(body);
      parts.push([...columns.map((c) => columnOf(t.getChild(c.name)!, c.stored === 'float64')), columnOf(t.getChild(ROW)!, true)]);
    }
  } finally {
    closeSync(fd);
  }
  const n = parts.reduce((a, p) => a + p[0].values.length, 0);
  const all: Col[] = [...columns.map((c) => ({ stored: c.stored })), { stored: 'float64' }].map((c, j) => {
    if (c.stored === 'float64') {
      const v = new Float64Array(n);
      let o = 0;
      for (const p of parts) {
        v.set(p[j].values as Float64Array, o);
        o += p[j].values.length;
      }
      return { kind: 'num', values: v };
    }
    return { kind: 'text', values: parts.flatMap((p) => p[j].values as (string | null)[]) };
  });
  parts.length = 0;
  const id = all[columns.findIndex((c) => c.name === opts.id)];
  const time = all[columns.findIndex((c) => c.name === opts.time)].values as Float64Array;
  const inputRow = all[columns.length].values as Float64Array;
  const order = Uint32Array.from({ length: n }, (_, r) => r);
  const idv = id.values;
  order.sort((a, b) => {
    const x = idv[a]!;
    const y = idv[b]!;
    if (x !== y) return x < y ? -1 : 1;
    return time[a] - time[b];
  });
  let units = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i];
    if (i > 0 && idv[order[i - 1]] === idv[r]) {
      if (time[order[i - 1]] === time[r])
        throw new DataError(
          `unit ${idv[r]} has two rows for ${opts.time} = ${time[r]}: rows ${Math.min(inputRow[r], inputRow[order[i - 1]])} and ${Math.max(inputRow[r], inputRow[order[i - 1]])} of ${input}`,
          { file: input, row: Math.max(inputRow[r], inputRow[order[i - 1]]), column: opts.time },
        );
    } else units++;
  }
  const periods = [...new Set(time)].sort((a, b) => a - b);
  const tmin = periods[0];
  const tmax = periods[periods.length - 1];
  const built = columns.map((c, j) => {
    const col = all[j];
    return {
      name: c.name,
      data: col.kind === 'num' ? float64Data(Float64Array.from(order, (r) => col.values[r])) : utf8FromStrings(Array.from(order, (r) => col.values[r])),
    };
  });
  await writeTableFile(path, tableFromColumns(built), '--out');
  return { rows: n, units, tmin: n ? tmin : 0, tmax: n ? tmax : 0, periods, sha256: await fileSha256(path) };
}

/** Read and check a partitioned folder's manifest. */
export async function readPartition(dir: string): Promise<PartitionManifest> {
  const path = join(dir, 'manifest.json');
  let m: PartitionManifest;
  try {
    m = JSON.parse(await readFile(path, 'utf8')) as PartitionManifest;
  } catch (err) {
    throw new DataError(`${path}: cannot read the partition manifest (${(err as Error).message})`, { file: path });
  }
  if (m.format !== PARTITION_FORMAT) throw new DataError(`${path}: format '${m.format}' is not ${PARTITION_FORMAT}`, { file: path });
  m.shards.forEach((s, i) => shardPath(dir, i, s.file));
  return m;
}

/** The path of shard s, after checking it is there and unaltered (SHA-256 against the manifest). */
export function checkedShard(dir: string, m: PartitionManifest, s: number, verify = true): Promise<string> {
  return checkedShardFile(dir, s, m.shards[s].file, m.shards[s].sha256, verify);
}

