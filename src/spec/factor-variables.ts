// Stata's factor-variable notation, which xtabond2 accepts in its variable list, iv() and gmm() (it
// runs each list through fvexpand):
//   i.v            an indicator for every level of v, the lowest the base: 2004b.yr 2005.yr ... 2022.yr
//   ib#.v          the same with level # as the base; ib(first).v, ib(last).v, ib(freq).v; ibn.v (no base)
//   #.v            the indicator of one level (2005.yr; 2004b.yr, a base level, is all zeros)
//   c.x#c.z        the product of continuous variables, each under its own operators: Stata reads
//                  L.c.x#c.z as (L.x)·z and writes it cL.x#c.z; c.x##c.z is x, z and c.x#c.z
// Names are fvexpand's. A base level's column is zero (Stata's "virtual variable equal to 0", [U] 11.4.3;
// a level is missing where the variable is), so xtabond2's collinearity
// check drops it from the regressors ("2004b.yr dropped due to collinearity") and it instruments
// nothing. The levels of i.v come from the data (every row, as fvexpand reads them without the
// sample's if/in), so an i. term stays one 'factor' term until the model is fitted: expandFactors then
// makes its level terms, and withFactorColumns the columns of every factor-variable term
// (src/spec/fv-terms.ts names the terms).
// Interactions with a factor (i.a#c.x, a#b) are not implemented.
import type { FactorTerm, Term } from '../panel/term.ts';
import type { Panel } from '../panel/panel.ts';
import { diff, lag } from '../panel/operators.ts';
import { DataError, SpecError } from '../errors.ts';
import { digitsGrouped } from '../whole-number.ts';
import { gmmLabel, ivLabel } from './labels.ts';
import { specTerms, type ModelSpec } from './types.ts';
import { levelTerm } from './fv-terms.ts';

/** The most levels one i. term may make (i.id on a panel of a million units would be a million columns). */
export const MAX_LEVELS = 10_000;
/** The largest value a factor variable may hold in Stata ([U] 11.4.3: whole numbers 0 to 32,740). */
const MAX_LEVEL_VALUE = 32_740;
const RULE = `factor variables take whole numbers from 0 to ${digitsGrouped(MAX_LEVEL_VALUE)}, as in Stata`;

/** The levels of a factor variable, ascending: every value in the data (every row), which must be
 *  whole numbers from 0 to 32,740, as Stata requires of a factor variable ([U] 11.4.3). */
export function factorLevels(panel: Panel, variable: string): number[] {
  if (!panel.has(variable)) throw new SpecError(`factor variable '${variable}' not found`, variable);
  if (!panel.isNumeric(variable)) throw new DataError(`${where(panel)}factor variable '${variable}' is text; ${RULE}`, { column: variable });
  const x = panel.column(variable);
  const seen = new Set<number>();
  for (let r = 0; r < x.length; r++) {
    const v = x[r];
    if (Number.isNaN(v) || seen.has(v)) continue;
    if (!(Number.isInteger(v) && v >= 0 && v <= MAX_LEVEL_VALUE))
      throw new DataError(
        `${where(panel)}factor variable '${variable}' has ${v} in the row of ${panel.idName} ${panel.units[panel.unitOf[r]]}, ${panel.timeName} ${panel.time[r]}: ${RULE}`,
        { column: variable },
      );
    seen.add(v);
    if (seen.size > MAX_LEVELS) throw new SpecError(`factor variable '${variable}' has more than ${MAX_LEVELS} levels; at most ${MAX_LEVELS} indicators are made`, variable);
  }
  if (seen.size === 0) throw new DataError(`${where(panel)}factor variable '${variable}' has no value in any row`, { column: variable });
  return [...seen].sort((a, b) => a - b);
}

/** Levels known from elsewhere (a partitioned panel's periods), held to the same rule. */
export function checkedLevels(variable: string, levels: readonly number[], source = ''): number[] {
  const bad = levels.find((v) => !(Number.isInteger(v) && v >= 0 && v <= MAX_LEVEL_VALUE));
  if (bad !== undefined) throw new DataError(`${source ? `${source}: ` : ''}factor variable '${variable}' has ${bad}: ${RULE}`, { column: variable });
  return [...levels].sort((a, b) => a - b);
}

function where(panel: Panel): string {
  return panel.source ? `${panel.source}: ` : '';
}

/** The levels an i. term was expanded over and its base level (null under ibn.), by the term's name
 *  ("i.yr": { levels: [2004, ..., 2022], base: 2004 }): what a result keeps to print its instruments. */
export type FactorLevels = Record<string, { levels: number[]; base: number | null }>;

/** Where the levels of factor variables come from: the panel's rows (`levelsOf` null) or, on a shard of
 *  a partitioned panel (`shard`), the whole panel's where it knows them (the time variable's periods);
 *  null where it does not. */
export interface LevelSource {
  levelsOf: (variable: string) => number[] | null;
  shard: boolean;
}

/** The base level of i.v (ib#.v ...) among its levels (ascending). */
function baseLevel(t: Term & { fv: { kind: 'factor' } }, levels: readonly number[], counts: () => Map<number, number>): number | null {
  const { variable, base } = t.fv;
  if (base === 'none') return null;
  if (base === 'first') return levels[0];
  if (base === 'last') return levels[levels.length - 1];
  if (base === 'freq') {
    // The most frequent level, the lowest of those tied.
    const n = counts();
    return levels.reduce((best, l) => ((n.get(l) ?? 0) > (n.get(best) ?? 0) ? l : best), levels[0]);
  }
  if (!levels.includes(base)) throw new SpecError(`${t.name}: ${variable} has no level ${base} (its levels run from ${levels[0]} to ${levels[levels.length - 1]})`, t.name);
  return base;
}

