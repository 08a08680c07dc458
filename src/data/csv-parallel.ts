// Reading a large CSV file on several threads (issue 9). The data lines are split into byte ranges at
// line feeds, one range per thread; worker threads (csv-worker.ts) parse the first ranges and the
// calling thread the last, each straight into the final columns: one SharedArrayBuffer per numeric
// column, in which range k starts at the count of line feeds before it (counted by the calling thread
// while the workers start). The last range needs no count: its part of each buffer is sized by a
// bound (a record has at least one byte per column), which costs address space, not memory, until
// written. Blank lines leave gaps, closed afterwards. The result equals readCsv's bit for bit: what
// could make it differ (a quote or a carriage return anywhere, a byte-order mark or blank lines
// before the header, a column the ranges type differently or that turns to text after numeric rows,
// any error in the data) sends the file to readCsv on one thread, which gives the exact result or
// error, rows and lines numbered as ever. A worker that cannot start leaves its range to the calling
// thread.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../module-worker.ts';
import { takeEarlyCsvWorker } from './early-worker.ts';
import type { Table } from 'apache-arrow';
import { float64Data, tableFromColumns, type BuiltColumn } from './build.ts';
import {
  CR,
  CsvParser,
  LF,
  NUM,
  NotPlain,
  QUOTE,
  countLines,
  parseHeader,
  parseRange,
  type CsvOptions,
  type RangeJob,
  type RangeResult,
  type RangeStorage,
} from './csv-parse.ts';
import { delimiterOf, readCsv, textColumn } from './csv.ts';

interface RangeWorker {
  worker: Worker | undefined;
  /** The worker's answer, or null when it could not start or failed. */
  result: Promise<RangeResult | null>;
}

export interface ParallelRead {
  /** readCsv's table. */
  table: Table;
  /** Byte ranges parsed side by side; 1 when readCsv read the file on one thread. */
  ranges: number;
  /** Ranges parsed by worker threads (the others by the calling thread). */
  workers: number;
}

/** readCsv's table, parsed on up to `threads` threads. */
export async function readCsvParallel(path: string, opts: CsvOptions, threads: number): Promise<ParallelRead> {
  const jobs = planRanges(path, opts, threads);
  if (!jobs) return { table: readCsv(path, opts), ranges: 1, workers: 0 };
  const workers = jobs.slice(0, -1).map(() => startWorker());
  try {
    const read = await readRanges(jobs, workers);
    return read ?? { table: readCsv(path, opts), ranges: 1, workers: 0 };
  } finally {
    for (const w of workers) void w.worker?.terminate();
  }
}

/** The byte ranges of the data lines, one per thread, or null when the file is for readCsv alone. */
export function planRanges(path: string, opts: CsvOptions, threads: number): RangeJob[] | null {
  const delim = delimiterOf(path, opts);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.allocUnsafe(Math.min(size, 1 << 20));
    const n = readSync(fd, head, 0, head.length, 0);
    // A byte-order mark, or blank lines before the header: readCsv's own handling.
    if (n === 0 || head[0] === 0xef || head[0] === LF || head[0] === CR || head[0] === 32 || head[0] === 9) return null;
    const header = parseHeader(head, 0, n, delim);
    if (!header) return null;
    const headerBytes = head.subarray(0, header.next);
    if (headerBytes.indexOf(QUOTE) >= 0 || headerBytes.indexOf(CR) >= 0) return null;
    const parser = new CsvParser(path, delim);
    try {
      parser.setHeader(header.names, opts);
    } catch {
      return null; // readCsv throws the same error
    }
    const bounds = [header.next];
    for (let k = 1; k < threads; k++) {
      const at = lineStart(fd, header.next + Math.floor(((size - header.next) * k) / threads), size);
      if (at > bounds[bounds.length - 1] && at < size) bounds.push(at);
    }
    if (bounds.length < 2) return null;
    bounds.push(size);
    const last = bounds.length - 2;
    return bounds.slice(0, -1).map((from, k) => ({ path, delim, names: parser.names, numeric: opts.numeric, text: opts.text, ids: opts.ids, from, to: bounds[k + 1], last: k === last }));
  } finally {
    closeSync(fd);
  }
}

