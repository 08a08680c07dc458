// How many threads an estimate runs on (threaded.ts), decided before any thread starts.
import { availableParallelism } from 'node:os';
import { SpecError } from '../errors.ts';
import type { Design } from './design.ts';

/**
 * Work (sample rows on the grid, units × periods, weighted by 1 + L/20 for L instruments: a unit's
 * Z'HZ and moment rows grow with L) from which two threads beat one on the 2-core machine of
 * bench/RESULTS.md ("Threads, measured without tsx in the worker": T = 10, collapsed L = 9 loses at
 * 50,000 units and gains 20% at 100,000; uncollapsed L = 59 loses at 20,000 units and gains 19% at
 * 40,000). Below it a worker's start-up, its own warm-up of the compiled code and the shared copies
 * cost more than they save.
 */
export const THREAD_MIN_WORK = 1_100_000;

/** SYSGMM_THREADS: null when unset, NaN when it is not a whole number of at least 1, else the count. */
function threadsFromEnv(): number | null {
  const env = process.env.SYSGMM_THREADS;
  if (env === undefined || env === '') return null;
  return /^[1-9]\d*$/.test(env) ? Number(env) : NaN;
}

/** Threads for a model's estimate (L instruments): SYSGMM_THREADS when set, else one per core on large samples. */
export function estimateThreads(design: Pick<Design, 'units' | 'T'>, L: number): number {
  let n = threadsFromEnv();
  if (Number.isNaN(n))
    throw new SpecError(`SYSGMM_THREADS must be a whole number of threads of at least 1, got '${process.env.SYSGMM_THREADS}'`, 'SYSGMM_THREADS');
  n ??= design.units.length * design.T * (1 + L / 20) >= THREAD_MIN_WORK ? availableParallelism() : 1;
  return Math.max(1, Math.min(n, design.units.length));
}

/**
 * Rows from which an estimate starts its worker threads before the design is known (spare-threads.ts):
 * the work of estimateThreads with L ≥ 20 instruments. A worker started for a model that then runs
 * on one thread waits, unused, for a later fit (WORKER_FIRST_JOB_MS at most, module-worker.ts); it started on an idle core,
 * so it costs little.
 */
export const PRESTART_MIN_ROWS = THREAD_MIN_WORK / 2;

/** Worker threads to start ahead of an estimate on a panel of `rows` rows (SYSGMM_THREADS decides when set). */
export function prestartCount(rows: number): number {
  const n = threadsFromEnv();
  if (n !== null) return Number.isNaN(n) ? 0 : n - 1;
  return rows >= PRESTART_MIN_ROWS ? availableParallelism() - 1 : 0;
}