/** How often each value of a column occurs (ib(freq).v's base). */
function valueCounts(panel: Panel, variable: string): Map<number, number> {
  const n = new Map<number, number>();
  for (const v of panel.column(variable)) if (!Number.isNaN(v)) n.set(v, (n.get(v) ?? 0) + 1);
  return n;
}

/** The specification with every i. term replaced by its level terms, and the levels each was expanded
 *  over; a single level (#.v) is held to the rule and must be one of v's levels. Levels come from
 *  `source` (by default the panel's rows). On a shard, i. of a variable whose levels the whole panel
 *  does not give is refused, and so is ib(freq). (its counts would be the shard's). */
export function expandFactors(panel: Panel, spec: ModelSpec, source: LevelSource = { levelsOf: () => null, shard: false }): { spec: ModelSpec; factors: FactorLevels } {
  const factors: FactorLevels = Object.create(null);
  const known = new Map<string, number[]>();
  const levels = (t: Term, v: string): number[] => {
    let l = known.get(v);
    if (!l) {
      const whole = source.levelsOf(v);
      if (!whole && source.shard)
        throw new SpecError(`${t.name} on a partitioned panel: each shard holds only some of ${v}'s levels; make the indicators as columns in the data (i. of the time variable, ${panel.timeName}, works)`, t.name);
      known.set(v, (l = whole ?? factorLevels(panel, v)));
    }
    return l;
  };
  for (const t of specTerms(spec)) {
    const fv = t.fv;
    // A level the data lacks would be an all-zero column, dropped without a word (1.k for L.k); on a
    // shard, only where the whole panel's levels are known (the time variable's).
    if (fv?.kind === 'level' && (!source.shard || source.levelsOf(fv.variable))) {
      const have = levels(t, fv.variable);
      if (!have.includes(fv.level)) throw new SpecError(`${t.name}: ${fv.variable} has no level ${fv.level} (its levels run from ${have[0]} to ${have[have.length - 1]})`, t.name);
    }
    if (fv?.kind !== 'factor' || t.name in factors) continue;
    if (fv.base === 'freq' && source.shard)
      throw new SpecError(`${t.name} on a partitioned panel: the most frequent level is counted over the whole panel, which a shard does not see; name the base level (ib#.${fv.variable})`, t.name);
    const l = levels(t, fv.variable);
    factors[t.name] = { levels: l, base: baseLevel(t as Term & { fv: { kind: 'factor' } }, l, () => valueCounts(panel, fv.variable)) };
  }
  return { spec: withLevels(spec, factors), factors };
}

/** The specification with its i. terms replaced by the level terms of `factors` (expandFactors'), and
 *  the labels of the groups that held one written again as xtabond2 writes them, from the expanded
 *  list: "iv(2004b.yr 2005.yr ..., eq(level))". */
export function withLevels(spec: ModelSpec, factors: FactorLevels): ModelSpec {
  const has = (vars: Term[]) => vars.some((t) => t.fv?.kind === 'factor');
  if (!has(specTerms(spec))) return spec;
  const expand = (terms: Term[]): Term[] =>
    terms.flatMap((t) => {
      const fv = t.fv;
      if (fv?.kind !== 'factor') return [t];
      const f = factors[t.name];
      if (!f) throw new Error(`withLevels: no levels for ${t.name}`);
      // fvexpand marks the base level b, and the first level of ibn. bn.
      return f.levels.map((l, j) => levelTerm(fv.variable, l, l === f.base ? 'b' : f.base === null && j === 0 ? 'bn' : ''));
    });
  const regressors = expand(spec.regressors);
  const seen = new Set([spec.depvar.name]);
  for (const r of regressors) {
    if (seen.has(r.name)) throw new SpecError(`regressor '${r.name}' is listed twice (once through a factor variable)`, r.name);
    seen.add(r.name);
  }
  return {
    ...spec,
    regressors,
    iv: spec.iv.map((g) => {
      if (!has(g.vars)) return g;
      const e = { ...g, vars: expand(g.vars) };
      return { ...e, label: ivLabel(e) };
    }),
    gmm: spec.gmm.map((g) => {
      if (!has(g.vars)) return g;
      const e = { ...g, vars: expand(g.vars) };
      return { ...e, label: gmmLabel(e) };
    }),
  };
}

/** The panel with a column for each factor-variable term of `terms` (levels and products; i. terms
 *  must be expanded first). A row where a source variable is missing is missing. */
export function withFactorColumns(panel: Panel, terms: readonly Term[]): Panel {
  let p = panel;
  const made = new Set<string>();
  for (const t of terms) {
    if (!t.fv || made.has(t.base)) continue;
    made.add(t.base);
    if (t.fv.kind === 'factor') throw new Error(`withFactorColumns: ${t.name} is not expanded`);
    if (p.has(t.base)) throw new SpecError(`the data has a column '${t.base}', the name of a factor-variable term; rename that column`, t.base);
    p = p.withColumn(t.base, factorColumn(p, t.fv));
  }
  return p;
}

function factorColumn(panel: Panel, fv: Exclude<FactorTerm, { kind: 'factor' }>): Float64Array {
  if (fv.kind === 'level') {
    const x = panel.column(fv.variable);
    return Float64Array.from(x, (v) => (Number.isNaN(v) ? NaN : fv.mark !== 'b' && v === fv.level ? 1 : 0));
  }
  const out = new Float64Array(panel.nrows).fill(1);
  for (const f of fv.factors) {
    let x = panel.column(f.variable);
    if (f.diff) x = diff(panel, x, f.diff);
    if (f.lag) x = lag(panel, x, f.lag);
    for (let r = 0; r < out.length; r++) out[r] *= x[r];
  }
  return out;
}
