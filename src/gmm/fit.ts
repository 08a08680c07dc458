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
//   inference(prepared, blocks, estimation) → the GmmResult (tests, p-values, counts; unit weights 1)
import type { Panel } from '../panel/panel.ts';
import type { ModelSpec } from '../spec/types.ts';
import { SpecError } from '../errors.ts';
import { invsym, symmetrize } from '../linalg/invsym.ts';
import { normalQuantileOf, normalTwoSided, tQuantileOf, tTwoSided } from '../stats/distributions.ts';
import { unitBlocks, type UnitBlocks } from './blocks.ts';
import { smallFactor } from './covariance.ts';
import { buildDesign, EXCLUDED, EXCLUSION_REASONS, type Design } from './design.ts';
import { estimateFromBlocks, type EstimateOptions, type Estimation } from './estimate.ts';
import { deepenZeroLevelInstruments, instrumentPlan, type InstrumentPlan } from './instruments.ts';
import type { ArMode } from './passes.ts';
import { principalComponents } from './pca.ts';
import type { Coefficient, GmmResult } from './result.ts';
import { arTestsFromSums, differenceInHansen, modelTest, overidTest, type ArInput } from './tests.ts';

export interface PreparedGmm {
  design: Design;
  plan: InstrumentPlan;
}

export function prepareGmm(panel: Panel, spec: ModelSpec): PreparedGmm {
  const design = buildDesign(panel, spec);
  const plan = deepenZeroLevelInstruments(design, instrumentPlan(design));
  return { design, plan: spec.pca ? principalComponents(design, plan, spec.components ?? null) : plan };
}

/** The per-unit blocks of a prepared model, refusing a model that cannot be identified. */
export function modelBlocks(prep: PreparedGmm, opts: { keepZHZ?: boolean } = {}): UnitBlocks {
  const b = unitBlocks(prep.design, prep.plan, opts);
  if (b.K === 0) throw new SpecError('No regressors (all dropped due to collinearity)', 'varlist');
  // Instruments that are zero for every observation do not count (the rank check after the
  // one-step inverse, identified(), catches exactly collinear ones).
  let nonzero = 0;
  for (let c = 0; c < b.L; c++) if (b.zhzSum[c * b.L + c] !== 0) nonzero++;
  identified(b.K, nonzero);
  return b;
}

export function identified(K: number, instruments: number): void {
  if (instruments < K) throw new SpecError(`Equation not identified: ${K} regressors but ${instruments} instruments`, 'gmm');
}

function isRobust(spec: ModelSpec): boolean {
  return spec.robust || spec.cluster !== null;
}

/** Which AR(m) sums inference needs: non-robust after a one-step non-robust fit, robust otherwise. */
export function arMode(spec: ModelSpec): ArMode {
  if (spec.artests === 0) return null;
  return !spec.twostep && !isRobust(spec) ? 'nonrobust' : 'robust';
}

/** σ² count: the observations whose transformed residuals give σ² (UnitBlocks.obsSigma). The 2009
 *  release divides by NObs, the main-equation count (level rows in system GMM), which reproduces the
 *  Sargan statistics of the published logs; the current release divides by the transformed-equation
 *  count in system GMM under h(2)/h(3) (log 3: Sargan 157.54 instead of the printed 186.90). */
function sigmaCount(b: UnitBlocks, w: Float64Array | null = null): number {
  let n = 0;
  for (let i = 0; i < b.n; i++) n += (w ? w[i] : 1) * b.obsSigma[i];
  return n;
}

/** The estimation options of the model; unit weights w (if any) count each unit's observations w_i times. */
export function estimateOptions(d: Design, b: UnitBlocks, w: Float64Array | null = null): EstimateOptions {
  return estimateOptionsFor(d, sigmaCount(b, w));
}

/** The estimation options given the σ² count (a sum of UnitBlocks.obsSigma, e.g. merged from shards). */
export function estimateOptionsFor(d: Design, sigmaObs: number): EstimateOptions {
  const c = d.orthogonal || d.spec.h === 1 ? 1 : 2;
  return {
    twostep: d.spec.twostep,
    robust: isRobust(d.spec),
    sigmaDivisor: c * sigmaObs,
    clusterSmall: d.spec.small && d.spec.cluster !== null,
  };
}

/** Whether σ² counts the transformed-equation observations (UnitBlocks.obsSigma) rather than the main ones. */
export function sigmaCountsTransformed(d: Design): boolean {
  return d.system && d.spec.h !== 1 && d.spec.conventions !== '2009';
}

/** Rank of the regressors from their cross-product (scaled to unit diagonal, invsym). */
function crossRank(ww: Float64Array, P: number): number {
  const K = P - 1;
  const xx = new Float64Array(K * K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) xx[a * K + b] = ww[(1 + a) * P + 1 + b];
  const s = Float64Array.from({ length: K }, (_, a) => (xx[a * K + a] > 0 ? 1 / Math.sqrt(xx[a * K + a]) : 0));
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) xx[a * K + b] *= s[a] * s[b];
  return invsym(xx, K).rank;
}

