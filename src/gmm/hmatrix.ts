// The one-step weighting structure H (xtabond2's h(1|2|3)), per unit, on the filled time grid of T
// periods: rows 0..T−1 are the transformed equation, rows T..2T−1 the level equation (system GMM).
// h(1): H = I; h(2): blockdiag(MᵀM, I); h(3) (system): [M, I]ᵀ[M, I], whose off-diagonal block links a
// transformed error with the level errors it contains; difference GMM: MᵀM (h 2 or 3) or I.
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
 * The matrices of the one-step non-robust AR(m) test (xtabond2 _ARTests): Har (T×T) weights the
 * lagged residuals, psi (T×T) links them to the transformed rows' instruments.
 */
export function arMatrices(T: number, h: 1 | 2 | 3, orthogonal: boolean, arlevels: boolean): { har: Float64Array; psi: Float64Array } {
  const diffM = transformMatrix(T, false);
  const har = arlevels || h === 1 ? identity(T) : cleanZeros(crossAB(diffM, diffM, T, T, T));
  const psi = h === 1 ? identity(T) : cleanZeros(crossAB(diffM, transformMatrix(T, orthogonal), T, T, T));
  return { har, psi };
}

/**
 * A sparse factor F of H (H = FᵀF), so that Z_i'HZ_i = Σ_f q_f q_f' with q_f = Σ_j F[f, j] z_j:
 * h(1): F = I; difference GMM: F = M; system h(2): blockdiag(M, I); system h(3): [M, I].
 * Row f of F has entries (rows[k], coef[k]) for k in start[f] .. start[f+1).
 */
export interface SparseFactor {
  nrows: number;
  start: Int32Array;
  rows: Int32Array;
  coef: Float64Array;
}

export function hFactor(T: number, h: 1 | 2 | 3, orthogonal: boolean, system: boolean): SparseFactor {
  const n = system ? 2 * T : T;
  const entries: [number, number][][] = [];
  if (h === 1) for (let j = 0; j < n; j++) entries.push([[j, 1]]);
  else {
    const m = transformMatrix(T, orthogonal);
    for (let r = 0; r < T; r++) {
      const row: [number, number][] = [];
      for (let c = 0; c < T; c++) if (m[r * T + c] !== 0) row.push([c, m[r * T + c]]);
      if (system && h === 3) row.push([T + r, 1]);
      entries.push(row);
    }
    if (system && h === 2) for (let r = 0; r < T; r++) entries.push([[T + r, 1]]);
  }
  const start = new Int32Array(entries.length + 1);
  entries.forEach((e, f) => (start[f + 1] = start[f] + e.length));
  return {
    nrows: entries.length,
    start,
    rows: Int32Array.from(entries.flat().map((e) => e[0])),
    coef: Float64Array.from(entries.flat().map((e) => e[1])),
  };
}
