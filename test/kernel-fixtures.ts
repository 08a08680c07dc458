// Operands and an independent float64 reference for the kernel suite (test/kernels.test.ts).
import { matmul } from '../src/linalg/dense.ts';
import type { MatmulShape } from '../src/kernels/types.ts';

/** A small deterministic generator (32-bit LCG): uniform in [0, 1). */
export function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** size values uniform in [offset − 1, offset + 1). */
export function operand(size: number, seed: number, offset = 0): Float64Array {
  const u = uniforms(seed);
  const x = new Float64Array(size);
  for (let i = 0; i < size; i++) x[i] = offset + 2 * u() - 1;
  return x;
}

/** Bootstrap weights: row b holds how often each of the n units is drawn in n draws with replacement. */
export function multinomialCounts(reps: number, n: number, seed: number): Float64Array {
  const u = uniforms(seed);
  const w = new Float64Array(reps * n);
  for (let b = 0; b < reps; b++) for (let d = 0; d < n; d++) w[b * n + Math.floor(u() * n)] += 1;
  return w;
}

/** The batched product item by item with dense.ts's plain float64 matmul, each operand sliced out. */
export function referenceMatmul(a: Float64Array, b: Float64Array, s: MatmulShape): Float64Array {
  const batch = s.batch ?? 1;
  const { m, k, n } = s;
  const c = new Float64Array(batch * m * n);
  for (let i = 0; i < batch; i++) {
    const ai = s.sharedA ? a : a.subarray(i * m * k, (i + 1) * m * k);
    const bi = s.sharedB ? b : b.subarray(i * k * n, (i + 1) * k * n);
    c.set(matmul(ai, bi, m, k, n, s.transA ?? false, s.transB ?? false), i * m * n);
  }
  return c;
}

/** Largest |got − want| over an item's block, divided by the block's largest |want|; the worst item. */
export function maxRelativeError(got: Float64Array, want: Float64Array, blockSize = want.length): number {
  let worst = 0;
  for (let o = 0; o < want.length; o += blockSize) {
    let err = 0;
    let scale = 0;
    for (let i = o; i < o + blockSize; i++) {
      err = Math.max(err, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    worst = Math.max(worst, scale > 0 ? err / scale : err);
  }
  return Number.isNaN(worst) || got.length !== want.length ? Infinity : worst;
}
