// bootstrapGmm: the pairs (cluster) bootstrap of a difference or system GMM fit, every replication
// re-estimating the one-step fit, the two-step weight from its own residuals and the Windmeijer
// errors, as batched products (replicate.ts); plus wild score-bootstrap Wald tests (score.ts).
import { availableParallelism } from 'node:os';
import type { Panel } from '../panel/panel.ts';
import type { ModelSpec } from '../spec/types.ts';
import type { GmmResult } from '../gmm/result.ts';
import { estimateOptions, estimatePrepared, modelBlocks, prepareGmm } from '../gmm/fit.ts';
import { inference, isRobust, onestepNonRobust } from '../gmm/inference.ts';
import { sigmaCountsTransformed } from '../gmm/design.ts';
import { weightMatrix } from '../gmm/estimate.ts';
import { defaultFloat64Backend, getBackend } from '../kernels/registry.ts';
import type { KernelBackend } from '../kernels/types.ts';
import { SpecError } from '../errors.ts';
import { createRng } from '../stats/rng.ts';
import { bootstrapBlocks } from './blocks.ts';
import { fewClustersWarning, wildWeights, type WildWeights } from './draws.ts';
import { summariseCoefficient, tooFewReplications, upperTailP, type CoefficientBootstrap } from './intervals.ts';
import { REP_NONFINITE, REP_OK, REP_SINGULAR, type ReplicationOptions, type Replications } from './replicate.ts';
import type { BootstrapBlocks } from './blocks.ts';
import type { UnitBlocks } from '../gmm/blocks.ts';
import type { Estimation } from '../gmm/estimate.ts';
import { defaultThreads, REPLICATION_BATCH, replicateParallel, warmWorkers } from './parallel.ts';
import { parseRestrictions, restrictionWald } from './restrictions.ts';
import { scoreBootstrapTest, type ScoreTestResult } from './score.ts';
import { levelFraction } from '../stats/confidence-level.ts';
import { unitCounts } from '../gmm/weights.ts';

export interface BootstrapOptions {
  reps: number;
  seed: number;
  /** Kernel backend name ('auto', 'float64-wasm', 'tfjs-wasm', ...) or an opened backend; default float64-wasm (float64-ts without WebAssembly SIMD). */
  backend?: string | KernelBackend;
  /** Hall–Horowitz recentring of the moments (default true). */
  recentre?: boolean;
  /** Interval level: percent as Stata's level(90), or a fraction (default: the command's level(#), else 95). */
  level?: number;
  /** Wald tests of linear restrictions ("ca = 0", "ca = 0, eff = 0") by the wild score bootstrap. */
  tests?: string[];
  weights?: WildWeights;
  /** Skip the pairs replications (method wild: only the score tests). */
  pairs?: boolean;
  /** Threads for the replications (default: one per core when the job is long enough; results do not depend on it). */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
  /** The pairs replications computed elsewhere (tasks of a run directory: src/scale/sharded-bootstrap.ts)
   *  instead of in this process; they must be those of this model and seed (keyed draws make them so). */
  replications?: () => Promise<Replications & { threads: number }>;
}

export interface BootstrapResult {
  method: 'pairs' | 'wild';
  reps: number;
  seed: number;
  backend: string;
  precision: string;
  recentred: boolean;
  /** Interval level as a fraction (0.95), where GmmResult.level is in percent (95). */
  level: number;
  /** Units (or clusters) resampled. */
  clusters: number;
  /** Threads the replications ran on (workers that could not start are not counted). */
  threads: number;
  /** Replications used, and those that failed, by reason; failed ones are left out of every summary. */
  used: number;
  failed: { singular: number; nonFinite: number };
  /** Replications whose moment covariance was singular (generalized inverse used), of all replications:
   *  failed ones included; those that did not fail are used. */
  singularWeight: number;
  coefficients: CoefficientBootstrap[];
  /** The fitted Hansen J with its asymptotic and bootstrap p-values (recentred replications only). */
  hansen: { chi2: number; df: number; p: number; bootstrapP: number } | null;
  tests: ScoreTestResult[];
  seconds: number;
  fit: GmmResult;
  /** Replication draws (not serialised by the CLI unless asked). */
  draws: Replications | null;
  /** What the caller should know: threads capped, too few replications for the intervals, replications that all failed. */
  warnings: string[];
}

/** The backend named in opts is opened here and disposed of at the end; an opened one is the caller's. */
export async function bootstrapGmm(panel: Panel, spec: ModelSpec, opts: BootstrapOptions, command = ''): Promise<BootstrapResult> {
  if (!Number.isInteger(opts.reps) || opts.reps < 2) throw new SpecError(`--reps must be an integer of at least 2, got ${opts.reps}`, '--reps');
  if (typeof opts.backend === 'object') return bootstrapOn(panel, spec, opts, command, opts.backend);
  const backend = await getBackend(opts.backend ?? defaultFloat64Backend(), { precision: 'float32', workload: 'bootstrap' });
  try {
    return await bootstrapOn(panel, spec, opts, command, backend);
  } finally {
    await backend.dispose();
  }
}

