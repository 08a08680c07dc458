// `estimate` on a CSV file the reader parses on several threads starts the reader's first worker here,
// as the process starts, rather than when the reader plans the file ~50–90 ms later (after the CLI
// bundle is compiled and the command parsed): a Node worker takes ~0.1 s to start, and the calling
// thread otherwise waited for it at the end of the read (bench/RESULTS.md, "The CSV reader's worker
// started with the process"). The worker (dist/bin/csv-worker.js) waits for its range; it is left to
// the reader under a global symbol (src/data/early-worker.ts), unreferenced so that it never keeps the
// process alive, and ended after the read when no threaded read took it.
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileSize } from './file-size.mjs';

/** src/data/early-worker.ts reads the worker here. */
export const EARLY_CSV_WORKER = Symbol.for('sysgmm.early-csv-worker');
/** src/data/csv.ts PARALLEL_CSV_BYTES: from this size the reader uses one thread per core. */
export const PARALLEL_CSV_BYTES = 64 * 2 ** 20;

/**
 * Whether `estimate` with these arguments (process.argv from 3) reads a CSV file on more than one
 * thread: a .csv or .tsv file named among them, and SYSGMM_CSV_THREADS above 1, or unset with two
 * cores or more and a file of PARALLEL_CSV_BYTES or more (src/data/csv.ts csvThreads).
 */
export function earlyCsvWorkerWanted(args, { env = process.env, cores = availableParallelism() } = {}) {
  const given = env.SYSGMM_CSV_THREADS;
  const threads = given === undefined || given === '' ? null : Number(given);
  if (threads !== null && !(Number.isInteger(threads) && threads > 1)) return false;
  if (threads === null && cores < 2) return false;
  return args.some((a) => {
    if (a.startsWith('-') || !['.csv', '.tsv'].includes(extname(a).toLowerCase())) return false;
    const size = fileSize(a) ?? 0;
    return size > 0 && (threads !== null || size >= PARALLEL_CSV_BYTES);
  });
}

/** Start the reader's first worker and leave it for the reader, when earlyCsvWorkerWanted. */
export function startEarlyCsvWorker(args) {
  if (!earlyCsvWorkerWanted(args)) return;
  let worker;
  try {
    worker = new Worker(new URL('../dist/bin/csv-worker.js', import.meta.url), { execArgv: [] });
  } catch {
    return; // the reader starts its own, or reads the range itself
  }
  const early = { worker, failed: null };
  worker.unref();
  worker.on('error', (e) => (early.failed ??= e));
  worker.on('exit', (code) => (early.failed ??= new Error(`the CSV reader's worker exited (code ${code})`)));
  globalThis[EARLY_CSV_WORKER] = early;
}
