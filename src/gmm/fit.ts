// fitGmm: an xtabond2-exact difference or system GMM fit of a Panel and a ModelSpec.
//
// Block-level pieces, for the bootstrap (a pairs-bootstrap replication is the same estimate with
// unit weights w_i = the number of times unit i is drawn):
//   prepareGmm(panel, spec)             → { design, plan }: the layout, shared by all replications
//   modelBlocks(prepared, { keepZHZ: true })
//                                        → the per-unit blocks (blocks.ts): zw_i = Z_i'[y X],
//                                          zhz_i = Z_i'HZ_i, σ² and AR moment blocks, cluster index,
//                                          regressors kept after the collinearity check
//   estimateOptions(design, blocks, w)   → the EstimateOptions of this model under weights w
//   estimateFromBlocks(blocks, options, w)
//                                        → β₁, β₂, A₁, A₂, V₁, robust V₁, Windmeijer V₂ … from
//                                          Σ_i w_i·blocks only (estimate.ts)
//   inference(prepared, blocks, estimation) → the GmmResult (tests, p-values, counts; unit weights 1;
//                                          inference.ts)
import { clusterCombinations } from './clusters.ts';
import type { Panel } from '../panel/panel.ts';
import type { ModelSpec } from '../spec/types.ts';
import { SpecError } from '../errors.ts';
import { blockLengths, unitBlocks, type BlockStorage, type UnitBlocks } from './blocks.ts';
import { buildDesign, type Design } from './design.ts';
import { estimateFromBlocks, type EstimateOptions, type Estimation } from './estimate.ts';
import { instrumentPlan, type InstrumentPlan } from './instruments.ts';
import { fitCounts, identified, inference, isRobust, onestepNonRobust } from './inference.ts';
import type { ArMode } from './passes.ts';
import { startPageWarmer } from './page-warmer.ts';
import { principalComponents } from './pca.ts';
import { prestartThreads } from './spare-threads.ts';
import { estimateThreads, prestartCount } from './thread-count.ts';
import type { GmmResult } from './result.ts';
import { countTotals } from './weights.ts';

export interface PreparedGmm {
  design: Design;
  plan: InstrumentPlan;
  /** blocksKey of the specification prepareGmm was given (design.spec is it as the design resolved
   *  it: time dummies added, groups xtabond2 ignores left out). */
  key?: string;
}

export function prepareGmm(panel: Panel, spec: ModelSpec): PreparedGmm {
  const design = buildDesign(panel, spec);
  const plan = instrumentPlan(design);
  return { design, plan: spec.pca ? principalComponents(design, plan, spec.components ?? null) : plan, key: blocksKey(spec) };
}

/** The per-unit blocks of a prepared model, refusing a model that cannot be identified. */
export function modelBlocks(prep: PreparedGmm, opts: { keepZHZ?: boolean; arBlocks?: boolean; storage?: BlockStorage } = {}): UnitBlocks {
  const b = unitBlocks(prep.design, prep.plan, opts);
  // No observation of the estimated equation (every regressor then looks collinear): difference GMM
  // on too few periods, e.g. T = 2 with L.y, whose difference needs the two periods before.
  if (!b.obsMain.some((o) => o > 0)) {
    const d = prep.design;
    const what = d.system ? 'the dependent variable and every regressor' : `the ${d.orthogonal ? 'forward deviations' : 'differences'} of the dependent variable and every regressor`;
    throw new SpecError(`No observations: no row of the sample has ${what}${d.system ? '' : ' (a difference needs the period before, and a lag its own: L.y needs three consecutive periods)'}`, 'varlist');
  }
  if (b.K === 0) throw new SpecError('No regressors (all dropped due to collinearity)', 'varlist');
  // Instruments that are zero for every observation do not count (the rank check after the
  // one-step inverse, identified(), catches exactly collinear ones).
  let nonzero = 0;
  for (let c = 0; c < b.L; c++) if (b.zhzSum[c * b.L + c] !== 0) nonzero++;
  identified(b.K, nonzero);
  return b;
}

/** Which AR(m) sums inference needs: non-robust after a one-step non-robust fit, robust otherwise. */
export function arMode(spec: ModelSpec): ArMode {
  if (spec.artests === 0) return null;
  return onestepNonRobust(spec) ? 'nonrobust' : 'robust';
}

