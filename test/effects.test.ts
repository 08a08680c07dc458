import { describe, expect, it } from 'vitest';
import type { GmmResult } from '../src/gmm/result.ts';
import { deltaMethod, longRunEffect, marginalEffectCurve, sampleDifference, waldZero } from '../src/study/effects.ts';
import { SpecError } from '../src/errors.ts';

// Coefficients: L1.y (rho), ca, eff, ca_eff; a symmetric positive definite covariance.
const names = ['L1.y', 'ca', 'eff', 'ca_eff'];
const b = [0.8, -0.05, -0.1, -0.02];
const V = [
  [0.0025, 0.0001, 0.00002, 0.00001],
  [0.0001, 0.0004, 0.00003, -0.00005],
  [0.00002, 0.00003, 0.0009, 0.00001],
  [0.00001, -0.00005, 0.00001, 0.0001],
];
function fitted(est = b, cov = V): GmmResult {
  return {
    estimator: 'system', steps: 2, vce: 'windmeijer', command: 'xtabond2 y L.y ca eff ca_eff', depvar: 'y',
    nobs: 100, ngroups: 10, obsPerGroup: { min: 10, avg: 10, max: 10 }, ninstruments: 9, small: false,
    coefficients: names.map((name, i) => ({ name, estimate: est[i], se: Math.sqrt(cov[i][i]), stat: 0, p: 0, ciLow: 0, ciHigh: 0 })),
    vcov: cov.flat(), modelTest: null, ar: [], sargan: null, hansen: null, diffHansen: [], dropped: [], warnings: [], excluded: [],
  };
}

describe('marginal effect of CA along efficiency', () => {
  it('matches the hand computation', () => {
    // At EFF = 1.5 with centre 0.5: w = 1, effect = -0.05 - 0.02 = -0.07,
    // Var = V_ca + 2 V_ca,int + V_int = 0.0004 - 0.0001 + 0.0001 = 0.0004 -> se 0.02.
    const [p0, p1] = marginalEffectCurve(fitted(), { ca: 'ca', interaction: 'ca_eff' }, [1.5, 0.5], 0.5);
    expect(p0.efficiency).toBe(1.5);
    expect(p0.estimate).toBeCloseTo(-0.07, 15);
    expect(p0.se).toBeCloseTo(0.02, 15);
    expect(p0.low).toBeCloseTo(-0.07 - 1.959963984540054 * 0.02, 12);
    expect(p0.high).toBeCloseTo(-0.07 + 1.959963984540054 * 0.02, 12);
    expect(p0.z).toBeCloseTo(-3.5, 12);
    expect(p0.p).toBeCloseTo(0.000465258, 8); // 2*(1 - Phi(3.5)), scipy
    // At the centre the effect is beta_ca itself with its own standard error.
    expect(p1.estimate).toBe(-0.05);
    expect(p1.se).toBeCloseTo(0.02, 15);
  });
});

describe('long-run effect', () => {
  it('matches the hand computation', () => {
    // -0.05/(1-0.8) = -0.25; gradient (5, -1.25);
    // Var = 25*0.0004 + 2*5*(-1.25)*0.0001 + 1.5625*0.0025 = 0.01265625 -> se 0.1125.
    const lr = longRunEffect(fitted(), 'ca', 'L1.y');
    expect(lr.estimate).toBeCloseTo(-0.25, 14);
    expect(lr.se).toBeCloseTo(0.1125, 14);
  });

  it('agrees with a finite-difference gradient', () => {
    const g = ([beta, rho]: number[]) => beta / (1 - rho);
    const h = 1e-6;
    const numeric = (x: number[]) => x.map((_, i) => {
      const up = x.slice();
      const dn = x.slice();
      up[i] += h;
      dn[i] -= h;
      return (g(up) - g(dn)) / (2 * h);
    });
    for (const coef of ['ca', 'eff', 'ca_eff']) {
      const analytic = longRunEffect(fitted(), coef, 'L1.y');
      const fd = deltaMethod(fitted(), [coef, 'L1.y'], g, numeric);
      expect(analytic.estimate).toBe(fd.estimate);
      expect(Math.abs(analytic.se - fd.se) / fd.se).toBeLessThan(1e-7);
    }
  });
});

describe('Wald test of zero restrictions', () => {
  it('matches the 2x2 hand inverse', () => {
    // b = (-0.05, -0.02), V = [[4e-4, -5e-5], [-5e-5, 1e-4]], det = 4e-8 - 2.5e-9 = 3.75e-8;
    // chi2 = (V22 b1^2 - 2 V12 b1 b2 + V11 b2^2)/det = (2.5e-7 + 1e-7 + 1.6e-7)/3.75e-8 = 13.6
    const w = waldZero(fitted(), ['ca', 'ca_eff']);
    expect(w.df).toBe(2);
    expect(w.chi2).toBeCloseTo(13.6, 10);
    expect(w.p).toBeCloseTo(Math.exp(-13.6 / 2), 12); // chi2(2) tail is exp(-x/2)
  });
});

describe('difference between independent samples', () => {
  it('is the two-sample z', () => {
    const inland = fitted([0.8, -0.08, -0.1, -0.02]);
    const coastal = fitted([0.8, -0.02, -0.1, -0.02], V.map((r, i) => r.map((v, j) => (i === j ? v * 4 : v))));
    const d = sampleDifference(inland, coastal, 'ca');
    // -0.06 / sqrt(0.0004 + 0.0016)
    expect(d.estimate).toBeCloseTo(-0.06, 15);
    expect(d.se).toBeCloseTo(Math.sqrt(0.002), 15);
  });
});

describe('errors', () => {
  it('names a missing coefficient', () => {
    expect(() => longRunEffect(fitted(), 'nope', 'L1.y')).toThrow(SpecError);
    expect(() => longRunEffect(fitted(), 'nope', 'L1.y')).toThrow(/coefficient 'nope' is not in the model/);
  });
});
