// A term of a variable list: a data column under Stata's time-series operators (L., F., D.). The
// panel evaluates terms (operators.ts); the specification names them (spec/types.ts re-exports this).
export interface Term {
  /** Canonical name as xtabond2 prints it: "n", "L1.n", "L2.n", "F1.x", "D1.w", "L1D1.w"; a factor
   *  variable's as Stata's fvexpand writes it: "i.yr", "2005.yr", "2004b.yr", "cL.x#c.z". */
  name: string;
  /** The data column the term is built from (for a factor-variable term, the column it makes: its name). */
  base: string;
  /** Lag order; negative for leads (F.). */
  lag: number;
  /** Difference order (D., D2.). */
  diff: number;
  /** A factor-variable term: how its column is made from data columns (src/spec/factor-variables.ts). */
  fv?: FactorTerm;
}

/** Stata's factor-variable notation, one term of it (src/spec/factor-variables.ts):
 *  - 'factor': i.v, ib#.v, ib(first|last|freq).v, ibn.v before the data's levels are known (one
 *    'level' term per level once the model is fitted);
 *  - 'level': the indicator of one level of v ("2005.yr"; a base level, "2004b.yr", is all zeros);
 *  - 'interaction': the product of its parts (#): continuous variables, each under its own operators
 *    ("cL.x#c.z" is L.x times z), and factor variables, whose i. parts become one term per cell of
 *    their levels once the model is fitted ("i.a#c.x" → "0b.a#co.x 1.a#c.x"). */
export type FactorTerm =
  | { kind: 'factor'; variable: string; base: FactorBase }
  | { kind: 'level'; variable: string; level: number; mark: LevelMark }
  | { kind: 'interaction'; parts: InteractionPart[] };

/** One part of an interaction: a continuous variable under its operators (c.x, cL.x; marked omitted
 *  in a cell fvexpand omits: co.x), a factor variable before its levels are known (i.a, ib#.a, ibn.a),
 *  or one level of one (2.a; 1b.a, the base; 2o.a, omitted). */
export type InteractionPart =
  | { type: 'c'; variable: string; lag: number; diff: number; omitted: boolean }
  | { type: 'i'; variable: string; base: FactorBase }
  | { type: 'level'; variable: string; level: number; mark: CellMark };

/** fvexpand's mark on a level: 'b' the base (its column all zeros), 'bn' the first level of ibn.v
 *  (no base: an indicator like the others), '' none. */
export type LevelMark = '' | 'b' | 'bn';
/** A level's mark in an interaction: also 'o', a level of a cell fvexpand omits (all zeros). */
export type CellMark = LevelMark | 'o';

/** Which level of i.v is the base (omitted): a level, the lowest, the highest, the most frequent, or none (ibn.). */
export type FactorBase = number | 'first' | 'last' | 'freq' | 'none';

/** The net lag (negative: a lead) and difference order of operators as Stata writes them, without or
 *  with dots and in either case: "L", "L2D", "LD", "F", "l.d." (an operator without a number means 1). */
export function netOperators(ops: string): { lag: number; diff: number } {
  let lag = 0;
  let diff = 0;
  for (const m of ops.matchAll(/([LFD])(\d*)/gi)) {
    const k = m[2] === '' ? 1 : Number(m[2]);
    const op = m[1].toUpperCase();
    if (op === 'L') lag += k;
    else if (op === 'F') lag -= k;
    else diff += k;
  }
  return { lag, diff };
}
