// Covariance estimators of the GMM coefficients, from block sums:
//   one-step non-robust  V₁ = σ²(X'Z (Z'HZ)⁻ Z'X)⁻¹
//   one-step robust      V₁ᵣ = (V₁X'ZA₁) S (V₁X'ZA₁)',  S = Σ_i g_i g_i' (g_i = Z_i'ê₁ᵢ; by cluster under cluster())
//   two-step corrected   Windmeijer (2005, eq. 3.12 in sandwich form) as xtabond2 forms it
//   small                the scaling of xtabond2's `small` option.
import { matmul } from '../linalg/dense.ts';
import type { UnitBlocks } from './blocks.ts';
import type { GmmStep } from './estimate.ts';
import { weightedCross, weightedSum } from './sums.ts';

/** (V X'Z A) S (V X'Z A)' for the one-step robust covariance (any scale of A cancels with V's). */
export function robustOneStepVariance(step: GmmStep, s: Float64Array, L: number, K: number): Float64Array {
  return matmul(matmul(step.vxza, s, K, L, L), step.vxza, K, L, K, false, true);
}

/** Per-cluster sums Σ_{i∈c} w_i g_i of unit moments (n×L) and of the unit blocks zw (n×L·P). */
export function clusterSums(b: UnitBlocks, g: Float64Array, w: Float64Array | null): { n: number; g: Float64Array; zw: Float64Array } {
  const cl = b.cluster!;
  let nc = 0;
  for (let i = 0; i < b.n; i++) nc = Math.max(nc, cl[i] + 1);
  const L = b.L;
  const m = L * b.P;
  const gc = new Float64Array(nc * L);
  const zwc = new Float64Array(nc * m);
  for (let i = 0; i < b.n; i++) {
    const c = cl[i];
    const wi = w ? w[i] : 1;
    for (let j = 0; j < L; j++) gc[c * L + j] += wi * g[i * L + j];
    for (let j = 0; j < m; j++) zwc[c * m + j] += wi * b.zw[i * m + j];
  }
  return { n: nc, g: gc, zw: zwc };
}

export interface WindmeijerInput {
  b: UnitBlocks;
  /** One-step unit moments g₁ᵢ (n×L). */
  g1: Float64Array;
  w: Float64Array | null;
  cluster: { n: number; g: Float64Array; zw: Float64Array } | null;
  /** Factor applied to the clustered moment covariance (Nc/(Nc−1) under small), applied to D too. */
  clusterScale: number;
  /** A₂ Σ Z'e₂. */
  aze2: Float64Array;
  step2: GmmStep;
  v1Robust: Float64Array;
  L: number;
  K: number;
}

/**
 * Windmeijer (2005) finite-sample corrected two-step covariance:
 *   V_c = V₂ + D V₂ + V₂ D' + D V₁ᵣ D',   D = V₂ X'ZA₂ · Σ_i [ (g₁ᵢ'a) Z_i'X_i + g₁ᵢ (a'Z_i'X_i) ],  a = A₂ Z'ê₂,
 * the column j of the bracket being ∂(Σ g g')/∂β_j applied to a (the derivative of the weight).
 */
export function windmeijerVariance(inp: WindmeijerInput): Float64Array {
  const { b, L, K, step2, v1Robust } = inp;
  const P = b.P;
  const a = inp.aze2;
  const n = inp.cluster ? inp.cluster.n : b.n;
  const g = inp.cluster ? inp.cluster.g : inp.g1;
  const zw = inp.cluster ? inp.cluster.zw : b.zw;
  const w = inp.cluster ? null : inp.w;
  // Term 1: Σ_i w_i (g_i'a) Z_i'W_i — a weighted sum of the blocks with coefficients G·a.
  const ga = matmul(g, a, n, L, 1);
  if (w) for (let i = 0; i < n; i++) ga[i] *= w[i];
  const t1 = weightedSum(zw, n, L * P, ga);
  // Term 2: Σ_i w_i g_i (W_i'Z_i a)' — with W_i'Z_i a = zw_i'·a for all units in one product.
  const akron = new Float64Array(L * P * P);
  for (let l = 0; l < L; l++) for (let p = 0; p < P; p++) akron[(l * P + p) * P + p] = a[l];
  const wza = matmul(zw, akron, n, L * P, P);
  const t2 = weightedCross(g, wza, n, L, P, w);
  const bracket = new Float64Array(L * K);
  for (let l = 0; l < L; l++) for (let k = 0; k < K; k++) bracket[l * K + k] = inp.clusterScale * (t1[l * P + 1 + k] + t2[l * P + 1 + k]);
  const v2 = step2.v;
  const dm = matmul(step2.vxza, bracket, K, L, K);
  // V₂ + D V₁ᵣ D' + 2 D V₂; symmetrized by the caller's quadratic forms / (V + V')/2.
  const dv1d = matmul(matmul(dm, v1Robust, K, K, K), dm, K, K, K, false, true);
  const dv2 = matmul(dm, v2, K, K, K);
  const out = new Float64Array(K * K);
  for (let j = 0; j < K * K; j++) out[j] = v2[j] + dv1d[j] + 2 * dv2[j];
  return out;
}

/**
 * Factor by which `small` scales the reported covariance. The published xtabond2 logs (Roodman 2009)
 * are reproduced by N/(N−1)·NObs/(NObs−k+1) for robust/corrected errors without clusters
 * (shared/reference/xtabond2-conventions.md); with clusters xtabond2 uses (NObs−1)/(NObs−k) (the
 * clustered moments already carry Nc/(Nc−1)); non-robust one-step uses n/(n−k), n the σ² count.
 */
export function smallFactor(o: { robust: boolean; clustered: boolean; nobs: number; ngroups: number; k: number; sigmaCount: number }): number {
  if (!o.robust) return o.sigmaCount / (o.sigmaCount - o.k);
  if (o.clustered) return (o.nobs - 1) / (o.nobs - o.k);
  return (o.ngroups / (o.ngroups - 1)) * (o.nobs / (o.nobs - o.k + 1));
}