async function bootstrapOn(panel: Panel, spec: ModelSpec, opts: BootstrapOptions, command: string, backend: KernelBackend): Promise<BootstrapResult> {
  const level = levelFraction(opts.level ?? spec.level ?? 95, 'level');
  const recentre = opts.recentre ?? true;
  const warnings: string[] = [];
  const cores = availableParallelism();
  let threads0 = opts.threads ?? defaultThreads(backend);
  if (threads0 > cores) {
    warnings.push(`--threads ${threads0} is more than the ${cores} cores available; using ${cores}`);
    threads0 = cores;
  }
  // The replications reuse the full sample's instrument plan, its components included (README "The bootstrap").
  if (spec.pca && opts.pairs !== false)
    warnings.push("pca: every replication keeps the full sample's principal components (not chosen again on its resample); the results are conditional on them");
  if (opts.pairs !== false) warmWorkers(threads0);
  const started = performance.now();
  const setup = pairsSetup(panel, spec, recentre, command);
  const { blocks, est, fit } = setup;
  const K = fit.coefficients.length;
  const centre = Float64Array.from(fit.coefficients, (c) => c.estimate);
  // Restrictions are read, and their conventional Wald tests formed as Stata's `test` does (restrictions
  // of zero variance dropped, or refused when nothing is left), before any replication, so a malformed,
  // dependent or untestable one fails at once.
  const restrictions = (opts.tests ?? []).map((t) => restrictionWald(fit, parseRestrictions(t, fit.coefficients.map((c) => c.name), '--test', fit.dropped), '--test'));

  let draws: Replications | null = null;
  let coefficients: CoefficientBootstrap[] = [];
  let hansen: BootstrapResult['hansen'] = null;
  let failed = { singular: 0, nonFinite: 0 };
  let clusters = 0;
  let threads = 1;
  if (opts.pairs !== false) {
    clusters = setup.bb.n;
    const ran = opts.replications
      ? await opts.replications()
      : await pairsReplications(setup, opts.seed, 0, opts.reps, backend, threads0, (done) => opts.onProgress?.(done, opts.reps));
    threads = ran.threads;
    if (opts.threads !== undefined && !opts.replications && threads < threads0) {
      const batches = Math.ceil(opts.reps / REPLICATION_BATCH);
      warnings.push(
        batches < threads0
          ? `ran on ${threads} of the ${threads0} threads asked for: a thread takes ${REPLICATION_BATCH} replications at a time, so ${opts.reps} keep ${batches} busy`
          : `ran on ${threads} of the ${threads0} threads asked for: a worker thread could not start or failed, and the calling thread ran its replications`,
      );
    }
    draws = ran;
    const ok = draws.status;
    failed = { singular: count(ok, REP_SINGULAR), nonFinite: count(ok, REP_NONFINITE) };
    const usedRows = [...ok.keys()].filter((b) => ok[b] === REP_OK);
    const studentize = isRobust(spec) || !spec.twostep;
    coefficients = fit.coefficients.map((c, k) =>
      summariseCoefficient(
        c.name,
        c.estimate,
        c.se,
        usedRows.map((b) => draws!.beta[b * K + k]),
        studentize ? usedRows.map((b) => draws!.se[b * K + k]) : null,
        level,
      ),
    );
    const used = usedRows.length;
    // The intervals are read from the replications used, failed ones left out.
    const tooFew = used >= 2 ? tooFewReplications(used, level, opts.reps) : null;
    if (tooFew) warnings.push(tooFew);
    const nearSingular = singularWarning(draws.singularWeight, failed.singular, opts.reps, fit.ninstruments, clusters);
    if (nearSingular) warnings.push(nearSingular);
    if (used < 2) warnings.push(`${used === 0 ? 'no replication' : 'only one replication'} succeeded: the bootstrap statistics could not be computed and are shown as missing`);
    if (recentre && fit.hansen && (spec.twostep || isRobust(spec)))
      hansen = { ...fit.hansen, bootstrapP: upperTailP(fit.hansen.chi2, usedRows.map((b) => draws!.hansen[b])) };
  }

  const tests: ScoreTestResult[] = [];
  if (restrictions.length > 0) {
    // The restricted scores h_i = R H g_i(β̃) (score.ts) keep the fitted two-step weight, so the test
    // has the size of the uncorrected two-step Wald test, not of Windmeijer's (2005) corrected one.
    if (spec.twostep)
      warnings.push('--test on a two-step fit: the wild score bootstrap holds the two-step weight matrix fixed (no Windmeijer correction) and over-rejected in simulations (README, The bootstrap); prefer the pairs bootstrap-t p-value');
    const bbTest = bootstrapBlocks(blocks, centre, false, est.a1Kept);
    clusters = bbTest.n;
    // The weight of the reported step, on the kept instruments (dropped rows and columns are zero).
    const ivs = [...est.a1Kept.keys()].filter((l) => est.a1Kept[l]);
    const L0 = est.sums.L;
    const weight = weightMatrix(spec.twostep ? est.w2! : est.w1);
    const a = Float64Array.from({ length: ivs.length ** 2 }, (_, j) => weight[ivs[Math.floor(j / ivs.length)] * L0 + ivs[j % ivs.length]]);
    const zx = Float64Array.from({ length: ivs.length * K }, (_, j) => est.sums.zx[ivs[Math.floor(j / K)] * K + (j % K)]);
    const weights = opts.weights ?? 'rademacher';
    const few = fewClustersWarning(weights, bbTest.n, opts.reps);
    if (few) warnings.push(few);
    // One set of draws from the seed, shared by every test: a test's p-value does not depend on which
    // other tests are run, or in what order.
    const v = wildWeights(createRng(opts.seed), opts.reps, bbTest.n, weights);
    for (const wald of restrictions) tests.push(await scoreBootstrapTest(bbTest, zx, a, wald, v, opts.reps, weights, backend));
  }
  return {
    method: opts.pairs === false ? 'wild' : 'pairs',
    reps: opts.reps,
    seed: opts.seed,
    backend: backend.name,
    precision: backend.precision,
    recentred: recentre,
    level,
    clusters,
    threads,
    used: draws ? draws.reps - failed.singular - failed.nonFinite : 0,
    failed,
    singularWeight: draws?.singularWeight ?? 0,
    coefficients,
    hansen,
    tests,
    seconds: (performance.now() - started) / 1000,
    fit,
    draws,
    warnings,
  };
}

