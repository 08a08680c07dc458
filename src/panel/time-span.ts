// The GMM layout gives every unit one slot per period of the time span, as xtabond2 does (a lag is
// the value at t−k, so periods absent from the data still take their place on the axis). A span far
// wider than the periods present (one mistyped year, yyyymmdd dates) would make that layout huge;
// it is refused, naming the time value and unit that stretch it.
import { DataError } from '../errors.ts';
import type { Panel } from './panel.ts';

/** Most periods the span may have. */
export const MAX_SPAN = 1000;

/**
 * Refuse a span (over the rows of the given units) of more than MAX_SPAN periods, or one in which
 * more periods hold no observation than hold one.
 */
export function checkTimeSpan(panel: Panel, units: ArrayLike<number>): void {
  const { offsets, time } = panel;
  const count = periodCounts(time, offsets, units);
  const periods = [...count.keys()].sort((a, b) => a - b);
  if (periods.length === 0) return;
  const first = periods[0];
  const last = periods[periods.length - 1];
  const span = last - first + 1;
  if (span <= MAX_SPAN && span - periods.length <= periods.length) return;
  // The widest gap between periods present, and the side of it with fewer observations.
  let g = 1;
  for (let k = 2; k < periods.length; k++) if (periods[k] - periods[k - 1] > periods[g] - periods[g - 1]) g = k;
  let below = 0;
  for (let k = 0; k < g; k++) below += count.get(periods[k])!;
  const above = [...count.values()].reduce((a, b) => a + b, 0) - below;
  const odd = above <= below ? periods[g] : periods[g - 1];
  const near = above <= below ? periods[g - 1] : periods[g];
  let unit: string | number = '';
  for (let j = 0; j < units.length && unit === ''; j++) {
    const i = units[j];
    for (let r = offsets[i]; r < offsets[i + 1]; r++) if (time[r] === odd) unit = panel.units[i];
  }
  const at = panel.source ? ` in ${panel.source}` : '';
  throw new DataError(
    `time span ${first}-${last}${at} is ${span} periods, of which ${periods.length} hold observations: ` +
      `${panel.timeName} ${odd} (${panel.idName} ${unit}) lies ${Math.abs(odd - near)} periods from ${near}, the nearest other period. ` +
      `A mistyped time, or times that are not consecutive periods (such as yyyymmdd dates)? ` +
      `Each period of the span takes a place in the model's layout, as in xtabond2, so the span may have at most ${MAX_SPAN} periods and no more empty periods than periods with data; recode ${panel.timeName} as consecutive integers`,
    { file: panel.source, column: panel.timeName },
  );
}

/** Rows per time value over the given units; an array count when the times are integers within
 *  MAX_SPAN of each other (the common case), a Map otherwise. Times strictly increase within a unit
 *  (Panel), so a unit's first and last rows hold its span. */
function periodCounts(time: Float64Array, offsets: Int32Array, units: ArrayLike<number>): Map<number, number> {
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < units.length; j++) {
    const i = units[j];
    if (offsets[i + 1] === offsets[i]) continue;
    lo = Math.min(lo, time[offsets[i]]);
    hi = Math.max(hi, time[offsets[i + 1] - 1]);
  }
  const count = new Map<number, number>();
  if (lo > hi) return count;
  if (hi - lo < MAX_SPAN) {
    const n = new Float64Array(hi - lo + 1);
    let integer = true;
    for (let j = 0; j < units.length && integer; j++) {
      const i = units[j];
      for (let r = offsets[i]; r < offsets[i + 1]; r++) {
        const k = time[r] - lo;
        if (k !== Math.floor(k)) {
          integer = false;
          break;
        }
        n[k]++;
      }
    }
    if (integer) {
      n.forEach((c, k) => c > 0 && count.set(lo + k, c));
      return count;
    }
  }
  for (let j = 0; j < units.length; j++) {
    const i = units[j];
    for (let r = offsets[i]; r < offsets[i + 1]; r++) count.set(time[r], (count.get(time[r]) ?? 0) + 1);
  }
  return count;
}
