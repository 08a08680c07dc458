// The pairs bootstrap split into tasks (src/scale/sharded-bootstrap.ts): with draws keyed by (seed,
// replication), every replication — hence every statistic — is bit-identical to the single-process
// run for any number of tasks, on worker processes and on Slurm (when a cluster is up); the same from a
// folder written by `sysgmm partition` as from the file it was made of.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootstrapGmm, type BootstrapResult } from '../src/bootstrap/run.ts';
import { replicationRange, shardedReplications } from '../src/scale/sharded-bootstrap.ts';
import { readManifest, taskPath, writeResult } from '../src/run/run-dir.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import type { ExecutorOptions } from '../src/run/executor.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { loadModel } from '../src/input/load-model.ts';
import { partition } from '../src/scale/partition.ts';
import { loadPartitionedModel } from '../src/scale/partition-panel.ts';

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

describe('sharded pairs bootstrap of partitioned data', () => {
  // abdata with the unit id blanked on two rows: partition counts them in its manifest, the file's reader in the panel.
  const csv = join(work, 'ab-noid.csv');
  writeFileSync(csv, readFileSync(abdata, 'utf8').split('\n').map((l, r) => (r === 20 || r === 400 ? l.replace(/^[^,]*/, '') : l)).join('\n'));
  const dir = join(work, 'ab-part');
  const model = { id: 'id', time: 'year', xtabond2: COMMAND };
  const from = async (data: string, shards: number | null, exec: ExecutorOptions = {}, partitioned = data === dir): Promise<BootstrapResult> => {
    const { panel, spec } = await (partitioned ? loadPartitionedModel(data, model) : loadModel(data, model));
    const config = { file: data, id: 'id', time: 'year', command: COMMAND, seed: SEED, reps: REPS, recentre: true, backend: 'float64-wasm', shards: shards ?? 1 };
    const out = join(work, `part-s${shards}-${exec.executor ?? 'local'}`);
    return bootstrapGmm(panel, spec, { reps: REPS, seed: SEED, backend: 'float64-wasm', threads: 1, ...(shards ? { replications: () => shardedReplications(out, config, exec) } : {}) }, COMMAND);
  };
  let fromFile: ReturnType<typeof numbers>;

  it('1, 3 and 4 tasks on a 4-shard partition, and one process reading it, equal the single-process run on the file bit for bit, the rows without id counted', async () => {
    const m = await partition(csv, { id: 'id', time: 'year', shards: 4, out: dir });
    expect(m.excluded.missingId).toBe(2);
    const file = await from(csv, null);
    fromFile = numbers(file);
    expect(file.fit.excluded.find((e) => e.reason === 'missing unit id')?.count).toBe(2);
    const one = await from(dir, null);
    expect(one.fit).toEqual(file.fit);
    expect(numbers(one)).toEqual(fromFile);
    expect(numbers(await from(dir, 3, { jobs: 2 }))).toEqual(fromFile);
    expect(numbers(await from(dir, 1, { jobs: 1 }))).toEqual(fromFile);
    // Four tasks on one worker process: batches of two tasks, the data read and set up once a batch.
    expect(numbers(await from(dir, 4, { jobs: 1 }))).toEqual(fromFile);
  }, 240_000);

  it.skipIf(!slurmUp)('on Slurm (one array of 4 tasks) the same bit for bit (needs a Slurm cluster; skipped when sinfo finds none)', async () => {
    expect(numbers(await from(dir, 4, { executor: 'slurm' }))).toEqual(fromFile);
  }, 240_000);
});

// --quiet left the sharded bootstrap's "submitted Slurm job array" notes on stderr.
describe('sharded bootstrap on Slurm, --quiet', () => {
  it.skipIf(!slurmUp)('prints no note of the jobs submitted (needs a Slurm cluster; skipped when sinfo finds none)', () => {
    const base = ['bin/sysgmm.mjs', 'bootstrap', abdata, '--id', 'id', '--time', 'year', '--xtabond2', COMMAND, '--backend', 'float64-wasm', '--shards', '2', '--reps', '8', '--executor', 'slurm'];
    const quiet = spawnSync(process.execPath, [...base, '--out', join(work, 'slurm-quiet'), '--quiet'], { encoding: 'utf8', timeout: 300_000 });
    expect([quiet.status, quiet.stderr]).toEqual([0, '']);
    const said = spawnSync(process.execPath, [...base, '--out', join(work, 'slurm-said')], { encoding: 'utf8', timeout: 300_000 });
    expect(said.status).toBe(0);
    expect(said.stderr).toMatch(/submitted Slurm job array \d+ \(2 task\(s\)\)/);
  }, 240_000);
});

