// One- and two-step GMM from partial sums alone (Arellano and Bond 1991; Blundell and Bond 1998):
//   β = (X'Z A Z'X)⁻¹ X'Z A Z'y,   A₁ = (Σ w_i Z_i'HZ_i)⁻¹,   A₂ = (Σ w_i g_i g_i')⁻¹, g_i = Z_i'ê₁ᵢ.
// estimationSteps is the reduce side, written once: it asks for the three passes of partial sums
// (passes.ts) one after the other and turns each into the next step. estimate.ts runs it on one set
// of units or on shards; the bootstrap (src/bootstrap/replicate.ts) on a chunk of replications.
// Weights are applied through factorizations (src/linalg/weight-factor.ts), never explicit inverses,
// with invsym's generalized-inverse semantics (only exactly collinear directions dropped), as xtabond2.
import { clusterCounts as clusterCountsOf, keyCombination, localCount, localGram } from './clusters.ts';
import { applyWeight, factorWeight, scaleWeight, weightRank, type WeightFactor } from '../linalg/weight-factor.ts';
import { gmmStep, type GmmStep } from './step.ts';
import { robustOneStepVariance, windmeijerFromBracket } from './covariance.ts';
import { sumOf, type KeyedRows, type PartialSums } from './partial-sums.ts';
import type { ArMode, PassRequest } from './passes.ts';
import type { ArSums } from './ar-sums.ts';

/** Σ_i w_i of the blocks: Z'W (L×P, column 0 = Z'y), Z'HZ (L×L), and W'W over the σ² rows (P×P). */
export interface MomentSums {
  L: number;
  K: number;
  P: number;
  zy: Float64Array;
  zx: Float64Array;
  zhz: Float64Array;
  ee: Float64Array;
}

/** The 'moments' pass as MomentSums. */
export function momentSums(p: PartialSums, K: number): MomentSums {
  const { L, P } = p.dims;
  return { L, K, P, ...splitZw(sumOf(p, 'zw'), L, P), zhz: sumOf(p, 'zhz'), ee: sumOf(p, 'ee') };
}

/** Z'y (column 0) and Z'X (columns 1..K) of a summed Z'[y X] block (L×P). */
function splitZw(zw: Float64Array, L: number, P: number): { zy: Float64Array; zx: Float64Array } {
  const K = P - 1;
  const zy = new Float64Array(L);
  const zx = new Float64Array(L * K);
  for (let l = 0; l < L; l++) {
    zy[l] = zw[l * P];
    for (let k = 0; k < K; k++) zx[l * K + k] = zw[l * P + 1 + k];
  }
  return { zy, zx };
}

/** Z'e for the coefficient vector β: Z'y − Z'X β. */
export function momentResidual(s: MomentSums, beta: Float64Array): Float64Array {
  const r = s.zy.slice();
  for (let l = 0; l < s.L; l++) for (let k = 0; k < s.K; k++) r[l] -= s.zx[l * s.K + k] * beta[k];
  return r;
}

/** Residual sum of squares c'·W'W·c over the σ² rows, c = (1, −β). */
function rss(ee: Float64Array, P: number, beta: Float64Array): number {
  const c = new Float64Array(P);
  c[0] = 1;
  for (let k = 1; k < P; k++) c[k] = -beta[k - 1];
  let s = 0;
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) s += c[a] * ee[a * P + b] * c[b];
  return s;
}

export interface EstimateOptions {
  twostep: boolean;
  robust: boolean;
  /** σ² divisor c·n of xtabond2: c = 1 under orthogonal deviations or h(1), else 2; n = wttot. */
  sigmaDivisor: number;
  /** Scale the clustered moment covariance by Nc/(Nc−1) (xtabond2 with cluster() and small). */
  clusterSmall: boolean;
  /** Under cluster(): the sign of each combination of the cluster variables (clusters.ts); absent: one
   *  combination, +1. */
  clusterSigns?: number[];
  /** A fixed factor on the moment covariance instead (a bootstrap replication: Nc of the sample). */
  momentScale?: number;
  /** The observation weights' normalization factor (weights.ts), which one AR statistic reads (1, or
   *  absent, without weights). */
  weightScale?: number;
}

