// Covariance estimators of the GMM coefficients, from block sums:
//   one-step non-robust  V₁ = σ²(X'Z (Z'HZ)⁻ Z'X)⁻¹
//   one-step robust      V₁ᵣ = (V₁X'ZA₁) S (V₁X'ZA₁)',  S = Σ_i g_i g_i' (g_i = Z_i'ê₁ᵢ; by cluster under cluster())
//   two-step corrected   Windmeijer (2005, eq. 3.12 in sandwich form) as xtabond2 forms it
//   small                the scaling of xtabond2's `small` option.
import { matmul } from '../linalg/dense.ts';
import type { GmmStep } from './step.ts';
import type { Conventions } from '../spec/types.ts';

/** (V X'Z A) S (V X'Z A)' for the one-step robust covariance (any scale of A cancels with V's). */
export function robustOneStepVariance(step: GmmStep, s: Float64Array, L: number, K: number): Float64Array {
  return matmul(matmul(step.vxza, s, K, L, L), step.vxza, K, L, K, false, true);
}

/**
 * Windmeijer (2005) finite-sample corrected two-step covariance:
 *   V_c = V₂ + D V₂ + V₂ D' + D V₁ᵣ D',   D = V₂ X'ZA₂ · Σ_i [ (g₁ᵢ'a) Z_i'X_i + g₁ᵢ (a'Z_i'X_i) ],  a = A₂ Z'ê₂,
 * the column j of the bracket (L×K) being ∂(Σ g g')/∂β_j applied to a (the derivative of the weight);
 * passes.ts forms the bracket's sums. Returned as V₂ + D V₁ᵣ D' + 2 D V₂ (symmetrized by the caller).
 */
export function windmeijerFromBracket(step2: GmmStep, bracket: Float64Array, v1Robust: Float64Array, L: number, K: number): Float64Array {
  const v2 = step2.v;
  const dm = matmul(step2.vxza, bracket, K, L, K);
  const dv1d = matmul(matmul(dm, v1Robust, K, K, K), dm, K, K, K, false, true);
  const dv2 = matmul(dm, v2, K, K, K);
  const out = new Float64Array(K * K);
  for (let j = 0; j < K * K; j++) out[j] = v2[j] + dv1d[j] + 2 * dv2[j];
  return out;
}

/**
 * Factor by which `small` scales the reported covariance (N groups, NObs observations, k regressors).
 * Robust or corrected errors without clusters: the current xtabond2 release uses
 * (NObs−1)/(NObs−k)·N/(N−1); the published 2009 logs are reproduced by N/(N−1)·NObs/(NObs−k+1)
 * (README, "Exactness"). With clusters both use (NObs−1)/(NObs−k) (the clustered moments already carry
 * Nc/(Nc−1)). Non-robust one-step errors use n/(n−k) with n the count σ² is divided by (sigmaObs,
 * xtabond2's wttot: the transformed-equation count in system GMM under h(2)/h(3) with the current
 * release's conventions, else NObs), as xtabond2 3.7 (Roodman), xtabond2_mata(), scales V and σ²:
 *   tmp = wttot/(wttot - k)
 *   V = V * (onestepnonrobust? tmp : (rows(clusts)? (NObs-1)/(NObs-k) : (NObs-1)/(NObs-k)*NGroups/(NGroups-1)) )
 *   sig2 = sig2 * tmp
 */
export function smallFactor(o: { robust: boolean; clustered: boolean; nobs: number; ngroups: number; k: number; sigmaObs: number; conventions?: Conventions }): number {
  if (!o.robust) return o.sigmaObs / (o.sigmaObs - o.k);
  if (o.clustered) return (o.nobs - 1) / (o.nobs - o.k);
  const groups = o.ngroups / (o.ngroups - 1);
  return o.conventions === '2009' ? groups * (o.nobs / (o.nobs - o.k + 1)) : groups * ((o.nobs - 1) / (o.nobs - o.k));
}
