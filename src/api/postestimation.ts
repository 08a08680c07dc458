// After an estimate: Wald tests of linear restrictions R b = r (Stata's `test`) and linear combinations
// a'b + c with their standard error (Stata's `lincom`), from the reported coefficients and covariance.
// W = (Rb − r)'(R V R')⁻¹(Rb − r) ~ chi2(q); under `small`, F = W/q with the model test's denominator df.
import { SpecError } from '../errors.ts';
import { parseCombination, parseRestrictions } from '../bootstrap/restrictions.ts';
import { invsym } from '../linalg/invsym.ts';
import { chi2Upper, fUpper, normalQuantileOf, normalTwoSided, tQuantileOf, tTwoSided } from '../stats/distributions.ts';
import type { Coefficient, GmmResult } from '../gmm/result.ts';
import { levelFraction } from '../stats/confidence-level.ts';

export interface WaldTest {
  /** The restrictions as written. */
  restrictions: string;
  /** 'chi2' (Wald), or 'F' when the model was fitted with `small`. */
  kind: 'chi2' | 'F';
  stat: number;
  df1: number;
  /** Denominator df of F; null for chi2. */
  df2: number | null;
  p: number;
}

/** A row like a coefficient's (estimate, SE, z or t, p, interval), for a linear combination. */
export type LinearCombination = Omit<Coefficient, 'name'> & { expression: string };

/** Residual df of the t and F statistics under `small` (the model test's denominator). */
function residualDf(fit: GmmResult): number | null {
  return fit.small && fit.modelTest?.df2 != null ? fit.modelTest.df2 : null;
}

function names(fit: GmmResult): string[] {
  return fit.coefficients.map((c) => c.name);
}

/** Wald test of linear restrictions, e.g. "w = 0, k = 0" (joint) or "L.w + w = 0" (L.w or L1.w alike). */
export function waldTest(fit: GmmResult, restrictions: string): WaldTest {
  const { R, r, q } = parseRestrictions(restrictions, names(fit), 'test', fit.dropped);
  const K = fit.coefficients.length;
  const b = fit.coefficients.map((c) => c.estimate);
  const d = new Float64Array(q);
  const RV = new Float64Array(q * K);
  for (let i = 0; i < q; i++) {
    let s = -r[i];
    for (let j = 0; j < K; j++) s += R[i * K + j] * b[j];
    d[i] = s;
    for (let j = 0; j < K; j++) {
      let v = 0;
      for (let l = 0; l < K; l++) v += R[i * K + l] * fit.vcov[l * K + j];
      RV[i * K + j] = v;
    }
  }
  const RVR = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let k = 0; k < q; k++) for (let j = 0; j < K; j++) RVR[i * q + k] += RV[i * K + j] * R[k * K + j];
  // As Stata's `test`, a generalized inverse: restrictions that repeat another lose their df.
  const { inv, rank } = invsym(RVR, q);
  if (rank === 0) throw new SpecError(`test: the restrictions '${restrictions}' have zero variance`, 'test');
  let w = 0;
  for (let i = 0; i < q; i++) for (let k = 0; k < q; k++) w += d[i] * inv[i * q + k] * d[k];
  const df2 = residualDf(fit);
  if (df2 !== null) return { restrictions, kind: 'F', stat: w / rank, df1: rank, df2, p: fUpper(w / rank, rank, df2) };
  return { restrictions, kind: 'chi2', stat: w, df1: rank, df2: null, p: chi2Upper(w, rank) };
}

/** A linear combination of the coefficients, e.g. "L.w + w" or "2*k - 1", with its SE, test of = 0 and
 *  interval at `level` (percent as Stata's level(90), or a fraction; default the model's level, else 95). */
export function lincom(fit: GmmResult, expression: string, level0?: number): LinearCombination {
  const level = levelFraction(level0 ?? fit.level ?? 95, 'lincom');
  const { a, c } = parseCombination(expression, names(fit), 'lincom', fit.dropped);
  const K = fit.coefficients.length;
  let estimate = c;
  let variance = 0;
  for (let j = 0; j < K; j++) {
    estimate += a[j] * fit.coefficients[j].estimate;
    for (let l = 0; l < K; l++) variance += a[j] * fit.vcov[j * K + l] * a[l];
  }
  const se = Math.sqrt(variance);
  const stat = estimate / se;
  const df = residualDf(fit);
  const p = df === null ? normalTwoSided(stat) : tTwoSided(stat, df);
  const crit = df === null ? normalQuantileOf(0.5 + level / 2) : tQuantileOf(0.5 + level / 2, df);
  return { expression, estimate, se, stat, p, ciLow: estimate - crit * se, ciHigh: estimate + crit * se };
}
