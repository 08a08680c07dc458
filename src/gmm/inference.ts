// Inference of a fit, by phase: from the estimation (engine.ts) and the sample's counts and totals to
// the GmmResult xtabond2 prints —
//   warnings     the sample, identification and weight-matrix warnings, in xtabond2's order
//   VCE          the reported covariance (robust, Windmeijer or non-robust; `small`), and the
//                non-robust SEs a robust fit also reports
//   tests        Sargan and Hansen (Hansen 1982), difference-in-Hansen by instrument group
//   Wald         the model test (chi2, or F with `small`) on the reported covariance
//   AR           Arellano–Bond (1991) AR(m) tests of the differenced residuals
//   coefficients SEs, z or t statistics, p-values and confidence intervals.
import type { ModelSpec } from '../spec/types.ts';
import { SpecError } from '../errors.ts';
import { invsym, symmetrize } from '../linalg/invsym.ts';
import { normalQuantileOf, normalTwoSided, tQuantileOf, tTwoSided } from '../stats/distributions.ts';
import { groupSizes, type UnitBlocks } from './blocks.ts';
import { clusterCombinations, unclusteredUnits } from './clusters.ts';
import { smallFactor } from './covariance.ts';
import { countTotals, sampleCounts, type CountTotals } from './weights.ts';
import { exclusionOutside, EXCLUSION_REASONS, sigmaCountsTransformed, type Design } from './design.ts';
import type { Estimation } from './estimate.ts';
import type { InstrumentPlan } from './instruments.ts';
import type { Coefficient, GmmResult, TestStat } from './result.ts';
import { arTestsFromSums, differenceInHansen, modelTest, overidTest, type ArInput } from './tests.ts';

/** A prepared model as inference reads it (fit.ts's PreparedGmm). */
interface Prepared {
  design: Design;
  plan: InstrumentPlan;
}

export function identified(K: number, instruments: number): void {
  if (instruments < K) throw new SpecError(`Equation not identified: ${K} regressors but ${instruments} instruments`, 'gmm');
}

/** robust, cluster(), or sampling weights in a one-step fit (xtabond2 3.7: robust = ClustVars != "" |
 *  robust | (pweights & steps == 1)). */
export function isRobust(spec: ModelSpec): boolean {
  return spec.robust || spec.cluster !== null || (spec.weight?.kind === 'pweight' && !spec.twostep);
}

/** A one-step fit that is not robust: σ²-scaled variances and tests (xtabond2's onestepnonrobust). */
export function onestepNonRobust(spec: ModelSpec): boolean {
  return !spec.twostep && !isRobust(spec);
}

/** The sample's counts and totals that inference reads besides the estimation: from the blocks of
 *  one process (sampleTotals), or from the merged 'moments' partial sums of shards (src/scale). */
export interface SampleTotals {
  nobs: number;
  /** The observations σ² is divided by (UnitBlocks.obsSigma summed; xtabond2's wttot): NObs, or the
   *  transformed-equation count in system GMM under h(2)/h(3) with the current conventions. */
  sigmaObs: number;
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
  /** Units of the sample with an observation without a cluster() value (clusters.ts unclusteredUnits). */
  unclustered: number;
  excluded: { reason: string; count: number }[];
  /** Under observation weights: their sum over the main-equation observations, as given (xtabond2
   *  prints "(sum of weights is …)"). */
  weightSum?: number;
}

/** σ²'s count, e(N) and the observation weights' normalization of a model given its sample's counts
 *  (weights.ts sampleCounts; xtabond2's wttot). */
export function fitCounts(d: Pick<Design, 'system' | 'spec'>, t: CountTotals): ReturnType<typeof sampleCounts> {
  return sampleCounts(d.spec, sigmaCountsTransformed(d), onestepNonRobust(d.spec), t);
}

export function sampleTotals(d: Design, b: UnitBlocks, clusters: number | null): SampleTotals {
  const { nobs, sigmaObs, weightSum } = fitCounts(d, countTotals(b));
  const { groups: ngroups, min: gmin, max: gmax } = groupSizes(b.obsMain);
  return {
    nobs,
    sigmaObs,
    ngroups,
    gmin,
    gmax,
    mainWW: b.mainWW,
    P: b.P,
    keep: b.keep,
    dropped: b.dropped,
    clusters,
    unclustered: b.clustering ? unclusteredUnits(b.clustering) : 0,
    excluded: exclusions(d, b),
    ...(weightSum !== null ? { weightSum } : {}),
  };
}

/** Panel rows that are not observations of the main equation, by reason. */
export function exclusions(d: Design, b: Pick<UnitBlocks, 'excluded'>): { reason: string; count: number }[] {
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
      const code = exclusionOutside(r, d.qualified, d.weights?.out ?? null);
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
  }
  for (const code of [...counts.keys()].sort()) out.push({ reason: EXCLUSION_REASONS[code], count: counts.get(code)! });
  return out;
}

