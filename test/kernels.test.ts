// One kernel suite run against every backend present in this process (DESIGN.md: one kernel
// interface, one test suite for all backends); absent backends are reported as skipped, with why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError } from '../src/errors.ts';
import { matmul } from '../src/linalg/dense.ts';
import { getBackend, listBackends, measuredSpeed } from '../src/kernels/registry.ts';
import { tfjsTensorCount } from '../src/kernels/tfjs-engine.ts';
import type { KernelBackend, MatmulShape, Precision } from '../src/kernels/types.ts';
import { maxRelativeError, operand, referenceMatmul } from './kernel-fixtures.ts';
import { clusterCounts, createRng } from '../src/bootstrap/draws.ts';

const infos = await listBackends({ measure: false });
const present = infos.filter((i) => i.present);

/** float64: 1e-12 relative; float32: 1e-5·√k relative (round-off of a k-term float32 sum). */
function tolerance(precision: Precision, k: number): number {
  return precision === 'float64' ? 1e-12 : 1e-5 * Math.sqrt(k);
}

function sizes(s: MatmulShape): { a: number; b: number } {
  const batch = s.batch ?? 1;
  return { a: (s.sharedA ? 1 : batch) * s.m * s.k, b: (s.sharedB ? 1 : batch) * s.k * s.n };
}

const flagShapes: MatmulShape[] = [];
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    flagShapes.push({ m: 7, k: 13, n: 5, transA, transB });
    for (const sharedA of [false, true]) for (const sharedB of [false, true]) flagShapes.push({ m: 7, k: 13, n: 5, batch: 3, transA, transB, sharedA, sharedB });
  }
}
const label = (s: MatmulShape) =>
  `${s.m}×${s.k}×${s.n} batch ${s.batch ?? 1}${s.transA ? ' transA' : ''}${s.transB ? ' transB' : ''}${s.sharedA ? ' sharedA' : ''}${s.sharedB ? ' sharedB' : ''}`;

describe('backend registry', () => {
  it('lists the float64 reference as present, and every absent backend with its reason', () => {
    expect(infos.find((i) => i.name === 'float64-ts')).toMatchObject({ present: true, precision: 'float64' });
    for (const i of infos) if (!i.present) expect(i.reason, i.name).toMatch(/\S/);
  });

  it('has the backends CI requires (SYSGMM_REQUIRE_BACKENDS, set by .ci/run once lavapipe is installed)', () => {
    const required = (process.env.SYSGMM_REQUIRE_BACKENDS ?? '').split(',').filter((s) => s);
    for (const name of required) expect(infos.find((i) => i.name === name), `${name}: ${infos.find((i) => i.name === name)?.reason}`).toMatchObject({ present: true });
  });

  it('auto with a float64 need gives the fastest float64 backend', async () => {
    const b = await getBackend('auto');
    expect(b.precision).toBe('float64');
    const measured = await listBackends();
    // What `sysgmm backends` prints: both speeds for every backend present, none for the absent ones.
    for (const i of measured) {
      expect(i.gflops !== undefined && i.gflops > 0, i.name).toBe(i.present);
      expect(i.bootstrapRate !== undefined && i.bootstrapRate > 0, i.name).toBe(i.present);
    }
    const float64 = measured.filter((i) => i.present && i.precision === 'float64');
    const fastest = float64.reduce((x, y) => (y.gflops! > x.gflops! ? y : x));
    expect(b.name).toBe(fastest.name);
    await b.dispose();
  });

  it('auto for a bootstrap measures every backend on a batch of bootstrap work and takes the fastest', async () => {
    const b = await getBackend('auto', { precision: 'float32', workload: 'bootstrap' });
    const speeds = present.map((i) => [i.name, measuredSpeed(i.name, 'bootstrap')] as const);
    for (const [name, speed] of speeds) expect(speed, name).toBeGreaterThan(0);
    const fastest = speeds.reduce((x, y) => (y[1]! > x[1]! ? y : x));
    expect(b.name).toBe(fastest[0]);
    await b.dispose();
  });

  it('has the WebAssembly SIMD float64 backend on Node 20', () => {
    expect(infos.find((i) => i.name === 'float64-wasm')).toMatchObject({ present: true, precision: 'float64' });
  });

  it('rejects unknown, absent and too-imprecise backends with a SpecError naming the option', async () => {
    await expect(getBackend('tpu-magic')).rejects.toThrow(/unknown backend 'tpu-magic'/);
    await expect(getBackend('tfjs-wasm', { precision: 'float64' })).rejects.toThrow(/needs float64/);
    const absent = infos.find((i) => !i.present);
    if (absent) await expect(getBackend(absent.name, { precision: 'float32' })).rejects.toThrow(absent.reason);
    await expect(getBackend('nope')).rejects.toBeInstanceOf(SpecError);
  });

  const tfjs = present.filter((i) => i.name.startsWith('tfjs-')).slice(0, 2);
  it.skipIf(tfjs.length < 2)('serialises concurrent calls on two tfjs backends (one tfjs engine, one active backend)', async () => {
    const [x, y] = await Promise.all(tfjs.map((i) => getBackend(i.name, { precision: 'float32' })));
    const s: MatmulShape = { m: 20, k: 30, n: 10, batch: 4 };
    const a = operand(4 * 600, 1);
    const b = operand(4 * 300, 2);
    const want = referenceMatmul(a, b, s);
    const got = await Promise.all([x.matmul(a, b, s), y.matmul(a, b, s), x.matmul(b, a, { m: 10, k: 30, n: 20, batch: 4, transA: true, transB: true })]);
    expect(maxRelativeError(got[0], want)).toBeLessThan(tolerance('float32', 30));
    expect(maxRelativeError(got[1], want)).toBeLessThan(tolerance('float32', 30));
    // (Bᵀ Aᵀ)ᵀ = A B: the third result is the transpose of the first, per item.
    const back = new Float64Array(want.length);
    for (let q = 0; q < 4; q++) for (let i = 0; i < 20; i++) for (let j = 0; j < 10; j++) back[q * 200 + i * 10 + j] = got[2][q * 200 + j * 20 + i];
    expect(maxRelativeError(back, want)).toBeLessThan(tolerance('float32', 30));
    await x.dispose();
    await y.dispose();
  });
});

