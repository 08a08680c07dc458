// factorWeight's Cholesky runs in WebAssembly (kernels.wat's `factor`) where the runtime has SIMD; it
// must give the very numbers of the TypeScript loop (factorLoop), which runtimes without SIMD use, and
// drop exactly the columns invsym drops. So must the step's solves (whiten, applyWhitened, leastSquares:
// kernels.wat's `whiten`, `unwhiten`, `lstsq`) and the dense products (dense.ts matmul) against their
// loops, byte for byte.
import { describe, expect, it } from 'vitest';
import { applyWhitened, applyWhitenedLoop, factorLoop, factorWeight, leastSquares, leastSquaresLoop, weightRank, whiten, whitenLoop } from '../src/linalg/weight-factor.ts';
import { invsym, INVSYM_TOL } from '../src/linalg/invsym.ts';
import { matmul, matmulLoop } from '../src/linalg/dense.ts';
import { wasmSimdAvailable } from '../src/kernels/wasm-backend.ts';
import { createRng } from '../src/stats/rng.ts';

/** m × K random values with column 2 = col 0 + 2·col 1 and column 4 zero when asked, scaled by `scale`. */
function matrix(m: number, K: number, seed: number, collinear: boolean, scale: number): Float64Array {
  const rng = createRng(seed);
  const x = Float64Array.from({ length: m * K }, () => scale * (2 * rng.uniform() - 1));
  if (collinear)
    for (let i = 0; i < m; i++) {
      if (K > 2) x[i * K + 2] = x[i * K] + 2 * x[i * K + 1];
      if (K > 4) x[i * K + 4] = 0;
    }
  return x;
}

/** Gram matrix of `rows` rows of L such values (matrix). */
function gram(L: number, rows: number, seed: number, collinear: boolean, scale: number): Float64Array {
  const x = matrix(rows, L, seed, collinear, scale);
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

const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('the step solves on the kernel', () => {
  const cases: [string, number, number, boolean, number][] = [
    ['m = 41, K = 16', 41, 16, false, 1],
    ['collinear and zero columns, m = 30, K = 9', 30, 9, true, 1],
    ['fewer rows than columns, m = 5, K = 8', 5, 8, false, 1e6],
    ['small values, m = 12, K = 6', 12, 6, true, 1e-9],
    ['one column', 7, 1, false, 1],
    ['zero pivot entries (a reflector sign from x = 0), m = 9, K = 4', 9, 4, false, 1],
  ];
  it.skipIf(!wasmSimdAvailable()).each(cases)('leastSquares = leastSquaresLoop, byte for byte: %s', (name, m, K, collinear, scale) => {
    const x = matrix(m, K, m * 31 + K, collinear, scale);
    if (name.startsWith('zero pivot')) for (let j = 0; j < K; j++) x[j * K + j] = 0;
    const y = matrix(m, 1, m + 5, false, scale);
    const got = leastSquares(x, y, m, K);
    const want = leastSquaresLoop(x, y, m, K);
    expect(got.zeros).toBe(want.zeros);
    if (collinear) expect(want.zeros).toBeGreaterThan(0);
    expect(bytes(got.beta).equals(bytes(want.beta))).toBe(true);
    expect(bytes(got.v).equals(bytes(want.v))).toBe(true);
    expect(bytes(got.pinv).equals(bytes(want.pinv))).toBe(true);
    // The inputs are left as they were (the kernel works on copies).
    expect(bytes(y).equals(bytes(matrix(m, 1, m + 5, false, scale)))).toBe(true);
  });

  it.skipIf(!wasmSimdAvailable()).each([
    ['full rank, L = 50', 50, 200, false],
    ['collinear and zero columns, L = 23', 23, 60, true],
    ['rank-deficient, L = 31', 31, 12, false],
  ] as [string, number, number, boolean][])('whiten and applyWhitened = their loops, byte for byte: %s', (_, L, rows, collinear) => {
    const f = factorWeight(gram(L, rows, L + rows, collinear, 1), L, 2.5);
    for (const q of [1, 6]) {
      const b = matrix(L, q, L * q, false, 3);
      const w = whiten(f, b, q);
      expect(bytes(w).equals(bytes(whitenLoop(f, b, q)))).toBe(true);
      const back = applyWhitened(f, w, q);
      const want = applyWhitenedLoop(f, w, q);
      expect(bytes(back).equals(bytes(want))).toBe(true);
      // The results are copies: a later call leaves them as they were.
      const w0 = whiten(f, b, q).slice();
      applyWhitened(f, whiten(f, matrix(L, q, 99, false, 5), q), q);
      expect(bytes(back).equals(bytes(want))).toBe(true);
      expect(bytes(w).equals(bytes(w0))).toBe(true);
      // Rows of dropped columns are zero.
      f.dropped.forEach((d, j) => d && expect(Array.from(back.subarray(j * q, (j + 1) * q))).toEqual(new Array(q).fill(0)));
    }
  });
});

describe('unwhiten skips the zero entries of the factor as the loop does', () => {
  it.skipIf(!wasmSimdAvailable())('a −0 stays −0 beside a zero entry (subtracting 0·y would make it +0)', () => {
    // A diagonal M: its scaled Cholesky factor is the identity, every off-diagonal entry an exact 0.
    const L = 3;
    const m = Float64Array.from([1, 0, 0, 0, 2, 0, 0, 0, 3]);
    const f = factorWeight(m, L);
    const wt = Float64Array.from([-0, -1, 2]);
    const got = applyWhitened(f, wt, 1);
    expect(bytes(got).equals(bytes(applyWhitenedLoop(f, wt, 1)))).toBe(true);
    expect(Object.is(got[0], -0)).toBe(true);
  });
});

describe('matmul on the kernel', () => {
  it.skipIf(!wasmSimdAvailable())('equals matmulLoop byte for byte, every transposition, zeros of A skipped, into `out`', () => {
    const [m, k, n] = [7, 11, 5];
    const a = matrix(m, k, 3, false, 2);
    const b = matrix(k, n, 4, false, 1e3);
    // Zero entries of A are skipped without transB: a 0 against an infinite B leaves C finite.
    for (let i = 0; i < m; i++) a[i * k + 3] = 0;
    a[5] = -0;
    b[3 * n + 1] = Infinity;
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const got = matmul(a, b, m, k, n, ta, tb);
      const want = matmulLoop(a, b, m, k, n, ta, tb);
      expect(bytes(got).equals(bytes(want)), `transA ${ta} transB ${tb}`).toBe(true);
      const out = new Float64Array(m * n).fill(7);
      expect(matmul(a, b, m, k, n, ta, tb, out)).toBe(out);
      expect(bytes(out).equals(bytes(want))).toBe(true);
    }
    expect(Number.isFinite(matmul(a, b, m, k, n)[1])).toBe(true);
  });
});
