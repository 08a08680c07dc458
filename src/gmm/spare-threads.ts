// Worker threads for a threaded estimate (threaded.ts), started ahead of the fit: a worker's start-up
// (a new V8 isolate loading the engine's modules, about 0.2 s on the machine of bench/RESULTS.md)
// then runs on an idle core while this thread still builds the panel and the design, instead of
// delaying the worker's part of the unit pass.
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../module-worker.ts';

/** A started worker waiting for a fit, and the error it stopped with, if any, while it waited. */
export interface SpareThread {
  worker: Worker;
  failed: Error | null;
}

const spares: SpareThread[] = [];

/** Have `count` thread-worker threads started (count less those already waiting). A waiting worker
 *  never keeps the process alive. */
export function prestartThreads(count: number): void {
  while (spares.length < count) {
    const spare: SpareThread = { worker: startModuleWorker(import.meta.url, 'thread-worker'), failed: null };
    spare.worker.unref();
    spare.worker.on('error', (e: Error) => (spare.failed ??= e));
    spare.worker.on('exit', (code) => (spare.failed ??= new Error(`threaded estimate: a worker thread exited (code ${code})`)));
    spares.push(spare);
  }
}

/** A waiting worker for a fit to use (it then keeps the process alive until ended), if any. */
export function takeSpareThread(): SpareThread | undefined {
  const spare = spares.shift();
  spare?.worker.ref();
  return spare;
}

/** End the waiting workers that no fit took. */
export async function releaseSpareThreads(): Promise<void> {
  await Promise.all(spares.splice(0).map((s) => s.worker.terminate()));
}

/** Workers waiting now. */
export function spareThreadCount(): number {
  return spares.length;
}
