// Backward orthogonal deviations: the instruments of a gmm() group with the `orthogonal` suboption.
// Where such a group would instrument with a variable's value at period s, it takes instead
//   b_s = √(n/(n+1)) · (x_s − mean of x over the n complete periods of the unit before s),
// the mirror image of the forward orthogonal deviations of Arellano and Bover (1995) that the
// `orthogonal` option applies to the regressors (Hayakawa 2009, "First difference or forward
// orthogonal deviation: which transformation should be used in dynamic panel data models?").
// xtabond2 3.7 forms them in its _Orthog with forward = 0: periods are walked in order, a period
// without an earlier complete one has none (missing, hence 0 as an instrument), and the sum runs over
// the periods its Complete marks (y, the regressors and the iv-style variables without mz present),
// inside the if/in or not. A missing value of x at a complete period leaves every later deviation of
// the unit missing, as Mata's sums do. The factor is written as xtabond2 writes it, √(1 − 1/(n+1)).
import type { Panel } from '../panel/panel.ts';

/**
 * Each panel row's backward orthogonal deviation of `x` (x in panel row order, lags already applied),
 * NaN where the unit has no complete period before the row's; `complete`: 1 for the rows whose
 * periods enter the means.
 */
export function backwardDeviations(panel: Panel, x: Float64Array, complete: Uint8Array): Float64Array {
  const out = new Float64Array(panel.nrows).fill(NaN);
  const { offsets } = panel;
  for (let i = 0; i < panel.nunits; i++) {
    let n = 0;
    let sum = 0;
    for (let r = offsets[i]; r < offsets[i + 1]; r++) {
      if (n > 0) out[r] = Math.sqrt(1 - 1 / (n + 1)) * (x[r] - sum / n);
      if (complete[r]) {
        n++;
        sum += x[r];
      }
    }
  }
  return out;
}
