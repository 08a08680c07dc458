// The model laid out on xtabond2's grid: every unit in the sample gets T periods (T = the span of
// time over the sample's units), so period t of every unit is row t of its transformed equation
// (first differences, or forward orthogonal deviations of period t−1 stored at row t) and row T+t of
// its level equation. A row enters the estimation when it passes the command's if/in, and its
// dependent variable, regressors and iv-style instruments are all present (xtabond2's touse); an
// orthogonal-deviation row t holds period t−1's deviation and goes by that period (under the 2009
// release's conventions it also needs period t itself in the sample). gmm-style lags that are
// missing are zeros.
import type { Panel } from '../panel/panel.ts';
import { checkTimeSpan } from '../panel/time-span.ts';
import { lagRow, materialize, termColumn, timeDummies, type LaggedColumn } from '../panel/operators.ts';
import { specTerms, type Equation, type GmmGroup, type ModelSpec, type Term } from '../spec/types.ts';
import { DataError, SpecError } from '../errors.ts';
import { evalCondition, inRangeMask } from '../spec/condition.ts';
import { withTimeDummies } from '../spec/time-dummies.ts';
import { splitGroup, validateSpec, withoutIgnored } from '../spec/validate.ts';
import { checkedLevels, expandFactors, withFactorColumns, type FactorLevels } from '../spec/factor-variables.ts';
import { observationWeights, type ObservationWeights } from './weights.ts';
import { backwardDeviations } from './backward-deviations.ts';

/** An iv-style group with its variables resolved to source-column indices. */
export interface ResolvedIv {
  vars: number[];
  equation: Equation;
  passthru: boolean;
  mz: boolean;
  label: string;
}

/** A gmm-style group (split already expanded) with its variables resolved to gmm-source indices. */
export interface ResolvedGmm {
  vars: number[];
  equation: Equation;
  passthru: boolean;
  collapse: boolean;
  lagMin: number;
  /** null for an open upper limit (as in the spec; upperLag in spec/labels.ts bounds it). */
  lagMax: number | null;
  label: string;
  /** Under the `orthogonal` suboption, the gmm variables (indices as `vars`) that hold the backward
   *  orthogonal deviations of `vars` (backward-deviations.ts), read where the group instruments with
   *  levels; null without it. */
  bodVars: number[] | null;
}

export interface Design {
  spec: ModelSpec;
  panel: Panel;
  system: boolean;
  orthogonal: boolean;
  /** Periods on the grid and the first period's time value. */
  T: number;
  tmin: number;
  /** First and last period of the sample units' own rows (the grid, tmin .. tmin + T − 1, is wider
   *  when a layout is imposed on a shard). */
  sampleSpan: { tmin: number; tmax: number };
  /** Panel unit index of each sample unit (units with at least one row where y and X are present). */
  units: Int32Array;
  /** Source columns, each with the lag still to apply (operators.ts LaggedColumn): [depvar,
   *  regressors..., iv vars..., gmm vars...]. UnitRows.load applies the lags unit by unit. */
  sources: LaggedColumn[];
  /** Regressor names in order, with "_cons" last in system GMM unless noconstant. */
  regressorNames: string[];
  /** Number of regressors without the constant. */
  k0: number;
  hasConstant: boolean;
  /** iv groups in specification order (the constant is not among them). */
  iv: ResolvedIv[];
  /** Index of the first iv source in `sources`; iv var v of the model is sources[ivBase + v]. */
  ivBase: number;
  nIvVars: number;
  gmm: ResolvedGmm[];
  gmmBase: number;
  nGmmVars: number;
  /** Panel rows that pass the command's `if`/`in` qualifiers (null: all rows). Rows outside are not
   *  observations, but their data still feed lags, differences and instruments, as in xtabond2. */
  qualified: Uint8Array | null;
  /** The observation weights ([aw=v], [pw=v], [fw=v]; weights.ts), null without. Rows whose weight is
   *  missing or zero are outside `qualified`, as Stata's marksample leaves them out. */
  weights: ObservationWeights | null;
  /** The dummies `timedummies` made (spec/time-dummies.ts), by name; empty without it. */
  timeDummies: string[];
  /** The levels each i. term was expanded over (spec/factor-variables.ts); empty without one. */
  factors: FactorLevels;
  warnings: string[];
}

function dedupeTerms(terms: Term[]): Term[] {
  const seen = new Set<string>();
  return terms.filter((t) => (seen.has(t.name) ? false : (seen.add(t.name), true)));
}

/** Refuse what xtabond2 refuses (validateSpec: the same check as for a parsed command), drop what it
 *  ignores with its notes (withoutIgnored), make the factor variables' columns, and apply `timedummies`. */
function resolveSpec(
  panel0: Panel,
  spec0: ModelSpec,
  periods?: readonly number[],
): { panel: Panel; spec: ModelSpec; timeDummies: string[]; factors: FactorLevels; notes: string[] } {
  validateSpec(spec0);
  const { spec: spec1, notes } = withoutIgnored(spec0);
  const { panel, spec, factors } = withFactorVariables(panel0, spec1, periods);
  refuseOutOfScale(panel, specTerms(spec));
  if (!spec.timeDummies) return { panel, spec, timeDummies: [], factors, notes };
  let p = panel;
  const dummies = timeDummies(panel, 'yr', periods);
  for (const d of dummies) {
    // A column of that name that holds something else would be replaced without a word.
    if (panel.has(d.name) && !(panel.isNumeric(d.name) && panel.column(d.name).every((v, r) => v === d.values[r])))
      throw new SpecError(`timedummies makes ${d.name}, the dummy of its period, but the data has a column ${d.name} that holds something else; rename that column`, 'timedummies');
    p = p.withColumn(d.name, d.values);
  }
  const names = dummies.map((d) => d.name);
  return { panel: p, spec: withTimeDummies(spec, names), timeDummies: names, factors, notes };
}

