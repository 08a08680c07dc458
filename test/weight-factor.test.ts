// factorWeight's Cholesky runs in WebAssembly (kernels.wat's `factor`) where the runtime has SIMD; it
// must give the very numbers of the TypeScript loop (factorLoop), which runtimes without SIMD use, and
// drop exactly the columns invsym drops.
import { describe, expect, it } from 'vitest';
import { factorLoop, factorWeight, weightRank } from '../src/linalg/weight-factor.ts';
import { invsym, INVSYM_TOL } from '../src/linalg/invsym.ts';
import { wasmSimdAvailable } from '../src/kernels/wasm-backend.ts';
import { createRng } from '../src/stats/rng.ts';

/** Gram matrix of `rows` random rows of L values, with column 2 = col 0 + 2·col 1 and column 4 zero when asked, scaled by `scale`. */
function gram(L: number, rows: number, seed: number, collinear: boolean, scale: number): Float64Array {
  const rng = createRng(seed);
  const x = Float64Array.from({ length: rows * L }, () => scale * (2 * rng.uniform() - 1));
  if (collinear)
    for (let i = 0; i < rows; i++) {
      if (L > 2) x[i * L + 2] = x[i * L] + 2 * x[i * L + 1];
      if (L > 4) x[i * L + 4] = 0;
    }
  const m = new Float64Array(L * L);
  for (let i = 0; i < rows; i++) for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) m[a * L + b] += x[i * L + a] * x[i * L + b];
  return m;
}

describe('factorWeight', () => {
  const cases: [string, number, number, boolean, number][] = [
    ['full rank, L = 50', 50, 200, false, 1],
    ['exactly collinear and zero columns, L = 23', 23, 60, true, 1],
    ['rank-deficient (fewer rows than columns), L = 31', 31, 12, false, 1e8],
    ['small values, L = 7', 7, 9, true, 1e-8],
    ['one column', 1, 3, false, 1],
  ];
  it.skipIf(!wasmSimdAvailable()).each(cases)('WebAssembly = the TypeScript loop, value for value: %s', (_, L, rows, collinear, scale) => {
    const m = gram(L, rows, L * 7 + rows, collinear, scale);
    const f = factorWeight(m, L, 3);
    const ref = factorLoop(m, L, INVSYM_TOL);
    const r = ref.r;
    expect(weightRank(f)).toBe(r);
    expect([...f.kept]).toEqual([...ref.kept.subarray(0, r)]);
    expect([...f.dropped]).toEqual([...ref.dropped]);
    expect([...f.scale]).toEqual(Array.from(ref.scale.subarray(0, r), (x) => x * Math.sqrt(3)));
    const rows0: number[] = [];
    for (let i = 0; i < r; i++) rows0.push(...ref.rows.subarray(i * L, i * L + i + 1));
    const compact: number[] = [];
    for (let i = 0; i < r; i++) compact.push(...f.chol.subarray(i * r, i * r + i + 1));
    expect(compact).toEqual(rows0);
  });

  it.each(cases)('drops the columns invsym drops: %s', (_, L, rows, collinear, scale) => {
    const m = gram(L, rows, L * 7 + rows, collinear, scale);
    const f = factorWeight(m, L);
    const inv = invsym(m, L);
    expect([...f.dropped]).toEqual(Array.from({ length: L }, (_, j) => (inv.inv[j * L + j] === 0 ? 1 : 0)));
    if (collinear && L > 4) expect(f.dropped[4]).toBe(1);
  });
});