/** Tests, inference and counts of a fit: the GmmResult. */
export function inference(prep: Prepared, b: UnitBlocks, est: Estimation, command = ''): GmmResult {
  return inferenceFromTotals(prep, sampleTotals(prep.design, b, b.clustering ? est.clusters : null), est, command);
}

export function inferenceFromTotals(prep: Prepared, totals: SampleTotals, est: Estimation, command = ''): GmmResult {
  const { design: d, plan } = prep;
  const spec = d.spec;
  const { nobs, ngroups, gmin, gmax } = totals;
  // A robust VCE and a two-step weight are sums over clusters of their moments' outer products: from
  // one cluster they have rank one, and the "standard errors" are rounding (a tester's one-firm panel
  // gave z = 9.6e15). The same rule as the OLS and within fits' (ols.ts).
  const clusters = totals.clusters ?? ngroups;
  // Under several cluster variables, the combination with the fewest clusters.
  const fewest = spec.cluster ? clusterCombinations(spec.cluster)[est.clusterCounts.indexOf(clusters)]?.vars.join(' ') ?? spec.cluster.join(' ') : '';
  if ((spec.twostep || isRobust(spec)) && clusters < 2)
    throw new SpecError(
      `a ${spec.twostep ? 'two-step' : 'robust'} estimate needs the moments of at least 2 ${spec.cluster ? `clusters of ${fewest}` : 'groups (panel units)'}; the sample has ${clusters}`,
      spec.cluster ? 'cluster' : 'varlist',
    );
  const warnings = sampleWarnings(d, totals, est);
  const vce = covariance(spec, totals, est);
  const { sargan, hansen } = overidentification(est);
  const dfm = modelDf(d, totals.mainWW, totals.P);
  const dfr = residualDf(d, totals, dfm);
  const modelTestStat = wald(d, vce, dfm, dfr);
  const ar = arTests(spec, totals, est, vce);
  // No difference-in-Sargan/Hansen tests under pca (xtabond2 3.7 (Roodman): if (diffsargan & !pca)).
  const diffHansen = spec.diffSargan && !plan.pca
    ? differenceInHansen({
        sums: est.sums,
        groups: plan.groups,
        s: est.s,
        kept: est.a1Kept,
        j0: est.j0,
        k: est.sums.K,
        full: hansen ?? sargan,
        vZeros: diagZeros(vce.reported, vce.K),
        v2Zeros: est.v2 ? est.v2Zeros : 0,
      })
    : [];
  const robust = isRobust(spec);
  const twostep = spec.twostep;
  const coefficients = coefficientTable(d, totals.keep, vce, dfr);
  const unidentified = unidentifiedNames(coefficients);
  if (unidentified.length)
    warnings.push(
      `${unidentified.join(', ')} not identified: X'ZWZ'X is singular, and its generalized inverse (xtabond2's invsym) sets ${unidentified.length === 1 ? 'its estimate and standard error' : 'their estimates and standard errors'} to 0${
        totals.clusters !== null && spec.cluster?.length === 1 && totals.clusters < est.j0 ? ` (the moment covariance has rank at most the number of clusters, ${totals.clusters}, against ${est.j0} instruments)` : ''
      }`,
    );
  // A signed sum over cluster combinations need not be positive semidefinite (clusters.ts): a negative
  // variance has no standard error (".", as Stata prints it).
  const negative = coefficients.filter((c, k) => vce.reported[k * vce.K + k] < 0).map((c) => c.name);
  if (negative.length && spec.cluster && spec.cluster.length > 1)
    warnings.push(
      `${negative.join(', ')}: negative variance, so no standard error: the multi-way clustered covariance (cluster(${spec.cluster.join(' ')})) is not positive semidefinite`,
    );
  return {
    estimator: d.system ? 'system' : 'difference',
    steps: twostep ? 2 : 1,
    vce: robust ? `${twostep ? 'windmeijer' : 'robust'}${spec.cluster ? `-cluster(${spec.cluster.join(' ')})` : ''}` : 'unadjusted',
    command,
    depvar: spec.depvar.name,
    nobs,
    ngroups,
    obsPerGroup: { min: gmin, avg: nobs / ngroups, max: gmax },
    ninstruments: est.j0,
    periods: d.T,
    ...(d.timeDummies.length ? { timeDummies: d.timeDummies } : {}),
    ...(Object.keys(d.factors).length ? { factorLevels: { ...d.factors } } : {}),
    small: spec.small,
    level: spec.level ?? 95,
    ...(plan.pca
      ? { pca: { components: plan.pca.m, columns: plan.pca.columns, varianceExplained: plan.pca.varianceExplained, kmo: plan.pca.kmo } }
      : {}),
    coefficients,
    vcov: Array.from(vce.v),
    ...(vce.otherSe ? { otherSe: vce.otherSe } : {}),
    ...(spec.cluster ? { clusters: clusterCombinations(spec.cluster).map((c, k) => ({ variables: c.vars, count: est.clusterCounts[k] })) } : {}),
    modelTest: modelTestStat,
    ar,
    sargan,
    hansen,
    diffHansen,
    dropped: totals.dropped,
    warnings,
    excluded: totals.excluded,
    ...(spec.weight && totals.weightSum !== undefined ? { weights: { ...spec.weight, sum: totals.weightSum } } : {}),
  };
}

