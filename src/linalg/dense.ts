// Dense float64 linear algebra on row-major Float64Array: the reference implementation that every
// reported number goes through (precision contract: float64 for point estimates).
import { kernelInstance, placeArrays } from '../kernels/wasm/module.ts';

/** Operands (values of A, B and C together) up to which matmul runs on the kernel: the products of a
 *  fit's steps and tests (K × L by L × L), which run a few times per process, before V8 compiles the
 *  loop, so that every double they touch would otherwise be a new heap number. Larger products (an
 *  OLS over every row) stay in the loop, which V8 compiles while it runs, rather than first copy their
 *  operands into fresh kernel memory. */
const KERNEL_MAX = 1 << 18;

interface MatmulKernel {
  matmul(a: number, b: number, c: number, m: number, k: number, n: number, transA: number, transB: number): void;
  memory: WebAssembly.Memory;
}
let kernel: MatmulKernel | null | undefined;

/**
 * C (m×n) = op(A) · op(B), inner dimension k. op(A) is A (m×k) or, with transA, Aᵀ of a stored k×m;
 * op(B) is B (k×n) or, with transB, Bᵀ of a stored n×k. On the kernel (kernels.wat's `matmul`) for
 * operands up to KERNEL_MAX values where the runtime has WebAssembly SIMD, else matmulLoop: the same numbers
 * (a NaN's sign bit aside). `out` (m × n values at least) must not be `a` or `b`.
 */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, transA = false, transB = false, out?: Float64Array): Float64Array {
  const sizes = [m * k, k * n, m * n] as const;
  if (sizes[0] + sizes[1] + sizes[2] > KERNEL_MAX) return matmulLoop(a, b, m, k, n, transA, transB, out);
  if (kernel === undefined) kernel = kernelInstance<MatmulKernel>();
  if (!kernel) return matmulLoop(a, b, m, k, n, transA, transB, out);
  const [aAt, bAt, cAt] = placeArrays(kernel.memory, sizes.map((s) => s * 8)).at as [number, number, number];
  const f64 = new Float64Array(kernel.memory.buffer);
  f64.set(a.subarray(0, sizes[0]), aAt / 8);
  f64.set(b.subarray(0, sizes[1]), bAt / 8);
  kernel.matmul(aAt, bAt, cAt, m, k, n, transA ? 1 : 0, transB ? 1 : 0);
  const c = out ?? new Float64Array(sizes[2]);
  c.set(f64.subarray(cAt / 8, cAt / 8 + sizes[2]));
  return c;
}

/** matmul in TypeScript, loops ordered for unit-stride inner access (large operands; runtimes without
 *  WebAssembly SIMD; the tests' reference). */
export function matmulLoop(a: Float64Array, b: Float64Array, m: number, k: number, n: number, transA = false, transB = false, out?: Float64Array): Float64Array {
  const c = out ?? new Float64Array(m * n);
  if (out) c.fill(0, 0, m * n);
  if (!transB) {
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i] : a[i * k + p];
        if (aip === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        const bj = j * k;
        if (transA) for (let p = 0; p < k; p++) s += a[p * m + i] * b[bj + p];
        else {
          const ai = i * k;
          for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
        }
        c[i * n + j] = s;
      }
    }
  }
  return c;
}

/** Transpose of A (m×n). */
export function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/**
 * Cholesky factor L (lower, row-major) of a symmetric positive definite A (n×n); null if a pivot is
 * not above relTol times its diagonal entry (relTol = 0: not numerically positive definite).
 */
export function cholesky(a: Float64Array, n: number, relTol = 0): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const d = a[j * n + j] - dot(l, j * n, l, j * n, j);
    if (!(d > relTol * a[j * n + j]) || !(d > 0)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) l[i * n + j] = (a[i * n + j] - dot(l, i * n, l, j * n, j)) / ljj;
  }
  return l;
}

/** Σ_{p<len} x[xo+p]·y[yo+p] in four interleaved partial sums (independent additions pipeline). */
export function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let p = 0;
  for (; p + 4 <= len; p += 4) {
    s0 += x[xo + p] * y[yo + p];
    s1 += x[xo + p + 1] * y[yo + p + 1];
    s2 += x[xo + p + 2] * y[yo + p + 2];
    s3 += x[xo + p + 3] * y[yo + p + 3];
  }
  for (; p < len; p++) s0 += x[xo + p] * y[yo + p];
  return s0 + s1 + (s2 + s3);
}

/** Solve L Lᵀ X = R for X (n×r), given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, r: Float64Array, n: number, rhs: number): Float64Array {
  const x = r.slice();
  // Forward, L Y = R, as dot products along the rows of L (in four partial sums); backward, Lᵀ X = Y,
  // as row updates x_p −= l_ip·x_i: both read L along its rows and carry no long chain of additions.
  for (let i = 0; i < n; i++) {
    const li = i * n;
    const d = l[li + i];
    for (let c = 0; c < rhs; c++) {
      let s0 = 0;
      let s1 = 0;
      let p = 0;
      for (; p + 2 <= i; p += 2) {
        s0 += l[li + p] * x[p * rhs + c];
        s1 += l[li + p + 1] * x[(p + 1) * rhs + c];
      }
      if (p < i) s0 += l[li + p] * x[p * rhs + c];
      x[i * rhs + c] = (x[i * rhs + c] - (s0 + s1)) / d;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    const d = l[i * n + i];
    for (let c = 0; c < rhs; c++) x[i * rhs + c] /= d;
    for (let p = 0; p < i; p++) {
      const lip = l[i * n + p];
      if (lip === 0) continue;
      for (let c = 0; c < rhs; c++) x[p * rhs + c] -= lip * x[i * rhs + c];
    }
  }
  return x;
}
