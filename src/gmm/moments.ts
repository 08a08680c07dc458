// Unit moments g_i = Z_i'e_i = zw_i·(1, −β) (blocks.ts), one unit at a time or for all units.
// The passes (passes.ts, ar-sums.ts) form them unit by unit into a scratch row, so that no n×L array
// is allocated per pass; every g_i is the same sum, term for term, either way.
import type { UnitBlocks } from './blocks.ts';

/** c = (1, −β): e_i = W_i c for W_i = [y_i X_i]. */
export function residualWeights(b: UnitBlocks, beta: Float64Array): Float64Array {
  const c = new Float64Array(b.P);
  c[0] = 1;
  for (let k = 0; k < b.K; k++) c[1 + k] = -beta[k];
  return c;
}

/** out[o .. o+L) = g_i = zw_i·c (zero entries of zw_i skipped). */
export function momentRow(b: UnitBlocks, c: Float64Array, i: number, out: Float64Array, o = 0): void {
  zwMomentRow(b.zw, b.L, b.P, c, i, out, o);
}

/** The same for block i of any array of L × P blocks (a cluster piece's, clusters.ts). */
export function zwMomentRow(zw: Float64Array, L: number, P: number, c: Float64Array, i: number, out: Float64Array, o = 0): void {
  for (let l = 0; l < L; l++) {
    const z = (i * L + l) * P;
    let s = 0;
    for (let p = 0; p < P; p++) {
      const v = zw[z + p];
      if (v !== 0) s += v * c[p];
    }
    out[o + l] = s;
  }
}

/** g_i = Z_i'e_i = zw_i·(1, −β), as an n×L array. */
export function unitMoments(b: UnitBlocks, beta: Float64Array): Float64Array {
  const c = residualWeights(b, beta);
  const g = new Float64Array(b.n * b.L);
  for (let i = 0; i < b.n; i++) momentRow(b, c, i, g, i * b.L);
  return g;
}
