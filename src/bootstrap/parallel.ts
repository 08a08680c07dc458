// Replications over several threads. The draws are fixed before the work is shared, and the threads
// take batches of replications from one shared counter (Atomics), writing each replication's results
// into shared arrays at its own index, so results do not depend on the thread count or on which
// thread ran what. The calling thread starts at once; worker threads (~0.2 s to start) join when
// ready, so a short job is not slowed by them; they stay in a pool for later jobs, WORKER_IDLE_MS at
// most (module-worker.ts: an idle worker keeps the memory of its last job, its copy of the blocks and
// its work arrays; N = 20,000, 59 instruments: the process at 645 MB against 123 MB on one thread). A
// worker that cannot start (e.g. in a bundle without tsx and without SYSGMM_WORKER) or fails leaves its
// batches to the calling thread, and the result says how many threads ran. Each thread uploads the
// blocks to its backend once for the job (uploadBlocks), not once per batch.
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KernelBackend } from '../kernels/types.ts';
import { endUnlessTaken, startModuleWorker, WORKER_FIRST_JOB_MS, WORKER_IDLE_MS } from '../module-worker.ts';
import { threadingOf } from '../kernels/registry.ts';
import type { BootstrapBlocks } from './blocks.ts';
import { releaseBlocks, replicate, uploadBlocks, type ReplicationOptions, type Replications, type ResidentBlocks } from './replicate.ts';
import type { PairsDraws } from './draws.ts';

/** Replications a thread takes at a time. */
export const REPLICATION_BATCH = 32;

export interface SharedReplications {
  beta: Float64Array;
  se: Float64Array;
  hansen: Float64Array;
  status: Uint8Array;
  /** [next replication to take]. */
  control: Int32Array;
  /** 1 for each batch of REPLICATION_BATCH replications whose results are written. */
  batchDone: Uint8Array;
  /** Replications with a singular moment covariance, per batch. */
  batchSingular: Int32Array;
}

export interface WorkerJob {
  blocks: BootstrapBlocks;
  draws: PairsDraws;
  reps: number;
  options: ReplicationOptions;
  backend: string;
  shared: SharedReplications;
}

/** Threads for a job: one per core on the CPU backends, one on device backends. */
export function defaultThreads(backend: KernelBackend): number {
  return threadingOf(backend.name) === 'per-core' ? availableParallelism() : 1;
}

/** Worker threads kept between jobs (unref'd: they never keep the process alive), started on first use. */
const pool: Worker[] = [];

/** How to stop each waiting worker's idle timer (module-worker.ts endUnlessTaken). */
const idle = new Map<Worker, () => void>();

/** The worker waits `ms` for a job, then is ended (and leaves the pool, on its exit). */
function waitForJob(worker: Worker, ms: number): void {
  stopWaiting(worker);
  idle.set(worker, endUnlessTaken(worker, ms, () => idle.delete(worker)));
}

/** A job took the worker, or it left the pool: no longer ended for waiting. */
function stopWaiting(worker: Worker): void {
  idle.get(worker)?.();
  idle.delete(worker);
}

/** Workers in the pool now. */
export function pooledWorkerCount(): number {
  return pool.length;
}

/**
 * A new worker thread: the compiled replicate-worker.js, or replicate-worker.ts through worker-boot.mjs
 * (which registers tsx) when running from the sources, or, where
 * SYSGMM_WORKER names one, a bundled worker script that needs no loader (bench/gpu/build.sh makes one).
 */
function startWorker(): Worker {
  const bundled = process.env.SYSGMM_WORKER;
  if (bundled) return new Worker(pathToFileURL(bundled));
  return startModuleWorker(import.meta.url, 'replicate-worker');
}

function pooledWorkers(count: number): Worker[] {
  while (pool.length < count) {
    const worker = startWorker();
    worker.unref();
    // A worker that fails (e.g. cannot start in a bundle without tsx) leaves the pool; its batches are rerun.
    const drop = () => {
      const at = pool.indexOf(worker);
      if (at >= 0) pool.splice(at, 1);
      stopWaiting(worker);
    };
    worker.on('error', drop);
    worker.on('exit', drop);
    pool.push(worker);
    waitForJob(worker, WORKER_FIRST_JOB_MS);
  }
  return pool.slice(0, count);
}

/** Start the worker threads a job will use, so they load while the caller prepares the job. */
export function warmWorkers(threads: number): void {
  if (threads > 1) pooledWorkers(threads - 1);
}

function sharedArray<T extends Float64Array | Uint8Array | Int32Array>(make: new (b: SharedArrayBuffer) => T, bytes: number): T {
  return new make(new SharedArrayBuffer(bytes));
}

