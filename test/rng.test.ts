import { describe, expect, it } from 'vitest';
import { createRng } from '../src/stats/rng.ts';
import { SpecError } from '../src/errors.ts';

// Reference outputs from the C implementation in test/fixtures/rng/xoshiro128ss.c (native
// unsigned 32/64-bit arithmetic): `cc -O2 -o x xoshiro128ss.c && ./x 20260101` (and `./x 0`).
const REF: Record<number, { raw: number[]; uniform: number[] }> = {
  20260101: {
    raw: [813055566, 1025263298, 2192624868, 1614748593, 1795038448, 1862608935, 3915825264, 3587314018],
    uniform: [0.9487940415996744, 0.3438085763180857, 0.96452773990294471],
  },
  0: {
    raw: [3737715805, 2584255861, 2876756834, 3286328325, 1553311962, 1625202774, 3260698944, 2754151956],
    uniform: [0.61726604091350246, 0.79137011775088884, 0.49598420252778053],
  },
};

describe('createRng (SplitMix64-seeded xoshiro128**)', () => {
  for (const [seed, ref] of Object.entries(REF)) {
    it(`matches the C reference stream for seed ${seed}`, () => {
      const rng = createRng(Number(seed));
      expect(Array.from({ length: 8 }, () => rng.uint32())).toEqual(ref.raw);
      for (const u of ref.uniform) expect(rng.uniform()).toBe(u);
    });
  }

  it('normal(): Box–Muller pairs from two uniforms, cosine first then sine', () => {
    const a = createRng(7);
    const b = createRng(7);
    const u1 = 1 - b.uniform();
    const u2 = b.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    expect(a.normal()).toBe(r * Math.cos(2 * Math.PI * u2));
    expect(a.normal()).toBe(r * Math.sin(2 * Math.PI * u2));
    // the third normal uses the next two uniforms
    const r2 = Math.sqrt(-2 * Math.log(1 - b.uniform()));
    expect(a.normal()).toBe(r2 * Math.cos(2 * Math.PI * b.uniform()));
  });

  it('normal(): moments of 400 000 draws match N(0,1)', () => {
    const rng = createRng(12345);
    const n = 400_000;
    let s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s1 += z; s2 += z * z; s3 += z ** 3; s4 += z ** 4;
    }
    // standard errors: mean 1/√n = 0.0016, var √(2/n) = 0.0022, skew √(15/n) = 0.006, 4th √(96/n) = 0.015
    expect(Math.abs(s1 / n)).toBeLessThan(0.008);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.011);
    expect(Math.abs(s3 / n)).toBeLessThan(0.03);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.075);
  });

  it('int(n): in range and uniform (chi-square, 10 cells)', () => {
    const rng = createRng(99);
    const counts = new Array(10).fill(0);
    const n = 100_000;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const k = rng.int(10);
      if (!Number.isInteger(k) || k < 0 || k >= 10) bad++;
      else counts[k]++;
    }
    expect(bad).toBe(0);
    const chi2 = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.88); // χ²(9) 0.999 quantile
    // int(2^32) is the raw stream itself (no rejection when n divides 2^32)
    const a = createRng(5);
    const b = createRng(5);
    expect(a.int(2 ** 32)).toBe(b.uint32());
  });

  it('rejects bad seeds and bad int bounds with SpecError', () => {
    expect(() => createRng(-1)).toThrow(SpecError);
    expect(() => createRng(1.5)).toThrow(/seed must be a non-negative integer/);
    expect(() => createRng(2 ** 53)).toThrow(SpecError);
    const rng = createRng(1);
    expect(() => rng.int(0)).toThrow(/int\(n\) needs an integer n/);
    expect(() => rng.int(2 ** 32 + 1)).toThrow(SpecError);
  });
});
