// Worker threads for a threaded estimate (threaded.ts), kept between fits for a while: a worker's
// start-up (a new V8 isolate loading the engine's modules, 0.1–0.2 s on the machine of
// bench/RESULTS.md) runs ahead of the first fit on an idle core while this thread still builds the
// panel and the design, and a worker a fit is done with waits, its part's blocks released, for the next
// fit of the process instead of being ended at once (a grid, a Monte Carlo task or a program fitting
// model after model), WORKER_IDLE_MS at most (module-worker.ts: an idle worker keeps the memory of its
// last fit). A waiting worker never keeps the process alive.
import type { Worker } from 'node:worker_threads';
import { endUnlessTaken, startModuleWorker, WORKER_FIRST_JOB_MS, WORKER_IDLE_MS } from '../module-worker.ts';

/** A started worker waiting for a fit, and the error it stopped with, if any, while it waited. */
export interface SpareThread {
  worker: Worker;
  failed: Error | null;
  /** Its listeners and its idle timer while it waits, removed when a fit takes it. */
  stopWaiting: () => void;
}

const spares: SpareThread[] = [];

/** Put a started worker among those waiting (unref'd: it does not keep the process alive), for at most
 *  `idleMs`. One that stops while it waits leaves the list. */
function addSpare(worker: Worker, idleMs: number): void {
  const spare: SpareThread = { worker, failed: null, stopWaiting: () => {} };
  const leave = () => {
    const at = spares.indexOf(spare);
    if (at >= 0) spares.splice(at, 1);
  };
  const onError = (e: Error) => (spare.failed ??= e);
  const onExit = (code: number) => {
    spare.failed ??= new Error(`threaded estimate: a worker thread exited (code ${code})`);
    leave();
  };
  const cancel = endUnlessTaken(worker, idleMs, () => {
    leave();
    spare.stopWaiting();
  });
  worker.on('error', onError);
  worker.on('exit', onExit);
  spare.stopWaiting = () => {
    cancel();
    worker.off('error', onError);
    worker.off('exit', onExit);
  };
  worker.unref();
  spares.push(spare);
}

/** Have `count` thread-worker threads waiting (count less those waiting already). */
export function prestartThreads(count: number): void {
  while (spares.length < count) addSpare(startModuleWorker(import.meta.url, 'thread-worker'), WORKER_FIRST_JOB_MS);
}

/** A waiting worker for a fit to use (it then keeps the process alive until given back), if any. */
export function takeSpareThread(): SpareThread | undefined {
  const spare = spares.shift();
  if (spare) {
    spare.stopWaiting();
    spare.worker.ref();
  }
  return spare;
}

/** A worker a fit is done with, its part released (thread-worker.ts), to wait WORKER_IDLE_MS for the next fit. */
export function giveBackThread(worker: Worker): void {
  addSpare(worker, WORKER_IDLE_MS);
}

/** Workers waiting now. */
export function spareThreadCount(): number {
  return spares.length;
}
