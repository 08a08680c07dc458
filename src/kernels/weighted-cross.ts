// Batched weighted sums of per-unit outer products in float64, skipping units of weight zero (about
// a third of them in a pairs-bootstrap replication), computing one triangle of a symmetric sum, and
// adding four units and two result rows per pass (a rank-4 update) to cut loads and stores.
import type { WeightedCrossShape } from './types.ts';

export function checkWeightedCross(a: Float64Array, w: Float64Array, c: Float64Array, s: WeightedCrossShape): void {
  const { batch, n, p, q } = s;
  for (const [name, v] of [['batch', batch], ['n', n], ['p', p], ['q', q]] as const)
    if (!Number.isInteger(v) || v < 0) throw new Error(`weightedCross: ${name} must be a non-negative integer, got ${v}`);
  if (a.length !== batch * n * p) throw new Error(`weightedCross: a has ${a.length} values for ${batch}×${n}×${p}`);
  if (c.length !== batch * n * q) throw new Error(`weightedCross: c has ${c.length} values for ${batch}×${n}×${q}`);
  if (w.length !== batch * n) throw new Error(`weightedCross: w has ${w.length} values for ${batch}×${n}`);
}

export function weightedCrossFloat64(a: Float64Array, w: Float64Array, c: Float64Array, s: WeightedCrossShape): Float64Array {
  checkWeightedCross(a, w, c, s);
  const { batch, n, p, q } = s;
  const out = new Float64Array(batch * p * q);
  const symmetric = a === c && p === q;
  const units = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    const o = b * p * q;
    let m = 0;
    for (let i = 0; i < n; i++) if (w[b * n + i] !== 0) units[m++] = b * n + i;
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      const u0 = units[j], u1 = units[j + 1], u2 = units[j + 2], u3 = units[j + 3];
      const w0 = w[u0], w1 = w[u1], w2 = w[u2], w3 = w[u3];
      const a0 = u0 * p, a1 = u1 * p, a2 = u2 * p, a3 = u3 * p;
      const c0 = u0 * q, c1 = u1 * q, c2 = u2 * q, c3 = u3 * q;
      // Two rows of the result per pass over the four c rows.
      let r = 0;
      for (; r + 2 <= p; r += 2) {
        const x0 = w0 * a[a0 + r], x1 = w1 * a[a1 + r], x2 = w2 * a[a2 + r], x3 = w3 * a[a3 + r];
        const y0 = w0 * a[a0 + r + 1], y1 = w1 * a[a1 + r + 1], y2 = w2 * a[a2 + r + 1], y3 = w3 * a[a3 + r + 1];
        const row = o + r * q;
        const row1 = row + q;
        let k = symmetric ? r : 0;
        if (symmetric) {
          out[row + k] += x0 * c[c0 + k] + x1 * c[c1 + k] + x2 * c[c2 + k] + x3 * c[c3 + k];
          k++;
        }
        for (; k < q; k++) {
          const d0 = c[c0 + k], d1 = c[c1 + k], d2 = c[c2 + k], d3 = c[c3 + k];
          out[row + k] += x0 * d0 + x1 * d1 + x2 * d2 + x3 * d3;
          out[row1 + k] += y0 * d0 + y1 * d1 + y2 * d2 + y3 * d3;
        }
      }
      for (; r < p; r++) {
        const v0 = w0 * a[a0 + r], v1 = w1 * a[a1 + r], v2 = w2 * a[a2 + r], v3 = w3 * a[a3 + r];
        const row = o + r * q;
        for (let k = symmetric ? r : 0; k < q; k++) out[row + k] += v0 * c[c0 + k] + v1 * c[c1 + k] + v2 * c[c2 + k] + v3 * c[c3 + k];
      }
    }
    for (; j < m; j++) {
      const u = units[j];
      const wi = w[u];
      for (let r = 0; r < p; r++) {
        const v = wi * a[u * p + r];
        const row = o + r * q;
        for (let k = symmetric ? r : 0; k < q; k++) out[row + k] += v * c[u * q + k];
      }
    }
    if (symmetric) for (let r = 0; r < p; r++) for (let k = 0; k < r; k++) out[o + r * q + k] = out[o + k * q + r];
  }
  return out;
}
