// xtabond2's observation weights ([aw=v], [pw=v], [fw=v]; the 3.7.0 Mata source, xtabond2_mata).
//
// Stata's marksample leaves out an observation whose weight is missing or zero; a negative weight
// and a frequency weight that is not a whole number are errors, and xtabond2 wants frequency weights
// constant over time within a unit. In the estimation a row of either equation carries the weight of
// the period it is stored at (an orthogonal deviation of period t, stored at row t+1, carries period
// t+1's weight, and none when that period is outside the sample). xtabond2 multiplies y and X by the
// weight w and forms Z'HZ with √w on both sides, so every moment sum is the unweighted one over rows
// scaled by √w: Z'WX, Z'W y, Z'√W H √W Z, and σ² from Σ w e². It first rescales the weights
// (normalization below), which changes only σ² and one AR variance term (ar-sums.ts).
import { DataError, SpecError } from '../errors.ts';
import type { Panel } from '../panel/panel.ts';
import type { Weight } from '../spec/types.ts';

/** The range a non-zero weight must lie in (written out in the message below): the two-step weight
 *  matrix sums w²·|x|⁴ (design.ts MAX_MAGNITUDE bounds |x|), and weights beyond it overflow or
 *  underflow those sums without a word (a tester's analytic weights of 1e154 gave other coefficients,
 *  of 1e160 all zero). */
const MAX_WEIGHT = 1e20;
const MIN_WEIGHT = 1e-20;

export interface ObservationWeights extends Weight {
  /** The weight of each panel row, as the column holds it. */
  values: Float64Array;
  /** Rows of the sample otherwise (if/in passed, y and every regressor present) whose weight is
   *  missing or zero: not observations (null: none). */
  out: Uint8Array | null;
}

/**
 * The weights of a model's rows, checked: rowOk marks the rows that are observations but for their
 * weight (xtabond2's marksample before the weight's markout). Refuses a negative weight, a frequency
 * weight that is not a whole number or that changes within a unit, naming the row.
 */
export function observationWeights(panel: Panel, weight: Weight, rowOk: Uint8Array): ObservationWeights {
  const { variable, kind } = weight;
  const values = panel.column(variable);
  const where = (r: number) => `${panel.source ? `${panel.source}: ` : ''}weight column '${variable}' has ${values[r]} in the row of ${panel.idName} ${panel.units[panel.unitOf[r]]}, ${panel.timeName} ${panel.time[r]}`;
  const fail = (r: number, why: string) => new DataError(`${where(r)}: ${why}`, { file: panel.source || undefined, column: variable });
  let out: Uint8Array | null = null;
  for (let u = 0; u < panel.nunits; u++) {
    let first = -1;
    for (let r = panel.offsets[u]; r < panel.offsets[u + 1]; r++) {
      if (!rowOk[r]) continue;
      const v = values[r];
      if (v !== v || v === 0) {
        (out ??= new Uint8Array(values.length))[r] = 1;
        continue;
      }
      if (v < 0) throw fail(r, 'weights may not be negative');
      if (!(v >= MIN_WEIGHT && v <= MAX_WEIGHT))
        throw fail(r, `weights must lie between 1e-20 and 1e20 (the two-step sums hold their squares times four values of the data); analytic and sampling weights may be rescaled freely, as xtabond2 rescales them to sum to the observations`);
      if (kind === 'fweight') {
        if (!Number.isInteger(v)) throw fail(r, 'frequency weights must be whole numbers');
        if (first < 0) first = r;
        else if (v !== values[first])
          throw fail(r, `frequency weights must be constant over time within a unit for xtabond2 (${values[first]} at ${panel.timeName} ${panel.time[first]})`);
      }
    }
  }
  return { kind, variable, values, out };
}

/** Which of a sample's totals (CountTotals) e(N) and σ²'s divisor are, and over which the weights are
 *  rescaled (scale = t[scaleTo] / wMain; 1 when null). */
interface CountBasis {
  nobs: keyof CountTotals;
  divisor: keyof CountTotals;
  scaleTo: keyof CountTotals | null;
}

/**
 * xtabond2's normalization of the weights and its σ² divisor (wttot), from the sample's main-equation
 * rows (nMain of them, weights summing to wMain) and its transformed-equation rows (nTrans, wTrans);
 * `transformedSigma`: σ² over the transformed rows (system GMM under h(2)/h(3)).
 *   no weights: N = nMain; wttot = nTrans (transformedSigma) or nMain.
 *   aweights, pweights: w ← w·nMain/wMain; N and wttot as without weights.
 *   fweights: N = wMain; with transformedSigma w as given and wttot = wTrans; otherwise
 *     w ← w·n/wMain and wttot = n, n = wMain after a one-step non-robust fit (so w as given), else nMain.
 */