/** The specification with its i. terms expanded over their levels and the panel with a column for
 *  each factor-variable term (src/spec/factor-variables.ts). On a shard of a panel (`periods` given,
 *  src/scale) the levels of i.<time variable> are the whole panel's periods; another variable's levels
 *  are not known there, so i. of it is refused, and so is ib(freq). of any. */
export function withFactorVariables(panel: Panel, spec0: ModelSpec, periods?: readonly number[]): { panel: Panel; spec: ModelSpec; factors: FactorLevels } {
  const { spec, factors } = expandFactors(panel, spec0, {
    levelsOf: (v) => (periods && v === panel.timeName ? checkedLevels(v, periods, panel.source) : null),
    shard: periods !== undefined,
  });
  return { panel: withFactorColumns(panel, specTerms(spec)), spec, factors };
}

/** The largest magnitude a model variable may take. The two-step weight matrix sums products of four
 *  values of the data's scale (Σ Z_i'e_i e_i'Z_i: instruments and residuals), so |x|⁴ times the
 *  observations must stay below float64's 1.8e308; 1e75 leaves a factor 1e8 for that sum. Beyond it
 *  sums overflow and the fit comes out wrong without a word (a regressor 'dropped due to collinearity',
 *  every standard error missing). No measurement is that large (1e75 is near the atoms in the universe). */
export const MAX_MAGNITUDE = 1e75;
/** The smallest non-zero magnitude a model variable may take, for the other end of the same sums: at
 *  the data's scale s they hold s⁴, which below (1e-75)⁴ = 1e-300 nears float64's smallest normal
 *  number (2.2e-308) and underflows; a tester's panel at 1e-90 got robust SEs 17 times too small, AR
 *  z of ±Infinity and, at 1e-160, a regressor 'dropped due to collinearity', all with exit 0. */
export const MIN_MAGNITUDE = 1e-75;

/** Refuse a value of the dependent variable, a regressor or an instrument beyond ±MAX_MAGNITUDE, or
 *  non-zero within ±MIN_MAGNITUDE, naming the column, the row by its unit and time (the same on a
 *  shard of the panel as in the whole file) and the value. Every row of the columns is checked, in
 *  the sample or not, so a single-process, threaded and sharded run refuse the same data. */
export function refuseOutOfScale(panel: Panel, terms: readonly Term[]): void {
  for (const name of new Set(terms.map((t) => t.base))) {
    if (!panel.has(name) || !panel.isNumeric(name)) continue; // unknown or text: panel.column names the fault later
    const x = panel.column(name);
    for (let r = 0; r < x.length; r++) {
      const v = x[r];
      const huge = v > MAX_MAGNITUDE || v < -MAX_MAGNITUDE;
      if (huge || (v !== 0 && v < MIN_MAGNITUDE && v > -MIN_MAGNITUDE))
        throw new DataError(
          `${panel.source ? `${panel.source}: ` : ''}column '${name}' has ${v} in the row of ${panel.idName} ${panel.units[panel.unitOf[r]]}, ${panel.timeName} ${panel.time[r]}: ` +
            (huge
              ? `model variables must lie within ±${MAX_MAGNITUDE} (beyond it the GMM sums overflow double precision); rescale the column`
              : `non-zero model variables must be at least ${MIN_MAGNITUDE} in magnitude (below it the GMM sums underflow double precision); rescale the column, or write 0 where the value stands for zero`),
          { file: panel.source || undefined, column: name },
        );
    }
  }
}

/** A dependent variable without variation over the sample (or, without the level equation, within every
 *  unit) explains nothing. Within a unit, the rows next to a sample row count too: a first difference
 *  reads the row before (which an if condition may leave out of the sample), a forward deviation the
 *  rows after. */
function refuseConstant(name: string, y: Float64Array, rowOk: Uint8Array, panel: Panel, system: boolean): void {
  let lo = Infinity;
  let hi = -Infinity;
  let within = false;
  for (let i = 0; i < panel.nunits; i++) {
    const first = panel.offsets[i];
    const end = panel.offsets[i + 1];
    let ulo = Infinity;
    let uhi = -Infinity;
    for (let r = first; r < end; r++) {
      if (!rowOk[r]) continue;
      lo = Math.min(lo, y[r]);
      hi = Math.max(hi, y[r]);
      for (let q = Math.max(first, r - 1); q <= Math.min(end - 1, r + 1); q++) {
        if (y[q] !== y[q]) continue;
        if (y[q] < ulo) ulo = y[q];
        if (y[q] > uhi) uhi = y[q];
      }
    }
    if (uhi > ulo) within = true;
    // y varies over the sample (and within a unit, as difference GMM needs): nothing more can fail.
    if (lo < hi && (system || within)) return;
  }
  if (lo === hi) throw new SpecError(`the dependent variable ${name} is constant (${lo} in every observation of the sample): there is nothing to explain`, 'varlist');
  if (!system && !within)
    throw new SpecError(`the dependent variable ${name} does not vary within any unit: its differences are all zero, so difference GMM has nothing to explain`, 'varlist');
}

/** The whole panel's layout, imposed on a shard of its units (src/scale): time grid and periods. */
export interface GlobalLayout {
  /** First and last period of the whole sample's units. */
  tmin: number;
  tmax: number;
  /** Every period of the whole panel (for time dummies). */
  periods?: readonly number[];
}

/** Lay the model out on the panel: resolve terms to columns, find the sample units and the time grid
 *  (or, for a shard of a larger panel, take the whole panel's `layout`). */
