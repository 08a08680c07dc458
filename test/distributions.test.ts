import { describe, expect, it } from 'vitest';
import { chi2Upper, fUpper, normalQuantileOf, normalTwoSided, tTwoSided } from '../src/stats/distributions.ts';

// Reference values from scipy.stats: 2·norm.cdf(−1.96), 2·t.cdf(−2.1, 10), chi2.sf(31.38, 25), f.sf(3, 4, 20).
describe('distributions', () => {
  it('match scipy', () => {
    expect(normalTwoSided(1.96)).toBeCloseTo(0.0499957903, 9);
    expect(tTwoSided(-2.1, 10)).toBeCloseTo(0.0620772442, 8);
    expect(chi2Upper(31.38, 25)).toBeCloseTo(0.1767428762, 8);
    expect(fUpper(3, 4, 20)).toBeCloseTo(0.0432009983, 8);
    expect(normalQuantileOf(0.975)).toBeCloseTo(1.959964, 6);
  });
});
