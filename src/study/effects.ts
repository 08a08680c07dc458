// Effects derived from a fitted model and its covariance matrix (GmmResult.vcov): the marginal
// effect of co-agglomeration along efficiency (from the interaction term), long-run effects
// β/(1 − ρ), Wald tests of zero restrictions, and differences between independent samples.
// Standard errors by the delta method, Var g(b) ≈ ∇g' V ∇g (e.g. Greene, Econometric Analysis,
// 7th ed., Theorem D.22); intervals and p-values from the normal approximation.
import type { GmmResult, TestStat } from '../gmm/result.ts';
import { SpecError } from '../errors.ts';
import { cholesky, choleskySolve } from '../linalg/dense.ts';
import { chi2Upper, normalQuantileOf, normalTwoSided } from '../stats/distributions.ts';

export interface DerivedEffect {
  label: string;
  estimate: number;
  se: number;
  z: number;
  p: number;
  /** 95% interval (normal). */
  low: number;
  high: number;
}

const Z975 = normalQuantileOf(0.975);

function coefIndex(result: GmmResult, name: string): number {
  const i = result.coefficients.findIndex((c) => c.name === name);
  if (i < 0)
    throw new SpecError(
      `coefficient '${name}' is not in the model (${result.command}); coefficients are: ${result.coefficients.map((c) => c.name).join(', ')}`,
    );
  return i;
}

/** The estimates and covariance block of the named coefficients. */
export function coefficientBlock(result: GmmResult, names: string[]): { b: number[]; V: number[][] } {
  const k = result.coefficients.length;
  if (result.vcov.length !== k * k) throw new SpecError(`result '${result.command}' has a ${result.vcov.length}-element vcov for ${k} coefficients`);
  const idx = names.map((n) => coefIndex(result, n));
  return {
    b: idx.map((i) => result.coefficients[i].estimate),
    V: idx.map((i) => idx.map((j) => result.vcov[i * k + j])),
  };
}

function effect(label: string, estimate: number, variance: number): DerivedEffect {
  const se = Math.sqrt(Math.max(variance, 0));
  const z = estimate / se;
  return { label, estimate, se, z, p: normalTwoSided(z), low: estimate - Z975 * se, high: estimate + Z975 * se };
}

/** g(b) over the named coefficients with its delta-method standard error, given the gradient ∇g(b). */
export function deltaMethod(
  result: GmmResult,
  names: string[],
  g: (b: number[]) => number,
  gradient: (b: number[]) => number[],
  label = '',
): DerivedEffect {
  const { b, V } = coefficientBlock(result, names);
  const d = gradient(b);
  let v = 0;
  for (let i = 0; i < d.length; i++) for (let j = 0; j < d.length; j++) v += d[i] * V[i][j] * d[j];
  return effect(label, g(b), v);
}

export interface MarginalEffectPoint extends DerivedEffect {
  /** Efficiency on its original scale. */
  efficiency: number;
}

/**
 * ∂y/∂CA = β_CA + β_CA×EFF · (EFF − c) along a grid of efficiency values, where the interaction was
 * built as (CA − mean CA)(EFF − c); c = 0 when it was not centred.
 */
export function marginalEffectCurve(
  result: GmmResult,
  names: { ca: string; interaction: string },
  grid: number[],
  effCentre = 0,
): MarginalEffectPoint[] {
  return grid.map((e) => {
    const w = e - effCentre;
    const d = deltaMethod(result, [names.ca, names.interaction], ([b1, b3]) => b1 + b3 * w, () => [1, w], `dy/dCA at EFF=${e}`);
    return { ...d, efficiency: e };
  });
}

/** Long-run effect β/(1 − ρ) of a regressor in a model with lagged dependent variable coefficient ρ. */
export function longRunEffect(result: GmmResult, coef: string, lagDep: string, label = `${coef}/(1-${lagDep})`): DerivedEffect {
  return deltaMethod(
    result,
    [coef, lagDep],
    ([b, r]) => b / (1 - r),
    ([b, r]) => [1 / (1 - r), b / ((1 - r) * (1 - r))],
    label,
  );
}

/** Wald test that the named coefficients are all zero: b' V⁻¹ b ~ χ²(q). */
export function waldZero(result: GmmResult, names: string[]): TestStat {
  const { b, V } = coefficientBlock(result, names);
  const q = names.length;
  const l = cholesky(Float64Array.from(V.flat()), q);
  if (!l) throw new SpecError(`covariance of ${names.join(', ')} is not positive definite in '${result.command}'`);
  const x = choleskySolve(l, Float64Array.from(b), q, 1);
  let chi2 = 0;
  for (let i = 0; i < q; i++) chi2 += b[i] * x[i];
  return { chi2, df: q, p: chi2Upper(chi2, q) };
}

/** a − b for one coefficient estimated on two independent samples (disjoint units): z = Δ/√(Va + Vb). */
export function sampleDifference(a: GmmResult, b: GmmResult, name: string, label = name): DerivedEffect {
  const ka = a.coefficients[coefIndex(a, name)];
  const kb = b.coefficients[coefIndex(b, name)];
  return effect(label, ka.estimate - kb.estimate, ka.se * ka.se + kb.se * kb.se);
}
