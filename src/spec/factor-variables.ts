// Stata's factor-variable notation, which xtabond2 accepts in its variable list, iv() and gmm() (it
// runs each list through fvexpand):
//   i.v            an indicator for every level of v, the lowest the base: 2004b.yr 2005.yr ... 2022.yr
//   ib#.v          the same with level # as the base; ib(first).v, ib(last).v, ib(freq).v; ibn.v (no base)
//   #.v            the indicator of one level (2005.yr; 2004b.yr, a base level, is all zeros)
//   i.(a b)        i.a i.b
//   c.x#c.z        the product of continuous variables, each under its own operators: Stata reads
//                  L.c.x#c.z as (L.x)·z and writes it cL.x#c.z; c.x##c.z is x, z and c.x#c.z
//   i.a#c.x        a slope of x for each level of a (0.a#c.x 1.a#c.x); a#b (i.a#i.b) an indicator for
//                  each cell of a's and b's levels, a varying slowest; i.a##c.x is i.a, x and i.a#c.x
// Names are fvexpand's. A base level's column is zero (Stata's "virtual variable equal to 0", [U] 11.4.3;
// a level is missing where the variable is), so xtabond2's collinearity check drops it from the
// regressors ("2004b.yr dropped due to collinearity") and it instruments nothing. In an interaction a
// base level keeps its b mark in every cell (0b.a#c.x is the slope of x where a is 0); a cell is zero
// only when omitted: every part marked b or o ("0b.a#co.x", "0b.a#2o.b", "0b.a#1b.b"), or any part o.
// A cell where some i. parts sit at their base levels is omitted (its other parts marked o) when the
// list fvexpand reads also holds the term that is left when some of those base parts are taken out:
// the constant for a#b's all-base cell (always there), x for 0b.a#c.x when x is in the list, i.b for
// 0b.a#2.b when i.b is ([U] 11.4.3.4: "sex#c.age ... if age is also in the model, one of the two
// virtual variables will be treated as a base"). Factor parts come first in a cell's name, as Stata
// orders them (c.x#i.a is i.a#c.x). The lists are the variable list (with the dependent variable) and
// each iv() and gmm() group apart, as xtabond2 expands them. Every combination of the parts' levels is
// a cell, observed or not (an empty one is a zero column, dropped as collinear). The levels of i.v
// come from the data (every row, as fvexpand reads them without the sample's if/in), so an i. term or
// an interaction with one stays one term until the model is fitted: expandFactors then makes its
// level or cell terms, and withFactorColumns the columns of every factor-variable term
// (src/spec/fv-terms.ts names the terms).
import type { FactorBase, FactorTerm, InteractionPart, Term } from '../panel/term.ts';
import type { Panel } from '../panel/panel.ts';
import { diff, lag } from '../panel/operators.ts';
import { DataError, SpecError } from '../errors.ts';
import { digitsGrouped } from '../whole-number.ts';
import { gmmLabel, ivLabel } from './labels.ts';
import { specTerms, type ModelSpec } from './types.ts';
import { factorTerm, interactionTerm, levelTerm, needsLevels, omittedCell } from './fv-terms.ts';

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

/** The base level of i.v (ib#.v ...) among its levels (ascending); `name` the term, for messages. */
function baseLevel(name: string, variable: string, base: FactorBase, levels: readonly number[], counts: () => Map<number, number>): number | null {
  if (base === 'none') return null;
  if (base === 'first') return levels[0];
  if (base === 'last') return levels[levels.length - 1];
  if (base === 'freq') {
    // The most frequent level, the lowest of those tied.
    const n = counts();
    return levels.reduce((best, l) => ((n.get(l) ?? 0) > (n.get(best) ?? 0) ? l : best), levels[0]);
  }
  if (!levels.includes(base)) throw new SpecError(`${name}: ${variable} has no level ${base} (its levels run from ${levels[0]} to ${levels[levels.length - 1]})`, name);
  return base;
}

/** How often each value of a column occurs (ib(freq).v's base). */
function valueCounts(panel: Panel, variable: string): Map<number, number> {
  const n = new Map<number, number>();
  for (const v of panel.column(variable)) if (!Number.isNaN(v)) n.set(v, (n.get(v) ?? 0) + 1);
  return n;
}

