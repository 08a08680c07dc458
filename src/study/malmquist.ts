// The Malmquist productivity index between consecutive years, with its efficiency-change and
// technical-change parts, from CRS DEA distance functions per year.
import { DataError } from '../errors.ts';
import { Frontier, loadHighs, rowsByYear, subset, validUnit, type Technology } from './dea.ts';
import { MissingTally, type MeasureWarning } from './warnings.ts';

export interface MalmquistResult {
  /** Malmquist index from the city's previous year to this row's year (> 1: productivity grew). */
  mi: Float64Array;
  /** Efficiency change D^{t+1}(x^{t+1}, y^{t+1}) / D^t(x^t, y^t). */
  ec: Float64Array;
  /** Technical change: the geometric mean shift of the frontier; mi = ec × tc. */
  tc: Float64Array;
  /** D^t(x^t, y^t): CRS efficiency against the row's own year frontier. */
  own: Float64Array;
  /** One per output column (malmquist, malmquist_ec, malmquist_tc) with missing values. */
  warnings: MeasureWarning[];
}

export const MALMQUIST_NAMES = ['malmquist', 'malmquist_ec', 'malmquist_tc'] as const;

/**
 * Färe, Grosskopf, Norris & Zhang (1994, AER 84(1), eqs. 5–6), geometric-mean form:
 *   MI = [ D^t(x^{t+1},y^{t+1}) / D^t(x^t,y^t) × D^{t+1}(x^{t+1},y^{t+1}) / D^{t+1}(x^t,y^t) ]^{1/2}
 *   EC = D^{t+1}(x^{t+1},y^{t+1}) / D^t(x^t,y^t),   TC = MI / EC,
 * where D^s(x, y) is the CRS input-oriented efficiency θ of (x, y) against the year-s frontier
 * (under CRS equal to the output distance function the paper uses); the cross-period values can
 * exceed 1. The value for the pair (t, t+1) goes on the row of year t+1; t and t+1 are consecutive
 * years present in the data. Cities absent or with non-positive data in either year get NaN. Where
 * a year is absent for every city, the pair spans more than one step of the years (their greatest
 * common difference): the index is then the change over that span, and a warning counts such values
 * by pair of years.
 */
export async function malmquist(data: Technology & { city: ArrayLike<string | number>; year: ArrayLike<number> }): Promise<MalmquistResult> {
  const n = data.year.length;
  if (data.city.length !== n) throw new DataError(`city has ${data.city.length} values for ${n} rows`);
  for (const v of [...data.inputs, ...data.outputs]) if (v.length !== n) throw new DataError(`Malmquist input/output columns have ${v.length} values for ${n} rows`);
  const highs = await loadHighs();
  const crs = { returns: 'crs', orientation: 'input' } as const;
  const mi = new Float64Array(n).fill(NaN);
  const ec = new Float64Array(n).fill(NaN);
  const tc = new Float64Array(n).fill(NaN);
  const own = new Float64Array(n).fill(NaN);
  const tally = new MissingTally();
  const missing = (reason: string) => {
    for (const name of MALMQUIST_NAMES) tally.add(name, reason);
  };
  const unit = (r: number): [number[], number[]] => [data.inputs.map((v) => v[r]), data.outputs.map((v) => v[r])];

  const byYear = rowsByYear(data.year);
  const years = [...byYear.keys()];
  const step = years.slice(1).reduce((g, y, k) => gcd(g, y - years[k]), 0);
  /** Values computed across more than one step, by "from→to". */
  const spans = new Map<string, number>();
  let prev: { year: number; frontier: Frontier | null; rowOfCity: Map<string | number, number> } | null = null;
  let frontier: Frontier | null = null;
  try {
    for (const [year, rows] of byYear) {
      const valid = rows.filter((r) => validUnit(data, r));
      frontier = valid.length ? Frontier.build(highs, subset(data, valid), crs) : null;
      const rowOfCity = new Map<string | number, number>();
      for (const r of valid) {
        if (rowOfCity.has(data.city[r])) throw new DataError(`duplicate city-year (city ${data.city[r]}, year ${year}) at row ${r + 1}`, { row: r + 1 });
        rowOfCity.set(data.city[r], r);
        own[r] = Math.min(frontier!.efficiency(...unit(r)), 1);
      }
      for (const r of rows) {
        if (prev === null) missing('first year (no previous year)');
        else if (!rowOfCity.has(data.city[r])) missing('missing or non-positive input/output');
        else if (!prev.rowOfCity.has(data.city[r])) missing('city missing or invalid in the previous year');
        else {
          const q = prev.rowOfCity.get(data.city[r])!;
          const dPrevPrev = own[q];
          const dCurCur = own[r];
          const dPrevCur = prev.frontier!.efficiency(...unit(r)); // D^t(x^{t+1}, y^{t+1})
          const dCurPrev = frontier!.efficiency(...unit(q)); // D^{t+1}(x^t, y^t)
          if (![dPrevPrev, dCurCur, dPrevCur, dCurPrev].every(Number.isFinite)) {
            missing('LP not solved to optimality');
            continue;
          }
          ec[r] = dCurCur / dPrevPrev;
          tc[r] = Math.sqrt((dPrevCur / dCurCur) * (dPrevPrev / dCurPrev));
          mi[r] = Math.sqrt((dPrevCur / dPrevPrev) * (dCurCur / dCurPrev));
          if (year - prev.year > step) spans.set(`${prev.year}→${year}`, (spans.get(`${prev.year}→${year}`) ?? 0) + 1);
        }
      }
      prev?.frontier?.dispose();
      prev = { year, frontier, rowOfCity };
    }
  } finally {
    if (prev?.frontier !== frontier) prev?.frontier?.dispose();
    frontier?.dispose();
  }
  const warnings = tally.warnings(MALMQUIST_NAMES);
  if (spans.size) {
    const cityYears = [...spans.values()].reduce((a, b) => a + b, 0);
    warnings.push({
      measure: 'malmquist',
      cityYears,
      reasons: Object.fromEntries(spans),
      message: `malmquist, malmquist_ec and malmquist_tc of ${cityYears} city-year(s) compare years more than one step (${step}) apart, no year between being in the data: ${[...spans].map(([pair, k]) => `${pair} (${k})`).join(', ')}; each is the change over the whole span, on the later year's row`,
    });
  }
  return { mi, ec, tc, own, warnings };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
