// The pairs bootstrap split into tasks (src/scale/sharded-bootstrap.ts): with draws keyed by (seed,
// replication), every replication — hence every statistic — is bit-identical to the single-process
// run for any number of tasks, on worker processes and on Slurm (when a cluster is up).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootstrapGmm, type BootstrapResult } from '../src/bootstrap/run.ts';
import { shardedReplications } from '../src/scale/sharded-bootstrap.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import type { ExecutorOptions } from '../src/run/executor.ts';
import { loadAbdata } from './helpers/abdata.ts';

const work = mkdtempSync(join(tmpdir(), 'sysgmm-sharded-boot-'));
const abdata = new URL('../data/abdata.csv', import.meta.url).pathname;
const slurmUp = spawnSync('sinfo', ['--noheader', '--format=%a'], { encoding: 'utf8' }).stdout?.includes('up') ?? false;
const COMMAND = 'xtabond2 n L.n w k, gmm(L.(n w k), collapse) twostep robust';
const REPS = 40;
const SEED = 9;

async function run(shards: number | null, exec: ExecutorOptions = {}): Promise<BootstrapResult> {
  const panel = await loadAbdata();
  const spec = parseXtabond2(COMMAND, panel.names());
  const backend = 'float64-wasm';
  const config = { file: abdata, id: 'id', time: 'year', command: COMMAND, seed: SEED, reps: REPS, recentre: true, backend, shards: shards ?? 1 };
  const out = join(work, `s${shards}-${exec.executor ?? 'local'}`);
  return bootstrapGmm(panel, spec, { reps: REPS, seed: SEED, backend, threads: 1, ...(shards ? { replications: () => shardedReplications(out, config, exec) } : {}) }, COMMAND);
}

/** Everything but timings and the thread count, as plain data. */
const numbers = (r: BootstrapResult) => ({
  beta: Array.from(r.draws!.beta),
  se: Array.from(r.draws!.se),
  hansen: Array.from(r.draws!.hansen),
  status: Array.from(r.draws!.status),
  coefficients: r.coefficients,
  hansenTest: r.hansen,
  used: r.used,
});

describe('sharded pairs bootstrap', () => {
  let single: ReturnType<typeof numbers>;
  it('1 task and 3 tasks on worker processes give the single-process replications bit for bit', async () => {
    single = numbers(await run(null));
    expect(single.used).toBe(REPS);
    expect(numbers(await run(3, { jobs: 2 }))).toEqual(single);
    expect(numbers(await run(1, { jobs: 1 }))).toEqual(single);
  }, 240_000);

  it.skipIf(!slurmUp)('on Slurm (one array of 4 tasks) the same bit for bit (needs a Slurm cluster; skipped when sinfo finds none)', async () => {
    expect(numbers(await run(4, { executor: 'slurm' }))).toEqual(single);
  }, 240_000);
});
