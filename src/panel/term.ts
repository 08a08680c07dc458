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
 *  - 'product': c.x#c.z, each factor under its own operators ("cL.x#c.z" is L.x times z). */
export type FactorTerm =
  | { kind: 'factor'; variable: string; base: FactorBase }
  | { kind: 'level'; variable: string; level: number; mark: LevelMark }
  | { kind: 'product'; factors: { variable: string; lag: number; diff: number }[] };

/** fvexpand's mark on a level: 'b' the base (its column all zeros), 'bn' the first level of ibn.v
 *  (no base: an indicator like the others), '' none. */
export type LevelMark = '' | 'b' | 'bn';

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