/** Everything the covariance and the tests need from an estimation. */
export interface Estimation {
  sums: MomentSums;
  /** One-step: β₁, the weight A₁ = (Z'HZ)⁻/σ² (factored), V₁ = (X'ZA₁Z'X)⁻¹ (= σ²·(…)⁻¹). */
  b1: Float64Array;
  w1: WeightFactor;
  step1: GmmStep;
  v1: Float64Array;
  sig2: number;
  /** Rank of Σ Z'HZ: the instrument count. */
  j0: number;
  /** Instruments that count (not dropped from Σ Z'HZ by invsym). */
  a1Kept: Uint8Array;
  /** Moment covariance S = Σ g₁g₁' (robust / two-step), or σ²·Σ Z'HZ (one-step non-robust). */
  s: Float64Array;
  v1Robust: Float64Array | null;
  /** Two-step (also formed after a one-step robust fit, for the Hansen test): weight A₂ = S⁻ (factored). */
  b2: Float64Array | null;
  w2: WeightFactor | null;
  step2: GmmStep | null;
  v2: Float64Array | null;
  v2Zeros: number;
  v2Robust: Float64Array | null;
  /** S was singular (a generalized inverse weights the two-step estimate). */
  a2Singular: boolean;
  /** Σ Z'e₁ and Σ Z'e₂. */
  ze1: Float64Array;
  ze2: Float64Array | null;
  /** Clusters with observations under cluster() (0 without); several cluster variables: the fewest of
   *  any combination's (xtabond2's MinNClust, the df of t and F). */
  clusters: number;
  /** Under cluster(): clusters with observations in each combination of the cluster variables. */
  clusterCounts: number[];
  /** AR(m) sums at the reported β, when asked for. */
  ar: ArSums<Float64Array> | null;
}

/** A·B for the weight factor: the explicit weight matrix applied, for callers that need A itself. */
export function weightMatrix(w: WeightFactor): Float64Array {
  const L = w.L;
  const eye = new Float64Array(L * L);
  for (let j = 0; j < L; j++) eye[j * L + j] = 1;
  return applyWeight(w, eye, L);
}

/** S = Σ_c g_c g_c' from per-cluster moments (keys × L), over the keys from `from` to `to`. */
function clusterGram(rows: Float64Array, from: number, to: number, L: number): Float64Array {
  const s = new Float64Array(L * L);
  for (let c = from; c < to; c++)
    for (let a = 0; a < L; a++) {
      const ga = rows[c * L + a];
      if (ga === 0) continue;
      for (let b = 0; b < L; b++) s[a * L + b] += ga * rows[c * L + b];
    }
  return s;
}

/** S = Σ_k f_k Σ_{c in combination k} g_c g_c' (clusters.ts), in the order of k: a local combination's
 *  sum from the weight pass, another's from its clusters' keyed moments (keys sorted, so each
 *  combination's are consecutive). */
function clusteredCovariance(p2: PartialSums, g: KeyedRows, factors: number[], L: number): Float64Array {
  const keyed = new Map<number, Float64Array>();
  for (let from = 0; from < g.keys.length; ) {
    const k = keyCombination(g.keys[from]);
    let to = from + 1;
    while (to < g.keys.length && keyCombination(g.keys[to]) === k) to++;
    keyed.set(k, clusterGram(g.rows, from, to, L));
    from = to;
  }
  let s: Float64Array | null = null;
  factors.forEach((f, k) => {
    let sk = p2.sums[localGram(k)] ?? keyed.get(k) ?? new Float64Array(L * L);
    if (f !== 1) sk = sk.map((x) => x * f);
    if (!s) s = sk;
    else for (let j = 0; j < s.length; j++) s[j] += sk[j];
  });
  return s ?? new Float64Array(L * L);
}

/**
 * One-step, then (when robust or two-step) the moment covariance from one-step residuals, the
 * two-step estimate and the Windmeijer (2005) correction, from the partial sums it yields for.
 * K: regressors kept; ar: which AR(m) sums to ask for at the reported β (null: none).
 */