/** The i. factors of a term, each under the name of its i. term ("i.a", "ib3.a"): the term itself, or
 *  its interaction's i. parts. */
function iFactors(t: Term): { key: string; variable: string; base: FactorBase }[] {
  const fv = t.fv;
  if (fv?.kind === 'factor') return [{ key: t.name, variable: fv.variable, base: fv.base }];
  if (fv?.kind !== 'interaction') return [];
  return fv.parts.flatMap((p) => (p.type === 'i' ? [{ key: factorTerm(p.variable, p.base).name, variable: p.variable, base: p.base }] : []));
}

/** The single levels a term names: #.v itself, or its interaction's level parts. */
function namedLevels(t: Term): { variable: string; level: number }[] {
  const fv = t.fv;
  if (fv?.kind === 'level') return [fv];
  return fv?.kind === 'interaction' ? fv.parts.flatMap((p) => (p.type === 'level' ? [p] : [])) : [];
}

/** The specification with every i. term replaced by its level terms and every interaction with an i.
 *  part by its cells, and the levels each i. factor was expanded over (by its i. term's name); a single
 *  level (#.v, or a level part) is held to the rule and must be one of v's levels. Levels come from
 *  `source` (by default the panel's rows). On a shard, i. of a variable whose levels the whole panel
 *  does not give is refused, and so is ib(freq). (its counts would be the shard's). */
export function expandFactors(panel: Panel, spec: ModelSpec, source: LevelSource = { levelsOf: () => null, shard: false }): { spec: ModelSpec; factors: FactorLevels } {
  const factors: FactorLevels = Object.create(null);
  const known = new Map<string, number[]>();
  const levels = (name: string, v: string): number[] => {
    let l = known.get(v);
    if (!l) {
      const whole = source.levelsOf(v);
      if (!whole && source.shard)
        throw new SpecError(`${name} on a partitioned panel: each shard holds only some of ${v}'s levels; make the indicators as columns in the data (i. of the time variable, ${panel.timeName}, works)`, name);
      known.set(v, (l = whole ?? factorLevels(panel, v)));
    }
    return l;
  };
  for (const t of specTerms(spec)) {
    // A level the data lacks would be an all-zero column, dropped without a word (1.k for L.k); on a
    // shard, only where the whole panel's levels are known (the time variable's).
    for (const { variable, level } of namedLevels(t))
      if (!source.shard || source.levelsOf(variable)) {
        const have = levels(t.name, variable);
        if (!have.includes(level)) throw new SpecError(`${t.name}: ${variable} has no level ${level} (its levels run from ${have[0]} to ${have[have.length - 1]})`, t.name);
      }
    for (const f of iFactors(t)) {
      if (f.key in factors) continue;
      if (f.base === 'freq' && source.shard)
        throw new SpecError(`${t.name} on a partitioned panel: the most frequent level is counted over the whole panel, which a shard does not see; name the base level (ib#.${f.variable})`, t.name);
      const l = levelsIn(t, f.variable, levels);
      factors[f.key] = { levels: l, base: baseLevel(t.name, f.variable, f.base, l, () => valueCounts(panel, f.variable)) };
    }
  }
  return { spec: withLevels(spec, factors), factors };
}

/** The levels of an i. part; a part of an interaction whose variable is not a factor is told how to
 *  write it continuous (a#b reads both as factors, as Stata does: w#k meant c.w#c.k). */
function levelsIn(t: Term, variable: string, levels: (name: string, v: string) => number[]): number[] {
  try {
    return levels(t.name, variable);
  } catch (e) {
    if (!(e instanceof DataError) || t.fv?.kind !== 'interaction') throw e;
    throw new DataError(`${e.message} (in ${t.name} a variable without c. is a factor variable: write c.${variable} for a continuous one)`, e.where);
  }
}

/** The specification with its i. terms replaced by the level terms of `factors` (expandFactors') and
 *  its interactions with an i. part by their cells, and the labels of the groups that held one written
 *  again as xtabond2 writes them, from the expanded list: "iv(2004b.yr 2005.yr ..., eq(level))". Each
 *  list is expanded as fvexpand reads it: the variable list with the dependent variable, each group
 *  on its own. */