export function buildDesign(panel0: Panel, spec0: ModelSpec, layout?: GlobalLayout): Design {
  const { panel, spec: resolved, timeDummies, factors, notes } = resolveSpec(panel0, spec0, layout?.periods);
  let spec = resolved;
  const warnings: string[] = [...notes];
  const system = spec.levelEquation;
  const orthogonal = spec.orthogonal;
  const hasConstant = system && spec.constant;
  const regressors = spec.regressors;
  // Each distinct term is evaluated once (a term may be a regressor and an instrument source too).
  const evaluated = new Map<string, LaggedColumn>();
  const evalOnce = (t: Term) => {
    let v = evaluated.get(t.name);
    if (!v) evaluated.set(t.name, (v = termColumn(panel, t)));
    return v;
  };
  const sources: LaggedColumn[] = [evalOnce(spec.depvar), ...regressors.map(evalOnce)];
  const k0 = regressors.length;

  const ivBase = sources.length;
  const ivTerms = dedupeTerms(spec.iv.flatMap((g) => g.vars));
  for (const t of ivTerms) sources.push(evalOnce(t));
  const iv: ResolvedIv[] = spec.iv.map((g) => ({
    vars: g.vars.map((t) => ivTerms.findIndex((u) => u.name === t.name)),
    equation: g.equation,
    passthru: g.passthru,
    mz: g.mz,
    label: g.label,
  }));

  const gmmBase = sources.length;
  const gmmGroups = spec.gmm.flatMap(splitGroup);
  const gmmTerms = dedupeTerms(gmmGroups.flatMap((g) => g.vars));
  for (const t of gmmTerms) sources.push(evalOnce(t));
  const gmm: ResolvedGmm[] = gmmGroups.map((g) => ({
    vars: g.vars.map((t) => gmmTerms.findIndex((u) => u.name === t.name)),
    equation: g.equation,
    passthru: g.passthru,
    collapse: g.collapse,
    lagMin: g.lagMin,
    lagMax: g.lagMax,
    label: g.label,
    bodVars: null as number[] | null,
  }));

  // Sample units: those with a row where the dependent variable and every regressor are present.
  const ifIn = ifInRows(panel, spec);
  const rowOk = sampleRowMask(panel, sources.slice(0, 1 + k0), ifIn);
  const beforeWeights = rowOk.includes(1);
  const { qualified, weights } = withoutWeightlessRows(panel, spec, rowOk, ifIn);
  // Typed, as every later reader of the sample's units takes them (periodCounts, UnitPass).
  const unitSlots = new Int32Array(panel.nunits);
  let nu = 0;
  let tmin = Infinity;
  let tmax = -Infinity;
  for (let i = 0; i < panel.nunits; i++) {
    let any = false;
    for (let r = panel.offsets[i]; r < panel.offsets[i + 1]; r++) if (rowOk[r]) { any = true; break; }
    if (!any) continue;
    unitSlots[nu++] = i;
    // Times increase within a unit (Panel): its first and last rows hold its span.
    const first = panel.time[panel.offsets[i]];
    const last = panel.time[panel.offsets[i + 1] - 1];
    if (first < tmin) tmin = first;
    if (last > tmax) tmax = last;
  }
  const unitList = unitSlots.subarray(0, nu);
  if (nu === 0) checkTimeSpan(panel, Int32Array.from({ length: panel.nunits }, (_, i) => i));
  if (nu === 0 && beforeWeights && spec.weight)
    throw new SpecError(`No observations: every row with the dependent variable and all regressors present${ifIn ? ' that the if/in keeps' : ''} has a missing or zero weight in '${spec.weight.variable}'`, 'weight');
  if (nu === 0) throw noObservations(panel, [spec.depvar, ...regressors], sources.slice(0, 1 + k0), ifIn);
  checkTimeSpan(panel, unitList);
  refuseConstant(spec.depvar.name, materialize(panel, sources[0]), rowOk, panel, system);
  const nGmmVars = withBackwardDeviations(panel, spec, sources, { ivBase, iv, gmmBase, gmmGroups, gmm }, qualified, warnings);
  const sampleSpan = { tmin, tmax };
  if (layout) {
    if (layout.tmin > tmin || layout.tmax < tmax) throw new Error(`shard periods ${tmin}..${tmax} lie outside the whole sample's ${layout.tmin}..${layout.tmax}`);
    tmin = layout.tmin;
    tmax = layout.tmax;
  }
  const T = tmax - tmin + 1;
  // AR(m) pairs residuals m periods apart, which a span of T periods holds only for m < T: higher
  // orders are missing whatever the data (xtabond2 prints them as '.'), and artests(99999999) ran
  // for ever printing them. They are left out, with a warning, so that a command written for a longer
  // panel still runs. The default, 2, stays as it is on a short panel (its AR(2) is missing, as
  // xtabond2 shows it).
  if (spec.artests > 2 && spec.artests >= T) {
    warnings.push(`artests(${spec.artests}): the model spans ${T} periods (${panel.timeName} ${tmin} to ${tmax}), so AR(m) is tested up to m = ${T - 1}; higher orders pair no residuals and are not shown`);
    spec = { ...spec, artests: Math.max(2, T - 1) };
  }

  return {
    spec,
    panel,
    system,
    orthogonal,
    T,
    tmin,
    sampleSpan,
    units: unitList,
    sources,
    regressorNames: [...regressors.map((t) => t.name), ...(hasConstant ? ['_cons'] : [])],
    k0,
    hasConstant,
    iv,
    ivBase,
    nIvVars: ivTerms.length,
    gmm,
    gmmBase,
    nGmmVars,
    qualified,
    weights,
    timeDummies,
    factors,
    warnings,
  };
}

