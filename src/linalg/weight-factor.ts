// Solves with a GMM weight matrix A = c·M⁻ (M = Σ Z'HZ or Σ g g', symmetric PSD) without forming A:
// the columns invsym keeps are factored as D M D = C Cᵀ (D = diag(M)^−½, a symmetric scaling;
// Cholesky), so that for any B, Bᵀ A B = ‖C⁻¹ D B‖² (the "whitened" B). The GMM estimate is then the
// least-squares fit of whitened Z'y on whitened Z'X, solved by Householder QR (Golub and Van Loan
// 2013, §5.3): its error grows with cond(X̃), not cond(X̃ᵀX̃) as the normal equations' does. Columns
// are dropped exactly where invsym drops them (same order, same pivot rule), so the generalized-
// inverse semantics of xtabond2 are kept where M or X̃ᵀX̃ is singular.
import { dot } from './dense.ts';
import { INVSYM_TOL } from './invsym.ts';
import { kernelInstance, placeArrays } from '../kernels/wasm/module.ts';

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

/** The kernel module's `factor`, `whiten`, `unwhiten` and `lstsq` (kernels.wat) on an instance of
 *  their own, or null without WebAssembly SIMD. */
interface SolveKernels {
  factor(m: number, L: number, tol: number, chol: number, kept: number, scale: number, dropped: number): number;
  whiten(b: number, q: number, r: number, kept: number, scale: number, chol: number, out: number): void;
  unwhiten(y: number, q: number, r: number, L: number, kept: number, scale: number, chol: number, out: number): void;
  lstsq(a: number, rhs: number, m: number, K: number, tol: number, norm2: number, vs: number, vvs: number, kept: number, rinv: number, q1: number, beta: number, v: number, pinv: number): number;
  memory: WebAssembly.Memory;
}
let wasm: SolveKernels | null | undefined;

function factorKernel(): SolveKernels | null {
  if (wasm === undefined) wasm = kernelInstance<SolveKernels>();
  return wasm;
}

/** Operand values up to which whiten, applyWhitened and leastSquares run on the kernel (32 MiB): its
 *  memory never shrinks and holds at most 4 GiB, and a product that large (applyWeight of an identity,
 *  q = L, for thousands of instruments) runs long enough in the loop for V8 to compile it. */
const SOLVE_KERNEL_MAX = 1 << 22;

/** The kernels, when they are there and the operands (`values` in all) are within SOLVE_KERNEL_MAX. */
function solveKernels(values: number): SolveKernels | null {
  return values <= SOLVE_KERNEL_MAX ? factorKernel() : null;
}

/** The factorization's outputs: rows of the factor (stride L), kept columns, their scales, dropped flags. */
interface Factored {
  r: number;
  rows: Float64Array;
  kept: Int32Array;
  scale: Float64Array;
  dropped: Uint8Array;
}

/**
 * Factor A = c·M⁻ (c > 0) of the symmetric PSD L×L matrix m (lower triangle read): an in-order
 * Cholesky of D M D that drops a column when its pivot is at most INVSYM_TOL (its scaled diagonal is 1)
 * — invsym's rule (invsym.ts), here in one pass without forming the inverse. It runs in WebAssembly
 * (kernels.wat's `factor`, the same operations in the same order as factorLoop, so the same numbers)
 * where the runtime has SIMD: a bootstrap factors two matrices a replication, and the loop below
 * costs several times more in JavaScript until V8 has compiled it.
 */
export function factorWeight(m: Float64Array, L: number, c = 1, tol = INVSYM_TOL): WeightFactor {
  const f = factorKernel() ? factorInWasm(m, L, tol) : factorLoop(m, L, tol);
  const r = f.r;
  const compact = new Float64Array(r * r);
  const rows = f.rows;
  for (let i = 0; i < r; i++) for (let p = 0; p <= i; p++) compact[i * r + p] = rows[i * L + p];
  const sc = Math.sqrt(c);
  const scale = new Float64Array(r);
  for (let i = 0; i < r; i++) scale[i] = f.scale[i] * sc;
  return { L, kept: f.kept.slice(0, r), dropped: f.dropped.slice(), scale, chol: compact };
}