export function withLevels(spec: ModelSpec, factors: FactorLevels): ModelSpec {
  if (!specTerms(spec).some(needsLevels)) return spec;
  const regressors = expandList(spec.regressors, [spec.depvar, ...spec.regressors], factors);
  const seen = new Set([spec.depvar.name]);
  for (const r of regressors) {
    if (seen.has(r.name)) throw new SpecError(`regressor '${r.name}' is listed twice (once through a factor variable)`, r.name);
    seen.add(r.name);
  }
  return {
    ...spec,
    regressors,
    iv: spec.iv.map((g) => {
      if (!g.vars.some(needsLevels)) return g;
      const e = { ...g, vars: expandList(g.vars, g.vars, factors) };
      return { ...e, label: ivLabel(e) };
    }),
    gmm: spec.gmm.map((g) => {
      if (!g.vars.some(needsLevels)) return g;
      const e = { ...g, vars: expandList(g.vars, g.vars, factors) };
      return { ...e, label: gmmLabel(e) };
    }),
  };
}

/** The terms of one list fvexpand reads, i. terms and interactions expanded; `context` is the whole
 *  list, whose terms decide which cells of an interaction are omitted. */
function expandList(terms: readonly Term[], context: readonly Term[], factors: FactorLevels): Term[] {
  const present = new Set(context.map((t) => partsKey(termParts(t))));
  return terms.flatMap((t) => {
    const fv = t.fv;
    if (fv?.kind === 'factor') {
      const f = levelsOf(factors, t.name);
      // fvexpand marks the base level b, and the first level of ibn. bn.
      return f.levels.map((l, j) => levelTerm(fv.variable, l, l === f.base ? 'b' : f.base === null && j === 0 ? 'bn' : ''));
    }
    return fv?.kind === 'interaction' && needsLevels(t) ? cells(fv.parts, factors, present) : [t];
  });
}

function levelsOf(factors: FactorLevels, key: string): { levels: number[]; base: number | null } {
  const f = factors[key];
  if (!f) throw new Error(`withLevels: no levels for ${key}`);
  return f;
}

/** A term as the parts of an interaction: x (under its operators), i.a, 2.a, or the parts themselves. */
function termParts(t: Term): InteractionPart[] {
  const fv = t.fv;
  if (!fv) return [{ type: 'c', variable: t.base, lag: t.lag, diff: t.diff, omitted: false }];
  if (fv.kind === 'factor') return [{ type: 'i', variable: fv.variable, base: fv.base }];
  if (fv.kind === 'level') return [{ type: 'level', variable: fv.variable, level: fv.level, mark: fv.mark }];
  return fv.parts;
}

/** Parts compared as fvexpand compares terms: the same variables under the same operators, factor
 *  variables by name whatever their base, in any order; no parts is the constant. */
function partsKey(parts: readonly InteractionPart[]): string {
  return parts
    .map((p) => (p.type === 'c' ? `c ${p.variable} ${p.lag} ${p.diff}` : p.type === 'i' ? `i ${p.variable}` : `l ${p.variable} ${p.level}`))
    .sort()
    .join('#');
}

/** The cells of an interaction with i. parts, the first part's levels varying slowest: each i. part
 *  becomes one of its levels, marked b at its base level. A cell where some i. parts sit at their base
 *  levels is omitted when taking some of those parts out leaves a term of the list (`present`) or
 *  nothing (the constant): then its other parts are marked o, and its column is zero. */