/**
 * The gmm variables the `orthogonal` suboption adds: for each variable of such a group, its backward
 * orthogonal deviations as a gmm variable of its own (after the others), made once per variable and
 * set in the group's bodVars. The deviations' means run over xtabond2's Complete rows: y,
 * the regressors and the iv-style variables without mz present; the 2009 release's conventions also
 * keep them to the rows inside the if/in, as they do the forward deviations (UnitRows.complete).
 * Returns the number of gmm variables.
 */
function withBackwardDeviations(
  panel: Panel,
  spec: ModelSpec,
  sources: LaggedColumn[],
  resolved: { ivBase: number; iv: ResolvedIv[]; gmmBase: number; gmmGroups: GmmGroup[]; gmm: ResolvedGmm[] },
  qualified: Uint8Array | null,
  warnings: string[],
): number {
  const { ivBase, iv, gmmBase, gmmGroups, gmm } = resolved;
  if (!gmmGroups.some((g) => g.orthogonal)) return sources.length - gmmBase;
  for (const g of spec.gmm)
    if (g.orthogonal && !spec.orthogonal && g.equation !== 'level')
      warnings.push(`${g.label}: backward-orthogonal-deviations are usually not valid unless forward-orthogonal-deviations regressors are specified, i.e., the orthogonal option should accompany the orthogonal suboption of gmmstyle()`);
  const completeIv = [...new Set(iv.filter((g) => !g.mz).flatMap((g) => g.vars))].map((v) => sources[ivBase + v]);
  const complete = sampleRowMask(panel, [...sources.slice(0, ivBase), ...completeIv], spec.conventions === '2009' ? qualified : null);
  // gmm variable v → the gmm variable of its deviations, each made once.
  const added = new Map<number, number>();
  gmmGroups.forEach((g, gi) => {
    if (!g.orthogonal) return;
    gmm[gi].bodVars = gmm[gi].vars.map((v) => {
      let at = added.get(v);
      if (at === undefined) {
        at = sources.length - gmmBase;
        added.set(v, at);
        sources.push({ values: backwardDeviations(panel, materialize(panel, sources[gmmBase + v]), complete), lag: 0 });
      }
      return at;
    });
  });
  return sources.length - gmmBase;
}

/** Under observation weights, the rows whose weight is missing or zero taken out of the sample's rows
 *  (rowOk, changed in place) and out of the rows that qualify (a copy of ifIn, or ifIn itself when no
 *  weight leaves a row out; null when every row qualifies). */
function withoutWeightlessRows(panel: Panel, spec: ModelSpec, rowOk: Uint8Array, ifIn: Uint8Array | null): { qualified: Uint8Array | null; weights: ObservationWeights | null } {
  const weights = spec.weight ? observationWeights(panel, spec.weight, rowOk) : null;
  const out = weights?.out;
  if (!out) return { qualified: ifIn, weights };
  const qualified = ifIn ? Uint8Array.from(ifIn) : new Uint8Array(panel.nrows).fill(1);
  for (let r = 0; r < out.length; r++)
    if (out[r]) {
      qualified[r] = 0;
      rowOk[r] = 0;
    }
  return { qualified, weights };
}

/** No row has the dependent variable and every regressor: say which of them is missing in every row
 *  (of those the if/in keeps), or that each is present somewhere but never all together. */
function noObservations(panel: Panel, terms: Term[], columns: LaggedColumn[], qualified: Uint8Array | null): SpecError {
  const where = qualified ? ' the if/in keeps' : '';
  if (qualified && !qualified.includes(1)) return new SpecError(`No observations: the if/in keeps no row`, 'varlist');
  const none = terms.filter((_, j) => !sampleRowMask(panel, [columns[j]], qualified).includes(1)).map((t) => t.name);
  const why = none.length
    ? `${none.join(', ')} ${none.length === 1 ? 'is' : 'are'} missing in every row${where}`
    : `each is present in some row${where}, never all in the same row`;
  return new SpecError(`No observations: no row has the dependent variable and all regressors present (${why})`, 'varlist');
}

/**
 * 1 for the rows of the sample (xtabond2's marksample): the command's if/in passed (qualified) and
 * y and every regressor (`columns`, lags applied by period) present. Column by column, each a tight
 * loop over the rows (a million units: ~40 ms against ~150 ms for a row-by-row test of every column).
 */
export function sampleRowMask(panel: Panel, columns: readonly LaggedColumn[], qualified: Uint8Array | null): Uint8Array {
  const n = panel.nrows;
  const rowOk = new Uint8Array(n);
  if (qualified) for (let r = 0; r < n; r++) rowOk[r] = qualified[r] === 1 ? 1 : 0;
  else rowOk.fill(1);
  const { offsets, time } = panel;
  for (const { values, lag } of columns) {
    // A column without a missing value (`includes` runs compiled from its first call, where these loops
    // of a fresh process run in V8's interpreter and box every value they read: bench/RESULTS.md "Cold
    // row loops") leaves out only the rows whose lag falls outside their unit.
    const missing = values.includes(NaN);
    if (lag === 0) {
      if (missing) for (let r = 0; r < n; r++) if (values[r] !== values[r]) rowOk[r] = 0;
      continue;
    }
    for (let i = 0; i < panel.nunits; i++) {
      const lo = offsets[i];
      const hi = offsets[i + 1];
      if (hi === lo) continue;
      if (time[hi - 1] - time[lo] === hi - lo - 1) {
        // Without gaps (times strictly increase) period t − lag is row r − lag, if within the unit.
        if (!missing) {
          if (lag > 0) rowOk.fill(0, lo, Math.min(hi, lo + lag));
          else rowOk.fill(0, Math.max(lo, hi + lag), hi);
          continue;
        }
        for (let r = lo; r < hi; r++) {
          const at = r - lag;
          if (at < lo || at >= hi || values[at] !== values[at]) rowOk[r] = 0;
        }
      } else
        for (let r = lo; r < hi; r++) {
          const at = lagRow(time, lo, hi, r, lag);
          if (at < 0 || values[at] !== values[at]) rowOk[r] = 0;
        }
    }
  }
  return rowOk;
}