/** factorWeight's factorization in the kernel module's memory: m at 0, then the factor's rows, scales, kept, dropped. */
function factorInWasm(m: Float64Array, L: number, tol: number): Factored {
  const k = factorKernel()!;
  const [mAt, cholAt, scaleAt, keptAt, droppedAt] = placeArrays(k.memory, [L * L * 8, L * L * 8, 8 * L, 4 * L, L]).at as [number, number, number, number, number];
  const buffer = k.memory.buffer;
  new Float64Array(buffer, mAt, L * L).set(m.subarray(0, L * L));
  const r = k.factor(mAt, L, tol, cholAt, keptAt, scaleAt, droppedAt);
  return {
    r,
    rows: new Float64Array(buffer, cholAt, L * L),
    kept: new Int32Array(buffer, keptAt, L),
    scale: new Float64Array(buffer, scaleAt, L),
    dropped: new Uint8Array(buffer, droppedAt, L),
  };
}

let scratch = new Float64Array(0);

/** factorWeight's factorization in TypeScript (runtimes without WebAssembly SIMD; the tests' reference). */
export function factorLoop(m: Float64Array, L: number, tol = INVSYM_TOL): Factored {
  const dropped = new Uint8Array(L);
  const kept = new Int32Array(L);
  const scale = new Float64Array(L);
  // Rows of the factor, stride L: row r holds C[r, 0..r] for the r-th kept column (a scratch reused
  // across calls).
  if (scratch.length < L * L) scratch = new Float64Array(L * L);
  const chol = scratch;
  let r = 0;
  for (let j = 0; j < L; j++) {
    const ajj = m[j * L + j];
    if (!(ajj > 0)) {
      dropped[j] = 1;
      continue;
    }
    const dj = 1 / Math.sqrt(ajj);
    const row = r * L;
    for (let q = 0; q < r; q++) {
      const cq = q * L;
      chol[row + q] = (m[j * L + kept[q]] * dj * scale[q] - dot(chol, row, chol, cq, q)) / chol[cq + q];
    }
    const d = 1 - dot(chol, row, chol, row, r);
    if (!(d > tol)) {
      dropped[j] = 1;
      continue;
    }
    chol[row + r] = Math.sqrt(d);
    kept[r] = j;
    scale[r] = dj;
    r++;
  }
  return { r, rows: chol, kept, scale, dropped };
}

/** The factor of c·A from the factor of A. */
export function scaleWeight(f: WeightFactor, c: number): WeightFactor {
  const sc = Math.sqrt(c);
  return { ...f, scale: f.scale.map((x) => x * sc) };
}

export function weightRank(f: WeightFactor): number {
  return f.kept.length;
}

/** W̃ = C⁻¹ D B (rank × q) for B (L × q, row-major): Bᵀ A B = W̃ᵀ W̃. On the kernel (`whiten`) where
 *  the runtime has WebAssembly SIMD and the operands are within SOLVE_KERNEL_MAX, else whitenLoop: the
 *  same numbers (a NaN's sign bit aside). */
export function whiten(f: WeightFactor, b: Float64Array, q: number): Float64Array {
  const r = f.kept.length;
  const k = solveKernels(f.L * q + r * r + 2 * r + r * q);
  if (!k) return whitenLoop(f, b, q);
  const [bAt, keptAt, scaleAt, cholAt, outAt] = placeArrays(k.memory, [8 * f.L * q, 4 * r, 8 * r, 8 * r * r, 8 * r * q]).at as [number, number, number, number, number];
  const buffer = k.memory.buffer;
  new Float64Array(buffer, bAt, f.L * q).set(b.subarray(0, f.L * q));
  new Int32Array(buffer, keptAt, r).set(f.kept);
  new Float64Array(buffer, scaleAt, r).set(f.scale);
  new Float64Array(buffer, cholAt, r * r).set(f.chol);
  k.whiten(bAt, q, r, keptAt, scaleAt, cholAt, outAt);
  return new Float64Array(buffer, outAt, r * q).slice();
}

