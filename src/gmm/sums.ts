// The heavy accumulations over units, each a product of a weight row (or matrix) with stacked
// per-unit blocks, so that a tensor backend can take them over: Σ_i w_i B_i = wᵀ·B (B: N×m) and
// Σ_i w_i g_i g_iᵀ = Gᵀ·diag(w)·G. The float64 reference goes through src/linalg/dense.ts.
import { matmul } from '../linalg/dense.ts';

/** Σ_i w_i · blocks[i, ·] for blocks stored N×m (row-major); w = null means all ones. */
export function weightedSum(blocks: Float64Array, n: number, m: number, w: Float64Array | null): Float64Array {
  const wt = w ?? new Float64Array(n).fill(1);
  return matmul(wt, blocks, 1, n, m);
}

/** Σ_i w_i g_i g_iᵀ for G stored N×L; w = null means all ones. */
export function weightedGram(g: Float64Array, n: number, l: number, w: Float64Array | null): Float64Array {
  let gw = g;
  if (w) {
    gw = new Float64Array(g.length);
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      for (let j = 0; j < l; j++) gw[i * l + j] = wi * g[i * l + j];
    }
  }
  return matmul(g, gw, l, n, l, true, false);
}

/** Σ_i w_i a_i b_iᵀ for A (N×p) and B (N×q): Aᵀ·diag(w)·B (p×q). */
export function weightedCross(a: Float64Array, b: Float64Array, n: number, p: number, q: number, w: Float64Array | null): Float64Array {
  let bw = b;
  if (w) {
    bw = new Float64Array(b.length);
    for (let i = 0; i < n; i++) for (let j = 0; j < q; j++) bw[i * q + j] = w[i] * b[i * q + j];
  }
  return matmul(a, bw, p, n, q, true, false);
}
