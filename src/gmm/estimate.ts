// One- and two-step GMM from the per-unit blocks alone (Arellano and Bond 1991; Blundell and Bond
// 1998), with optional unit weights w_i (default 1), so that a pairs-bootstrap replication is the
// same computation with other weights:
//   β = (X'Z A Z'X)⁻¹ X'Z A Z'y,   A₁ = (Σ w_i Z_i'HZ_i)⁻¹,   A₂ = (Σ w_i g_i g_i')⁻¹, g_i = Z_i'ê₁ᵢ.
// Inverses are invsym-style (only exactly collinear directions dropped), as in xtabond2.
import { matmul } from '../linalg/dense.ts';
import { invsym, unpackSymmetric } from '../linalg/invsym.ts';
import type { UnitBlocks } from './blocks.ts';
import { robustOneStepVariance, windmeijerVariance, clusterSums } from './covariance.ts';
import { weightedGram, weightedSum } from './sums.ts';

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

export function blockSums(b: UnitBlocks, w: Float64Array | null): MomentSums {
  const { n, L, K, P } = b;
  const zw = weightedSum(b.zw, n, L * P, w);
  let zhz = b.zhzSum;
  if (w) {
    if (!b.zhz) throw new Error('blockSums with unit weights needs the per-unit Z\'HZ blocks (modelBlocks with keepZHZ)');
    zhz = unpackSymmetric(weightedSum(b.zhz, n, (L * (L + 1)) / 2, w), 0, L);
  }
  return { L, K, P, ...splitZw(zw, 0, L, P), zhz, ee: weightedSum(b.ee, n, P * P, w) };
}

/** Z'y (column 0) and Z'X (columns 1..K) of a summed Z'[y X] block (L×P) stored at offset o. */
export function splitZw(zw: Float64Array, o: number, L: number, P: number): { zy: Float64Array; zx: Float64Array } {
  const K = P - 1;
  const zy = new Float64Array(L);
  const zx = new Float64Array(L * K);
  for (let l = 0; l < L; l++) {
    zy[l] = zw[o + l * P];
    for (let k = 0; k < K; k++) zx[l * K + k] = zw[o + l * P + 1 + k];
  }
  return { zy, zx };
}

/** A GMM solve with weight A: β, (X'ZAZ'X)⁻¹ and X'ZA. */
export interface GmmStep {
  beta: Float64Array;
  /** (X'Z A Z'X)⁻¹ (invsym). */
  v: Float64Array;
  /** X'Z A (K×L). */
  xza: Float64Array;
  /** Diagonal zeros of v (regressors not identified). */
  vZeros: number;
}

export function gmmStep(zx: Float64Array, zy: Float64Array, a: Float64Array, L: number, K: number): GmmStep {
  return gmmStepFromXza(matmul(zx, a, K, L, L, true, false), zx, zy, L, K);
}

/** The GMM solve given X'Z A (K×L), however A was applied. */
export function gmmStepFromXza(xza: Float64Array, zx: Float64Array, zy: Float64Array, L: number, K: number): GmmStep {
  const { inv: v, rank } = invsym(matmul(xza, zx, K, L, K), K);
  const beta = matmul(v, matmul(xza, zy, K, L, 1), K, K, 1);
  return { beta, v, xza, vZeros: K - rank };
}

/** Z'e for the coefficient vector β: Z'y − Z'X β. */
export function momentResidual(s: MomentSums, beta: Float64Array): Float64Array {
  const r = s.zy.slice();
  for (let l = 0; l < s.L; l++) for (let k = 0; k < s.K; k++) r[l] -= s.zx[l * s.K + k] * beta[k];
  return r;
}

/** Per-unit moments g_i = Z_i'e_i = zw_i·(1, −β), as an n×L array (one product over the blocks). */
export function unitMoments(b: UnitBlocks, beta: Float64Array): Float64Array {
  const c = new Float64Array(b.P);
  c[0] = 1;
  for (let k = 0; k < b.K; k++) c[1 + k] = -beta[k];
  return matmul(b.zw, c, b.n * b.L, b.P, 1);
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
}