/** The sample's rows of a model on a panel by the rule buildDesign uses (sampleRowMask, observation
 *  weights applied), the rows the command's if/in leaves out (null: none) and those a missing or zero
 *  weight leaves out (null: none), without laying the model out: a shard of a partitioned panel may
 *  have no sample row at all, which buildDesign refuses. `periods`: the whole panel's, on a shard of it
 *  (its factor variables are then read as buildDesign reads them there). */
export function sampleRows(
  panel0: Panel,
  spec0: ModelSpec,
  periods?: readonly number[],
): { rows: Uint8Array; ifIn: Uint8Array | null; weightOut: Uint8Array | null } {
  const { panel, spec } = resolveSpec(panel0, spec0, periods);
  const ifIn = ifInRows(panel, spec);
  const rows = sampleRowMask(panel, [spec.depvar, ...spec.regressors].map((t) => termColumn(panel, t)), ifIn);
  const { weights } = withoutWeightlessRows(panel, spec, rows, ifIn);
  return { rows, ifIn, weightOut: weights?.out ?? null };
}

/** Whether σ² counts the transformed-equation observations (UnitBlocks.obsSigma) rather than the main
 *  ones: system GMM under h(2)/h(3) with the current release's conventions. */
export function sigmaCountsTransformed(d: Pick<Design, 'system' | 'spec'>): boolean {
  return d.system && d.spec.h !== 1 && d.spec.conventions !== '2009';
}

/** The rows that pass the command's `if` and `in` (null when every row does). */
export function ifInRows(panel: Panel, spec: Pick<ModelSpec, 'condition' | 'inRange'>): Uint8Array | null {
  if (spec.condition === undefined && spec.inRange === undefined) return null;
  const mask = spec.condition !== undefined ? evalCondition(panel, spec.condition) : new Uint8Array(panel.nrows).fill(1);
  if (spec.inRange) {
    const rows = inRangeMask(spec.inRange, panel.nrows);
    for (let r = 0; r < mask.length; r++) mask[r] &= rows[r];
  }
  return mask;
}

/** The rows where a cluster() variable is missing (null without cluster(), or when no value is missing).
 *  The OLS and within fits leave them out of the sample, as Stata's `regress` and `xtreg` mark them
 *  out; xtabond2 keeps them (clusters.ts unclusteredUnits). */
export function missingClusterRows(panel: Panel, spec: Pick<ModelSpec, 'cluster'>): Uint8Array | null {
  const out = new Uint8Array(panel.nrows);
  for (const name of spec.cluster ?? []) {
    if (name === panel.idName || !panel.has(name)) continue;
    if (panel.isNumeric(name)) {
      const col = panel.column(name);
      for (let r = 0; r < out.length; r++) if (col[r] !== col[r]) out[r] = 1;
    } else {
      const col = panel.textColumn(name);
      for (let r = 0; r < out.length; r++) if (col[r] === null) out[r] = 1;
    }
  }
  return out.includes(1) ? out : null;
}

/** Why a row of a unit outside the sample is excluded: outside the if/in (`ifIn`, null: no row is),
 *  else a missing dependent variable or regressor (the rule the sample's rows follow). */
export function exclusionOutside(r: number, ifIn: Uint8Array | null, weightOut: Uint8Array | null = null): number {
  if (weightOut?.[r]) return EXCLUDED.weight;
  return ifIn && !ifIn[r] ? EXCLUDED.unqualified : EXCLUDED.missingVar;
}

/** The arrays of UnitRows that the instrument rows and W's rows are made from, when they live
 *  elsewhere (UnitRows.sizes). */
export interface UnitRowsStorage {
  yT: Float64Array;
  xT: Float64Array;
  yL: Float64Array;
  xL: Float64Array;
  raw: Float64Array;
  ivT: Float64Array;
  gmmLev: Float64Array;
  gmmDif: Float64Array;
  useT: Uint8Array;
  useL: Uint8Array;
  present: Uint8Array;
  qualified: Uint8Array;
  touseVar: Uint8Array;
  complete: Uint8Array;
  status: Uint8Array;
}

/** UnitRows.reads: per source, an earlier source with the same column and lag, or −1; per iv
 *  variable, the source (0: y, 1 + k: regressor k) it is the same as, or −1; the iv variables
 *  (without mz) that a complete period needs, those a transformed row needs as transformed
 *  (transVars) or as they are (passthru: transRawVars), and those a level row needs. */
export interface UnitRowsReads {
  alias: Int32Array;
  ivFrom: Int32Array;
  completeVars: Int32Array;
  transVars: Int32Array;
  transRawVars: Int32Array;
  levelVars: Int32Array;
}

/**
 * One unit's rows on the grid, recomputed in place for each unit (no allocation per unit).
 * Transformed rows are 0..T−1, level rows T..2T−1 (system GMM).
 */
