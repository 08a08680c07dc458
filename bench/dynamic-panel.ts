// The dynamic panel the bootstrap benchmarks draw (bench/bootstrap.ts, bench/bootstrap-coverage.ts):
//   y_it = ρ y_i,t−1 + β x_it + a_i + e_it,   x_it = φ x_i,t−1 + θ a_i + u_it,
//   a_i ~ N(0, σa²), e_it ~ N(0, 1), u_it ~ N(0, 1), all independent.
// x is persistent and correlated with a_i, strictly exogenous with respect to e (so treating it as
// predetermined, gmm(x, lag(1 .)), is valid). Each unit starts at its stationary mean given a_i,
//   x̄_i = θ a_i/(1 − φ),  ȳ_i = (β x̄_i + a_i)/(1 − ρ),
// and runs `burnIn` periods before the T kept ones, so the kept panel is mean-stationary
// (E[Δy_it a_i] = E[Δx_it a_i] = 0: the Blundell–Bond 1998 level moments hold) and its deviations
// are (1 − ρ^burnIn) close to their stationary variance.
import { tableFromArrays } from 'apache-arrow';
import { Panel } from '../src/panel/panel.ts';
import { createRng } from '../src/stats/rng.ts';

export interface DynamicPanelDgp {
  rho: number;
  beta: number;
  phi: number;
  theta: number;
  sigmaA: number;
  burnIn: number;
}

export const DEFAULT_DGP: DynamicPanelDgp = { rho: 0.5, beta: 1, phi: 0.7, theta: 0.5, sigmaA: 1, burnIn: 50 };

/** N units × T periods (time 1..T), columns id, t, y, x. */
export function dynamicPanel(n: number, T: number, seed: number, dgp: DynamicPanelDgp = DEFAULT_DGP): Panel {
  const rng = createRng(seed);
  const rows = n * T;
  const id = new Float64Array(rows);
  const time = new Float64Array(rows);
  const y = new Float64Array(rows);
  const x = new Float64Array(rows);
  for (let i = 0; i < n; i++) {
    const a = dgp.sigmaA * rng.normal();
    let xl = (dgp.theta * a) / (1 - dgp.phi);
    let yl = (dgp.beta * xl + a) / (1 - dgp.rho);
    for (let t = -dgp.burnIn; t < T; t++) {
      const xt = dgp.phi * xl + dgp.theta * a + rng.normal();
      const yt = dgp.rho * yl + dgp.beta * xt + a + rng.normal();
      xl = xt;
      yl = yt;
      if (t < 0) continue;
      const r = i * T + t;
      id[r] = i + 1;
      time[r] = t + 1;
      y[r] = yt;
      x[r] = xt;
    }
  }
  return Panel.fromTable(tableFromArrays({ id, t: time, y, x }), { id: 'id', time: 't' });
}
