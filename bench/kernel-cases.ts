// Products for the kernel benchmarks (bench/kernels.ts, bench/gpu/check.ts): the bootstrap's
// weighted sums of per-unit blocks, W (B×N) multinomial counts times blocks (N×m), and helpers.
import type { KernelBackend, MatmulShape } from '../src/kernels/types.ts';
import { clusterCounts, createRng } from '../src/bootstrap/draws.ts';

export interface ProductCase {
  label: string;
  shape: MatmulShape;
  a: Float64Array;
  b: Float64Array;
}

/** size values uniform in [level − 1, level + 1), from the project's seeded generator. */
export function values(size: number, seed: number, level: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: size }, () => level + 2 * rng.uniform() - 1);
}

export function squareCase(n: number): ProductCase {
  return { label: `square ${n}³`, shape: { m: n, k: n, n }, a: values(n * n, 3, 0), b: values(n * n, 4, 0) };
}

/** Per-unit blocks with a level of 1, as sums of data in levels have. */
export function bootstrapCase(reps: number, units: number, m: number): ProductCase {
  return { label: `W ${reps}×${units} · blocks ${units}×${m}`, shape: { m: reps, k: units, n: m }, a: clusterCounts(1, reps, units), b: values(units * m, 2, 1) };
}

export function batchedCase(batch: number, m: number, k: number, n: number): ProductCase {
  return { label: `batch ${batch} × (${m}×${k})·(${k}×${n})`, shape: { m, k, n, batch }, a: values(batch * m * k, 5, 0), b: values(batch * k * n, 6, 1) };
}

export function flops(s: MatmulShape): number {
  return 2 * (s.batch ?? 1) * s.m * s.k * s.n;
}

/** Largest |got − want| over largest |want|. */
export function relError(got: Float64Array, want: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return got.length === want.length ? err / scale : Infinity;
}

/** One warm-up call (JIT, shader compilation), then one timed call; the timed result is returned. */
export async function timeProduct(backend: KernelBackend, c: ProductCase): Promise<{ ms: number; gflops: number; result: Float64Array }> {
  await backend.matmul(c.a, c.b, c.shape);
  const t0 = performance.now();
  const result = await backend.matmul(c.a, c.b, c.shape);
  const ms = performance.now() - t0;
  return { ms, gflops: flops(c.shape) / (ms * 1e6), result };
}
