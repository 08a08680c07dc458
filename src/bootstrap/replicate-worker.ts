// A worker thread of replicateParallel: takes batches of replications from the shared counter on its
// own instance of the named kernel backend, reporting each finished batch by message.
import { parentPort, workerData } from 'node:worker_threads';
import { getBackend } from '../kernels/registry.ts';
import { runShare, type WorkerJob } from './parallel.ts';

const job = workerData.job as WorkerJob;
const backend = await getBackend(job.backend, { precision: 'float32' });
try {
  await runShare(job, backend, () => parentPort!.postMessage('batch'));
} finally {
  await backend.dispose();
}
