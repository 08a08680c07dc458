// The pairs bootstrap with its replications split into S tasks of a run directory (local worker
// processes or a Slurm job array): task s computes replications ⌊sB/S⌋ … ⌊(s+1)B/S⌋−1 of the same
// model and seed. Draws are keyed by (seed, replication) (src/bootstrap/draws.ts), so the
// replications — and every statistic made of them — are those of the single-process run. The data is
// a file, dataset folder or glob (its checksum covers every file), or a partitioned folder
// (partition.ts) that every task reads whole (partition-panel.ts): its manifest's SHA-256 stands for
// the data (it holds every shard's).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { dataSha256 } from '../data/checksum.ts';
import type { DataFormat } from '../data/read.ts';
import { DataError, SpecError } from '../errors.ts';
import type { RunManifest } from '../run/run-dir.ts';
import type { ExecutorOptions } from '../run/executor.ts';
import { runWorkload } from '../workloads/run-workload.ts';
import { pairsReplications, pairsSetup } from '../bootstrap/run.ts';
import type { Replications } from '../bootstrap/replicate.ts';
import { getBackend } from '../kernels/registry.ts';
import { loadModel } from '../input/load-model.ts';
import { isPartitionedFolder } from '../data/partition-manifest.ts';
import { loadPartitionedModel } from './partition-panel.ts';

export const SHARDED_BOOTSTRAP = 'bootstrap-replications';

export interface BootstrapTaskConfig {
  /** A file, dataset folder or glob, read as --input-format, --sheet and --delimiter say. */
  file: string;
  sha256: string;
  id: string;
  time: string;
  inputFormat?: string;
  sheet?: string;
  delimiter?: string;
  command: string;
  seed: number;
  reps: number;
  recentre: boolean;
  backend: string;
  shards: number;
}

/** Replications computed in one batch by a task. */
const CHUNK = 16;

/** Replications [from, to) of task s. */
export function replicationRange(reps: number, shards: number, s: number): [number, number] {
  return [Math.floor((s * reps) / shards), Math.floor(((s + 1) * reps) / shards)];
}

/** SHA-256 of a partitioned folder's manifest.json, or of the data's files (data/checksum.ts). */
const dataHash = async (path: string, format: string | undefined) =>
  isPartitionedFolder(path) ? createHash('sha256').update(await readFile(join(path, 'manifest.json'))).digest('hex') : dataSha256(path, format as DataFormat | undefined);

/** The model set up for the last run configuration seen: a worker process given a batch of tasks
 *  (local executor) reads and prepares the data once for all of them. */
let prepared: { key: string; setup: ReturnType<typeof pairsSetup> } | null = null;

export async function bootstrapTask(manifest: RunManifest, index: number): Promise<unknown> {
  const c = manifest.config as BootstrapTaskConfig;
  const key = JSON.stringify(c);
  if (prepared?.key !== key) {
    prepared = null;
    if ((await dataHash(c.file, c.inputFormat)) !== c.sha256) throw new DataError(`${c.file} changed since the bootstrap run was created (its SHA-256 differs)`, { file: c.file });
    const model = { id: c.id, time: c.time, xtabond2: c.command };
    const { panel, spec } = await (isPartitionedFolder(c.file)
      ? loadPartitionedModel(c.file, model)
      : loadModel(c.file, { ...model, inputFormat: c.inputFormat, sheet: c.sheet, delimiter: c.delimiter }));
    prepared = { key, setup: pairsSetup(panel, spec, c.recentre, c.command) };
  }
  const setup = prepared.setup;
  const [from, to] = replicationRange(c.reps, c.shards, index);
  const backend = await getBackend(c.backend, { precision: 'float32', workload: 'bootstrap' });
  try {
    // CHUNK replications at a time: the draws' counts (replications × clusters) and the batch's work
    // arrays stay small whatever the task's share; keyed draws make the chunks those of one call.
    const out: Payload = { from, to, beta: [], se: [], hansen: [], status: [], singularWeight: 0 };
    for (let a = from; a < to; a += CHUNK) {
      const r = await pairsReplications(setup, c.seed, a, Math.min(CHUNK, to - a), backend, 1);
      out.beta.push(...r.beta);
      out.se.push(...r.se);
      out.hansen.push(...r.hansen);
      out.status.push(...r.status);
      out.singularWeight += r.singularWeight;
    }
    return out;
  } finally {
    await backend.dispose();
  }
}