/** whiten in TypeScript (runtimes without WebAssembly SIMD; the tests' reference). */
export function whitenLoop(f: WeightFactor, b: Float64Array, q: number): Float64Array {
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

/** A·B (L × q) from the whitened W̃ = C⁻¹ D B: A B = D C⁻ᵀ W̃, zero in dropped rows. On the kernel
 *  (`unwhiten`) where the runtime has WebAssembly SIMD and the operands are within SOLVE_KERNEL_MAX,
 *  else applyWhitenedLoop: the same numbers (a NaN's sign bit aside). */
export function applyWhitened(f: WeightFactor, wt: Float64Array, q: number): Float64Array {
  const r = f.kept.length;
  const k = solveKernels(r * q + r * r + 2 * r + f.L * q);
  if (!k) return applyWhitenedLoop(f, wt, q);
  const [yAt, keptAt, scaleAt, cholAt, outAt] = placeArrays(k.memory, [8 * r * q, 4 * r, 8 * r, 8 * r * r, 8 * f.L * q]).at as [number, number, number, number, number];
  const buffer = k.memory.buffer;
  new Float64Array(buffer, yAt, r * q).set(wt.subarray(0, r * q));
  new Int32Array(buffer, keptAt, r).set(f.kept);
  new Float64Array(buffer, scaleAt, r).set(f.scale);
  new Float64Array(buffer, cholAt, r * r).set(f.chol);
  k.unwhiten(yAt, q, r, f.L, keptAt, scaleAt, cholAt, outAt);
  return new Float64Array(buffer, outAt, f.L * q).slice();
}

/** applyWhitened in TypeScript (runtimes without WebAssembly SIMD; the tests' reference). */
export function applyWhitenedLoop(f: WeightFactor, wt: Float64Array, q: number): Float64Array {
  const r = f.kept.length;
  const y = wt.slice();
  // Column by column (q is the regressor count or 1: an inner loop over it would be all overhead).
  for (let i = r - 1; i >= 0; i--) {
    const cii = f.chol[i * r + i];
    const row = i * r;
    for (let c = 0; c < q; c++) {
      const yi = (y[i * q + c] /= cii);
      for (let p = 0; p < i; p++) {
        const l = f.chol[row + p];
        if (l !== 0) y[p * q + c] -= l * yi;
      }
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
 * On the kernel (`lstsq`) where the runtime has WebAssembly SIMD and the operands are within
 * SOLVE_KERNEL_MAX, else leastSquaresLoop: the same numbers (a NaN's sign bit aside).
 */
export function leastSquares(x: Float64Array, y: Float64Array, m: number, K: number, tol = INVSYM_TOL): LeastSquares {
  const k = solveKernels(4 * m * K + 2 * K * K + m + 5 * K);
  if (!k) return leastSquaresLoop(x, y, m, K, tol);
  const d = 8;
  const at = placeArrays(k.memory, [d * m * K, d * m, d * K, d * K * m, d * K, 4 * K, d * K * K, d * m * K, d * K, d * K * K, d * K * m]).at;
  const [aAt, rhsAt, norm2At, vsAt, vvsAt, keptAt, rinvAt, q1At, betaAt, vAt, pinvAt] = at as [number, number, number, number, number, number, number, number, number, number, number];
  const buffer = k.memory.buffer;
  new Float64Array(buffer, aAt, m * K).set(x.subarray(0, m * K));
  new Float64Array(buffer, rhsAt, m).set(y.subarray(0, m));
  const r = k.lstsq(aAt, rhsAt, m, K, tol, norm2At, vsAt, vvsAt, keptAt, rinvAt, q1At, betaAt, vAt, pinvAt);
  return {
    beta: new Float64Array(buffer, betaAt, K).slice(),
    v: new Float64Array(buffer, vAt, K * K).slice(),
    pinv: new Float64Array(buffer, pinvAt, K * m).slice(),
    zeros: K - r,
  };
}

/** leastSquares in TypeScript (runtimes without WebAssembly SIMD; the tests' reference). */
export function leastSquaresLoop(x: Float64Array, y: Float64Array, m: number, K: number, tol = INVSYM_TOL): LeastSquares {
  const a = x.slice();
  const rhs = y.slice();
  const keptCols: number[] = [];
  const norm2 = new Float64Array(K);
  for (let j = 0; j < K; j++) for (let i = 0; i < m; i++) norm2[j] += a[i * K + j] * a[i * K + j];
  // R is stored in the rows 0..r−1 of a, columns kept; reflector v_r acts on rows r..m−1.
  const vs: Float64Array[] = [];
  const vvs: number[] = [];
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
    vvs.push(vv);
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
  // Q₁ (m×r) = H₀H₁…H_{r−1}·[I_r; 0], the reflectors applied last to first (each touches rows p..m−1).
  const q1 = new Float64Array(m * r);
  for (let i = 0; i < r; i++) q1[i * r + i] = 1;
  for (let p = r - 1; p >= 0; p--) {
    const v = vs[p];
    const f = 2 / vvs[p];
    for (let c = p; c < r; c++) {
      let s = 0;
      for (let i = p; i < m; i++) s += v[i - p] * q1[i * r + c];
      s *= f;
      for (let i = p; i < m; i++) q1[i * r + c] -= s * v[i - p];
    }
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
      for (let p = i; p < r; p++) t += rInv[i * r + p] * q1[c * r + p];
      pinv[keptCols[i] * m + c] = t;
    }
  }
  return { beta, v, pinv, zeros: K - r };
}
