// Operands and an independent float64 reference for the kernel suite (test/kernels.test.ts).
import { matmul } from '../src/linalg/dense.ts';
import type { MatmulShape } from '../src/kernels/types.ts';
import { createRng } from '../src/stats/rng.ts';

/** size values uniform in [offset − 1, offset + 1), from the project's seeded generator. */
export function operand(size: number, seed: number, offset = 0): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: size }, () => offset + 2 * rng.uniform() - 1);
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
