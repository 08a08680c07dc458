// Bootstrap summaries of replication draws: SE, percentile, basic and studentized (bootstrap-t)
// intervals, and bootstrap p-values (Efron & Tibshirani 1993, ch. 12–13; Davison & Hinkley 1997, §5.2).
import { levelPercentLabel } from '../stats/confidence-level.ts';

/** Type-7 sample quantile (linear interpolation between order statistics) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The warning for `reps` replications too few for intervals at `level` (a fraction), or null. A
 * (1 − level) interval reads the a = (1 − level)/2 quantiles: they fall between draws only when (B + 1)·a ≥ 1.
 * `ran`: the replications run, when only `reps` of them succeeded (the summaries use those).
 */
export function tooFewReplications(reps: number, level: number, ran = reps): string | null {
  const minReps = Math.ceil(2 / (1 - level) - 1 - 1e-9);
  if (reps >= minReps) return null;
  const used = ran > reps ? ` used (of ${ran}; ${ran - reps} failed)` : '';
  return `${reps} replications${used} are too few for ${levelPercentLabel(level)}% intervals: their quantiles need at least ${minReps} (999 is usual)`;
}

function finiteSorted(x: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) out.push(x[i]);
  return Float64Array.from(out).sort();
}

export interface Interval {
  low: number;
  high: number;
}

export interface CoefficientBootstrap {
  name: string;
  estimate: number;
  /** Analytic (e.g. Windmeijer) SE of the original fit. */
  se: number;
  /** Standard deviation of the replication estimates. */
  bootSe: number;
  percentile: Interval;
  basic: Interval;
  /** Bootstrap-t interval; null when the replications carry no SEs. */
  studentized: Interval | null;
  /** Bootstrap p-value of H0: coefficient = 0, of the kind pKind names. */
  p: number;
  /** 'bootstrap-t': symmetric, (#{|t*| ≥ |t|} + 1)/(B + 1); 'percentile' (the replications carry no SEs):
   *  equal-tailed, 2·min(#{b* ≤ 0} + 1, #{b* ≥ 0} + 1)/(B + 1), at most 1. */
  pKind: 'bootstrap-t' | 'percentile';
}

/**
 * Summarise one coefficient. draws[b] = replication estimate; drawSe[b] = its SE (for bootstrap-t),
 * centred at the original estimate, as the replications come from recentred moments.
 */
export function summariseCoefficient(
  name: string,
  estimate: number,
  se: number,
  draws: ArrayLike<number>,
  drawSe: ArrayLike<number> | null,
  level = 0.95,
): CoefficientBootstrap {
  const a = (1 - level) / 2;
  const sorted = finiteSorted(draws);
  const n = sorted.length;
  const pKind = drawSe ? 'bootstrap-t' : 'percentile';
  // Fewer than two usable replications: no spread, interval or p-value can be computed (NaN, shown as missing).
  if (n < 2) {
    const none = { low: NaN, high: NaN };
    return { name, estimate, se, bootSe: NaN, percentile: none, basic: none, studentized: drawSe ? none : null, p: NaN, pKind };
  }
  let mean = 0;
  for (const v of sorted) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of sorted) ss += (v - mean) ** 2;
  const bootSe = Math.sqrt(ss / (n - 1));
  const qlo = quantileSorted(sorted, a);
  const qhi = quantileSorted(sorted, 1 - a);
  let studentized: Interval | null = null;
  let p: number;
  if (drawSe) {
    const t: number[] = [];
    for (let b = 0; b < draws.length; b++) {
      const v = (draws[b] - estimate) / drawSe[b];
      if (Number.isFinite(v)) t.push(v);
    }
    const ts = Float64Array.from(t).sort();
    if (ts.length < 2) return { name, estimate, se, bootSe, percentile: { low: qlo, high: qhi }, basic: { low: 2 * estimate - qhi, high: 2 * estimate - qlo }, studentized: { low: NaN, high: NaN }, p: NaN, pKind };
    studentized = { low: estimate - quantileSorted(ts, 1 - a) * se, high: estimate - quantileSorted(ts, a) * se };
    const t0 = Math.abs(estimate / se);
    let exceed = 0;
    for (const v of ts) if (Math.abs(v) >= t0) exceed++;
    p = (exceed + 1) / (ts.length + 1);
  } else {
    // Equal-tailed percentile p-value of H0: coefficient = 0: twice the smaller tail count of draws on
    // either side of 0, with the +1 of the other bootstrap p-values (Davison & Hinkley 1997, §4.2),
    // so that it is never 0.
    let below = 0;
    let above = 0;
    for (const v of sorted) {
      if (v <= 0) below++;
      if (v >= 0) above++;
    }
    p = Math.min(1, (2 * (Math.min(below, above) + 1)) / (n + 1));
  }
  return {
    name,
    estimate,
    se,
    bootSe,
    percentile: { low: qlo, high: qhi },
    basic: { low: 2 * estimate - qhi, high: 2 * estimate - qlo },
    studentized,
    p,
    pKind,
  };
}

/** Bootstrap p-value of an over-identification statistic: share of recentred J* at least J (NaN without any finite J*). */
export function upperTailP(stat: number, draws: ArrayLike<number>): number {
  let exceed = 0;
  let n = 0;
  for (let b = 0; b < draws.length; b++) {
    if (!Number.isFinite(draws[b])) continue;
    n++;
    if (draws[b] >= stat) exceed++;
  }
  return n === 0 ? NaN : (exceed + 1) / (n + 1);
}
