// One GMM step: β = argmin (Z'y − Z'Xβ)' A (Z'y − Z'Xβ) for a weight A given by its factor
// (src/linalg/weight-factor.ts), with what the covariances and tests apply from it.
import { transpose } from '../linalg/dense.ts';
import { applyWhitened, leastSquares, whiten, weightRank, type WeightFactor } from '../linalg/weight-factor.ts';

/** A GMM solve with weight A: β, (X'Z A Z'X)⁻¹ and V X'ZA. */
export interface GmmStep {
  beta: Float64Array;
  /** (X'Z A Z'X)⁻¹ (invsym semantics). */
  v: Float64Array;
  /** V X'Z A (K×L): β = V X'ZA Z'y; what the robust and corrected covariances and the AR test apply. */
  vxza: Float64Array;
  /** Diagonal zeros of v (regressors not identified). */
  vZeros: number;
}

/**
 * β = argmin (Z'y − Z'Xβ)' A (Z'y − Z'Xβ) for A = c·M⁻ given by its factor: the least-squares fit of
 * the whitened moments (weight-factor.ts), so no inverse of M or of X'ZAZ'X is formed.
 */
export function gmmStep(zx: Float64Array, zy: Float64Array, weight: WeightFactor, L: number, K: number): GmmStep {
  const xt = whiten(weight, zx, K);
  const m = weightRank(weight);
  const ls = leastSquares(xt, whiten(weight, zy, 1), m, K);
  // V X'Z A = R⁻¹Q₁ᵀ C⁻¹D (pinv mapped back through the factor): no product with V is formed.
  return {
    beta: ls.beta,
    v: ls.v,
    vxza: transpose(applyWhitened(weight, transpose(ls.pinv, K, m), K), L, K),
    vZeros: ls.zeros,
  };
}
