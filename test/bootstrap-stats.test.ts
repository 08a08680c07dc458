import { describe, expect, it } from 'vitest';
import { parseCombination, parseRestrictions } from '../src/bootstrap/restrictions.ts';
import { clusterCounts, createRng, wildWeights } from '../src/bootstrap/draws.ts';
import { quantileSorted, summariseCoefficient, upperTailP } from '../src/bootstrap/intervals.ts';

describe('parseRestrictions', () => {
  const names = ['L1.y', 'ca', 'eff', '_cons'];
  it('single and joint linear restrictions', () => {
    const a = parseRestrictions('ca = 0', names);
    expect([...a.R]).toEqual([0, 1, 0, 0]);
    expect([...a.r]).toEqual([0]);
    const b = parseRestrictions('2*ca - L1.y = 0.5, eff + ca = 1 - ca', names);
    expect(b.q).toBe(2);
    expect([...b.R]).toEqual([-1, 2, 0, 0, 0, 2, 1, 0]);
    expect([...b.r]).toEqual([0.5, 1]);
    // Names in any script (the parser takes such columns) and division by a number.
    const c = parseRestrictions('größe/4 + L1.größe = 1/2', ['größe', 'L1.größe']);
    expect([...c.R, ...c.r]).toEqual([0.25, 1, 0.5]);
  });
  it('names the fault', () => {
    expect(() => parseRestrictions('coagg = 0', names)).toThrow("unknown coefficient 'coagg'");
    expect(() => parseRestrictions('ca = 0 = eff', names)).toThrow("'ca = 0 = eff' must have exactly one '='");
    expect(() => parseRestrictions('ca*eff = 0', names)).toThrow("a product of two coefficients is not linear in 'ca*eff = 0'");
    expect(() => parseRestrictions('(ca = 0', names)).toThrow("a '(' without its ')' in '(ca = 0'");
    expect(() => parseRestrictions('ca/eff = 0', names)).toThrow("'/' must be followed by a nonzero number in 'ca/eff = 0'");
    expect(() => parseRestrictions('ca = ca', names)).toThrow('restricts no coefficient');
    expect(() => parseRestrictions('ca ? 1 = 0', names)).toThrow("cannot read '? 1'");
  });
  it("reads Stata's other spellings: (a = b) (c = d), a list of names (each = 0), products and parentheses", () => {
    const same = (a: string, b: string) => {
      const x = parseRestrictions(a, names);
      const y = parseRestrictions(b, names);
      expect([x.q, [...x.R], [...x.r]]).toEqual([y.q, [...y.R], [...y.r]]);
    };
    same('(ca = 0) (eff = 1)', 'ca = 0, eff = 1');
    same('ca eff', 'ca = 0, eff = 0');
    same('ca', 'ca = 0');
    same('ca = 1.e-3', 'ca = 0.001'); // a number, not the level '1.e' of a variable e (a reviewer's regression)
    expect(() => parseRestrictions('ca + eff', names)).toThrow("'ca + eff' must have exactly one '='");
    same('(ca + eff)/2 = 1', '0.5*ca + 0.5*eff = 1');
    same('ca*2 - -(eff) = 3*(1 + 1)', '2*ca + eff = 6');
    expect(parseRestrictions('(ca = 0) (eff = 1)', names).parts).toEqual(['ca = 0', 'eff = 1']);
    const lc = parseCombination('(ca + eff)/2 - 2*(1 - L.y)', names);
    expect([...lc.a, lc.c]).toEqual([2, 0.5, 0.5, 0, -2]);
  });
  it('reads coefficients spelt as Stata does (L.y is L1.y), on the command line as --test', () => {
    const a = parseRestrictions('2*ca - L.y = 0.5, eff + ca = 1 - ca', names);
    expect([...a.R]).toEqual([-1, 2, 0, 0, 0, 2, 1, 0]);
    expect(() => parseRestrictions('L.ca = 0', names)).toThrow(/^--test 'L\.ca = 0': unknown coefficient 'L\.ca' \(L1\.ca\); coefficients are: L1\.y, ca, eff, _cons$/);
  });
});

