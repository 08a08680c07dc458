// A worker thread on one of the package's worker modules (bootstrap/replicate-worker,
// gmm/thread-worker, data/csv-worker), started beside the module that asks for it: compiled (dist/,
// where each worker is a .js file next to its caller), or from the TypeScript sources through
// bootstrap/worker-boot.mjs, which registers tsx (its loader does not reach worker threads on Node 20)
// and then loads the worker named in workerData.entry.
import { Worker } from 'node:worker_threads';

/** Worker module `name` (without extension) beside the module at `from` (its import.meta.url). A
 *  compiled worker takes none of this process's Node options (execArgv): a loader such as tsx, under
 *  which benches and tests run, would otherwise load in every worker and slow its start. */
export function startModuleWorker(from: string, name: string, workerData: object = {}): Worker {
  if (from.endsWith('.js')) return new Worker(new URL(`./${name}.js`, from), { execArgv: [], workerData });
  return new Worker(new URL('./bootstrap/worker-boot.mjs', import.meta.url), { workerData: { ...workerData, entry: new URL(`./${name}.ts`, from).href } });
}

/** How long a pooled worker that has done a job waits for the next before it is ended. An idle
 *  worker's isolate runs no garbage collection, so it keeps the memory of its last job (a threaded fit's
 *  part, N = 300,000: ~390 MB; a bootstrap's blocks and work arrays, N = 20,000 with 59 instruments:
 *  ~500 MB); a job that follows at once (a grid, a Monte Carlo task, a program's next call) still finds
 *  it. The pools: src/gmm/spare-threads.ts, src/bootstrap/parallel.ts. */
export const WORKER_IDLE_MS = 2_000;
/** How long a worker started ahead of its first job waits for it: the caller prepares that job
 *  meanwhile (reading and laying out a panel of 10 million rows takes seconds). */
export const WORKER_FIRST_JOB_MS = 60_000;

/** End `worker` after `ms` unless the returned function is called first (a pool's job took it);
 *  `onEnd` runs just before it is ended. The timer never keeps the process alive. */
export function endUnlessTaken(worker: Worker, ms: number, onEnd?: () => void): () => void {
  const timer = setTimeout(() => {
    onEnd?.();
    void worker.terminate();
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

