// Solves with a GMM weight matrix A = c·M⁻ (M = Σ Z'HZ or Σ g g', symmetric PSD) without forming A:
// the columns invsym keeps are factored as D M D = C Cᵀ (D = diag(M)^−½, a symmetric scaling;
// Cholesky), so that for any B, Bᵀ A B = ‖C⁻¹ D B‖² (the "whitened" B). The GMM estimate is then the
// least-squares fit of whitened Z'y on whitened Z'X, solved by Householder QR (Golub and Van Loan
// 2013, §5.3): its error grows with cond(X̃), not cond(X̃ᵀX̃) as the normal equations' does. Columns
// are dropped exactly where invsym drops them (same order, same pivot rule), so the generalized-
// inverse semantics of xtabond2 are kept where M or X̃ᵀX̃ is singular.
import { INVSYM_TOL, invsym } from './invsym.ts';

export interface WeightFactor {
  /** Size of M. */
  L: number;
  /** Columns of M kept (invsym's non-dropped columns), in order. */
  kept: Int32Array;
  /** dropped[j] = 1 where invsym drops column j. */
  dropped: Uint8Array;
  /** D·√c, D = diag(M_kept)^−½. */
  scale: Float64Array;
  /** Lower Cholesky factor of D M_kept D (rank × rank, row-major). */
  chol: Float64Array;
}

/** Factor A = c·M⁻ (c > 0) of the symmetric PSD L×L matrix m. */
export function factorWeight(m: Float64Array, L: number, c = 1): WeightFactor {
  const { dropped } = invsym(m, L);
  const keptList: number[] = [];
  for (let j = 0; j < L; j++) if (!dropped[j]) keptList.push(j);
  const kept = Int32Array.from(keptList);
  const r = kept.length;
  const d = Float64Array.from(kept, (j) => 1 / Math.sqrt(m[j * L + j]));
  const chol = new Float64Array(r * r);
  for (let j = 0; j < r; j++) {
    let s = m[kept[j] * L + kept[j]] * d[j] * d[j];
    for (let p = 0; p < j; p++) s -= chol[j * r + p] * chol[j * r + p];
    const cjj = Math.sqrt(s);
    chol[j * r + j] = cjj;
    for (let i = j + 1; i < r; i++) {
      let t = m[kept[i] * L + kept[j]] * d[i] * d[j];
      for (let p = 0; p < j; p++) t -= chol[i * r + p] * chol[j * r + p];
      chol[i * r + j] = t / cjj;
    }
  }
  const sc = Math.sqrt(c);
  return { L, kept, dropped, scale: d.map((x) => x * sc), chol };
}

export function weightRank(f: WeightFactor): number {
  return f.kept.length;
}

/** W̃ = C⁻¹ D B (rank × q) for B (L × q, row-major): Bᵀ A B = W̃ᵀ W̃. */
export function whiten(f: WeightFactor, b: Float64Array, q: number): Float64Array {
  const r = f.kept.length;
  const out = new Float64Array(r * q);
  for (let i = 0; i < r; i++) {
    const src = f.kept[i] * q;
    for (let c = 0; c < q; c++) {
      let s = b[src + c] * f.scale[i];
      for (let p = 0; p < i; p++) s -= f.chol[i * r + p] * out[p * q + c];
      out[i * q + c] = s / f.chol[i * r + i];
    }
  }
  return out;
}

/** A·B (L × q) from the whitened W̃ = C⁻¹ D B: A B = D C⁻ᵀ W̃, zero in dropped rows. */
export function applyWhitened(f: WeightFactor, wt: Float64Array, q: number): Float64Array {
  const r = f.kept.length;
  const y = wt.slice();
  for (let i = r - 1; i >= 0; i--) {
    const cii = f.chol[i * r + i];
    for (let c = 0; c < q; c++) y[i * q + c] /= cii;
    for (let p = 0; p < i; p++) {
      const l = f.chol[i * r + p];
      if (l === 0) continue;
      for (let c = 0; c < q; c++) y[p * q + c] -= l * y[i * q + c];
    }
  }
  const out = new Float64Array(f.L * q);
  for (let i = 0; i < r; i++) for (let c = 0; c < q; c++) out[f.kept[i] * q + c] = y[i * q + c] * f.scale[i];
  return out;
}

/** A·B (L × q). */
export function applyWeight(f: WeightFactor, b: Float64Array, q: number): Float64Array {
  return applyWhitened(f, whiten(f, b, q), q);
}

/** vᵀ A v. */
export function weightQuad(f: WeightFactor, v: Float64Array): number {
  const w = whiten(f, v, 1);
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * w[i];
  return s;
}