/** Take batches of replications from the shared counter until none is left. */
export async function runShare(job: Omit<WorkerJob, 'backend'>, backend: KernelBackend, onDone?: () => void): Promise<void> {
  const { reps, shared } = job;
  let resident: ResidentBlocks | undefined;
  try {
    for (;;) {
      const b0 = Atomics.add(shared.control, 0, REPLICATION_BATCH);
      if (b0 >= reps) return;
      resident ??= await uploadBlocks(job.blocks, job.options, backend);
      await runBatch(job, backend, b0 / REPLICATION_BATCH, resident);
      onDone?.();
    }
  } finally {
    if (resident) await releaseBlocks(resident, backend);
  }
}

async function runBatch(job: Omit<WorkerJob, 'backend'>, backend: KernelBackend, batch: number, resident: ResidentBlocks): Promise<void> {
  const { blocks, draws, reps, options, shared } = job;
  const K = blocks.K;
  const b0 = batch * REPLICATION_BATCH;
  const cb = Math.min(REPLICATION_BATCH, reps - b0);
  const r = await replicate(blocks, { seed: draws.seed, first: draws.first + b0 }, cb, options, backend, undefined, undefined, resident);
  shared.beta.set(r.beta, b0 * K);
  shared.se.set(r.se, b0 * K);
  shared.hansen.set(r.hansen, b0);
  shared.status.set(r.status, b0);
  shared.batchSingular[batch] = r.singularWeight;
  Atomics.store(shared.batchDone, batch, 1);
}

export async function replicateParallel(
  bb: BootstrapBlocks,
  draws: PairsDraws,
  reps: number,
  options: ReplicationOptions,
  backend: KernelBackend,
  threads: number,
  onProgress?: (done: number) => void,
): Promise<Replications & { threads: number }> {
  const batches = Math.ceil(reps / REPLICATION_BATCH);
  const workersWanted = Math.max(0, Math.min(threads, batches) - 1);
  if (workersWanted === 0) return { ...(await replicate(bb, draws, reps, options, backend, onProgress, REPLICATION_BATCH)), threads: 1 };
  const K = bb.K;
  const shared: SharedReplications = {
    beta: sharedArray(Float64Array, reps * K * 8),
    se: sharedArray(Float64Array, reps * K * 8),
    hansen: sharedArray(Float64Array, reps * 8),
    status: sharedArray(Uint8Array, reps),
    control: sharedArray(Int32Array, 4),
    batchDone: sharedArray(Uint8Array, batches),
    batchSingular: sharedArray(Int32Array, batches * 4),
  };
  const job = { blocks: bb, draws, reps, options, shared };
  const progress = () => onProgress?.(Math.min(reps, Atomics.load(shared.control, 0)));
  const workers = pooledWorkers(workersWanted).map(
    (worker) =>
      new Promise<boolean>((resolve) => {
        const onMessage = (m: 'batch' | 'done' | { failed: string }) => {
          if (m === 'batch') return progress();
          finish(m === 'done');
        };
        const onGone = () => finish(false);
        const finish = (ok: boolean) => {
          worker.unref();
          worker.off('message', onMessage);
          worker.off('error', onGone);
          worker.off('exit', onGone);
          if (pool.includes(worker)) waitForJob(worker, WORKER_IDLE_MS);
          resolve(ok);
        };
        worker.on('message', onMessage);
        worker.on('error', onGone);
        worker.on('exit', onGone);
        stopWaiting(worker);
        worker.ref(); // a running job keeps the process alive; an idle pool does not
        worker.postMessage({ ...job, backend: backend.name } satisfies WorkerJob);
      }),
  );
  await runShare(job, backend, progress);
  const workersOk = (await Promise.all(workers)).filter((ok) => ok).length;
  // A worker that could not start, or failed, leaves its batches unwritten: run them here.
  const left: number[] = [];
  for (let batch = 0; batch < batches; batch++) if (!Atomics.load(shared.batchDone, batch)) left.push(batch);
  if (left.length) {
    const resident = await uploadBlocks(bb, options, backend);
    try {
      for (const batch of left) await runBatch(job, backend, batch, resident);
    } finally {
      await releaseBlocks(resident, backend);
    }
  }
  return {
    threads: 1 + workersOk,
    reps,
    K,
    beta: Float64Array.from(shared.beta),
    se: Float64Array.from(shared.se),
    hansen: Float64Array.from(shared.hansen),
    status: Uint8Array.from(shared.status),
    singularWeight: shared.batchSingular.reduce((a, x) => a + x, 0),
  };
}