/** The coefficients xtabond2's invsym leaves unidentified (X'ZWZ'X singular): estimate and SE set to 0. */
export function unidentifiedNames(coefficients: { name: string; estimate: number; se: number }[]): string[] {
  return coefficients.filter((c) => c.estimate === 0 && c.se === 0).map((c) => c.name);
}

/** How the warning about a singular moment covariance begins (xtabond2's words); a caller that counts
 *  such fits (montecarlo-task.ts) looks for it. */
export const SINGULAR_MOMENTS = 'Two-step estimated covariance matrix of moments is singular.';

/** Warnings phase: the design's, dropped regressors, then the instrument count and the weight matrices (refusing an empty or unidentified sample). */
function sampleWarnings(d: Design, totals: SampleTotals, est: Estimation): string[] {
  const spec = d.spec;
  const twostep = spec.twostep;
  const warnings = [...d.warnings];
  for (const n of totals.dropped) warnings.push(`${n} dropped due to collinearity`);
  if (totals.nobs === 0) throw new SpecError('No observations', 'varlist');
  identified(est.sums.K, est.j0);
  if (totals.unclustered)
    warnings.push(
      spec.cluster!.length === 1
        ? `cluster(${spec.cluster![0]}): ${totals.unclustered} unit(s) of the sample have no ${spec.cluster![0]} value in some period; as in xtabond2 (its clusters are egen group(), missing), those observations form one cluster together`
        : `cluster(${spec.cluster!.join(' ')}): ${totals.unclustered} unit(s) of the sample lack a value of ${spec.cluster!.join(' or ')} in some period; as in xtabond2 (its clusters are egen group(), missing), a missing value is a cluster value of its own`,
    );
  if (est.j0 > totals.ngroups) warnings.push('Number of instruments may be large relative to number of observations.');
  if (est.a2Singular)
    warnings.push(
      `${SINGULAR_MOMENTS} Using a generalized inverse to calculate ${
        twostep ? 'optimal weighting matrix for two-step estimation' : 'robust weighting matrix for Hansen test'
      }.${spec.diffSargan ? ' Difference-in-Sargan/Hansen statistics may be negative.' : ''}`,
    );
  if (twostep && !isRobust(spec)) warnings.push('Uncorrected two-step standard errors are unreliable.');
  const shifted = diffHansenShifted(d);
  if (shifted.length)
    warnings.push(
      `Difference-in-Hansen/Sargan: xtabond2 3.7.0 prints other statistics for this model's instrument groups. It reserves T level-equation columns for each variable of ${shifted.join(', ')} but fills only those from lag a−1 on, and takes each group's columns at the reserved places; sysgmm tests each group on its own columns.`,
    );
  return warnings;
}

/**
 * The gmm() groups after which xtabond2 3.7.0's difference-in-Sargan/Hansen groups are misplaced.
 * Its _GMMinstPerBaseVar counts T extra level-equation columns per variable of an uncollapsed
 * eq(both) group in system GMM, while _MakeGMMinsts fills T − (a − 1) of them and starts the next
 * group right after the filled ones; the test loop then takes each group at the counted offsets.
 * Groups are listed in reverse order of the command (each is put at the head of a list), so the
 * offsets move unless such a group (a ≥ 2) is the first gmm() of the command.
 */
function diffHansenShifted(d: Design): string[] {
  if (!d.system || !d.spec.diffSargan || d.gmm.length < 2 || d.spec.pca) return [];
  return d.gmm.slice(1).filter((g) => g.equation === 'both' && !g.collapse && g.lagMin >= 2).map((g) => g.label);
}

/** The reported coefficients and their covariance. */
interface Vce {
  K: number;
  beta: Float64Array;
  /** The covariance of the reported kind before `small` (what the AR and difference tests read). */
  reported: Float64Array;
  /** The reported covariance: symmetrized, `small` applied. */
  v: Float64Array;
  /** Non-robust SEs beside robust ones (not under cluster()). */
  otherSe?: GmmResult['otherSe'];
}

