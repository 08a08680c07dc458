// Data-generating processes of the Monte Carlo plans: dynamic panels with individual effects.
//
// AR(1) with individual effects (Blundell & Bond 1998, section 5), and with an extra regressor x
// (Blundell, Bond & Windmeijer 2000, section 4), for units i = 1..N and observed periods t = 1..T:
//   y_it = α·y_i,t−1 + β·x_it + η_i + v_it              (β = 0 and no x in model "ar1")
//   x_it = ρ_x·x_i,t−1 + τ·η_i + θ·ν_it + σ_e·e_it        (model "ar1x")
//   η_i ~ N(0, σ²_η),  v_it = σ_v·√h_i·ε_it,  ε_it, e_it ~ N(0, 1)
//   ν_it = 0 (x exogenous), v_i,t−1 (predetermined: feedback from past shocks), v_it (endogenous)
//   h_i ~ U(1 − δ, 1 + δ): cross-sectional heteroskedasticity (δ = 0: homoskedastic)
// Initial conditions: the process starts `burnIn` periods before t = 1 at its stationary mean,
// y = (η_i + β·τ·η_i/(1 − ρ_x))/(1 − α), x = τ·η_i/(1 − ρ_x), plus a deviation with the stationary
// variance of the AR(1) part (σ²_v·h_i/(1 − α²) for y, σ²_e/(1 − ρ²_x) for x); without x this is the
// exact stationary distribution and no burn-in is needed. "nonstationary" then moves y_i1 by
// (κ − 1)·η_i/(1 − α), so that E[Δy_i2·η_i] ≠ 0 and the level moments of system GMM fail (κ = 1:
// stationary).
// Unbalanced panels: unit i enters at period s_i ~ U{1, ..., 1 + lateEntry}; each observed period
// strictly between its first and T is dropped with probability `gaps` (interior gaps).
// Draw order per replication: for each unit, η_i, h_i, s_i, the start deviations, then the periods.
import type { Rng } from '../stats/rng.ts';
import { Panel } from '../panel/panel.ts';

export interface Design {
  model: 'ar1' | 'ar1x';
  alpha: number;
  beta: number;
  N: number;
  T: number;
  sigmaEta: number;
  sigmaV: number;
  initial: 'stationary' | 'nonstationary';
  kappa: number;
  x: 'exogenous' | 'predetermined' | 'endogenous';
  rhoX: number;
  tau: number;
  theta: number;
  sigmaE: number;
  hetero: number;
  gaps: number;
  lateEntry: number;
  burnIn: number;
}

/** Coefficient names of the true parameters (as xtabond2 prints them) and their values. */
export function truth(d: Design): Record<string, number> {
  return d.model === 'ar1x' ? { 'L1.y': d.alpha, x: d.beta } : { 'L1.y': d.alpha };
}

/** One simulated panel: columns id, t, y (and x). */
export function simulatePanel(d: Design, rng: Rng): Panel {
  const withX = d.model === 'ar1x';
  const beta = withX ? d.beta : 0;
  const ids: number[] = [];
  const times: number[] = [];
  const ys: number[] = [];
  const xs: number[] = [];
  const offsets = new Int32Array(d.N + 1);
  const burn = withX ? d.burnIn : 0;
  for (let i = 0; i < d.N; i++) {
    const eta = d.sigmaEta * rng.normal();
    const h = d.hetero > 0 ? 1 - d.hetero + 2 * d.hetero * rng.uniform() : 1;
    const sv = d.sigmaV * Math.sqrt(h);
    const entry = 1 + (d.lateEntry > 0 ? rng.int(d.lateEntry + 1) : 0);
    const xMean = withX ? (d.tau * eta) / (1 - d.rhoX) : 0;
    let x = withX ? xMean + (d.sigmaE / Math.sqrt(1 - d.rhoX * d.rhoX)) * rng.normal() : 0;
    let y = (eta + beta * xMean) / (1 - d.alpha) + (sv / Math.sqrt(1 - d.alpha * d.alpha)) * rng.normal();
    let vPrev = 0;
    const start = ids.length;
    for (let t = 1 - burn; t <= d.T; t++) {
      if (t > 1 - burn) {
        const v = sv * rng.normal();
        if (withX) {
          const nu = d.x === 'endogenous' ? v : d.x === 'predetermined' ? vPrev : 0;
          x = d.rhoX * x + d.tau * eta + d.theta * nu + d.sigmaE * rng.normal();
        }
        y = d.alpha * y + beta * x + eta + v;
        vPrev = v;
      }
      if (t === 1 && d.initial === 'nonstationary') y += ((d.kappa - 1) * eta) / (1 - d.alpha);
      if (t < entry) continue;
      const interior = t > entry && t < d.T;
      if (interior && d.gaps > 0 && rng.uniform() < d.gaps) continue;
      ids.push(i + 1);
      times.push(t);
      ys.push(y);
      if (withX) xs.push(x);
    }
    offsets[i + 1] = offsets[i] + (ids.length - start);
  }
  const unitOf = new Int32Array(ids.length);
  for (let i = 0; i < d.N; i++) unitOf.fill(i, offsets[i], offsets[i + 1]);
  const numeric = new Map<string, Float64Array>([['y', Float64Array.from(ys)]]);
  if (withX) numeric.set('x', Float64Array.from(xs));
  const units = Array.from({ length: d.N }, (_, i) => i + 1);
  return new Panel('id', 't', units, offsets, unitOf, Float64Array.from(times), numeric, new Map(), undefined, 'simulated');
}