/** The estimation options of the model; unit weights w (if any) count each unit's observations w_i times.
 *  σ²'s count is UnitBlocks.obsSigma summed: the 2009 release divides by NObs, the main-equation count
 *  (level rows in system GMM), which reproduces the Sargan statistics of the published logs; the
 *  current release divides by the transformed-equation count in system GMM under h(2)/h(3) (log 3:
 *  Sargan 157.54 instead of the printed 186.90); under observation weights, xtabond2's wttot (weights.ts). */
export function estimateOptions(d: Design, b: UnitBlocks, w: Float64Array | null = null): EstimateOptions {
  const c = fitCounts(d, countTotals(b, w));
  return estimateOptionsFor(d, c.sigmaObs, c.weightScale);
}

/** The estimation options given the σ² count (e.g. merged from shards) and the observation weights'
 *  normalization factor (weights.ts; 1 without weights). */
export function estimateOptionsFor(d: Design, sigmaObs: number, weightScale = 1): EstimateOptions {
  const c = d.orthogonal || d.spec.h === 1 ? 1 : 2;
  return {
    twostep: d.spec.twostep,
    robust: isRobust(d.spec),
    sigmaDivisor: c * sigmaObs,
    clusterSmall: d.spec.small && d.spec.cluster !== null,
    ...(d.spec.cluster && d.spec.cluster.length > 1 ? { clusterSigns: clusterCombinations(d.spec.cluster).map((c) => c.sign) } : {}),
    weightScale,
  };
}

/** The estimation of a prepared model on its blocks, with the AR sums its inference needs. */
export function estimatePrepared(prep: PreparedGmm, blocks: UnitBlocks): Estimation {
  const mode = arMode(prep.design.spec);
  return estimateFromBlocks(blocks, estimateOptions(prep.design, blocks), null, { mode, shard: { design: prep.design, plan: prep.plan } });
}

/**
 * What a model's design, instruments and blocks depend on: its specification without the options that
 * only change the steps and the report (twostep, robust, small, level, nodiffsargan). Specifications
 * with the same key can share one prepareGmm and modelBlocks (fitOnBlocks).
 */
export function blocksKey(spec: ModelSpec): string {
  const { twostep: _t, robust: _r, small: _s, level: _l, diffSargan: _d, ...rest } = spec;
  return JSON.stringify(rest);
}

/** Fit `spec` on the design and blocks prepared for a specification with the same blocksKey. */
export function fitOnBlocks(prep: PreparedGmm, blocks: UnitBlocks, spec: ModelSpec, command = ''): GmmResult {
  if (blocksKey(spec) !== (prep.key ?? blocksKey(prep.design.spec))) throw new Error('fitOnBlocks: the specification needs other blocks');
  // The design's resolved specification, with this one's step and report options.
  const { twostep, robust, small, level, diffSargan } = spec;
  const p: PreparedGmm = { ...prep, design: { ...prep.design, spec: { ...prep.design.spec, twostep, robust, small, level, diffSargan } } };
  return inference(p, blocks, estimatePrepared(p, blocks), command);
}

/** Fit difference or system GMM exactly as xtabond2 does. */
export async function fitGmm(panel: Panel, spec: ModelSpec, command = ''): Promise<GmmResult> {
  prestartThreads(prestartCount(panel.nrows));
  const prep = prepareGmm(panel, spec);
  // Large samples: the per-unit pass on one thread per core (threaded.ts; SYSGMM_THREADS overrides).
  // Workers started ahead wait for a later fit when this one runs on one thread (spare-threads.ts).
  const threads = estimateThreads(prep.design, prep.plan.L);
  if (threads > 1) {
    const model = { arMode: arMode(spec), options: (n: number, weightScale: number) => estimateOptionsFor(prep.design, n, weightScale) };
    return (await import('./threaded.ts')).fitThreaded(prep, model, threads, command);
  }
  // Only robust AR sums read the per-unit AR blocks (those of a one-step non-robust fit walk the design).
  const arBlocks = arMode(spec) === 'robust';
  const lengths = blockLengths(prep.design, prep.plan.L, arBlocks);
  const warmer = startPageWarmer(lengths, prep.design.units.length);
  let blocks: UnitBlocks;
  try {
    blocks = modelBlocks(prep, { arBlocks, storage: warmer?.storage });
  } finally {
    warmer?.end();
  }
  return inference(prep, blocks, estimatePrepared(prep, blocks), command);
}