export function* estimationSteps(opts: EstimateOptions, K: number, ar: ArMode): Generator<PassRequest, Estimation, PartialSums> {
  const p1 = yield { pass: 'moments' };
  const sums = momentSums(p1, K);
  const { L } = sums;
  const h = factorWeight(sums.zhz, L);
  const step1 = gmmStep(sums.zx, sums.zy, h, L, K);
  const b1 = step1.beta;
  const sig2 = rss(sums.ee, sums.P, b1) / opts.sigmaDivisor;
  const w1 = scaleWeight(h, 1 / sig2);
  const v1 = step1.v.map((x) => x * sig2);
  const a1Kept = Uint8Array.from(h.dropped, (x) => 1 - x);
  const ze1 = momentResidual(sums, b1);
  const clusterObs = p1.keyed.clusterObs;
  const signs = opts.clusterSigns ?? [1];
  // A local combination's count is a sum over the sets of units; another's, its keys with observations.
  const clusterCounts = clusterObs ? clusterCountsOf(clusterObs.keys, clusterObs.rows, signs.length).map((n, k) => p1.sums[localCount(k)]?.[0] ?? n) : [];
  const clusters = clusterObs ? Math.min(...clusterCounts) : 0;
  const base = { sums, b1, w1, step1, v1, sig2, j0: weightRank(h), a1Kept, ze1, clusters, clusterCounts };
  // Each combination's factor on its clusters' outer products: its sign, times Nc/(Nc − 1) under small
  // (a bootstrap replication: a fixed factor, one combination).
  const factors = signs.map((sign, k) => sign * (opts.momentScale ?? (opts.clusterSmall ? clusterCounts[k] / (clusterCounts[k] - 1) : 1)));
  // With one combination its factor scales the bracket once; with several each enters the pieces' h.
  const bracketScale = factors.length === 1 ? factors[0] : 1;
  const correction = (aze2: Float64Array | null, clusterG: PartialSums['keyed'][string] | null, betaAr: Float64Array): PassRequest => ({
    pass: 'correction',
    beta1: b1,
    aze2,
    clusterG,
    ...(clusterG && factors.length > 1 ? { clusterFactors: factors } : {}),
    betaAr: ar ? betaAr : null,
    arMode: ar,
    weightScale: opts.weightScale ?? 1,
  });
  if (!opts.twostep && !opts.robust) {
    const p3 = ar ? yield correction(null, null, b1) : null;
    return { ...base, s: sums.zhz.map((x) => x * sig2), v1Robust: null, b2: null, w2: null, step2: null, v2: null, v2Zeros: 0, v2Robust: null, a2Singular: false, ze2: null, ar: p3 && arSumsOf(p3) };
  }
  // Moment covariance from one-step residuals, by unit or by cluster.
  const p2 = yield { pass: 'weight', beta1: b1 };
  const clusterG = p2.keyed.g ?? null;
  // Without per-cluster moments a bootstrap replication's blocks are its drawn clusters, scaled by momentScale.
  const clusterScale = clusterG ? bracketScale : (opts.momentScale ?? 1);
  let s = clusterG ? clusteredCovariance(p2, clusterG, factors, L) : sumOf(p2, 's');
  if (!clusterG && clusterScale !== 1) s = s.map((x) => x * clusterScale);
  // One-step robust: (V X'ZA) S (V X'ZA)' with the unscaled step (σ² cancels).
  const v1Robust = opts.robust ? robustOneStepVariance(step1, s, L, K) : null;
  const w2 = factorWeight(s, L);
  const step2 = gmmStep(sums.zx, sums.zy, w2, L, K);
  const b2 = step2.beta;
  const ze2 = momentResidual(sums, b2);
  const corrected = opts.twostep && opts.robust;
  let v2Robust: Float64Array | null = null;
  let arSums: ArSums<Float64Array> | null = null;
  if (corrected || ar) {
    const p3 = yield correction(corrected ? applyWeight(w2, ze2, 1) : null, clusterG, opts.twostep ? b2 : b1);
    if (corrected) {
      const t1 = sumOf(p3, 't1');
      const t2 = sumOf(p3, 't2');
      const P = sums.P;
      const bracket = new Float64Array(L * K);
      for (let l = 0; l < L; l++) for (let k = 0; k < K; k++) bracket[l * K + k] = clusterScale * (t1[l * P + 1 + k] + t2[l * P + 1 + k]);
      v2Robust = windmeijerFromBracket(step2, bracket, v1Robust!, L, K);
    }
    if (ar) arSums = arSumsOf(p3);
  }
  return { ...base, s, v1Robust, b2, w2, step2, v2: step2.v, v2Zeros: step2.vZeros, v2Robust, a2Singular: weightRank(w2) < L, ze2, ar: arSums };
}

function arSumsOf(p: PartialSums): ArSums<Float64Array> {
  return { sum: sumOf(p, 'ar.sum'), wHw: sumOf(p, 'ar.wHw'), tmp: sumOf(p, 'ar.tmp'), zhw: sumOf(p, 'ar.zhw'), nonzero: sumOf(p, 'ar.nonzero') };
}

/** Run the steps, answering each pass request with `answer`. */
export function runSteps(steps: Generator<PassRequest, Estimation, PartialSums>, answer: (req: PassRequest) => PartialSums): Estimation {
  let next = steps.next();
  while (!next.done) next = steps.next(answer(next.value));
  return next.value;
}

/** The same, for passes computed elsewhere (worker processes, a cluster scheduler). */
export async function runStepsAsync(steps: Generator<PassRequest, Estimation, PartialSums>, answer: (req: PassRequest) => Promise<PartialSums>): Promise<Estimation> {
  let next = steps.next();
  while (!next.done) next = steps.next(await answer(next.value));
  return next.value;
}