export interface LeastSquares {
  /** Coefficients (zero where a column is dropped). */
  beta: Float64Array;
  /** (X̃ᵀX̃)⁻ (K×K), invsym semantics: rows/columns of dropped columns zero. */
  v: Float64Array;
  /** The solution operator R⁻¹Q₁ᵀ (K×m; zero rows for dropped columns): β = pinv·ỹ, V = pinv·pinvᵀ. */
  pinv: Float64Array;
  /** Columns dropped as collinear with earlier ones (invsym's rule on X̃ᵀX̃). */
  zeros: number;
}

/**
 * min ‖ỹ − X̃β‖ for X̃ (m×K) and ỹ (m) by Householder QR in column order; a column whose remaining
 * norm² is at most tol·‖x̃_j‖² is dropped (invsym's pivot rule on X̃ᵀX̃: that remainder is its Schur pivot).
 */
export function leastSquares(x: Float64Array, y: Float64Array, m: number, K: number, tol = INVSYM_TOL): LeastSquares {
  const a = x.slice();
  const rhs = y.slice();
  const keptCols: number[] = [];
  const norm2 = new Float64Array(K);
  for (let j = 0; j < K; j++) for (let i = 0; i < m; i++) norm2[j] += a[i * K + j] * a[i * K + j];
  // R is stored in the rows 0..r−1 of a, columns kept; reflector v_r acts on rows r..m−1.
  const vs: Float64Array[] = [];
  for (let j = 0; j < K; j++) {
    const r = keptCols.length;
    let rem = 0;
    for (let i = r; i < m; i++) rem += a[i * K + j] * a[i * K + j];
    if (!(norm2[j] > 0) || !(rem > tol * norm2[j]) || r >= m) continue;
    const alpha = a[r * K + j] >= 0 ? -Math.sqrt(rem) : Math.sqrt(rem);
    const v = new Float64Array(m - r);
    for (let i = r; i < m; i++) v[i - r] = a[i * K + j];
    v[0] -= alpha;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    // Apply H = I − 2vvᵀ/vᵀv to columns j..K−1 and to the right-hand side.
    for (let c = j; c < K; c++) {
      let s = 0;
      for (let i = r; i < m; i++) s += v[i - r] * a[i * K + c];
      const f = (2 * s) / vv;
      for (let i = r; i < m; i++) a[i * K + c] -= f * v[i - r];
    }
    let s = 0;
    for (let i = r; i < m; i++) s += v[i - r] * rhs[i];
    const f = (2 * s) / vv;
    for (let i = r; i < m; i++) rhs[i] -= f * v[i - r];
    vs.push(v);
    keptCols.push(j);
  }
  const r = keptCols.length;
  // R (r×r) on the kept columns; β_kept = R⁻¹ (Qᵀỹ)[0..r); V_kept = R⁻¹R⁻ᵀ.
  const rInv = new Float64Array(r * r);
  for (let c = 0; c < r; c++) {
    rInv[c * r + c] = 1 / a[c * K + keptCols[c]];
    for (let i = c - 1; i >= 0; i--) {
      let s = 0;
      for (let p = i + 1; p <= c; p++) s += a[i * K + keptCols[p]] * rInv[p * r + c];
      rInv[i * r + c] = -s / a[i * K + keptCols[i]];
    }
  }
  // Q₁ᵀ applied to the unit vectors e_1..e_m gives the columns of Q₁ᵀ (r×m): reflect each in turn.
  const qt = new Float64Array(r * m);
  const e = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    e.fill(0);
    e[c] = 1;
    vs.forEach((v, p) => {
      let s = 0;
      for (let i = p; i < m; i++) s += v[i - p] * e[i];
      let vv = 0;
      for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
      const f = (2 * s) / vv;
      for (let i = p; i < m; i++) e[i] -= f * v[i - p];
    });
    for (let i = 0; i < r; i++) qt[i * m + c] = e[i];
  }
  const beta = new Float64Array(K);
  const v = new Float64Array(K * K);
  const pinv = new Float64Array(K * m);
  for (let i = 0; i < r; i++) {
    let s = 0;
    for (let p = i; p < r; p++) s += rInv[i * r + p] * rhs[p];
    beta[keptCols[i]] = s;
    for (let j = 0; j < r; j++) {
      let t = 0;
      for (let p = Math.max(i, j); p < r; p++) t += rInv[i * r + p] * rInv[j * r + p];
      v[keptCols[i] * K + keptCols[j]] = t;
    }
    for (let c = 0; c < m; c++) {
      let t = 0;
      for (let p = i; p < r; p++) t += rInv[i * r + p] * qt[p * m + c];
      pinv[keptCols[i] * m + c] = t;
    }
  }
  return { beta, v, pinv, zeros: K - r };
}
