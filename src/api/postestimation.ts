// After an estimate: Wald tests of linear restrictions R b = r (Stata's `test`) and linear combinations
// a'b + c with their standard error (Stata's `lincom`), from the reported coefficients and covariance.
// W = (Rb − r)'(R V R')⁻¹(Rb − r) ~ chi2(rank of R V R'); under `small`, F = W/rank (src/bootstrap/restrictions.ts).
import { parseCombination, parseRestrictions, residualDf, restrictionWald } from '../bootstrap/restrictions.ts';
import { normalQuantileOf, normalTwoSided, tQuantileOf, tTwoSided } from '../stats/distributions.ts';
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
  /** Restrictions dropped, as written: zero variance given the earlier ones (Stata's "Constraint k dropped"). */
  droppedConstraints: string[];
}

/** A row like a coefficient's (estimate, SE, z or t, p, interval), for a linear combination. */
export type LinearCombination = Omit<Coefficient, 'name'> & { expression: string };

function names(fit: GmmResult): string[] {
  return fit.coefficients.map((c) => c.name);
}

/** Wald test of linear restrictions, e.g. "w = 0, k = 0" (joint) or "L.w + w = 0" (L.w or L1.w alike);
 *  restrictions of zero variance given the earlier ones are dropped, as Stata's `test` drops them. */
export function waldTest(fit: GmmResult, restrictions: string): WaldTest {
  const { kind, stat, df1, df2, p, droppedConstraints } = restrictionWald(fit, parseRestrictions(restrictions, names(fit), 'test', fit.dropped), 'test');
  return { restrictions, kind, stat, df1, df2, p, droppedConstraints };
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