type Payload = { from: number; to: number; beta: (number | null)[]; se: (number | null)[]; hansen: (number | null)[]; status: number[]; singularWeight: number };

/** Whether task s's payload holds replications ⌊sB/S⌋ … ⌊(s+1)B/S⌋−1 of the run, whole: null if it
 *  does, else what is wrong (the driver places each row by `from`, so a row outside the task's range
 *  would be dropped or put where another task's belongs). */
export function replicationsMisfit(p: unknown, s: number, reps: number, shards: number): string | null {
  const [from, to] = replicationRange(reps, shards, s);
  const x = p as Partial<Payload> | null;
  if (typeof x !== 'object' || x === null || !Array.isArray(x.beta) || !Array.isArray(x.se) || !Array.isArray(x.hansen) || !Array.isArray(x.status))
    return 'not a set of bootstrap replications';
  if (x.from !== from || x.to !== to) return `replications ${x.from} to ${Number(x.to) - 1} where task ${s} of ${shards} holds ${from} to ${to - 1} of ${reps}`;
  const n = to - from;
  if (x.hansen.length !== n || x.status.length !== n || x.se.length !== x.beta.length || (n > 0 && x.beta.length % n !== 0))
    return `${x.status.length} replication statuses, ${x.hansen.length} Hansen statistics, ${x.beta.length} coefficients and ${x.se.length} standard errors for ${n} replications`;
  return null;
}

/** Run the tasks and put their replications together in order (JSON's null back to NaN). */
export async function shardedReplications(out: string, config: Omit<BootstrapTaskConfig, 'sha256'>, opts: ExecutorOptions & { resume?: boolean }): Promise<Replications & { threads: number }> {
  const sha256 = await dataHash(config.file, config.inputFormat);
  const full: BootstrapTaskConfig = { ...config, file: resolve(config.file), sha256 };
  const check = (p: unknown, s: number) => replicationsMisfit(p, s, config.reps, config.shards);
  // The data is known by its SHA-256; its path may change between resumes (a symbolic link, a copy).
  const run = await runWorkload(out, { kind: SHARDED_BOOTSTRAP, tasks: config.shards, config: full, locations: ['file'], check }, opts);
  const parts = run!.payloads as Payload[];
  const some = parts.find((p) => p.to > p.from)!;
  const K = some.beta.length / (some.to - some.from);
  for (const [s, p] of parts.entries())
    if (p.to > p.from && p.beta.length !== (p.to - p.from) * K) throw new SpecError(`sharded bootstrap: task ${s} returned ${p.beta.length / (p.to - p.from)} coefficients a replication, task ${parts.indexOf(some)} ${K}`);
  const num = (v: number | null) => (v === null ? NaN : v);
  const beta = new Float64Array(config.reps * K);
  const se = new Float64Array(config.reps * K);
  const hansen = new Float64Array(config.reps);
  const status = new Uint8Array(config.reps);
  let singularWeight = 0;
  for (const p of parts) {
    p.beta.forEach((v, j) => (beta[p.from * K + j] = num(v)));
    p.se.forEach((v, j) => (se[p.from * K + j] = num(v)));
    p.hansen.forEach((v, j) => (hansen[p.from + j] = num(v)));
    p.status.forEach((v, j) => (status[p.from + j] = v));
    singularWeight += p.singularWeight;
  }
  return { reps: config.reps, K, beta, se, hansen, status, singularWeight, threads: config.shards };
}