/** The start of the first line that starts at or after byte `at` (size if none). */
function lineStart(fd: number, at: number, size: number): number {
  const buf = Buffer.allocUnsafe(1 << 16);
  for (let pos = at - 1; pos < size; ) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    const i = buf.subarray(0, n).indexOf(LF);
    if (i >= 0) return pos + i + 1;
    pos += n;
  }
  return size;
}

/**
 * A worker thread for one range: the one the bin started early (early-worker.ts), else a new one,
 * compiled (dist/), without the process's Node options (a loader such as `--import tsx` would cost each
 * worker about 0.13 s of CPU, and the parser needs none), or from the TypeScript sources through
 * worker-boot.mjs (tsx). It waits for its range and storage (csv-worker.ts).
 */
function startWorker(): RangeWorker {
  let worker: Worker;
  try {
    worker = takeEarlyCsvWorker() ?? startModuleWorker(import.meta.url, 'csv-worker');
  } catch {
    return { worker: undefined, result: Promise.resolve(null) };
  }
  const result = new Promise<RangeResult | null>((resolve) => {
    worker.once('message', resolve);
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  return { worker, result };
}

/** Parse every range into shared columns and assemble readCsv's table; null when readCsv must read the file. */
async function readRanges(jobs: RangeJob[], workers: RangeWorker[]): Promise<ParallelRead | null> {
  const last = jobs.length - 1;
  const names = jobs[0].names;
  // Rows of each range before the last: at most its line feeds (each data line of a plain file ends with one).
  const caps: number[] = [];
  try {
    for (let k = 0; k < last; k++) caps.push(countLines(jobs[k].path, jobs[k].from, jobs[k].to));
  } catch (err) {
    if (err instanceof NotPlain) return null;
    throw err;
  }
  caps.push(Math.floor((jobs[last].to - jobs[last].from) / names.length) + 1);
  const offsets = caps.map((_, k) => caps.slice(0, k).reduce((a, b) => a + b, 0));
  const total = offsets[last] + caps[last];
  const declaredText = new Set(jobs[0].text ?? []);
  let columns: (SharedArrayBuffer | null)[];
  try {
    columns = names.map((name) => (declaredText.has(name) ? null : new SharedArrayBuffer(total * 8)));
  } catch {
    return null; // more address space than the system gives
  }
  const storage: RangeStorage[] = jobs.map((_, k) => ({ columns, offset: offsets[k], cap: caps[k], line: 2 + offsets[k] }));
  workers.forEach((w, k) => w.worker?.postMessage({ job: jobs[k], storage: storage[k] }));
  const mine = parseRange(jobs[last], storage[last]);
  if (!mine.ok) return null;
  const results: RangeResult[] = [];
  let byWorkers = 0;
  for (const [k, w] of workers.entries()) {
    let r = await w.result;
    if (r) byWorkers++;
    else r = parseRange(jobs[k], storage[k]);
    if (!r.ok) return null;
    results.push(r);
  }
  results.push(mine);
  const ok = results as Extract<RangeResult, { ok: true }>[];
  const kind = ok[0].kind;
  if (ok.some((r) => r.kind.some((k, c) => k !== kind[c]))) return null;
  // Close the gaps that blank lines left below each range's capacity.
  let n = 0;
  ok.forEach((r, k) => {
    if (offsets[k] !== n) for (let c = 0; c < names.length; c++) if (kind[c] === NUM) new Float64Array(columns[c]!).copyWithin(n, offsets[k], offsets[k] + r.rows);
    n += r.rows;
  });
  const firstText = new Map(ok[0].firstText);
  const built: BuiltColumn[] = names.map((name, c) =>
    kind[c] === NUM
      ? { name, data: float64Data(new Float64Array(columns[c]!, 0, n), ok.some((r) => r.missing[c] === 1)) }
      : textColumn(
          name,
          ok.map((r) => r.text[c]!),
          n,
          firstText.get(c),
        ),
  );
  return { table: tableFromColumns(built), ranges: jobs.length, workers: byWorkers };
}