/**
 * Model df of the Wald/F test: rank of the main-equation regressors, less the constant. (xtabond2's
 * later versions also subtract one when a constant lies in the span of the regressors of a model
 * without one; the published difference-GMM logs print chi2(16)/F(16, 140) without that step.)
 */
function modelDf(d: Design, mainWW: Float64Array, P: number): number {
  return crossRank(mainWW, P) - (d.hasConstant ? 1 : 0);
}

function diagZeros(v: Float64Array, K: number): number {
  let z = 0;
  for (let k = 0; k < K; k++) if (v[k * K + k] === 0) z++;
  return z;
}

/** The sample's counts and totals that inference reads besides the estimation: from the blocks of
 *  one process (sampleTotals), or from the merged 'moments' partial sums of shards (src/scale). */
export interface SampleTotals {
  nobs: number;
  ngroups: number;
  gmin: number;
  gmax: number;
  /** W'W over the main-equation rows (P×P, kept regressors), for the Wald df. */
  mainWW: Float64Array;
  P: number;
  keep: number[];
  dropped: string[];
  /** Clusters with observations under cluster(); null without cluster(). */
  clusters: number | null;
  excluded: { reason: string; count: number }[];
}

export function sampleTotals(d: Design, b: UnitBlocks): SampleTotals {
  let nobs = 0;
  let ngroups = 0;
  let gmin = Infinity;
  let gmax = 0;
  for (let i = 0; i < b.n; i++) {
    const o = b.obsMain[i];
    nobs += o;
    if (o > 0) ngroups++;
    gmin = Math.min(gmin, o);
    gmax = Math.max(gmax, o);
  }
  return { nobs, ngroups, gmin, gmax, mainWW: b.mainWW, P: b.P, keep: b.keep, dropped: b.dropped, clusters: b.cluster ? b.nClusters : null, excluded: exclusions(d, b) };
}

/** Tests, inference and counts of a fit: the GmmResult. */
export function inference(prep: PreparedGmm, b: UnitBlocks, est: Estimation, command = ''): GmmResult {
  return inferenceFromTotals(prep, sampleTotals(prep.design, b), est, command);
}

export function inferenceFromTotals(prep: PreparedGmm, totals: SampleTotals, est: Estimation, command = ''): GmmResult {
  const { design: d, plan } = prep;
  const spec = d.spec;
  const robust = isRobust(spec);
  const twostep = spec.twostep;
  const onestepNonRobust = !twostep && !robust;
  const { L, K } = est.sums;
  const names = totals.keep.map((k) => d.regressorNames[k]);
  const warnings = [...d.warnings];
  for (const n of totals.dropped) warnings.push(`${n} dropped due to collinearity`);
  const { nobs, ngroups, gmin, gmax } = totals;
  if (nobs === 0) throw new SpecError('No observations', 'varlist');
  const consopt = d.hasConstant ? 1 : 0;
  const j0 = est.j0;
  identified(K, j0);
  if (j0 > ngroups) warnings.push('Number of instruments may be large relative to number of observations.');
  if (est.a2Singular)
    warnings.push(
      `Two-step estimated covariance matrix of moments is singular. Using a generalized inverse to calculate ${
        twostep ? 'optimal weighting matrix for two-step estimation' : 'robust weighting matrix for Hansen test'
      }.${spec.diffSargan ? ' Difference-in-Sargan/Hansen statistics may be negative.' : ''}`,
    );
  if (twostep && !robust) warnings.push('Uncorrected two-step standard errors are unreliable.');

  const sarganDf = j0 - K;
  const sargan = overidTest(est.ze1, est.w1, sarganDf);
  const hansen = est.ze2 && est.w2 ? overidTest(est.ze2, est.w2, sarganDf) : null;

  const beta = twostep ? est.b2! : est.b1;
  const vNaive = twostep ? est.v2! : est.v1;
  const vReported = robust ? (twostep ? est.v2Robust! : est.v1Robust!) : vNaive;
  const factor = spec.small
    ? smallFactor({ robust: !onestepNonRobust, clustered: totals.clusters !== null, nobs, ngroups, k: K, conventions: spec.conventions })
    : 1;
  const v = symmetrize(vReported, K).map((x) => x * factor);
  const otherSe = robust && !spec.cluster ? nonRobustSe(vNaive, twostep, { nobs, ngroups, K, small: spec.small, conventions: spec.conventions }) : undefined;

  const dfm = modelDf(d, totals.mainWW, totals.P);
  const dfr = (onestepNonRobust ? nobs - dfm : totals.clusters ?? ngroups) - consopt;
  const test = modelTest(beta, v, K, d.hasConstant ? K - 1 : K, dfm, spec.small, dfr);

  const reported = twostep ? est.step2! : est.step1;
  const arInput: ArInput = { vxza: reported.vxza, v: vReported, L, K };
  if (!est.ar && spec.artests > 0) throw new Error('inference needs the AR sums of the estimation (estimatePrepared)');
  const ar = est.ar ? arTestsFromSums(est.ar, arInput, onestepNonRobust ? (spec.small ? est.sig2 * (nobs / (nobs - K)) : est.sig2) : 1) : [];

  const diffHansen = spec.diffSargan
    ? differenceInHansen({
        sums: est.sums,
        groups: plan.groups,
        s: est.s,
        kept: est.a1Kept,
        j0,
        k: K,
        full: hansen ?? sargan,
        vZeros: diagZeros(vReported, K),
        v2Zeros: est.v2 ? est.v2Zeros : 0,
      })
    : [];

  const level = spec.level ?? 95;
  const upper = 0.5 + level / 200;
  const crit = spec.small ? tQuantileOf(upper, dfr) : normalQuantileOf(upper);
  const coefficients: Coefficient[] = names.map((name, k) => {
    const se = Math.sqrt(v[k * K + k]);
    const stat = beta[k] / se;
    return {
      name,
      estimate: beta[k],
      se,
      stat,
      p: spec.small ? tTwoSided(stat, dfr) : normalTwoSided(stat),
      ciLow: beta[k] - crit * se,
      ciHigh: beta[k] + crit * se,
    };
  });

  return {
    estimator: d.system ? 'system' : 'difference',
    steps: twostep ? 2 : 1,
    vce: robust ? `${twostep ? 'windmeijer' : 'robust'}${spec.cluster ? `-cluster(${spec.cluster})` : ''}` : 'unadjusted',
    command,
    depvar: spec.depvar.name,
    nobs,
    ngroups,
    obsPerGroup: { min: gmin, avg: nobs / ngroups, max: gmax },
    ninstruments: j0,
    small: spec.small,
    ...(spec.level !== undefined ? { level } : {}),
    ...(plan.pca
      ? { pca: { components: plan.pca.m, columns: plan.pca.columns, varianceExplained: plan.pca.varianceExplained, kmo: plan.pca.kmo } }
      : {}),
    coefficients,
    vcov: Array.from(v),
    ...(otherSe ? { otherSe } : {}),
    modelTest: test,
    ar,
    sargan,
    hansen,
    diffHansen,
    dropped: totals.dropped,
    warnings,
    excluded: totals.excluded,
  };
}