/** VCE phase: robust (one-step), Windmeijer-corrected (two-step) or non-robust, with `small`'s factor. */
function covariance(spec: ModelSpec, totals: SampleTotals, est: Estimation): Vce {
  const robust = isRobust(spec);
  const twostep = spec.twostep;
  const { nobs, ngroups, sigmaObs } = totals;
  const K = est.sums.K;
  const beta = twostep ? est.b2! : est.b1;
  const vNaive = twostep ? est.v2! : est.v1;
  const reported = robust ? (twostep ? est.v2Robust! : est.v1Robust!) : vNaive;
  const factor = spec.small
    ? smallFactor({ robust: twostep || robust, clustered: totals.clusters !== null, nobs, ngroups, k: K, sigmaObs, conventions: spec.conventions })
    : 1;
  const v = symmetrize(reported, K).map((x) => x * factor);
  const otherSe = robust && !spec.cluster ? nonRobustSe(vNaive, twostep, { nobs, ngroups, K, sigmaObs, small: spec.small, conventions: spec.conventions }) : undefined;
  return { K, beta, reported, v, ...(otherSe ? { otherSe } : {}) };
}

/** The SEs the fit without `robust` reports: its V (σ²-scaled one-step, or uncorrected two-step) with that fit's `small` factor. */
function nonRobustSe(vNaive: Float64Array, twostep: boolean, o: { nobs: number; ngroups: number; K: number; sigmaObs: number; small: boolean; conventions: ModelSpec['conventions'] }): GmmResult['otherSe'] {
  const factor = o.small ? smallFactor({ robust: twostep, clustered: false, nobs: o.nobs, ngroups: o.ngroups, k: o.K, sigmaObs: o.sigmaObs, conventions: o.conventions }) : 1;
  return { vce: twostep ? 'uncorrected' : 'unadjusted', se: Array.from({ length: o.K }, (_, k) => Math.sqrt(vNaive[k * o.K + k] * factor)) };
}

/** Tests phase: Sargan from the one-step residuals, Hansen from the two-step ones (when formed). */
function overidentification(est: Estimation): { sargan: TestStat; hansen: TestStat | null } {
  const df = est.j0 - est.sums.K;
  return { sargan: overidTest(est.ze1, est.w1, df), hansen: est.ze2 && est.w2 ? overidTest(est.ze2, est.w2, df) : null };
}

/** Wald phase: the joint test of the coefficients (the constant left out) on the reported covariance. */
function wald(d: Design, vce: Vce, dfm: number, dfr: number): GmmResult['modelTest'] {
  const K = vce.K;
  return modelTest(vce.beta, vce.v, K, d.hasConstant ? K - 1 : K, dfm, d.spec.small, dfr);
}

/** Denominator df of the F test and the t statistics: observations less the model df (one-step non-robust), else groups or clusters; less the constant. */
function residualDf(d: Design, totals: SampleTotals, dfm: number): number {
  const spec = d.spec;
  return (onestepNonRobust(spec) ? totals.nobs - dfm : totals.clusters ?? totals.ngroups) - (d.hasConstant ? 1 : 0);
}

/** AR phase: AR(1)…AR(m) from the estimation's AR sums, scaled by σ² after a one-step non-robust fit
 *  (σ² with `small`'s n/(n−k), n = sigmaObs: xtabond2 scales sig2 by it before its AR tests). */
function arTests(spec: ModelSpec, totals: SampleTotals, est: Estimation, vce: Vce): GmmResult['ar'] {
  const { L, K } = est.sums;
  const reported = spec.twostep ? est.step2! : est.step1;
  const arInput: ArInput = { vxza: reported.vxza, v: vce.reported, L, K };
  if (!est.ar && spec.artests > 0) throw new Error('inference needs the AR sums of the estimation (estimatePrepared)');
  const n = totals.sigmaObs;
  return est.ar ? arTestsFromSums(est.ar, arInput, onestepNonRobust(spec) ? (spec.small ? est.sig2 * (n / (n - K)) : est.sig2) : 1) : [];
}

/** Coefficients phase: SEs from the reported covariance, z (or t with `small`) statistics, p-values, intervals. */
function coefficientTable(d: Design, keep: number[], vce: Vce, dfr: number): Coefficient[] {
  const spec = d.spec;
  const K = vce.K;
  const level = spec.level ?? 95;
  const upper = 0.5 + level / 200;
  const crit = spec.small ? tQuantileOf(upper, dfr) : normalQuantileOf(upper);
  return keep.map((k0, k) => {
    const name = d.regressorNames[k0];
    const se = Math.sqrt(vce.v[k * K + k]);
    const stat = vce.beta[k] / se;
    return {
      name,
      estimate: vce.beta[k],
      se,
      stat,
      p: spec.small ? tTwoSided(stat, dfr) : normalTwoSided(stat),
      ciLow: vce.beta[k] - crit * se,
      ciHigh: vce.beta[k] + crit * se,
    };
  });
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