describe('bootstrap intervals', () => {
  it('type-7 quantiles as R quantile(type = 7)', () => {
    // R: quantile(1:10, c(.025, .975)) = 1.225, 9.775
    const s = Float64Array.from({ length: 10 }, (_, i) => i + 1);
    expect(quantileSorted(s, 0.025)).toBeCloseTo(1.225, 12);
    expect(quantileSorted(s, 0.975)).toBeCloseTo(9.775, 12);
  });
  it('percentile, basic and studentized intervals by hand', () => {
    const draws = Float64Array.from({ length: 11 }, (_, i) => 1 + (i - 5) * 0.1); // 0.5 .. 1.5
    const ses = new Float64Array(11).fill(0.2);
    const s = summariseCoefficient('b', 1.1, 0.25, draws, ses, 0.9);
    // 5% and 95% type-7 quantiles of 0.5..1.5 step .1: 0.55 and 1.45
    expect(s.percentile.low).toBeCloseTo(0.55, 12);
    expect(s.percentile.high).toBeCloseTo(1.45, 12);
    expect(s.basic.low).toBeCloseTo(2.2 - 1.45, 12);
    expect(s.basic.high).toBeCloseTo(2.2 - 0.55, 12);
    // t* = (draw − 1.1)/0.2 ranges −3 .. 2; quantiles −2.75 and 1.75
    expect(s.studentized!.low).toBeCloseTo(1.1 - 1.75 * 0.25, 12);
    expect(s.studentized!.high).toBeCloseTo(1.1 + 2.75 * 0.25, 12);
    expect(s.bootSe).toBeCloseTo(Math.sqrt(0.11), 12); // sd of 0.5..1.5 step .1 = sqrt(1.1/10)
    // |t*| ≥ 1.1/0.25 = 4.4: none → p = 1/12
    expect(s.p).toBeCloseTo(1 / 12, 12);
  });
  // A tester's report: without replication SEs (two-step, no robust) the p column was
  // 2·min(share ≤ 0, 1 − share), 0.000 when every draw is on one side; it now has the +1 of the others.
  it('without SEs, the p-value is the equal-tailed percentile one with the +1: 2·min(#≤0 + 1, #≥0 + 1)/(B + 1)', () => {
    const s = summariseCoefficient('b', 0.3, 0.1, [-0.1, 0.2, 0.3, 0.4, 0.5], null);
    expect([s.p, s.pKind, s.studentized]).toEqual([(2 * 2) / 6, 'percentile', null]);
    const oneSide = summariseCoefficient('b', 0.3, 0.1, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], null);
    expect(oneSide.p).toBeCloseTo(0.2, 12);
    // A draw at 0 counts on both sides; the p-value is at most 1.
    expect(summariseCoefficient('b', 0, 0.1, [-0.1, 0, 0.1], null).p).toBe(1);
    expect(summariseCoefficient('b', 1.1, 0.25, [1, 1.2], [0.2, 0.2]).pKind).toBe('bootstrap-t');
  });
  it('upper-tail bootstrap p-value counts ties and ignores non-finite draws', () => {
    expect(upperTailP(2, [1, 2, 3, NaN])).toBeCloseTo(3 / 4, 12);
  });
});

describe('bootstrap draws', () => {
  it('cluster counts sum to G per replication and are uniform on average', () => {
    const c = clusterCounts(7, 2000, 5);
    const total = new Float64Array(5);
    for (let b = 0; b < 2000; b++) {
      let s = 0;
      for (let g = 0; g < 5; g++) { s += c[b * 5 + g]; total[g] += c[b * 5 + g]; }
      expect(s).toBe(5);
    }
    // each cluster expected 2000 draws; sd = sqrt(10000·0.2·0.8) = 40
    for (const t of total) expect(Math.abs(t - 2000)).toBeLessThan(200);
  });
  it('the same seed gives the same draws', () => {
    expect([...clusterCounts(3, 4, 6)]).toEqual([...clusterCounts(3, 4, 6)]);
    // Keyed by replication: replications 4–9 drawn alone are rows 4–9 of the ten drawn together.
    expect([...clusterCounts(3, 6, 6, 4)]).toEqual([...clusterCounts(3, 10, 6).subarray(24)]);
    expect([...clusterCounts(4, 10, 6)]).not.toEqual([...clusterCounts(3, 10, 6)]);
  });
  it.each(['rademacher', 'webb', 'mammen'] as const)('%s weights have mean 0 and variance 1', (kind) => {
    const v = wildWeights(createRng(11), 1, 200_000, kind);
    let m = 0, m2 = 0;
    for (const x of v) { m += x; m2 += x * x; }
    m /= v.length; m2 /= v.length;
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(m2 - 1)).toBeLessThan(0.01);
  });
});
