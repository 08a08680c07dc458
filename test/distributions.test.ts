import { describe, expect, it } from 'vitest';
import { chi2Upper, fUpper, normalQuantileOf, normalTwoSided, tTwoSided } from '../src/stats/distributions.ts';

// Reference values from scipy.stats: 2·norm.cdf(−1.96), 2·t.cdf(−2.1, 10), chi2.sf(31.38, 25), f.sf(3, 4, 20).
describe('distributions', () => {
  it('match scipy', () => {
    expect(normalTwoSided(1.96)).toBeCloseTo(0.04999579, 7);
    expect(tTwoSided(-2.1, 10)).toBeCloseTo(0.06207, 4);
    expect(chi2Upper(31.38, 25)).toBeCloseTo(0.1772, 3);
    expect(fUpper(3, 4, 20)).toBeCloseTo(0.04325, 4);
    expect(normalQuantileOf(0.975)).toBeCloseTo(1.959964, 6);
  });
});