/** Everything the covariance and the tests need from an estimation. */
export interface Estimation {
  sums: MomentSums;
  /** One-step: β₁, A₁ = (Z'HZ)⁻/σ², V₁ = (X'ZA₁Z'X)⁻¹ (= σ²·(…)⁻¹). */
  b1: Float64Array;
  a1: Float64Array;
  v1: Float64Array;
  sig2: number;
  /** Rank of Σ Z'HZ: the instrument count. */
  j0: number;
  /** diag0cnt of A₁: nonzero diagonal marks the instruments that count. */
  a1Kept: Uint8Array;
  /** Moment covariance S = Σ g₁g₁' (robust / two-step), or σ²·Σ Z'HZ (one-step non-robust). */
  s: Float64Array;
  v1Robust: Float64Array | null;
  /** Two-step (also formed after a one-step robust fit, for the Hansen test). */
  b2: Float64Array | null;
  a2: Float64Array | null;
  v2: Float64Array | null;
  v2Zeros: number;
  v2Robust: Float64Array | null;
  /** diag0cnt(A₂) > 0: the moment covariance was singular. */
  a2Singular: boolean;
  /** Σ Z'e₁ and Σ Z'e₂. */
  ze1: Float64Array;
  ze2: Float64Array | null;
}

/**
 * One-step, then (when robust or two-step) the moment covariance from one-step residuals, the
 * two-step estimate and the Windmeijer (2005) correction. Unit weights w scale each unit's blocks.
 */
export function estimateFromBlocks(b: UnitBlocks, opts: EstimateOptions, w: Float64Array | null = null): Estimation {
  const sums = blockSums(b, w);
  const { L, K } = sums;
  const a1g = invsym(sums.zhz, L);
  const step1 = gmmStep(sums.zx, sums.zy, a1g.inv, L, K);
  const b1 = step1.beta;
  const sig2 = rss(sums.ee, sums.P, b1) / opts.sigmaDivisor;
  const a1 = a1g.inv.map((x) => x / sig2);
  const v1 = step1.v.map((x) => x * sig2);
  const a1Kept = Uint8Array.from(a1g.dropped, (x) => 1 - x);
  const ze1 = momentResidual(sums, b1);
  const base = { sums, b1, a1, v1, sig2, j0: a1g.rank, a1Kept, ze1 };
  if (!opts.twostep && !opts.robust) {
    return { ...base, s: sums.zhz.map((x) => x * sig2), v1Robust: null, b2: null, a2: null, v2: null, v2Zeros: 0, v2Robust: null, a2Singular: false, ze2: null };
  }
  // Moment covariance from one-step residuals, by unit or by cluster.
  const g1 = unitMoments(b, b1);
  const cl = b.cluster ? clusterSums(b, g1, w) : null;
  let s = cl ? weightedGram(cl.g, cl.n, L, null) : weightedGram(g1, b.n, L, w);
  const clusterScale = cl && opts.clusterSmall ? b.nClusters / (b.nClusters - 1) : 1;
  if (clusterScale !== 1) s = s.map((x) => x * clusterScale);
  const v1Robust = opts.robust ? robustOneStepVariance(v1, sums.zx, a1, s, L, K) : null;
  const a2g = invsym(s, L);
  const a2 = a2g.inv;
  const step2 = gmmStep(sums.zx, sums.zy, a2, L, K);
  const b2 = step2.beta;
  const ze2 = momentResidual(sums, b2);
  let v2Robust: Float64Array | null = null;
  if (opts.twostep && opts.robust) {
    v2Robust = windmeijerVariance({ b, g1, w, cluster: cl, clusterScale, a2, ze2, step2, v1Robust: v1Robust!, L, K });
  }
  return { ...base, s, v1Robust, b2, a2, v2: step2.v, v2Zeros: step2.vZeros, v2Robust, a2Singular: a2g.rank < L, ze2 };
}
