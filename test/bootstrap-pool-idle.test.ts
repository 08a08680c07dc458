// The bootstrap's worker threads between jobs (src/bootstrap/parallel.ts): a job right after another
// takes the same worker (none started), and a worker that no job takes within IDLE_MS is ended, since
// an idle worker keeps its copy of the last job's blocks. A file of its own: the pool is per module.
import { describe, expect, it, vi } from 'vitest';
import { bootstrapGmm } from '../src/bootstrap/run.ts';
import { pooledWorkerCount } from '../src/bootstrap/parallel.ts';
import { WORKER_IDLE_MS as IDLE_MS } from '../src/module-worker.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { loadAbdata } from './helpers/abdata.ts';

/** Worker threads started through startModuleWorker, counted. */
const started = vi.hoisted(() => ({ n: 0 }));
vi.mock('../src/module-worker.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../src/module-worker.ts')>();
  return {
    ...m,
    startModuleWorker: (...args: Parameters<typeof m.startModuleWorker>) => {
      started.n++;
      return m.startModuleWorker(...args);
    },
  };
});

describe('bootstrap workers between jobs', () => {
  it('a job right after another reuses its worker; one idle for IDLE_MS is ended, and the next job starts a new one', async () => {
    expect(IDLE_MS).toBe(2_000);
    const ab = await loadAbdata();
    const spec = parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust', ab.names());
    // 64 replications: two batches, so one worker beside this thread.
    const run = () => bootstrapGmm(ab, spec, { reps: 64, seed: 5, threads: 2, backend: 'float64-ts' });
    const first = await run();
    expect(started.n).toBe(1);
    expect(pooledWorkerCount()).toBe(1);
    const second = await run();
    expect(started.n).toBe(1);
    expect(second.threads).toBe(2);
    expect([...second.draws!.beta]).toEqual([...first.draws!.beta]);
    await new Promise((r) => setTimeout(r, IDLE_MS + 700));
    expect(pooledWorkerCount()).toBe(0);
    await run();
    expect(started.n).toBe(2);
  }, 60_000);
});
