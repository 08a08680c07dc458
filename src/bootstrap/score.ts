// Wild score bootstrap of Wald tests of linear restrictions R β = r, without re-estimation
// (Kline and Santos 2012, "A score based approach to wild bootstrap inference", §3 and §4.2 for GMM).
// Under H0 the restricted estimate keeps the fitted weight A: β̃ = β̂ − M R'(R M R')⁻¹(R β̂ − r),
// M = (X'Z A Z'X)⁻¹. With H = M X'Z A, the estimator's linearisation is β̂ − β ≈ H Σ_i g_i, so each
// draw perturbs the restricted scores h_i = R H g_i(β̃) by wild weights v_bi:
//   W*_b = (Σ_i v_bi h_i)' (Σ_i v_bi² h_i h_i')⁻¹ (Σ_i v_bi h_i),
// and the observed statistic is W = (R β̂ − r)' (Σ_i h_i h_i')⁻¹ (R β̂ − r).
import { matmul } from '../linalg/dense.ts';
import { invsym } from '../linalg/invsym.ts';
import type { KernelBackend } from '../kernels/types.ts';
import { chi2Upper } from '../stats/distributions.ts';
import type { BootstrapBlocks } from './blocks.ts';
import type { RestrictionWald } from './restrictions.ts';

export interface ScoreTestResult {
  restriction: string;
  /** The restrictions kept: the rank of R V R' (V the reported covariance), as Stata's `test`. */
  df: number;
  /** Restrictions dropped, as written: zero variance given the earlier ones (restrictions.ts). */
  droppedConstraints: string[];
  /** The conventional Wald test with the reported (e.g. Windmeijer) covariance, as Stata's `test`
   *  after the fit: chi2(df), or under `small` F(df, waldDf2) = chi2/df (waldDf2 the model F test's
   *  denominator df); its p-value. */
  wald: number;
  waldDf2: number | null;
  waldP: number;
  /** Score-form Wald statistic with the restricted-score variance, and its chi2 p-value. */
  stat: number;
  p: number;
  /** Share (with the +1 correction) of bootstrap statistics at least the observed one, ties (to a
   *  relative 1e-12) included. */
  bootstrapP: number;
  weights: string;
  reps: number;
}

/**
 * blocks: centred at β̂ and NOT recentred (the restricted scores are the sample's own).
 * zx = Σ Z'X (L×K) and a = the weight matrix of the reported step. wald: the conventional test
 * (restrictionWald), whose kept restrictions the score test tests. v: B×n wild weights.
 */
export async function scoreBootstrapTest(
  bb: BootstrapBlocks,
  zx: Float64Array,
  a: Float64Array,
  wald: RestrictionWald,
  v: Float64Array,
  reps: number,
  weights: string,
  backend: KernelBackend,
): Promise<ScoreTestResult> {
  const { n, L, K, P } = bb;
  const { R, r, q } = wald.kept;
  const xza = matmul(zx, a, K, L, L, true, false);
  const m = invsym(matmul(xza, zx, K, L, K), K).inv;
  const h = matmul(m, xza, K, K, L);
  // Distance of β̂ from H0 and the restricted estimate, as δ̃ = β̃ − β̂.
  const dist = new Float64Array(q);
  for (let j = 0; j < q; j++) {
    let s = -r[j];
    for (let k = 0; k < K; k++) s += R[j * K + k] * bb.centre[k];
    dist[j] = s;
  }
  const rm = matmul(R, m, q, K, K);
  const rmrInv = invsym(matmul(rm, R, q, K, q, false, true), q).inv;
  const lambda = matmul(rmrInv, dist, q, q, 1);
  const delta = matmul(rm, lambda, K, q, 1, true, false).map((x) => -x);
  // Restricted unit scores g̃_i = zw_i·(1, −δ̃), projected: h_i = R H g̃_i (n×q).
  const c = new Float64Array(P);
  c[0] = 1;
  for (let k = 0; k < K; k++) c[1 + k] = -delta[k];
  const gt = matmul(bb.zw, c, n * L, P, 1);
  const rh = matmul(R, h, q, K, L);
  const hi = matmul(gt, rh, n, L, q, false, true);
  const hh = new Float64Array(n * q * q);
  for (let i = 0; i < n; i++) for (let j = 0; j < q; j++) for (let l = 0; l < q; l++) hh[(i * q + j) * q + l] = hi[i * q + j] * hi[i * q + l];
  const vhat = invsym(matmul(new Float64Array(n).fill(1), hh, 1, n, q * q), q).inv;
  const stat = quadForm(dist, 0, vhat, q);
  const num = await backend.matmul(v, hi, { m: reps, k: n, n: q });
  const v2 = v.map((x) => x * x);
  const den = await backend.matmul(v2, hh, { m: reps, k: n, n: q * q });
  // A draw that equals W in exact arithmetic is a tie and counts as W* ≥ W: with Rademacher weights
  // v_b = ±(1, …, 1) gives Σ v h = ±Σ h and Σ v² h h' = Σ h h', so W*_b = W, but rounding puts it a
  // few ulps (7e-15 relative seen) to either side. W* within a relative 1e-12 of W is such a tie.
  const tie = stat * (1 - 1e-12);
  let exceed = 0;
  let valid = 0;
  for (let b = 0; b < reps; b++) {
    const inv = invsym(den.subarray(b * q * q, (b + 1) * q * q), q).inv;
    const wb = quadForm(num, b * q, inv, q);
    if (!Number.isFinite(wb)) continue;
    valid++;
    if (wb >= tie) exceed++;
  }
  return {
    restriction: wald.kept.text,
    df: q,
    droppedConstraints: wald.droppedConstraints,
    wald: wald.stat,
    waldDf2: wald.df2,
    waldP: wald.p,
    stat, p: chi2Upper(stat, q), bootstrapP: valid === 0 ? NaN : (exceed + 1) / (valid + 1), weights, reps: valid };
}

function quadForm(x: Float64Array, xo: number, a: Float64Array, q: number): number {
  let s = 0;
  for (let j = 0; j < q; j++) for (let l = 0; l < q; l++) s += x[xo + j] * a[j * q + l] * x[xo + l];
  return s;
}
