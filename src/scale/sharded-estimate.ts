// The reduce side of a sharded estimate: the driver runs each stage as one task per shard in a run
// directory (src/run: local worker processes or a Slurm job array, retries, --resume), merges what
// the shards return and broadcasts what the next stage needs through the next stage's run.json:
//   layout  → the whole sample's time grid (min/max over shards), regressors kept (collinearity on the
//             summed cross-products), and under `pca` the principal components of the summed
//             instrument moments (pca.ts)
//   pass n  → the partial sums of each PassRequest of estimationSteps (estimate.ts), merged
// and finally the GmmResult from the merged totals (fit.ts inferenceFromTotals). Stage folders:
// <out>/00-units (only under `in`: each shard's units and their rows, placing the range in each shard),
// then layout (again when the sample's span is narrower than the panel's), then moments (only when a
// regressor is dropped, or under `pca`), weight, correction.
import { createHash } from 'node:crypto';
import { readFile, rm, rmdir, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pathBelow, realPathOf } from '../data/glob.ts';
import { DataError, SpecError } from '../errors.ts';
import { modelColumns } from '../spec/model-columns.ts';
import type { ExecutorOptions } from '../run/executor.ts';
import { runWorkload } from '../workloads/run-workload.ts';
import { requireSlurm } from '../run/slurm.ts';
import { configDifference, refuseLink, RUN_FORMAT } from '../run/run-dir.ts';
import { writeFileAtomic } from '../data/write-atomic.ts';
import { makeFolder } from '../data/make-folder.ts';
import { optionFault } from '../file-errors.ts';
import { checkIdentified, keptRegressors, mergedCounts, mergedTotals } from '../gmm/merged-totals.ts';
import { estimationSteps, runStepsAsync } from '../gmm/estimate.ts';
import { arMode, estimateOptionsFor, type PreparedGmm } from '../gmm/fit.ts';
import { inferenceFromTotals } from '../gmm/inference.ts';
import type { PassRequest } from '../gmm/passes.ts';
import { mergeAll, sumOf, type PartialSums } from '../gmm/partial-sums.ts';
import { deserializePartial } from '../gmm/partial-io.ts';
import type { GmmResult } from '../gmm/result.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import { inRangeBounds } from '../spec/condition.ts';
import { unitOrder } from '../panel/ids.ts';
import { EXCLUDED, EXCLUSION_REASONS } from '../gmm/design.ts';
import type { Conventions, ModelSpec } from '../spec/types.ts';
import { checkedShard, readPartition } from './partition.ts';
import { EXCLUSION_ORDER, type StageConfig, type WirePcaSums } from './estimate-task.ts';
import { pcaToWire, requestToWire, shardLayout, shardPanel, type LayoutConfig, type ModelConfig } from './shard-model.ts';
import { gmmStyleColumns, pcaTransform, withComponents, type PcaSums } from '../gmm/pca.ts';

export const SHARDED_ESTIMATE = 'sharded-estimate';

export interface ShardedEstimateOptions extends ExecutorOptions {
  command: string;
  id: string;
  time: string;
  conventions: Conventions;
  /** Run directory (default <data>/runs/estimate-<hash of the command, conventions and partition manifest>). */
  out?: string;
  resume?: boolean;
  /** Called with the run directory when its first stage starts, before any task runs (the CLI's
   *  `run directory:` line, so that a user can find the run's logs while it runs). */
  onStart?: (out: string) => void;
}

/** The default run folder: <data>/runs/estimate-<hash of the command, the conventions and the
 *  partition's manifest>. The manifest's SHA-256 is in it so that a folder partitioned again (other
 *  shards, other data) gets a new run folder: the old one's stages hold another partition's results. */
export function defaultRunDir(data: string, command: string, conventions: string, manifest: string): string {
  return join(resolve(data), 'runs', `estimate-${createHash('sha256').update(`${command}\n${conventions}\n${manifest}`).digest('hex').slice(0, 12)}`);
}

