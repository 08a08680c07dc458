// The one-step weighting structure H (xtabond2's h(1|2|3)), per unit, on the filled time grid of T
// periods: rows 0..T−1 are the transformed equation, rows T..2T−1 the level equation (system GMM).
// The transform matrix M (T×T) has column c = the transformed row c as a combination of the level
// errors: first differences e_c − e_{c−1}, or forward orthogonal deviations of period c−1 stored at
// row c (Arellano and Bover 1995, eq. 2.8; xtabond2 places FOD rows one period later, to parallel
// first differences). Column 0 is zero. H is a Gram matrix of M, so the same H serves every unit:
// rows a unit does not use carry zero instruments.

/** M (T×T, row-major): column c expresses transformed row c in level errors. */
export function transformMatrix(T: number, orthogonal: boolean): Float64Array {
  const m = new Float64Array(T * T);
  for (let c = 1; c < T; c++) {
    if (!orthogonal) {
      m[c * T + c] = 1;
      m[(c - 1) * T + c] = -1;
    } else {
      const after = T - c; // periods c..T−1 after period c−1
      const norm = Math.sqrt(1 + 1 / after);
      m[(c - 1) * T + c] = 1 / norm;
      for (let r = c; r < T; r++) m[r * T + c] = -1 / after / norm;
    }
  }
  return m;
}

/** Aᵀ B for A, B (r×p), (r×q): p×q. */
function crossAB(a: Float64Array, b: Float64Array, r: number, p: number, q: number): Float64Array {
  const out = new Float64Array(p * q);
  for (let k = 0; k < r; k++) for (let i = 0; i < p; i++) {
    const v = a[k * p + i];
    if (v === 0) continue;
    for (let j = 0; j < q; j++) out[i * q + j] += v * b[k * q + j];
  }
  return out;
}

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** Set entries below 1e-12 in magnitude to zero (rounding residue of orthonormal columns). */
function cleanZeros(a: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) < 1e-12) a[i] = 0;
  return a;
}

/**
 * H for the one-step weight, as xtabond2 builds it: h(1) = I; h(2) = blockdiag(MᵀM, I);
 * h(3) (system) = [M, I]ᵀ[M, I], whose off-diagonal block links a transformed error with the level
 * errors it contains. Difference GMM: MᵀM (h 2 or 3) or I. Size T or 2T.
 */
export function hMatrix(T: number, h: 1 | 2 | 3, orthogonal: boolean, system: boolean): Float64Array {
  const n = system ? 2 * T : T;
  if (h === 1) return identity(n);
  const m = transformMatrix(T, orthogonal);
  const g = cleanZeros(crossAB(m, m, T, T, T));
  if (!system) return g;
  const out = new Float64Array(n * n);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) out[i * n + j] = g[i * T + j];
  for (let i = 0; i < T; i++) out[(T + i) * n + T + i] = 1;
  if (h === 3) {
    for (let r = 0; r < T; r++) for (let c = 0; c < T; c++) {
      const v = m[r * T + c];
      if (v === 0) continue;
      out[c * n + T + r] = v; // transformed row c with level row r
      out[(T + r) * n + c] = v;
    }
  }
  return out;
}

/**
 * The matrices of the one-step non-robust AR(m) test (xtabond2 _ARTests): Har (T×T) weights the
 * lagged residuals, psi (T×T) links them to the transformed rows' instruments.
 */
export function arMatrices(T: number, h: 1 | 2 | 3, orthogonal: boolean, arlevels: boolean): { har: Float64Array; psi: Float64Array } {
  const diffM = transformMatrix(T, false);
  const har = arlevels || h === 1 ? identity(T) : cleanZeros(crossAB(diffM, diffM, T, T, T));
  const psi = h === 1 ? identity(T) : cleanZeros(crossAB(diffM, transformMatrix(T, orthogonal), T, T, T));
  return { har, psi };
}

/** Nonzero entries (r ≤ s) of a symmetric n×n matrix, for per-unit sparse accumulation. */
export interface SparseSym {
  r: Int32Array;
  s: Int32Array;
  v: Float64Array;
}

export function sparseUpper(a: Float64Array, n: number): SparseSym {
  const r: number[] = [];
  const s: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
    const x = a[i * n + j];
    if (x !== 0) {
      r.push(i);
      s.push(j);
      v.push(x);
    }
  }
  return { r: Int32Array.from(r), s: Int32Array.from(s), v: Float64Array.from(v) };
}
