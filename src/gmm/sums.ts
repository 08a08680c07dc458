// The accumulations over units, in double-double ("compensated") arithmetic: each sum is kept as an
// unevaluated pair hi + lo (Knuth's TwoSum; Dekker 1971), so a sum over units does not depend, beyond
// about 1e-30 of its terms' size, on the order in which units are added. That is what makes the
// partial sums of shards (partial-sums.ts) merge into the whole sample's sums to the last bit in
// practice, whichever way the units were split: every unit's own block is computed identically, and
// only the order of the additions differs.
//   Σ_i w_i blocks[i, ·]   compensatedSum      (blocks N×m, row-major)
//   Σ_i w_i g_i g_iᵀ       addGramGroup        (by groups of units)
//   Σ_i w_i a_i b_iᵀ       compensatedCross    (A N×p, B N×q)

/** A compensated sum: the value is hi + lo, |lo| ≤ ulp(hi)/2 once normalized. */
export interface Compensated {
  hi: Float64Array;
  lo: Float64Array;
}

/** (hi, lo) += x at j. */
export function addTo(c: Compensated, j: number, x: number): void {
  const a = c.hi[j];
  const s = a + x;
  const bb = s - a;
  c.lo[j] += a - (s - bb) + (x - bb);
  c.hi[j] = s;
}

/** Fold lo into hi so that hi is the correctly rounded value (and lo the remainder). */
export function normalize(c: Compensated): Compensated {
  for (let j = 0; j < c.hi.length; j++) {
    const s = c.hi[j] + c.lo[j];
    c.lo[j] = c.lo[j] - (s - c.hi[j]);
    c.hi[j] = s;
  }
  return c;
}

export function compensated(m: number): Compensated {
  return { hi: new Float64Array(m), lo: new Float64Array(m) };
}

/** a + b for two compensated sums of one shape (normalized). */
export function addCompensated(a: Compensated, b: Compensated): Compensated {
  const out = { hi: a.hi.slice(), lo: Float64Array.from(a.lo, (x, j) => x + b.lo[j]) };
  for (let j = 0; j < b.hi.length; j++) addTo(out, j, b.hi[j]);
  return normalize(out);
}

/** c += wi · x[o .. o+m) (one unit's row of compensatedSum). Zero terms are skipped. */
export function addRow(c: Compensated, x: Float64Array, o: number, m: number, wi: number): void {
  if (wi === 0) return;
  const { hi, lo } = c;
  for (let j = 0; j < m; j++) {
    const v = wi * x[o + j];
    if (v === 0) continue;
    const a = hi[j];
    const s = a + v;
    const bb = s - a;
    lo[j] += a - (s - bb) + (v - bb);
    hi[j] = s;
  }
}

/** c (p×q) += wi · a b' for a = a[ao .. ao+p), b = b[bo .. bo+q) (one unit of compensatedCross), rows
 *  with wi·a_r = 0 skipped. */
export function addCrossRow(c: Compensated, a: Float64Array, ao: number, p: number, b: Float64Array, bo: number, q: number, wi: number): void {
  if (wi === 0) return;
  const { hi, lo } = c;
  for (let r = 0; r < p; r++) {
    const ar = wi * a[ao + r];
    if (ar === 0) continue;
    for (let s = 0, j = r * q; s < q; s++, j++) {
      // addTo, inlined.
      const x = ar * b[bo + s];
      const h = hi[j];
      const t = h + x;
      const bb = t - h;
      lo[j] += h - (t - bb) + (x - bb);
      hi[j] = t;
    }
  }
}

/** Units whose Gram terms are summed in registers before their sum enters the compensated one. */
export const GRAM_GROUP = 4;

/**
 * The upper triangle of c (l×l) += Σ_j a_j g_jᵀ over one group of k ≤ GRAM_GROUP units (rows j of a
 * and g, l values each; a_j = w_j g_j): each entry's k terms summed by TwoSum in a local pair (h, e),
 * zero a-terms skipped, and the pair then added to c. The sum is the compensated sum of the same
 * rounded terms (to about 1e-30 of their size, whatever the grouping, so shards still merge to the
 * single process's sums), with the loads and stores of c once per group instead of once per unit (the
 * weight pass's kernel `gram` does the same, bit for bit: kernels.wat).
 */
export function addGramGroup(c: Compensated, a: Float64Array, g: Float64Array, k: number, l: number): void {
  const { hi, lo } = c;
  for (let r = 0; r < l; r++)
    for (let s = r; s < l; s++) {
      let h = 0;
      let e = 0;
      for (let j = 0; j < k; j++) {
        const ar = a[j * l + r];
        if (ar === 0) continue;
        const x = ar * g[j * l + s];
        const t = h + x;
        const bb = t - h;
        e += h - (t - bb) + (x - bb);
        h = t;
      }
      const j = r * l + s;
      const v = hi[j];
      const t = v + h;
      const bb = t - v;
      lo[j] = lo[j] + (v - (t - bb) + (h - bb)) + e;
      hi[j] = t;
    }
}

/** A Gram sum of addGramGroup: the upper triangle mirrored, normalized. */
export function finishGram(c: Compensated, l: number): Compensated {
  for (let r = 0; r < l; r++)
    for (let s = r + 1; s < l; s++) {
      c.hi[s * l + r] = c.hi[r * l + s];
      c.lo[s * l + r] = c.lo[r * l + s];
    }
  return normalize(c);
}

/** Σ_i w_i · blocks[i, ·] for blocks stored N×m; w = null means all ones. Zero terms are skipped. */
export function compensatedSum(blocks: Float64Array, n: number, m: number, w: Float64Array | null): Compensated {
  const c = compensated(m);
  for (let i = 0; i < n; i++) addRow(c, blocks, i * m, m, w ? w[i] : 1);
  return normalize(c);
}

/** Σ_i w_i a_i b_iᵀ (p×q) for A (N×p) and B (N×q); w = null means all ones. */
export function compensatedCross(a: Float64Array, b: Float64Array, n: number, p: number, q: number, w: Float64Array | null): Compensated {
  const c = compensated(p * q);
  for (let i = 0; i < n; i++) addCrossRow(c, a, i * p, p, b, i * q, q, w ? w[i] : 1);
  return normalize(c);
}