export class UnitRows {
  readonly T: number;
  /** Regressors including the constant. */
  readonly kAll: number;
  /** Raw values, raw[s·T + t], NaN where absent. */
  readonly raw: Float64Array;
  /** Rows of the unit present in the panel. */
  readonly present: Uint8Array;
  /** Panel row of each period of the unit, −1 where absent (set for a unit with gaps only). */
  private readonly rowAt: Int32Array;
  /** Present rows that pass the command's if/in qualifiers. */
  readonly qualified: Uint8Array;
  /** y and every regressor present (xtabond2's marksample). */
  readonly touseVar: Uint8Array;
  /** y and every regressor present, inside the if/in or not (orthogonal deviations only: what the AR
   *  test's first differences need, differenceable()). */
  readonly varsPresent: Uint8Array;
  /** The 2009 release's conventions (spec.conventions), which place orthogonal deviations otherwise. */
  private readonly release2009: boolean;
  /** y, every regressor and every iv-style variable (without mz) present: the rows FOD means are taken
   *  over (xtabond2's Complete). The current release takes them over every row of the unit, inside the
   *  if/in or not; the 2009 release's (spec.conventions) only over rows that pass it (qualified). Set
   *  under orthogonal deviations only (the kernel's rowtail, for first differences, leaves it unused). */
  readonly complete: Uint8Array;
  /** Transformed rows: y, X (T×kAll), and whether the row enters. */
  readonly yT: Float64Array;
  readonly xT: Float64Array;
  readonly useT: Uint8Array;
  /** Level rows. */
  readonly yL: Float64Array;
  readonly xL: Float64Array;
  readonly useL: Uint8Array;
  /** Transformed iv-style variables (NaN where missing), ivT[v·T + t]. */
  readonly ivT: Float64Array;
  /** gmm-style sources in levels and first differences, missing = 0: gmmLev[v·T + t]. */
  readonly gmmLev: Float64Array;
  readonly gmmDif: Float64Array;
  /** Per present panel row t: 0 = used in the main equation, else an exclusion reason code. */
  readonly status: Uint8Array;
  /** Under weights (design.weights): period t's weight where the period is an observation (touseVar),
   *  else 0 — the weight every row stored at t carries (weights.ts); and whether period t is left out
   *  for a missing or zero weight. Set by load (after the kernel's rowtail, where it runs). */
  readonly weight: Float64Array;
  private readonly weightLeftOut: Uint8Array;

  /** The lengths of the arrays a storage holds (UnitRowsStorage). */
  static sizes(design: Design): { raw: number; ivT: number; gmm: number; T: number; x: number; kAll: number } {
    const T = design.T;
    const kAll = design.k0 + (design.hasConstant ? 1 : 0);
    return { raw: design.sources.length * T, ivT: Math.max(1, design.nIvVars) * T, gmm: Math.max(1, design.nGmmVars) * T, T, x: T * kAll, kAll };
  }

  /** storage: where the arrays of UnitRowsStorage live (their lengths: UnitRows.sizes), e.g. a
   *  WebAssembly kernel's memory (unit-kernel.ts); new arrays by default. */
  constructor(
    readonly design: Design,
    storage?: UnitRowsStorage,
    /** What load() does after its gather, when not the TypeScript below (rowtail: the storage's arrays
     *  must then be the kernel's). */
    tail?: () => void,
  ) {
    const T = design.T;
    this.T = T;
    const size = UnitRows.sizes(design);
    this.kAll = size.kAll;
    this.raw = storage?.raw ?? new Float64Array(size.raw);
    this.present = storage?.present ?? new Uint8Array(T);
    this.rowAt = new Int32Array(T);
    this.qualified = storage?.qualified ?? new Uint8Array(T);
    this.touseVar = storage?.touseVar ?? new Uint8Array(T);
    this.varsPresent = new Uint8Array(T);
    this.release2009 = design.spec.conventions === '2009';
    this.complete = storage?.complete ?? new Uint8Array(T);
    this.yT = storage?.yT ?? new Float64Array(T);
    this.xT = storage?.xT ?? new Float64Array(size.x);
    this.useT = storage?.useT ?? new Uint8Array(T);
    this.yL = storage?.yL ?? new Float64Array(T);
    this.xL = storage?.xL ?? new Float64Array(size.x);
    this.useL = storage?.useL ?? new Uint8Array(T);
    this.ivT = storage?.ivT ?? new Float64Array(size.ivT);
    this.gmmLev = storage?.gmmLev ?? new Float64Array(size.gmm);
    this.gmmDif = storage?.gmmDif ?? new Float64Array(size.gmm);
    this.status = storage?.status ?? new Uint8Array(T);
    this.weight = new Float64Array(design.weights ? T : 0);
    this.weightLeftOut = new Uint8Array(design.weights ? T : 0);
    const r = UnitRows.reads(design);
    this.alias = r.alias;
    this.ivFrom = r.ivFrom;
    this.completeVars = r.completeVars;
    this.transVars = r.transVars;
    this.transRawVars = r.transRawVars;
    this.levelVars = r.levelVars;
    this.tail = tail ?? null;
  }

  /** What load() reads of the design, flattened once: a source that is the same column and lag as an
   *  earlier one (a regressor that is also an instrument) is copied from it; an iv variable whose
   *  source is y or a regressor takes that one's transform; the iv variables each sample mark checks. */
  static reads(design: Design): UnitRowsReads {
    const { sources, iv, ivBase, k0 } = design;
    const vars = (keep: (g: ResolvedIv) => boolean) => [...new Set(iv.filter((g) => !g.mz && keep(g)).flatMap((g) => g.vars))];
    const diffGroups = iv.filter((g) => !g.mz && g.equation !== 'level');
    return {
      alias: Int32Array.from(sources, (src, s) => (sources.indexOf(src) < s ? sources.indexOf(src) : -1)),
      ivFrom: Int32Array.from({ length: design.nIvVars }, (_, v) => {
        const s = sources.indexOf(sources[ivBase + v]);
        return s <= k0 ? s : -1;
      }),
      completeVars: Int32Array.from(vars(() => true)),
      transVars: Int32Array.from(new Set(diffGroups.filter((g) => !g.passthru).flatMap((g) => g.vars))),
      transRawVars: Int32Array.from(new Set(diffGroups.filter((g) => g.passthru).flatMap((g) => g.vars))),
      levelVars: Int32Array.from(vars((g) => g.equation !== 'diff')),
    };
  }