function cells(parts: readonly InteractionPart[], factors: FactorLevels, present: ReadonlySet<string>): Term[] {
  const at = parts.flatMap((p, j) => (p.type === 'i' ? [j] : []));
  const lv = at.map((j) => {
    const p = parts[j] as Extract<InteractionPart, { type: 'i' }>;
    return levelsOf(factors, factorTerm(p.variable, p.base).name);
  });
  const count = lv.reduce((n, f) => n * f.levels.length, 1);
  if (count > MAX_LEVELS)
    throw new SpecError(`${parts.map((p) => (p.type === 'i' ? p.variable : '·')).join('#')}: the interaction has ${count} cells; at most ${MAX_LEVELS} are made`, 'varlist');
  const out: Term[] = [];
  const pick = new Array<number>(at.length).fill(0);
  for (let c = 0; c < count; c++) {
    for (let k = at.length - 1, r = c; k >= 0; k--) {
      pick[k] = r % lv[k].levels.length;
      r = Math.floor(r / lv[k].levels.length);
    }
    const atBase = at.flatMap((_, k) => (lv[k].base !== null && lv[k].levels[pick[k]] === lv[k].base ? [k] : []));
    const omitted = atBase.length > 0 && leavesListed(parts, atBase.map((k) => at[k]), present);
    out.push(
      interactionTerm(
        parts.map((p, j): InteractionPart => {
          const k = at.indexOf(j);
          if (k >= 0) {
            const level = lv[k].levels[pick[k]];
            const mark = atBase.includes(k) ? 'b' : omitted ? 'o' : lv[k].base === null && pick[k] === 0 ? 'bn' : '';
            return { type: 'level', variable: p.variable, level, mark };
          }
          if (!omitted) return p;
          return p.type === 'c' ? { ...p, omitted: true } : p.type === 'level' ? { ...p, mark: p.mark === 'b' ? 'b' : 'o' } : p;
        }),
      ),
    );
  }
  return out;
}

/** Whether taking a non-empty subset of the parts at `base` out of the interaction leaves the constant
 *  (no parts) or a term of the list. */
function leavesListed(parts: readonly InteractionPart[], base: readonly number[], present: ReadonlySet<string>): boolean {
  for (let mask = 1; mask < 1 << base.length; mask++) {
    const out = new Set(base.filter((_, b) => mask & (1 << b)));
    const rest = parts.filter((_, j) => !out.has(j));
    if (rest.length === 0 || present.has(partsKey(rest))) return true;
  }
  return false;
}

/** The panel with a column for each factor-variable term of `terms` (levels and interactions; i. terms
 *  must be expanded first). A row where a source variable is missing is missing. */
export function withFactorColumns(panel: Panel, terms: readonly Term[]): Panel {
  let p = panel;
  const made = new Set<string>();
  for (const t of terms) {
    if (!t.fv || made.has(t.base)) continue;
    made.add(t.base);
    if (needsLevels(t)) throw new Error(`withFactorColumns: ${t.name} is not expanded`);
    if (p.has(t.base)) throw new SpecError(`the data has a column '${t.base}', the name of a factor-variable term; rename that column`, t.base);
    p = p.withColumn(t.base, factorColumn(p, t.fv));
  }
  return p;
}

/** A level's indicator, or an interaction's product: its levels' indicators times its continuous
 *  parts, each lagged and differenced in its unit; zero (missing where a part is) for a base level
 *  and an omitted cell (omittedCell). */
function factorColumn(panel: Panel, fv: FactorTerm): Float64Array {
  if (fv.kind === 'level') {
    const x = panel.column(fv.variable);
    return Float64Array.from(x, (v) => (Number.isNaN(v) ? NaN : fv.mark !== 'b' && v === fv.level ? 1 : 0));
  }
  if (fv.kind !== 'interaction') throw new Error(`factorColumn: ${fv.kind} is not expanded`);
  const out = new Float64Array(panel.nrows).fill(1);
  for (const p of fv.parts) {
    if (p.type === 'i') throw new Error('factorColumn: an i. part is not expanded');
    let x = panel.column(p.variable);
    if (p.type === 'level') {
      for (let r = 0; r < out.length; r++) out[r] *= Number.isNaN(x[r]) ? NaN : x[r] === p.level ? 1 : 0;
      continue;
    }
    if (p.diff) x = diff(panel, x, p.diff);
    if (p.lag) x = lag(panel, x, p.lag);
    for (let r = 0; r < out.length; r++) out[r] *= x[r];
  }
  const zero = omittedCell(fv.parts);
  if (zero) for (let r = 0; r < out.length; r++) out[r] = Number.isNaN(out[r]) ? NaN : 0;
  return out;
}