/**
 * Refuse a named --out that is the partitioned folder or inside it (the run's files would sit among
 * the data's; its `runs` folder, where the default run folders are, is the exception), or that is, or
 * is inside, the folder of another run (a folder holding run.json: another sharded estimate's stage,
 * a Monte Carlo or grid run), as bootstrap --shards and grid refuse an --out among their inputs. By
 * real paths: a symbolic link is no way in.
 */
function checkRunFolder(given: string, data: string): void {
  const out = realPathOf(given);
  const rel = relative(realPathOf(data), out);
  if (rel === '') throw new SpecError(`--out: the folder ${given} is the partitioned folder ${data}, whose files are the data; write the run elsewhere`, '--out');
  if (pathBelow(realPathOf(data), out) !== null && !(rel.split(sep)[0] === 'runs' && rel !== 'runs'))
    throw new SpecError(`--out: the folder ${given} is inside the partitioned folder ${data}, whose files are the data; write the run elsewhere (or under ${join(data, 'runs')}, where the default run folders are)`, '--out');
  for (let at = out; ; at = dirname(at)) {
    if (isRunManifest(join(at, 'run.json')))
      throw new SpecError(`--out: the folder ${given} ${at === out ? 'is' : 'is inside'} the folder ${at} of another run (it holds run.json); choose another --out`, '--out');
    if (dirname(at) === at) break;
  }
}

/** Whether a file is a sysgmm run's run.json (run-dir.ts RUN_FORMAT), not some other file of that name. */
function isRunManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown }).format === RUN_FORMAT;
  } catch {
    return false;
  }
}

/** What estimate.json says of the run in its folder: the estimate (command, conventions) and the
 *  partition (its manifest's SHA-256; the path is where it was found, not what it is). */
type Marker = { data?: string; command?: string; conventions?: string; manifest?: string };