  private readonly alias: Int32Array;
  private readonly ivFrom: Int32Array;
  private readonly completeVars: Int32Array;
  private readonly transVars: Int32Array;
  private readonly transRawVars: Int32Array;
  private readonly levelVars: Int32Array;
  /** What load() does after its gather, elsewhere (the WebAssembly kernel's rowtail), or null. */
  private readonly tail: (() => void) | null;

  /** Transform raw column s (T values) into out[outOff..outOff+T): FD or FOD (xtabond2 placement). */
  private transform(s: number, out: Float64Array, outOff: number, stride: number): void {
    const T = this.T;
    const x = this.raw;
    const off = s * T;
    if (!this.design.orthogonal) {
      out[outOff] = NaN;
      for (let t = 1; t < T; t++) out[outOff + t * stride] = x[off + t] - x[off + t - 1];
      return;
    }
    // Forward orthogonal deviation of period t, over the later complete periods, stored at row t+1.
    for (let t = 0; t < T; t++) out[outOff + t * stride] = NaN;
    let sum = 0;
    let n = 0;
    for (let t = T - 1; t >= 0; t--) {
      if (n > 0 && t + 1 < T) out[outOff + (t + 1) * stride] = Math.sqrt(n / (n + 1)) * (x[off + t] - sum / n);
      if (this.complete[t]) {
        n++;
        sum += x[off + t];
      }
    }
  }

  /** Whether the AR test's first-differenced residual at period t exists under orthogonal deviations:
   *  y and the regressors at t and t−1. xtabond2 3.7 differences every row of the unit (_ARTests:
   *  _Difference(Y0 − X0·b)); the 2009 release's conventions keep to rows inside the if/in. */
  differenceable(t: number): boolean {
    const s = this.release2009 ? this.touseVar : this.varsPresent;
    return t > 0 && s[t] === 1 && s[t - 1] === 1;
  }

  /** Load panel unit `unit` (a panel unit index). */
  load(unit: number): void {
    const d = this.design;
    const T = this.T;
    const K = this.kAll;
    const k0 = d.k0;
    const { offsets, time } = d.panel;
    const { raw, rowAt, present, qualified, alias } = this;
    const lo = offsets[unit];
    const n = offsets[unit + 1] - lo;
    const t0 = time[lo] - d.tmin;
    // Without gaps (times strictly increase within a unit), period t0 + j is panel row lo + j.
    const gapless = time[lo + n - 1] - time[lo] === n - 1;
    raw.fill(NaN);
    present.fill(0);
    qualified.fill(0);
    if (gapless) {
      present.fill(1, t0, t0 + n);
      if (d.qualified) qualified.set(d.qualified.subarray(lo, lo + n), t0);
      else qualified.fill(1, t0, t0 + n);
    } else {
      rowAt.fill(-1);
      for (let r = lo; r < lo + n; r++) {
        const t = time[r] - d.tmin;
        present[t] = 1;
        qualified[t] = d.qualified ? d.qualified[r] : 1;
        rowAt[t] = r;
      }
    }
    // Source s at period t is its column at period t − lag of the same unit (every row of a sample
    // unit lies on the grid, so a period off the grid is absent: missing, as operators.ts lag gives).
    const nsrc = d.sources.length;
    for (let s = 0; s < nsrc; s++) {
      const o = s * T;
      if (alias[s] >= 0) {
        raw.copyWithin(o, alias[s] * T, alias[s] * T + T);
        continue;
      }
      const { values, lag } = d.sources[s];
      if (gapless) {
        const from = Math.max(t0, t0 + lag);
        const to = Math.min(t0 + n, t0 + n + lag);
        const at = lo - t0 - lag;
        for (let t = from; t < to; t++) raw[o + t] = values[at + t];
        continue;
      }
      for (let t = 0; t < T; t++) {
        if (rowAt[t] < 0) continue;
        const tt = t - lag;
        if (tt >= 0 && tt < T && rowAt[tt] >= 0) raw[o + t] = values[rowAt[tt]];
      }
    }
    if (this.tail) {
      this.tail();
      // The kernel's rowtail knows no weights.
      if (d.weights) {
        this.loadWeights(lo, t0, gapless);
        this.markWeightExclusions();
      }
      return;
    }
    // Sample marks.
    const ivBase = d.ivBase;
    const { completeVars, transVars, transRawVars, levelVars } = this;
    for (let t = 0; t < T; t++) {
      let ok = true;
      for (let s = 0; ok && s <= k0; s++) ok = !Number.isNaN(raw[s * T + t]);
      this.touseVar[t] = ok && qualified[t] === 1 ? 1 : 0;
      this.varsPresent[t] = ok ? 1 : 0;
      for (let j = 0; ok && j < completeVars.length; j++) ok = !Number.isNaN(raw[(ivBase + completeVars[j]) * T + t]);
      this.complete[t] = ok && (qualified[t] === 1 || !this.release2009) ? 1 : 0;
    }
    if (d.weights) this.loadWeights(lo, t0, gapless);
    // Transformed equation.
    const { yT, xT, ivT, ivFrom } = this;
    this.transform(0, yT, 0, 1);
    for (let k = 0; k < k0; k++) this.transform(1 + k, xT, k, K);
    if (d.hasConstant) for (let t = 0; t < T; t++) xT[t * K + k0] = 0;
    for (let v = 0; v < d.nIvVars; v++) {
      const s = ivFrom[v];
      if (s === 0) ivT.set(yT, v * T);
      else if (s > 0) for (let t = 0; t < T; t++) ivT[v * T + t] = xT[t * K + s - 1];
      else this.transform(ivBase + v, ivT, v * T, 1);
    }
    const orth = d.orthogonal;
    for (let t = 0; t < T; t++) {
      // Under orthogonal deviations row t holds the deviation of period t−1, in the sample when period
      // t−1 is (xtabond2 3.7's _lag(touse, 1)); the 2009 release also wanted period t itself complete
      // and in the sample (its printed Grunfeld log, test/gmm-fod-gaps.test.ts).
      let ok = orth ? t > 0 && this.touseVar[t - 1] === 1 && (!this.release2009 || this.complete[t] === 1) : this.touseVar[t] === 1;
      if (ok && Number.isNaN(yT[t])) ok = false;
      for (let k = 0; ok && k < k0; k++) if (Number.isNaN(xT[t * K + k])) ok = false;
      for (let j = 0; ok && j < transVars.length; j++) ok = !Number.isNaN(ivT[transVars[j] * T + t]);
      for (let j = 0; ok && j < transRawVars.length; j++) ok = !Number.isNaN(raw[(ivBase + transRawVars[j]) * T + t]);
      this.useT[t] = ok ? 1 : 0;
    }
    // Level equation.
    if (d.system) {
      for (let t = 0; t < T; t++) {
        this.yL[t] = raw[t];
        for (let k = 0; k < k0; k++) this.xL[t * K + k] = raw[(1 + k) * T + t];
        if (d.hasConstant) this.xL[t * K + k0] = 1;
        let ok = this.touseVar[t] === 1;
        for (let j = 0; ok && j < levelVars.length; j++) ok = !Number.isNaN(raw[(ivBase + levelVars[j]) * T + t]);
        this.useL[t] = ok ? 1 : 0;
      }
    }
    // gmm-style sources, missing = 0.
    for (let v = 0; v < d.nGmmVars; v++) {
      const off = (d.gmmBase + v) * T;
      for (let t = 0; t < T; t++) {
        const x = raw[off + t];
        this.gmmLev[v * T + t] = Number.isNaN(x) ? 0 : x;
        const dx = t > 0 ? x - raw[off + t - 1] : NaN;
        this.gmmDif[v * T + t] = Number.isNaN(dx) ? 0 : dx;
      }
    }
    this.classify();
    if (d.weights) this.markWeightExclusions();
  }

