// The panel's shape and per-variable summary statistics (the study's descriptive-statistics table):
// a pure function of the panel, formatted elsewhere (src/report/describe-table.ts).
import type { Panel, PanelExclusions } from './panel.ts';
import { evalExpression } from './expression.ts';

export interface VariableSummary {
  name: string;
  /** Non-missing observations. */
  count: number;
  missing: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator, as Stata's summarize). */
  sd: number;
  min: number;
  max: number;
}

export interface PanelDescription {
  source: string;
  id: string;
  time: string;
  units: number;
  /** Distinct time values present. */
  periods: number;
  timeMin: number;
  timeMax: number;
  observations: number;
  obsPerUnit: { min: number; mean: number; max: number };
  /** Every unit is observed in every period present in the panel. */
  balanced: boolean;
  /** Units with a missing period between their first and last (time steps of more than 1). */
  unitsWithGaps: { count: number; first: Array<string | number> };
  /** Rows left out because the unit or the time was missing. */
  excluded: PanelExclusions;
  /** Text columns left out of the default listing, with where the first non-number is (CSV). */
  textColumns: { name: string; firstNonNumber?: string }[];
  /** Warnings about the data (ids with blanks). */
  notes: string[];
  variables: VariableSummary[];
}

/** Count, missing, mean, sd (two-pass), min, max of the non-missing values. */
export function summarize(name: string, x: Float64Array): VariableSummary {
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    if (Number.isNaN(v)) continue;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let { mean, sd } = moments(x, count, 1);
  // Values near the float64 limit overflow the sums (1e308 gave a standard deviation of Infinity):
  // then the moments are taken of x / max|x| and scaled back.
  if (count > 1 && (!Number.isFinite(mean) || !Number.isFinite(sd))) {
    const scale = Math.max(Math.abs(min), Math.abs(max));
    if (Number.isFinite(scale) && scale > 0) {
      const m = moments(x, count, scale);
      mean = m.mean * scale;
      sd = m.sd * scale;
    }
  }
  return {
    name,
    count,
    missing: x.length - count,
    mean,
    sd: count > 1 ? sd : NaN,
    min: count ? min : NaN,
    max: count ? max : NaN,
  };
}

/** Mean and sample standard deviation of the non-missing values of x / scale (count of them given). */
function moments(x: Float64Array, count: number, scale: number): { mean: number; sd: number } {
  let sum = 0;
  for (const v of x) if (!Number.isNaN(v)) sum += v / scale;
  const mean = count ? sum / count : NaN;
  let ss = 0;
  for (const v of x) if (!Number.isNaN(v)) ss += (v / scale - mean) * (v / scale - mean);
  return { mean, sd: count > 1 ? Math.sqrt(ss / (count - 1)) : NaN };
}

/**
 * Describe the panel and the given variables (column names or expressions such as `log(emp)`);
 * by default every numeric column other than id and time.
 */
export function describePanel(panel: Panel, vars?: string[], maxListed = 5): PanelDescription {
  const { offsets, time } = panel;
  const periods = new Set(time).size;
  const [timeMin, timeMax] = panel.timeRange;
  let minT = Infinity;
  let maxT = 0;
  let balanced = true;
  const gaps: Array<string | number> = [];
  let gapCount = 0;
  for (let i = 0; i < panel.nunits; i++) {
    const T = offsets[i + 1] - offsets[i];
    if (T < minT) minT = T;
    if (T > maxT) maxT = T;
    if (T !== periods) balanced = false;
    for (let r = offsets[i] + 1; r < offsets[i + 1]; r++) {
      if (time[r] - time[r - 1] > 1) {
        gapCount++;
        if (gaps.length < maxListed) gaps.push(panel.units[i]);
        break;
      }
    }
  }
  const names = vars ?? panel.numericNames();
  return {
    source: panel.source,
    id: panel.idName,
    time: panel.timeName,
    units: panel.nunits,
    periods,
    timeMin,
    timeMax,
    observations: panel.nrows,
    obsPerUnit: { min: minT, mean: panel.nrows / panel.nunits, max: maxT },
    balanced,
    unitsWithGaps: { count: gapCount, first: gaps },
    excluded: { ...panel.exclusions },
    textColumns: vars
      ? []
      : panel.names().filter((n) => !panel.isNumeric(n)).map((name) => {
          const why = panel.whyText.get(name);
          return why === undefined ? { name } : { name, firstNonNumber: why };
        }),
    notes: [...panel.notes],
    variables: names.map((v) => summarize(v, panel.has(v) && panel.isNumeric(v) ? panel.column(v) : evalExpression(panel, v))),
  };
}
