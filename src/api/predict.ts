// Fitted values and residuals of a GMM fit, as xtabond2's `predict` gives them (its help: "xb: b·x_it,
// fitted values; residuals: e_it"), in levels, or in first differences with `difference`; plus u_i, the
// unit's mean residual over its rows of the estimation sample (the fixed-effect estimate, as xtreg's
// `predict, u`). Every row of the panel gets a value wherever its regressors are present (xtabond2
// predicts outside the estimation sample too); a missing input gives NaN.
import type { Panel } from '../panel/panel.ts';
import { buildDesign, EXCLUDED, UnitRows } from '../gmm/design.ts';
import { materialize } from '../panel/operators.ts';
import type { GmmResult } from '../gmm/result.ts';
import type { ModelSpec } from '../spec/types.ts';

export interface Predictions {
  /** Unit and time of each row, in the panel's (unit, time) order. */
  id: ReadonlyArray<string | number>;
  time: Float64Array;
  /** x_it'b, with the constant. */
  xb: Float64Array;
  /** y_it − x_it'b (xtabond2's `residuals`). */
  e: Float64Array;
  /** The mean of the level residuals y − x'b over the unit's rows in the estimation sample (NaN for a
   *  unit outside it); under `difference` too, where e is differenced. */
  u: Float64Array;
  /** 1 on the rows of the estimation sample (xtabond2's e(sample)): the observations of the main
   *  equation (levels in system GMM, the transformed equation otherwise), as many as the fit's nobs
   *  (which under frequency weights is their sum).
   *  Under orthogonal deviations in difference GMM, as in xtabond2 3.7, the row after the period whose
   *  deviation enters (the row that holds it); with a gap there, no row, so fewer than nobs. */
  inSample: Uint8Array;
}

export function predictGmm(panel: Panel, spec: ModelSpec, fit: GmmResult, options: { difference?: boolean } = {}): Predictions {
  const d = buildDesign(panel, spec);
  const p = d.panel;
  const n = p.nrows;
  const b = new Map(fit.coefficients.map((c) => [c.name, c.estimate]));
  const xb = new Float64Array(n);
  const y = materialize(p, d.sources[0]);
  for (let i = 0; i < n; i++) xb[i] = b.get('_cons') ?? 0;
  d.regressorNames.slice(0, d.k0).forEach((name, j) => {
    const coef = b.get(name);
    if (coef === undefined) return; // dropped for collinearity: it contributes nothing
    const x = materialize(p, d.sources[1 + j]);
    for (let i = 0; i < n; i++) xb[i] += coef * x[i];
  });
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = y[i] - xb[i];
  // e(sample): the main equation's observations (status `used`, the rows nobs counts), so the
  // command's if/in and, in difference GMM, the rows without a transformed observation are out. Under
  // orthogonal deviations in difference GMM, xtabond2 3.7 writes back the transformed equation's
  // sample, whose row t holds period t−1's deviation: the row of period t is marked (even outside the
  // if/in), and a deviation whose next period is absent from the data marks no row.
  const inSample = new Uint8Array(n);
  const rows = new UnitRows(d);
  const byStoredRow = d.orthogonal && !d.system;
  for (const unit of d.units) {
    rows.load(unit);
    for (let i = p.offsets[unit]; i < p.offsets[unit + 1]; i++) {
      const t = p.time[i] - d.tmin;
      if (byStoredRow ? rows.useT[t] === 1 : rows.present[t] && rows.status[t] === EXCLUDED.used) inSample[i] = 1;
    }
  }
  const u = new Float64Array(n).fill(NaN);
  for (let unit = 0; unit < p.nunits; unit++) {
    let sum = 0;
    let count = 0;
    for (let i = p.offsets[unit]; i < p.offsets[unit + 1]; i++) if (inSample[i]) (sum += e[i]), count++;
    if (count) for (let i = p.offsets[unit]; i < p.offsets[unit + 1]; i++) u[i] = sum / count;
  }
  const id = Array.from(p.unitOf, (unit) => p.units[unit]);
  if (options.difference) return { id, time: p.time, xb: firstDifference(p, xb), e: firstDifference(p, e), u, inSample };
  return { id, time: p.time, xb, e, u, inSample };
}

/** x_it − x_i,t−1 where period t − 1 of the same unit is present (a gap gives NaN). */
function firstDifference(p: Panel, x: Float64Array): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let unit = 0; unit < p.nunits; unit++)
    for (let i = p.offsets[unit] + 1; i < p.offsets[unit + 1]; i++) if (p.time[i] === p.time[i - 1] + 1) out[i] = x[i] - x[i - 1];
  return out;
}
