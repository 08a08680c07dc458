// Specification tests of a GMM fit, computed as xtabond2 computes them:
// - Sargan (Hansen 1982 / Sargan 1958): (Σ Z'ê₁)' (σ²Σ Z'HZ)⁻ (Σ Z'ê₁), one-step residuals.
// - Hansen J: (Σ Z'ê₂)' (Σ g₁g₁')⁻ (Σ Z'ê₂), also after a one-step robust fit.
// - Difference-in-Hansen per instrument group: the J of the model re-solved on the other
//   instruments with the corresponding submatrix of the full moment covariance, and its difference.
// - Arellano and Bond (1991, eq. 8–9) AR(m) test on the transformed (or level) residuals.
// - Wald chi2 / F that all coefficients are zero.
import { matmul } from '../linalg/dense.ts';
import { invsym, quadForm, submatrix } from '../linalg/invsym.ts';
import { factorWeight, weightQuad, type WeightFactor } from '../linalg/weight-factor.ts';
import { chi2Upper, fUpper, normalTwoSided } from '../stats/distributions.ts';
import type { ArTest, DiffHansen, ModelTest, TestStat } from './result.ts';
import type { ArSums } from './ar-sums.ts';
import type { MomentSums } from './estimate.ts';
import { gmmStep } from './step.ts';
import type { InstrumentGroup } from './instruments.ts';

/** ze' A ze for the weight A (factored). */
export function overidTest(ze: Float64Array, a: WeightFactor, df: number): TestStat {
  const chi2 = weightQuad(a, ze);
  return { chi2, df, p: chi2Upper(chi2, df) };
}

export interface DiffHansenInput {
  sums: MomentSums;
  groups: InstrumentGroup[];
  /** The full model's moment covariance whose inverse weights the reported J. */
  s: Float64Array;
  /** Instruments that count (nonzero diagonal of the one-step g-inverse). */
  kept: Uint8Array;
  j0: number;
  k: number;
  /** The full J (Hansen, or Sargan after a one-step non-robust fit) and its df. */
  full: TestStat;
  /** Zero diagonal entries of the reported V and of the non-robust two-step V. */
  vZeros: number;
  v2Zeros: number;
}

/** Difference-in-Hansen/Sargan for each group with enough remaining instruments (xtabond2). */
export function differenceInHansen(inp: DiffHansenInput): DiffHansen[] {
  const { sums, s, kept, j0, k, full } = inp;
  const { L, K } = sums;
  const out: DiffHansen[] = [];
  for (const g of inp.groups) {
    const inGroup = new Uint8Array(L);
    for (const c of g.cols) inGroup[c] = 1;
    const p: number[] = [];
    for (let c = 0; c < L; c++) if (!inGroup[c]) p.push(c);
    let nOther = 0;
    for (const c of p) nOther += kept[c];
    if (!(nOther >= k && nOther < j0)) continue;
    const m = p.length;
    const app = factorWeight(submatrix(s, L, p, p), m);
    const zxp = submatrix(sums.zx, K, p, Array.from({ length: K }, (_, j) => j));
    const zyp = Float64Array.from(p, (c) => sums.zy[c]);
    const step = gmmStep(zxp, zyp, app, m, K);
    if (step.vZeros !== inp.vZeros) continue;
    const zep = zyp.slice();
    for (let i = 0; i < m; i++) for (let j = 0; j < K; j++) zep[i] -= zxp[i * K + j] * step.beta[j];
    const excluding = weightQuad(app, zep);
    const dfDiff = j0 - nOther - inp.v2Zeros;
    const dfEx = full.df - dfDiff;
    const difference = full.chi2 - excluding;
    out.push({
      group: g.label,
      excluding: { chi2: excluding, df: dfEx, p: chi2Upper(excluding, dfEx) },
      difference: { chi2: difference, df: dfDiff, p: chi2Upper(difference, dfDiff) },
    });
  }
  return out;
}

/** What the AR(m) statistic needs from the reported step. */
export interface ArInput {
  /** V·X'Z·A of the reported step (non-robust V, its weight A; their scales cancel). */
  vxza: Float64Array;
  /** The reported V (robust/corrected if robust), before `small`. */
  v: Float64Array;
  L: number;
  K: number;
}

/**
 * z = Σ s_i / √( var − 2 tmp'·V X'ZA·Z'Hw + tmp'V tmp ) — Arellano and Bond (1991, eq. 8–9) as
 * xtabond2 forms it; sig2 scales the variance terms of the non-robust sums (1 for robust ones).
 */
export function arTestsFromSums(s: ArSums<Float64Array>, inp: ArInput, sig2 = 1): ArTest[] {
  const { L, K } = inp;
  const out: ArTest[] = [];
  for (let m = 1; m <= s.sum.length; m++) {
    if (s.nonzero[m - 1] === 0) {
      out.push({ order: m, z: NaN, p: NaN });
      continue;
    }
    const tmp = s.tmp.subarray((m - 1) * K, m * K);
    const zhw = s.zhw.subarray((m - 1) * L, m * L).map((x) => x * sig2);
    const t1 = matmul(inp.vxza, zhw, K, L, 1);
    const t2 = matmul(inp.v, tmp, K, K, 1);
    let q = 0;
    for (let k = 0; k < K; k++) q += tmp[k] * (t2[k] - 2 * t1[k]);
    const z = s.sum[m - 1] / Math.sqrt(sig2 * s.wHw[m - 1] + q);
    out.push({ order: m, z, p: normalTwoSided(z) });
  }
  return out;
}

/**
 * Wald chi2 (or F under small) that the first `tested` coefficients (all but the constant, which is
 * last) are zero, with xtabond2's df. Leaving the constant out reproduces the published F (log 3:
 * 1154.36; with the constant in the form, as xtabond2's current source does, it would be 6359.55).
 */
export function modelTest(beta: Float64Array, v: Float64Array, K: number, tested: number, df1: number, small: boolean, df2: number): ModelTest | null {
  if (df1 <= 0) return null;
  const idx = Array.from({ length: tested }, (_, j) => j);
  const vt = submatrix(v, K, idx, idx);
  // A missing (non-finite) coefficient or covariance entry makes the test missing, as Stata's test
  // reports it, not the statistic of whatever invsym would keep of the matrix.
  const missing = beta.subarray(0, tested).some((x) => !Number.isFinite(x)) || vt.some((x) => !Number.isFinite(x));
  const chi2 = missing ? NaN : quadForm(beta.subarray(0, tested), invsym(vt, tested).inv, beta.subarray(0, tested), tested);
  if (small) {
    const f = chi2 / df1;
    return { kind: 'F', stat: f, df1, df2, p: fUpper(f, df1, df2) };
  }
  return { kind: 'wald', stat: chi2, df1, df2: null, p: chi2Upper(chi2, df1) };
}