export async function shardedEstimate(data0: string, opts: ShardedEstimateOptions): Promise<{ result: GmmResult; out: string; spec: ModelSpec }> {
  const data = resolve(data0);
  const m = await readPartition(data);
  if (m.id !== opts.id || m.time !== opts.time)
    throw new SpecError(`${data} was partitioned with --id ${m.id} --time ${m.time}, not --id ${opts.id} --time ${opts.time}`, '--id');
  const shards = m.shards.map((s, i) => (s.rows > 0 ? i : -1)).filter((i) => i >= 0);
  for (const s of shards) await checkedShard(data, m, s, false);
  const spec0 = parseXtabond2(opts.command, m.columns.map((c) => c.name));
  // `in` counts the whole panel's rows in (unit, time) order, as one process does (the rows with a unit and a time: the shards').
  const inBounds = spec0.inRange ? inRangeBounds(spec0.inRange, m.rows) : null;
  // A model variable the shards hold as text: refused here, with where the input's first non-number
  // was, as one process refuses it, rather than by every layout task.
  for (const name of modelColumns(spec0)) {
    const c = m.columns.find((x) => x.name === name);
    if (c?.stored === 'utf8')
      throw new DataError(`column '${name}' is not numeric in ${m.input}${c.notNumeric ? ` (first non-number: ${c.notNumeric})` : ''}; partitioned in ${data}`, { file: m.input, column: name });
  }
  const manifestSha = createHash('sha256').update(await readFile(join(data, 'manifest.json'))).digest('hex');
  const out = resolve(opts.out ?? defaultRunDir(data, opts.command, opts.conventions, manifestSha));
  if (opts.out !== undefined) checkRunFolder(opts.out, data);
  // The default run directory is made inside the partition: a symbolic link at <data>/runs or at
  // the run folder would carry the whole run outside the folder the user named.
  if (opts.out === undefined) {
    await refuseLink(join(data, 'runs'), 'run directory');
    await refuseLink(out, 'run directory');
  }
  const marker = join(out, 'estimate.json');
  const exists = await stat(marker).then(() => true, () => false);
  const mine: Marker = { data, command: opts.command, conventions: opts.conventions, manifest: manifestSha };
  if (exists) {
    // The run there is this estimate's on this partition, or another's (the folder partitioned again
    // since, another command in the same --out): said as such, with what differs.
    let held: Marker;
    try {
      held = JSON.parse(await readFile(marker, 'utf8')) as Marker;
    } catch (err) {
      throw new SpecError(`${marker}: damaged (${(err as Error).message}); the run cannot go on: remove the folder or choose another --out`, '--out');
    }
    // A marker of an older sysgmm names no manifest: its stages' configurations still tell.
    const differs = configDifference(
      { command: held.command, conventions: held.conventions, ...(held.manifest === undefined ? {} : { manifest: held.manifest }) },
      { command: mine.command, conventions: mine.conventions, ...(held.manifest === undefined ? {} : { manifest: mine.manifest }) },
    );
    if (differs) throw new SpecError(`${opts.resume ? '--resume: ' : ''}${out} holds the run of another sharded estimate (${differs}); choose another --out`, opts.resume ? '--resume' : '--out');
    if (!opts.resume) throw new SpecError(`${out} already holds this estimate's run; pass --resume to continue it (or reuse its results), or choose another --out`, '--out');
  }
  // No sbatch here: said before anything is made (or the run folder announced).
  if (opts.executor === 'slurm') requireSlurm();
  const folderExisted = await stat(out).then(() => true, () => false);
  // The folder's fault is --out's where the user named it (the default is under the data folder).
  const option = opts.out === undefined ? undefined : '--out';
  await makeFolder(out).catch((err: unknown) => {
    throw option ? optionFault(err, option) : err;
  });
  if (!exists) await writeFileAtomic(marker, JSON.stringify(mine) + '\n', option);

  let base: ModelConfig = {
    data,
    manifest: manifestSha,
    command: opts.command,
    conventions: opts.conventions,
    shards,
  };
  let stageNo = 0;
  let lastStage = '';
  const stageDirs: string[] = [];
  const stage = async (name: string, config: StageConfig): Promise<unknown[]> => {
    const dir = (lastStage = join(out, `${String(stageNo++).padStart(2, '0')}-${name}`));
    stageDirs.push(dir);
    // The stage folder and the blocks its tasks keep are written into: neither may lead elsewhere.
    await refuseLink(dir);
    await refuseLink(join(dir, 'blocks'));
    if (stageDirs.length === 1) opts.onStart?.(out);
    // The partition is known by its manifest's SHA-256; its path may change between resumes (a
    // symbolic link), and blocksFrom names a stage folder of this run relative to it (a moved run).
    const run = await runWorkload(dir, { kind: SHARDED_ESTIMATE, tasks: config.shards.length, config, locations: ['data'] }, { ...opts, resume: true });
    return run!.payloads;
  };
  /** Remove the blocks of every stage so far but `keep`'s (superseded: no later stage reads them). */
  const dropBlocksBut = async (keep: string): Promise<void> => {
    for (const dir of stageDirs) if (dir !== keep) await rm(join(dir, 'blocks'), { recursive: true, force: true });
  };
  const partials = (payloads: unknown[], what: string, of: number[]): PartialSums =>
    mergeAll(payloads.map((p, i) => deserializePartial(Buffer.from((p as { partial: string }).partial, 'base64'), `${what}, shard ${of[i]}`)));

  // The layout on the panel's time range; again on the whole sample's span if that is narrower (its
  // units have no row in the first or last periods). Shards without a sample unit give only their
  // exclusion counts and take no further part. Then the decisions taken on every shard's sums.
  type Layout = { tmin: number; tmax: number; allWW: number[]; levW: number[]; nLev: number; partial: string; pca?: WirePcaSums };
  type Empty = { empty: true; excluded: Record<string, number> };
  const layout: LayoutConfig = { tmin: m.timeRange.min, tmax: m.timeRange.max, periods: m.periods };
  let first: (Layout | Empty)[];
  const emptyExcluded = new Map<string, number>();
  try {
    if (inBounds) {
      // Each shard's units and their rows: merged in the panel's unit order, they place each shard's
      // rows among the whole panel's; its rows in the range are one run of its own (its units are
      // whole, in the same order). A shard with none of them is outside the range and no task's.
      const got = (await stage('units', { ...base, stage: 'units' })) as { units: (number | string)[]; rows: number[] }[];
      const all = got.flatMap((g, t) => g.units.map((u, i) => ({ u, rows: g.rows[i], t })));
      // The whole panel's unit order (text ids that are all whole numbers sort as numbers); each
      // shard's own order must agree with it for its rows in the range to be one run.
      const order = unitOrder(all.map((x) => x.u));
      for (const g of got)
        for (let i = 1; i < g.units.length; i++)
          if (order(g.units[i - 1]!, g.units[i]!) >= 0)
            throw new SpecError(`'in' on this partition: its shards order their units otherwise than the whole panel does (ids ${JSON.stringify(g.units[i - 1])} and ${JSON.stringify(g.units[i])}: text ids some of which are whole numbers); select with an 'if' condition`, 'in');
      all.sort((a, b) => order(a.u, b.u));
      const localIn: ModelConfig['localIn'] = new Array(m.shards.length).fill(null);
      const seen = new Array<number>(got.length).fill(0);
      let before = 0;
      for (const x of all) {
        const a = Math.max(inBounds.lo, before + 1);
        const b = Math.min(inBounds.hi, before + x.rows);
        const s = shards[x.t];
        if (a <= b) localIn[s] = { first: localIn[s]?.first ?? a + seen[x.t] - before, last: b + seen[x.t] - before };
        seen[x.t] += x.rows;
        before += x.rows;
      }
      const outside = shards.filter((s) => localIn[s] === null).reduce((n, s) => n + m.shards[s].rows, 0);
      if (outside > 0) emptyExcluded.set(EXCLUSION_REASONS[EXCLUDED.unqualified], outside);
      base = { ...base, shards: shards.filter((s) => localIn[s] !== null), localIn };
    }
    first = (await stage('layout', { ...base, stage: 'layout', layout })) as (Layout | Empty)[];
  } catch (err) {
    // A submission refused before any task ran took away the stage folder it made (run-workload.ts);
    // the run folder this call made goes too, so that the same command needs no --resume.
    if (!exists && err instanceof SpecError && !(await stat(stageDirs[0]).then(() => true, () => false))) {
      await rm(marker, { force: true });
      if (!folderExisted) await rmdir(out).catch(() => undefined);
    }
    throw err;
  }
  for (const x of first) if ('empty' in x) for (const [reason, count] of Object.entries(x.excluded)) emptyExcluded.set(reason, (emptyExcluded.get(reason) ?? 0) + count);
  const sampled = base.shards.filter((_, t) => !('empty' in first[t]));
  if (sampled.length === 0) throw new SpecError('No observations: no row has the dependent variable and all regressors present', 'varlist');
  const model: ModelConfig = { ...base, shards: sampled };
  let lay = first.filter((x): x is Layout => !('empty' in x));
  const span = { tmin: Math.min(...lay.map((g) => g.tmin)), tmax: Math.max(...lay.map((g) => g.tmax)) };
  if (span.tmin !== layout.tmin || span.tmax !== layout.tmax) {
    Object.assign(layout, span);
    lay = (await stage('layout', { ...model, stage: 'layout', layout })) as Layout[];
    // The first layout's blocks (on the panel's grid) are superseded by this one's.
    await dropBlocksBut(lastStage);
  }
  const layoutStage = lastStage;
  let prep = await driverModel(model, layout);
  const coll = keptRegressors(prep.design, lay);
  if (spec0.pca && gmmStyleColumns(prep.plan) > 0) {
    // The components of the whole sample's GMM-style instruments, from every shard's moments,
    // broadcast to the later stages; their default number reads the regressors kept (pca.ts).
    const parts = lay.map((x) => x.pca!);
    const sums: PcaSums = { sum: new Float64Array(parts[0].sum.length), cross: new Float64Array(parts[0].cross.length), rows: 0 };
    for (const x of parts) {
      x.sum.forEach((v, j) => (sums.sum[j] += v));
      x.cross.forEach((v, j) => (sums.cross[j] += v));
      sums.rows += x.rows;
    }
    const pca = pcaTransform(prep.plan, sums, spec0.components ?? null, coll.keep.length);
    layout.pca = pcaToWire(pca);
    prep = { ...prep, plan: withComponents(prep.plan, pca) };
  }
  layout.keep = coll.keep;
  const K = coll.keep.length;
  const kAll = lay[0].levW.length - 1;

  // The stage whose tasks kept every shard's blocks on the final layout (the later stages read them).
  let blocksFrom: string | undefined;
  const pass = async (req: PassRequest): Promise<PartialSums> =>
    partials(await stage(req.pass, { ...model, stage: 'pass', layout, request: requestToWire(req), blocksFrom }), `${req.pass} pass`, sampled);
  // The layout stage's moments (and blocks) are the moments pass's when every regressor is kept and
  // no instrument is replaced by principal components.
  const reuse = K === kAll && !spec0.pca;
  const moments = reuse ? partials(lay, 'moments (layout stage)', sampled) : await pass({ pass: 'moments' });
  blocksFrom = basename(reuse ? layoutStage : lastStage);
  // Every task of the stage that kept the blocks the later stages read is done: the layout stage's
  // blocks, when a moments stage followed it, are read by nobody (a resumed run reads them neither:
  // its layout tasks are done, and a moments task builds its blocks from its shard). They go now, not
  // at the end (the size of the data: 561 MB on a 20,000-unit panel).
  await dropBlocksBut(join(out, blocksFrom));
  checkIdentified(moments, K);
  const counts = mergedCounts(prep.design, moments);
  // (Under frequency weights σ²'s divisor may be a sum of weights: weights.ts.)
  if (prep.design.weights?.kind !== 'fweight' && sumOf(moments, 'obsSigma')[0] !== counts.sigmaObs) throw new Error('sharded estimate: σ² count disagrees with the observation counts');
  const est = await runStepsAsync(estimationSteps(estimateOptionsFor(prep.design, counts.sigmaObs, counts.weightScale), K, arMode(prep.design.spec)), (req) =>
    req.pass === 'moments' ? Promise.resolve(moments) : pass(req),
  );
  // Every task result is in; the blocks (the size of the data) are not needed by a --resume.
  for (const dir of stageDirs) await rm(join(dir, 'blocks'), { recursive: true, force: true });
  const panelExcluded: Record<string, number> = { 'missing unit id': m.excluded.missingId, 'missing time value': m.excluded.missingTime };
  const excluded = EXCLUSION_ORDER.map((reason) => ({ reason, count: sumOf(moments, `exclusion:${reason}`)[0] + (panelExcluded[reason] ?? 0) + (emptyExcluded.get(reason) ?? 0) }));
  const totals = mergedTotals(moments, counts, coll, prep.design.spec.cluster ? est.clusters : null, sumOf(moments, 'unclustered')[0], excluded.filter((e) => e.count > 0));
  return { result: inferenceFromTotals(prep, totals, est, opts.command), out, spec: { ...spec0, conventions: opts.conventions } };
}

/** The model's design and plan on the whole layout, from the first shard with sample units (`model`
 *  lists only those; inference reads only the layout from it: names, equations, instrument groups). */
async function driverModel(model: ModelConfig, layout: LayoutConfig): Promise<PreparedGmm> {
  const { panel, spec } = await shardPanel(model, 0);
  return shardLayout(panel, spec, layout);
}
