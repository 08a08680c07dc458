// Time-series operators with Stata's semantics: a lag looks at time t−k in the same unit, not at
// the previous row, so a gap in time gives a missing value (NaN).
import type { Panel } from './panel.ts';
import type { Term } from './term.ts';

/** The row of x at time t − k for row r of the unit whose rows are lo .. hi−1 (k < 0: a lead), or −1
 *  when that period is absent. */
export function lagRow(time: Float64Array, lo: number, hi: number, r: number, k: number): number {
  const want = time[r] - k;
  // Without a gap the row for t−k is row r−k (the common case); otherwise, times being strictly
  // increasing, it lies within |k| rows of r.
  const s0 = r - k;
  if (s0 >= lo && s0 < hi && time[s0] === want) return s0;
  if (k > 0) {
    for (let s = r - 1; s >= Math.max(lo, r - k); s--) {
      if (time[s] === want) return s;
      if (time[s] < want) break;
    }
  } else {
    for (let s = r + 1; s <= Math.min(hi - 1, r - k); s++) {
      if (time[s] === want) return s;
      if (time[s] > want) break;
    }
  }
  return -1;
}

/** x at time t − k within each unit (k < 0: lead). Missing when that period is absent. */
export function lag(panel: Panel, x: Float64Array, k: number): Float64Array {
  if (k === 0) return x.slice();
  const { offsets, time } = panel;
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = 0; i < panel.nunits; i++) {
    const lo = offsets[i];
    const hi = offsets[i + 1];
    for (let r = lo; r < hi; r++) {
      const s = lagRow(time, lo, hi, r, k);
      if (s >= 0) out[r] = x[s];
    }
  }
  return out;
}

/** d-th difference: D.x = x_t − x_{t−1} (missing if either is). */
export function diff(panel: Panel, x: Float64Array, order = 1): Float64Array {
  if (order > 1) {
    // A difference of an order beyond the time span reaches outside the data in every row: all missing,
    // without the `order` passes (D1000000.x took seconds).
    const [lo, hi] = panel.timeRange;
    if (order > hi - lo) return new Float64Array(x.length).fill(NaN);
  }
  let y = x;
  for (let d = 0; d < order; d++) {
    const out = lag(panel, y, 1);
    for (let r = 0; r < y.length; r++) out[r] = y[r] - out[r];
    y = out;
  }
  return order === 0 ? x.slice() : y;
}

/**
 * Forward orthogonal deviations (Arellano and Bover 1995, eq. 2.8): for each non-missing x_it,
 * sqrt(m/(m+1)) · (x_it − mean of the m later non-missing x_is of the unit); missing when m = 0.
 * The value is stored at period t.
 */
export function forwardOrthogonal(panel: Panel, x: Float64Array): Float64Array {
  const { offsets } = panel;
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = 0; i < panel.nunits; i++) {
    let sum = 0;
    let m = 0;
    for (let r = offsets[i + 1] - 1; r >= offsets[i]; r--) {
      if (Number.isNaN(x[r])) continue;
      if (m > 0) out[r] = Math.sqrt(m / (m + 1)) * (x[r] - sum / m);
      sum += x[r];
      m++;
    }
  }
  return out;
}

/** Within transformation: x minus its unit mean over non-missing values. */
export function within(panel: Panel, x: Float64Array): Float64Array {
  const { offsets } = panel;
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = 0; i < panel.nunits; i++) {
    let sum = 0;
    let m = 0;
    for (let r = offsets[i]; r < offsets[i + 1]; r++) if (!Number.isNaN(x[r])) { sum += x[r]; m++; }
    const mean = sum / m;
    for (let r = offsets[i]; r < offsets[i + 1]; r++) out[r] = x[r] - mean;
  }
  return out;
}

/** One 0/1 dummy per period present in the panel, named prefix + year (yr1976, ...). */
export function timeDummies(panel: Panel, prefix = 'yr', all?: readonly number[]): { name: string; values: Float64Array }[] {
  // all: the periods of the whole panel when `panel` is one shard of it (src/scale).
  const periods = all ? [...all] : [...new Set(panel.time)].sort((a, b) => a - b);
  // A negative period is written m<t> ("yr-3" is no variable name: a test or lincom could not name it).
  return periods.map((t) => ({ name: `${prefix}${t < 0 ? `_m${-t}` : t}`, values: Float64Array.from(panel.time, (s) => (s === t ? 1 : 0)) }));
}

/** A term as a column and a lag still to apply: L<k>.D<d>.base is lag k of `values` = D<d>.base (a plain
 *  or lagged variable is the panel's own column: read it, do not write it). Consumers that walk a
 *  unit's rows apply the lag themselves, so a lagged variable is never copied whole. */
export interface LaggedColumn {
  values: Float64Array;
  lag: number;
}

export function termColumn(panel: Panel, t: Term): LaggedColumn {
  const base = panel.column(t.base);
  return { values: t.diff === 0 ? base : diff(panel, base, t.diff), lag: t.lag };
}

/** The column of a LaggedColumn with its lag applied, in panel row order. */
export function materialize(panel: Panel, c: LaggedColumn): Float64Array {
  return c.lag === 0 ? c.values : lag(panel, c.values, c.lag);
}

/** Values of a term (L<k>.D<d>.base) in panel row order; a plain variable is the panel's own column
 *  (read it, do not write it). */
export function evalTerm(panel: Panel, t: Term): Float64Array {
  return materialize(panel, termColumn(panel, t));
}
