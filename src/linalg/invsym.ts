// Generalized inverse of a symmetric positive semi-definite matrix in the manner of Stata's invsym():
// columns are swept in their order, and a column is dropped (its row and column of the result set to
// zero) only when it is, to rounding, a linear combination of the columns kept before it. The kept
// block is inverted exactly (Cholesky). This is the inverse xtabond2 uses throughout (README,
// "Exactness"); a pseudo-inverse with a loose tolerance would discard real directions. For a singular
// moment covariance (e.g. fewer clusters than instruments) the result is therefore the inverse of the
// leading full-rank set of columns padded with zeros (test/gmm-cluster.test.ts checks it by hand).

/**
 * Relative pivot tolerance: column j is dropped when its Schur-complement pivot, after the kept
 * earlier columns are swept out, is at most this fraction of its own diagonal entry. Exact
 * collinearity leaves a pivot of order 1e-16 of the diagonal. The four published xtabond2 logs are
 * reproduced with any value from 3e-14 to 1e-5; at 1e-14 a rounding-level direction of log 2's
 * moment covariance survives and moves its Hansen statistic from 73.72 to 74.91.
 */
export const INVSYM_TOL = 1e-12;

export interface GeneralizedInverse {
  /** n×n row-major result; rows and columns of dropped indices are zero. */
  inv: Float64Array;
  /** dropped[j] = true where column j was found collinear with earlier ones (or zero). */
  dropped: Uint8Array;
  /** Number of kept columns (n − diag0cnt). */
  rank: number;
}

/** invsym-style generalized inverse of the symmetric PSD n×n matrix a (only the lower triangle is read). */
export function invsym(a: Float64Array, n: number, tol = INVSYM_TOL): GeneralizedInverse {
  const dropped = new Uint8Array(n);
  const kept: number[] = [];
  // Cholesky of the kept columns, stored compactly: row r of lc holds L[kept[r], kept[0..r]].
  const lc = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const ajj = a[j * n + j];
    const r = kept.length;
    // Row j of L restricted to the kept columns.
    const lj = new Float64Array(r + 1);
    let d = ajj;
    for (let q = 0; q < r; q++) {
      const kq = kept[q];
      let s = a[j * n + kq];
      for (let p = 0; p < q; p++) s -= lj[p] * lc[q * n + p];
      lj[q] = s / lc[q * n + q];
      d -= lj[q] * lj[q];
    }
    if (!(ajj > 0) || !(d > tol * ajj)) {
      dropped[j] = 1;
      continue;
    }
    lj[r] = Math.sqrt(d);
    for (let p = 0; p <= r; p++) lc[r * n + p] = lj[p];
    kept.push(j);
  }
  const m = kept.length;
  // Inverse of the kept block: (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹, with L⁻¹ by forward substitution.
  const li = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    li[c * m + c] = 1 / lc[c * n + c];
    for (let r = c + 1; r < m; r++) {
      let s = 0;
      for (let p = c; p < r; p++) s -= lc[r * n + p] * li[p * m + c];
      li[r * m + c] = s / lc[r * n + r];
    }
  }
  const inv = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c <= r; c++) {
      let s = 0;
      for (let p = r; p < m; p++) s += li[p * m + r] * li[p * m + c];
      inv[kept[r] * n + kept[c]] = s;
      inv[kept[c] * n + kept[r]] = s;
    }
  }
  return { inv, dropped, rank: m };
}

/** Symmetric part (A + Aᵀ)/2 of a square matrix, as a new array. */
export function symmetrize(a: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  return s;
}

/** Quadratic form xᵀ A y for an n×n A. */
export function quadForm(x: Float64Array, a: Float64Array, y: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    let t = 0;
    for (let j = 0; j < n; j++) t += a[i * n + j] * y[j];
    s += xi * t;
  }
  return s;
}

/** The submatrix A[rows, cols] of an m×n row-major A. */
export function submatrix(a: Float64Array, n: number, rows: ArrayLike<number>, cols: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * cols.length);
  for (let i = 0; i < rows.length; i++) {
    const ri = rows[i] * n;
    for (let j = 0; j < cols.length; j++) out[i * cols.length + j] = a[ri + cols[j]];
  }
  return out;
}

/** Unpack a packed upper triangle (L(L+1)/2) into a full symmetric L×L matrix. */
export function unpackSymmetric(packed: Float64Array, offset: number, L: number, out = new Float64Array(L * L)): Float64Array {
  let j = offset;
  for (let a = 0; a < L; a++)
    for (let c = a; c < L; c++) {
      out[a * L + c] = packed[j];
      out[c * L + a] = packed[j++];
    }
  return out;
}
