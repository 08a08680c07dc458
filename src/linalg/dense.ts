// Dense float64 linear algebra on row-major Float64Array: the reference implementation that every
// reported number goes through (precision contract: float64 for point estimates).

/**
 * C (m×n) = op(A) · op(B), inner dimension k. op(A) is A (m×k) or, with transA, Aᵀ of a stored k×m;
 * op(B) is B (k×n) or, with transB, Bᵀ of a stored n×k. Loops ordered for unit-stride inner access.
 */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, transA = false, transB = false, out?: Float64Array): Float64Array {
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
    let d = a[j * n + j];
    for (let p = 0; p < j; p++) d -= l[j * n + p] * l[j * n + p];
    if (!(d > relTol * a[j * n + j]) || !(d > 0)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let p = 0; p < j; p++) s -= l[i * n + p] * l[j * n + p];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solve L Lᵀ X = R for X (n×r), given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, r: Float64Array, n: number, rhs: number): Float64Array {
  const x = r.slice();
  for (let c = 0; c < rhs; c++) {
    for (let i = 0; i < n; i++) {
      let s = x[i * rhs + c];
      for (let p = 0; p < i; p++) s -= l[i * n + p] * x[p * rhs + c];
      x[i * rhs + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * rhs + c];
      for (let p = i + 1; p < n; p++) s -= l[p * n + i] * x[p * rhs + c];
      x[i * rhs + c] = s / l[i * n + i];
    }
  }
  return x;
}