  /** Each period's weight (UnitRows.weight) and whether its weight left it out, from the unit's panel
   *  rows (lo: its first, t0: its first period). */
  private loadWeights(lo: number, t0: number, gapless: boolean): void {
    const { values, out } = this.design.weights!;
    for (let t = 0; t < this.T; t++) {
      const r = !this.present[t] ? -1 : gapless ? lo + t - t0 : this.rowAt[t];
      this.weight[t] = r >= 0 && this.touseVar[t] ? values[r] : 0;
      this.weightLeftOut[t] = r >= 0 && out?.[r] ? 1 : 0;
    }
  }

  /** A period outside `qualified` for its missing or zero weight, not for the if/in: its own reason. */
  private markWeightExclusions(): void {
    for (let t = 0; t < this.T; t++) if (this.weightLeftOut[t] && this.status[t] === EXCLUDED.unqualified) this.status[t] = EXCLUDED.weight;
  }

  /** Why each present period is or is not an observation of the main equation. */
  private classify(): void {
    const d = this.design;
    const T = this.T;
    const K = this.kAll;
    for (let t = 0; t < T; t++) {
      let code: number = EXCLUDED.absent;
      if (this.present[t]) {
        if (!this.qualified[t]) code = EXCLUDED.unqualified;
        else if (!this.touseVar[t]) code = EXCLUDED.missingVar;
        else if (d.system) code = this.useL[t] ? EXCLUDED.used : EXCLUDED.missingIv;
        else {
          const row = d.orthogonal ? t + 1 : t;
          if (row < T && this.useT[row]) code = EXCLUDED.used;
          else {
            let transformed = row < T && !Number.isNaN(this.yT[row]);
            for (let k = 0; transformed && k < d.k0; k++) if (Number.isNaN(this.xT[row * K + k])) transformed = false;
            code = !transformed
              ? d.orthogonal ? EXCLUDED.noForward : EXCLUDED.noDifference
              : d.orthogonal && this.release2009 && !this.complete[row] ? EXCLUDED.nextOutside : EXCLUDED.missingIv;
          }
        }
      }
      this.status[t] = code;
    }
  }
}

/** Exclusion reason codes of UnitRows.status, and their descriptions. */
export const EXCLUDED = { used: 0, absent: 1, missingVar: 2, missingIv: 3, noDifference: 4, noForward: 5, nextOutside: 6, unqualified: 7, missingCluster: 8, weight: 9 } as const;
export const EXCLUSION_REASONS: Record<number, string> = {
  2: 'missing value in the dependent variable or a regressor',
  3: 'missing value in an iv-style instrument',
  4: 'no first difference (first period of the unit, a gap before it, or the dependent variable or a regressor missing in the period before)',
  5: 'no forward orthogonal deviation (no later complete period of the unit)',
  6: 'forward orthogonal deviation not kept: the next period, whose row holds it in xtabond2, is not in the sample',
  7: "outside the command's if/in condition",
  8: 'missing value in the cluster() variable',
  9: 'missing or zero weight',
};