function countBasis(kind: Weight['kind'] | null, transformedSigma: boolean, onestepNonRobust: boolean): CountBasis {
  if (kind !== 'fweight') return { nobs: 'nMain', divisor: transformedSigma ? 'nTrans' : 'nMain', scaleTo: kind ? 'nMain' : null };
  if (transformedSigma) return { nobs: 'wMain', divisor: 'wTrans', scaleTo: null };
  const n = onestepNonRobust ? 'wMain' : 'nMain';
  return { nobs: 'wMain', divisor: n, scaleTo: n };
}

/** What the normalization reads of a sample's blocks (blocks.ts UnitBlocks). */
interface WeightedCounts {
  n: number;
  obsMain: Int32Array;
  obsTrans: Int32Array;
  weightSums: { main: Float64Array; trans: Float64Array } | null;
}

/** A sample's observations of the main and the transformed equation, and their weights summed (0
 *  without weights): of its blocks, each unit counted w_i times (bootstrap draws), or merged from the
 *  'moments' partial sums of its parts (passes.ts). */
export interface CountTotals {
  nMain: number;
  nTrans: number;
  wMain: number;
  wTrans: number;
}

export function countTotals(b: WeightedCounts, w: Float64Array | null = null): CountTotals {
  const t = { nMain: 0, nTrans: 0, wMain: 0, wTrans: 0 };
  for (let i = 0; i < b.n; i++) {
    const c = w ? w[i] : 1;
    t.nMain += c * b.obsMain[i];
    t.nTrans += c * b.obsTrans[i];
    if (b.weightSums) {
      t.wMain += c * b.weightSums.main[i];
      t.wTrans += c * b.weightSums.trans[i];
    }
  }
  return t;
}

/**
 * The counts a fit divides by (countBasis): σ²'s (sigmaObs: xtabond2's wttot), e(N), the weights'
 * normalization factor and their sum (null without weights). Weights are refused with the 2009
 * release's conventions (validate.ts), so `transformedSigma` is system GMM under h(2)/h(3) whenever
 * they are given.
 */
export function sampleCounts(
  spec: { weight?: Weight },
  transformedSigma: boolean,
  onestepNonRobust: boolean,
  t: CountTotals,
): { sigmaObs: number; nobs: number; weightScale: number; weightSum: number | null } {
  const basis = countBasis(spec.weight?.kind ?? null, transformedSigma, onestepNonRobust);
  return {
    sigmaObs: t[basis.divisor],
    nobs: t[basis.nobs],
    weightScale: basis.scaleTo ? t[basis.scaleTo] / t.wMain : 1,
    weightSum: spec.weight ? t.wMain : null,
  };
}

/**
 * Per unit, what it adds to e(N) and to σ²'s divisor (countBasis): its observation counts, or under
 * frequency weights its weights summed. A bootstrap replication sums these over its draws, as
 * xtabond2 would count on the resampled data.
 */
export function unitCounts(
  spec: { weight?: Weight },
  transformedSigma: boolean,
  onestepNonRobust: boolean,
  b: WeightedCounts,
): { obsMain: Float64Array; obsSigma: Float64Array } {
  const basis = countBasis(spec.weight?.kind ?? null, transformedSigma, onestepNonRobust);
  const perUnit = (k: keyof CountTotals): Float64Array => {
    const w = b.weightSums;
    if ((k === 'wMain' || k === 'wTrans') && !w) throw new Error('unitCounts: weighted counts need the blocks\' weight sums');
    return Float64Array.from(k === 'nMain' ? b.obsMain : k === 'nTrans' ? b.obsTrans : k === 'wMain' ? w!.main : w!.trans);
  };
  return { obsMain: perUnit(basis.nobs), obsSigma: perUnit(basis.divisor) };
}

/** Refuse observation weights where `what` does not apply them (the README lists where they work). */
export function refuseWeights(spec: { weight?: Weight }, what: string): void {
  if (spec.weight)
    throw new SpecError(`${what} does not take observation weights ([${spec.weight.kind}=${spec.weight.variable}]); they are applied by estimate (in one process, on threads or on a partitioned panel), bootstrap, grid, predict, test and lincom`, 'weight');
}
