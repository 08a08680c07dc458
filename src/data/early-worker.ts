// The threaded CSV reader's first worker, when the bin started it as the process started
// (bin/early-csv-worker.mjs: `estimate` on a large CSV file). A Node worker takes ~0.1 s to start on
// the machine of bench/RESULTS.md; started at the reader, it began parsing its range ~80 ms after the
// calling thread and finished that much later. The bin leaves it under a global symbol, the one
// hand-off between its ES module and the CLI bundle (bin/cli-script.mjs), which does not share modules
// with it.
import type { Worker } from 'node:worker_threads';

const SLOT = Symbol.for('sysgmm.early-csv-worker');

/** What the bin leaves: the worker, and why it stopped if it has. */
interface EarlyWorker {
  worker: Worker;
  failed: Error | null;
}

/** The early worker, once (undefined when there is none, or it stopped: the reader starts its own). */
export function takeEarlyCsvWorker(): Worker | undefined {
  const g = globalThis as Record<symbol, EarlyWorker | undefined>;
  const early = g[SLOT];
  delete g[SLOT];
  if (!early) return undefined;
  if (early.failed) {
    void early.worker.terminate();
    return undefined;
  }
  early.worker.ref();
  return early.worker;
}

/** End the early worker if no read took it (the file was read on one thread, or is not CSV). */
export function releaseEarlyCsvWorker(): void {
  void takeEarlyCsvWorker()?.terminate();
}
