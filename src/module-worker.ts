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
