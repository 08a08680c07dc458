// Samples of a robustness grid: the rows where a condition holds, as `keep if` before the estimate
// would. Conditions are Stata `if` expressions, parsed and evaluated by the same code as xtabond2's
// `if` qualifier (src/spec/condition.ts: comparisons, & | !, parentheses, the project's expression
// language; never eval), with Stata's rule that a missing value is larger than every number.
import { SpecError } from '../errors.ts';
import { evalCondition } from '../spec/condition.ts';
import type { Panel } from '../panel/panel.ts';

export interface SampleSelection {
  panel: Panel;
  /** Data rows kept and left out: `excluded` counts every row not kept, those without a unit id
   *  (`missingId`) or a time (`missingTime`), which are never in the panel, and those the condition leaves out. */
  rows: { kept: number; excluded: number; missingId: number; missingTime: number };
}

/** The panel restricted to the rows where the condition holds (null: every row). */
export function selectSample(panel: Panel, condition: string | null): SampleSelection {
  const { missingUnit: missingId, missingTime } = panel.exclusions;
  const rows = (kept: number) => ({ kept, excluded: panel.nrows - kept + missingId + missingTime, missingId, missingTime });
  if (condition === null) return { panel, rows: rows(panel.nrows) };
  const holds = evalCondition(panel, condition);
  let kept = 0;
  for (const v of holds) kept += v;
  if (kept === 0) throw new SpecError(`condition '${condition}' keeps no row`);
  return { panel: panel.selectRows((r) => holds[r] === 1), rows: rows(kept) };
}