for (const info of infos.filter((i) => !i.present)) {
  describe.skip(`${info.name} (skipped: ${info.reason})`, () => {
    it('kernel suite', () => undefined);
  });
}

describe.each(present)('$name kernels', ({ name, precision }) => {
  let backend: KernelBackend;
  let tiled: KernelBackend;
  let tensorsBefore: number;

  beforeAll(async () => {
    tensorsBefore = await tfjsTensorCount();
    backend = await getBackend(name, { precision: 'float32' });
    // A second instance forced to cut every product into tiles of at most 4096 values.
    tiled = await getBackend(name, { precision: 'float32', maxTensorElements: 4096 });
  });

  afterAll(async () => {
    await backend?.dispose();
    await tiled?.dispose();
  });

  it('reports its precision', () => {
    expect(backend.precision).toBe(precision);
    expect(backend.name).toBe(name);
  });

  it.each(flagShapes.map((s) => [label(s), s] as const))('matmul %s equals dense.ts', async (_, s) => {
    const { a: na, b: nb } = sizes(s);
    const a = operand(na, 11, 0.3);
    const b = operand(nb, 12, -0.2);
    const got = await backend.matmul(a, b, s);
    expect(maxRelativeError(got, referenceMatmul(a, b, s), s.m * s.n)).toBeLessThan(tolerance(precision, s.k));
  });

  it('matmul across the GEMM blocking (k > 2·256, m > 128) and in tiles', async () => {
    const s: MatmulShape = { m: 131, k: 517, n: 9, batch: 2, transB: true };
    const a = operand(2 * 131 * 517, 21);
    const b = operand(2 * 9 * 517, 22, 0.5);
    const want = referenceMatmul(a, b, s);
    expect(maxRelativeError(await backend.matmul(a, b, s), want, 131 * 9)).toBeLessThan(tolerance(precision, 517));
    expect(maxRelativeError(await tiled.matmul(a, b, s), want, 131 * 9)).toBeLessThan(tolerance(precision, 517));
  });

  it('bootstrap shape: multinomial counts W (B×N) · unit blocks (N×m), whole and tiled', async () => {
    const reps = 199;
    const units = 285;
    const m = 60;
    const w = clusterCounts(5, reps, units);
    for (let b = 0; b < reps; b++) expect(w.subarray(b * units, (b + 1) * units).reduce((x, y) => x + y, 0)).toBe(units);
    const blocks = operand(units * m, 6, 2); // blocks with a level: the sums do not cancel
    const s: MatmulShape = { m: reps, k: units, n: m };
    const want = matmul(w, blocks, reps, units, m);
    expect(maxRelativeError(await backend.matmul(w, blocks, s), want)).toBeLessThan(tolerance(precision, units));
    expect(maxRelativeError(await tiled.matmul(w, blocks, s), want)).toBeLessThan(tolerance(precision, units));
  });

  it('weightedCross: Σ_i w_i a_i c_iᵀ per batch item, symmetric and not, with zero weights, against dense.ts', async () => {
    const batch = 5;
    const n = 23; // not a multiple of the rank-4 blocking
    const p = 6;
    const q = 4;
    const w = clusterCounts(8, batch, n); // counts, about a third zero
    const a = operand(batch * n * p, 9, 1);
    const c = operand(batch * n * q, 10, 1);
    const want = (x: Float64Array, y: Float64Array, px: number, qy: number) => {
      const out = new Float64Array(batch * px * qy);
      for (let b = 0; b < batch; b++) {
        const xw = new Float64Array(n * px);
        for (let i = 0; i < n; i++) for (let r = 0; r < px; r++) xw[i * px + r] = w[b * n + i] * x[(b * n + i) * px + r];
        out.set(matmul(xw, y.subarray(b * n * qy, (b + 1) * n * qy), px, n, qy, true, false), b * px * qy);
      }
      return out;
    };
    expect(maxRelativeError(await backend.weightedCross(a, w, c, { batch, n, p, q }), want(a, c, p, q))).toBeLessThan(tolerance(precision, n));
    const sym = await backend.weightedCross(a, w, a, { batch, n, p, q: p });
    expect(maxRelativeError(sym, want(a, a, p, p))).toBeLessThan(tolerance(precision, n));
    for (let b = 0; b < batch; b++) for (let r = 0; r < p; r++) for (let k = 0; k < p; k++) expect(sym[b * p * p + r * p + k]).toBe(sym[b * p * p + k * p + r]);
    await expect(backend.weightedCross(a, w, c, { batch, n, p: p + 1, q })).rejects.toThrow('weightedCross: a has');
  });

  it('momentCovariance and momentProjections: the moment sums from per-unit blocks, against dense.ts', async () => {
    const batch = 4;
    const n = 301; // more than one 128-row chunk of the WebAssembly kernel
    const P = 3; // not a multiple of 4 or 2, and L odd: every padding and tail path
    const L = 9;
    const shape = { batch, n, P, L };
    const w = clusterCounts(12, batch, n);
    const blocks = operand(n * P * L, 13, 1);
    const c = operand(batch * P, 14, 1);
    const a = operand(batch * L, 15, 1);
    const wantS = new Float64Array(batch * L * L);
    const wantCross = new Float64Array(batch * L * P);
    const wantScores = new Float64Array(batch * n);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < n; i++) {
        const blk = blocks.subarray(i * P * L, (i + 1) * P * L); // P×L
        const g = matmul(blk, c.subarray(b * P, (b + 1) * P), L, P, 1, true); // blkᵀ c
        const m = matmul(blk, a.subarray(b * L, (b + 1) * L), P, L, 1); // blk a
        const wi = w[b * n + i];
        for (let r = 0; r < L; r++) for (let k = 0; k < L; k++) wantS[(b * L + r) * L + k] += wi * g[r] * g[k];
        for (let r = 0; r < L; r++) for (let p = 0; p < P; p++) wantCross[(b * L + r) * P + p] += wi * g[r] * m[p];
        for (let p = 0; p < P; p++) wantScores[b * n + i] += wi * c[b * P + p] * m[p];
      }
    const s = await backend.momentCovariance(blocks, c, w, shape);
    expect(maxRelativeError(s, wantS)).toBeLessThan(tolerance(precision, n));
    for (let b = 0; b < batch; b++) for (let r = 0; r < L; r++) for (let k = 0; k < r; k++) expect(s[(b * L + r) * L + k]).toBe(s[(b * L + k) * L + r]);
    const { cross, scores } = await backend.momentProjections(blocks, c, a, w, shape);
    expect(maxRelativeError(cross, wantCross)).toBeLessThan(tolerance(precision, n));
    expect(maxRelativeError(scores, wantScores)).toBeLessThan(tolerance(precision, L));
    for (let j = 0; j < batch * n; j++) if (w[j] === 0) expect(scores[j]).toBe(0);
    // The same through an instance whose tensors (or WebAssembly memory) are capped at 4096 values.
    expect(maxRelativeError(await tiled.momentCovariance(blocks, c, w, shape), wantS)).toBeLessThan(tolerance(precision, n));
    const capped = await tiled.momentProjections(blocks, c, a, w, shape);
    expect(maxRelativeError(capped.cross, wantCross)).toBeLessThan(tolerance(precision, n));
    expect(maxRelativeError(capped.scores, wantScores)).toBeLessThan(tolerance(precision, L));
    await expect(backend.momentCovariance(blocks, c, w, { ...shape, L: L + 1 })).rejects.toThrow('moment sums: blocks has');
    await expect(backend.momentProjections(blocks, c, a.subarray(1), w, shape)).rejects.toThrow('moment sums: a has');
  });

  it('centres before float32 accumulation: centred weights times data on a level of 1e4', async () => {
    // A's rows sum to zero, B = 1e4 + U(−1, 1): C = A (B − 1e4) is small, and an uncentred float32
    // sum would lose it (error ≈ 6e-8 · 1e4 · √k against entries of order √k).
    const rows = 40;
    const k = 300;
    const cols = 8;
    const w = clusterCounts(7, rows, k);
    for (let i = 0; i < rows * k; i++) w[i] -= 1;
    const b = operand(k * cols, 8, 1e4);
    const s: MatmulShape = { m: rows, k, n: cols };
    const want = referenceMatmul(w, b, s);
    // In float64 both this backend and the reference lose the 1e4 level to cancellation (~1e-16·1e4).
    const bound = precision === 'float64' ? 1e4 * tolerance(precision, k) : tolerance(precision, k);
    expect(maxRelativeError(await backend.matmul(w, b, s), want)).toBeLessThan(bound);
  });

  it('scales by powers of two: rows at 1e±20 and columns at 1e±25 neither overflow nor underflow float32', async () => {
    const m = 6;
    const k = 50;
    const n = 4;
    const a = operand(m * k, 9);
    const b = operand(k * n, 10, 0.5);
    const rowScale = [1e20, 1e-20, 1, 1e20, 1e-20, 3];
    const colScale = [1e25, 1e-25, 1, 7e-3];
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) a[i * k + p] *= rowScale[i];
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) b[p * n + j] *= colScale[j];
    const want = referenceMatmul(a, b, { m, k, n });
    const got = await backend.matmul(a, b, { m, k, n });
    // entry by entry, each relative to its own row and column scale
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const unit = rowScale[i] * colScale[j];
        expect(Math.abs(got[i * n + j] - want[i * n + j]) / unit, `C[${i}][${j}]`).toBeLessThan(tolerance(precision, k) * 10);
      }
    }
  });

  it('empty products and bad shapes', async () => {
    expect(await backend.matmul(new Float64Array(0), new Float64Array(0), { m: 0, k: 3, n: 0, batch: 2 })).toHaveLength(0);
    expect(Array.from(await backend.matmul(new Float64Array(0), new Float64Array(0), { m: 2, k: 0, n: 2 }))).toEqual([0, 0, 0, 0]);
    await expect(backend.matmul(new Float64Array(5), new Float64Array(6), { m: 2, k: 3, n: 2 })).rejects.toThrow(/a has 5 elements, shape needs 6/);
    await expect(backend.matmul(new Float64Array(6), new Float64Array(6), { m: 2, k: 3, n: 2, batch: 2, sharedA: true })).rejects.toThrow(/b has 6 elements, shape needs 12/);
  });

  it('leaves no tfjs tensors behind, and refuses calls once disposed', async () => {
    const rng = createRng(3);
    const u = () => rng.uniform();
    const s: MatmulShape = { m: 9, k: 8, n: 7, batch: 4, sharedB: true };
    const a = Float64Array.from({ length: 4 * 72 }, u);
    const b = Float64Array.from({ length: 56 }, u);
    for (let i = 0; i < 3; i++) await backend.matmul(a, b, s);
    await tiled.matmul(a, b, s);
    expect(tensorsBefore).toBe(0);
    expect(await tfjsTensorCount()).toBe(0);
    const extra = await getBackend(name, { precision: 'float32' });
    await extra.dispose();
    await expect(extra.matmul(a, b, s)).rejects.toThrow(/disposed/);
    expect(await backend.matmul(a, b, s)).toHaveLength(4 * 63); // the other instance still works
  });
});
