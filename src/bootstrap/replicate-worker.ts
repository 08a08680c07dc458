// A pooled worker thread of replicateParallel: for each job it is sent, takes batches of replications
// from the job's shared counter on its own (cached) instance of the named kernel backend, reports each
// finished batch, then 'done'.
import { parentPort } from 'node:worker_threads';
import { getBackend } from '../kernels/registry.ts';
import type { KernelBackend } from '../kernels/types.ts';
import { runShare, type WorkerJob } from './parallel.ts';

const backends = new Map<string, Promise<KernelBackend>>();

parentPort!.on('message', async (job: WorkerJob) => {
  try {
    if (!backends.has(job.backend)) backends.set(job.backend, getBackend(job.backend, { precision: 'float32' }));
    await runShare(job, await backends.get(job.backend)!, () => parentPort!.postMessage('batch'));
    parentPort!.postMessage('done');
  } catch (e) {
    parentPort!.postMessage({ failed: String(e) });
  }
});