// A tester's run B, resumed with task 0's result of run A (another seed and B) copied into it, ended
// with run A's replications 0–199 placed among B's 8: wrong standard errors, exit 0.
describe('sharded bootstrap: results of another run', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/sysgmm.mjs', 'bootstrap', abdata, '--id', 'id', '--time', 'year', '--xtabond2', COMMAND, '--backend', 'float64-wasm', '--shards', '2', '--jobs', '1', '--quiet', ...args], { encoding: 'utf8', timeout: 300_000 });
  const withoutTime = (text: string) => text.replace(/^Time: .*$/m, '');
  it('a result another run wrote is not merged: it is recomputed with a note, and the output is the run\'s own; so is a result whose replications are not its task\'s', async () => {
    const a = join(work, 'other-a');
    const b = join(work, 'other-b');
    expect(cli('--reps', '40', '--seed', '3', '--out', a).status).toBe(0);
    const own = cli('--reps', '8', '--seed', '4', '--out', b);
    expect(own.status).toBe(0);
    copyFileSync(taskPath(a, 0), taskPath(b, 0));
    const r = cli('--reps', '8', '--seed', '4', '--out', b, '--resume');
    expect(withoutTime(r.stdout)).toBe(withoutTime(own.stdout));
    const m = await readManifest(b);
    expect([r.status, r.stderr.trim()]).toEqual([0, `task 0: result written by another run in this folder (run ${(await readManifest(a)).id.slice(0, 8)}; this run is ${m.id.slice(0, 8)}), not used; recomputing`]);
    // This run's own identity on a payload that holds other replications (task 1's range as task 0's).
    const [from, to] = replicationRange(8, 2, 1);
    const text = readFileSync(taskPath(b, 1), 'utf8');
    await writeResult(b, 0, JSON.parse(text.slice(text.indexOf('\n') + 1)), m.id);
    const r2 = cli('--reps', '8', '--seed', '4', '--out', b, '--resume');
    expect(withoutTime(r2.stdout)).toBe(withoutTime(own.stdout));
    expect([r2.status, r2.stderr.trim()]).toEqual([0, `task 0: result does not fit its task (replications ${from} to ${to - 1} where task 0 of 2 holds 0 to 3 of 8); recomputing`]);
  }, 240_000);

  // A tester's resume with the data reached by another path was refused ("file: ... in the run, ... now").
  it('the same data at another path (a copy, a symbolic link to its folder) resumes the run: it is known by its SHA-256', () => {
    const b = join(work, 'data-moved');
    expect(cli('--reps', '8', '--seed', '4', '--out', b).status).toBe(0);
    const copy = join(work, 'copy-of-abdata.csv');
    copyFileSync(abdata, copy);
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'bootstrap', copy, '--id', 'id', '--time', 'year', '--xtabond2', COMMAND, '--backend', 'float64-wasm', '--shards', '2', '--jobs', '1', '--quiet', '--reps', '8', '--seed', '4', '--out', b, '--resume'], { encoding: 'utf8', timeout: 300_000 });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(readFileSync(join(b, 'run.json'), 'utf8')).config.file).toBe(copy);
    // Other bytes at that path are other data: refused.
    writeFileSync(copy, readFileSync(abdata, 'utf8') + '\n');
    const changed = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'bootstrap', copy, '--id', 'id', '--time', 'year', '--xtabond2', COMMAND, '--backend', 'float64-wasm', '--shards', '2', '--jobs', '1', '--quiet', '--reps', '8', '--seed', '4', '--out', b, '--resume'], { encoding: 'utf8', timeout: 300_000 });
    expect([changed.status, changed.stderr]).toEqual([2, `sysgmm: --resume: ${b} holds a different bootstrap-replications run (the data changed: their checksum sha256 differs); choose another --out\n`]);
  }, 240_000);
});