/** The SEs the fit without `robust` reports: its V (σ²-scaled one-step, or uncorrected two-step) with that fit's `small` factor. */
function nonRobustSe(vNaive: Float64Array, twostep: boolean, o: { nobs: number; ngroups: number; K: number; small: boolean; conventions: ModelSpec['conventions'] }): GmmResult['otherSe'] {
  const factor = o.small ? smallFactor({ robust: twostep, clustered: false, nobs: o.nobs, ngroups: o.ngroups, k: o.K, conventions: o.conventions }) : 1;
  return { vce: twostep ? 'uncorrected' : 'unadjusted', se: Array.from({ length: o.K }, (_, k) => Math.sqrt(vNaive[k * o.K + k] * factor)) };
}

/** Panel rows that are not observations of the main equation, by reason. */
export function exclusions(d: Design, b: UnitBlocks): { reason: string; count: number }[] {
  const out: { reason: string; count: number }[] = [];
  const p = d.panel;
  if (p.exclusions.missingUnit) out.push({ reason: 'missing unit id', count: p.exclusions.missingUnit });
  if (p.exclusions.missingTime) out.push({ reason: 'missing time value', count: p.exclusions.missingTime });
  const counts = new Map(b.excluded);
  // Units with no usable row at all are outside the sample: each of their rows lacks y or a regressor,
  // or fails the command's if/in condition.
  const inSample = new Uint8Array(p.nunits);
  for (const u of d.units) inSample[u] = 1;
  for (let u = 0; u < p.nunits; u++) {
    if (inSample[u]) continue;
    for (let r = p.offsets[u]; r < p.offsets[u + 1]; r++) {
      const code = d.qualified && !d.qualified[r] ? EXCLUDED.unqualified : EXCLUDED.missingVar;
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
  }
  for (const code of [...counts.keys()].sort()) out.push({ reason: EXCLUSION_REASONS[code], count: counts.get(code)! });
  return out;
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
  if (blocksKey(spec) !== blocksKey(prep.design.spec)) throw new Error('fitOnBlocks: the specification needs other blocks');
  const p: PreparedGmm = { ...prep, design: { ...prep.design, spec } };
  return inference(p, blocks, estimatePrepared(p, blocks), command);
}

/** Fit difference or system GMM exactly as xtabond2 does. */
export async function fitGmm(panel: Panel, spec: ModelSpec, command = ''): Promise<GmmResult> {
  const prep = prepareGmm(panel, spec);
  const blocks = modelBlocks(prep);
  return inference(prep, blocks, estimatePrepared(prep, blocks), command);
}
