// A term of a variable list: a data column under Stata's time-series operators (L., F., D.). The
// panel evaluates terms (operators.ts); the specification names them (spec/types.ts re-exports this).
export interface Term {
  /** Canonical name as xtabond2 prints it: "n", "L1.n", "L2.n", "F1.x", "D1.w", "L1D1.w". */
  name: string;
  /** The data column the term is built from. */
  base: string;
  /** Lag order; negative for leads (F.). */
  lag: number;
  /** Difference order (D., D2.). */
  diff: number;
}