export interface PairsSetup {
  blocks: UnitBlocks;
  est: Estimation;
  fit: GmmResult;
  bb: BootstrapBlocks;
  options: ReplicationOptions;
}

/** The fit and what every pairs replication of it shares: the bootstrap blocks and options. */
export function pairsSetup(panel: Panel, spec: ModelSpec, recentre: boolean, command = ''): PairsSetup {
  const prep = prepareGmm(panel, spec);
  const blocks = modelBlocks(prep, { keepZHZ: true });
  const eo = estimateOptions(prep.design, blocks);
  const est = estimatePrepared(prep, blocks);
  const fit = inference(prep, blocks, est, command);
  // What a unit adds to N and σ²'s divisor: its observations, or under frequency weights its weights (weights.ts).
  const counts = unitCounts(prep.design.spec, sigmaCountsTransformed(prep.design), onestepNonRobust(spec), blocks);
  const bb = bootstrapBlocks(blocks, Float64Array.from(fit.coefficients, (c) => c.estimate), recentre, est.a1Kept, counts);
  let nSigma = 0;
  for (let i = 0; i < blocks.n; i++) nSigma += counts.obsSigma[i];
  const options: ReplicationOptions = {
    twostep: spec.twostep,
    robust: isRobust(spec),
    small: spec.small,
    sigmaPerObs: eo.sigmaDivisor / nSigma,
    momentScale: eo.clusterSmall ? bb.n / (bb.n - 1) : 1,
    clustered: spec.cluster !== null,
    conventions: spec.conventions,
  };
  return { blocks, est, fit, bb, options };
}

/** Pairs replications first … first+reps−1 (keyed draws: the same numbers whatever the split). */
export function pairsReplications(s: PairsSetup, seed: number, first: number, reps: number, backend: KernelBackend, threads: number, onProgress?: (done: number) => void): Promise<Replications & { threads: number }> {
  return replicateParallel(s.bb, { seed, first }, reps, s.options, backend, threads, onProgress);
}

function count(status: Uint8Array, code: number): number {
  let c = 0;
  for (const s of status) if (s === code) c++;
  return c;
}

/**
 * Replications whose moment covariance is singular, or whose coefficient is not identified, sit on a
 * rank decision: the last bits of a sum decide it, so they differ between backends (float64 ones
 * included) and are not reproducible across them. A resample's moment covariance is a sum over its
 * distinct clusters, of rank at most their number, and a resample of C clusters holds on average
 * C·(1 − (1 − 1/C)^C) ≈ 0.632·C distinct ones (Efron & Tibshirani 1993, §6): with more instruments
 * than that, a typical replication's moment covariance is singular, and the warning says "every" only
 * when the count says so. `singular` counts every replication, failed ones included.
 */
export function singularWarning(singular: number, failed: number, reps: number, instruments: number, clusters: number): string | null {
  if (singular === 0 && failed === 0) return null;
  const distinct = Math.round(clusters * (1 - (1 - 1 / clusters) ** clusters));
  const against = `${instruments} instruments against about ${distinct} distinct clusters in a resample of ${clusters}`;
  const why = instruments <= distinct
    ? ''
    : singular === reps
      ? `: ${against}, so every replication's moment covariance is singular; fewer instruments (collapse, lag limits) avoid it`
      : `: ${against} on average, and a resample with fewer distinct clusters than instruments has a singular moment covariance; fewer instruments (collapse, lag limits) avoid it`;
  return `${singular} of ${reps} replications used a generalized inverse of a singular moment covariance and ${failed} failed (a coefficient not identified); such replications rest on rank decisions that rounding can tip, so their results differ between backends${why}`;
}