// Cross-checks of the block-based engine against an independent dense computation written here:
// the stacked matrices of the whole small panel (test/helpers/smallPanel.ts) are built directly
// from xtabond2's conventions (README, "Exactness") — instruments keyed by
// (group, variable, lag, period), FOD by definition, H from its definition — and the textbook
// formulas are applied with Gauss-Jordan inverses, the Windmeijer (2005) term by its literal
// derivative ∂S/∂β_j. No published log covers these options.
import { beforeAll, describe, expect, it } from 'vitest';
import { fitGmm } from '../src/gmm/fit.ts';
import type { GmmResult } from '../src/gmm/result.ts';
import type { Panel } from '../src/panel/panel.ts';
import { term, type Equation } from '../src/spec/types.ts';
import { add, col, inv, mul, quad, scale, tr, zeros, type Mat } from './helpers/dense.ts';
import { smallPanel } from './helpers/smallPanel.ts';
import { gmmGroup, ivGroup, modelSpec } from './helpers/specs.ts';

interface Config {
  system: boolean;
  orthogonal: boolean;
  h: 1 | 2 | 3;
  gmm: { v: 'y' | 'x'; a: number; b: number; collapse: boolean }[];
  iv: { eq: Equation }[];
  twostep: boolean;
  robust: boolean;
  cluster: boolean;
  small: boolean;
  arlevels?: boolean;
}

interface Reference {
  beta: number[];
  se: number[];
  nobs: number;
  ninstruments: number;
  sargan: number;
  hansen: number | null;
  ar: number[];
  diff: { excluding: number; difference: number; dfDiff: number }[];
}

const YEARS = [2001, 2002, 2003, 2004, 2005, 2006, 2007];
const T = YEARS.length;

/** The reference: stacked dense GMM on the small panel under the configuration. */
function reference(panel: Panel, cfg: Config): Reference {
  const cols = { y: panel.column('y'), x: panel.column('x'), w: panel.column('w'), region: panel.column('region') };
  const N = panel.nunits;
  const raw = (v: 'y' | 'x' | 'w', i: number, t: number): number => {
    if (t < 0 || t >= T) return NaN;
    for (let r = panel.offsets[i]; r < panel.offsets[i + 1]; r++) if (panel.time[r] === YEARS[t]) return cols[v][r];
    return NaN;
  };
  const sys = cfg.system;
  const K = sys ? 3 : 2; // L.y, x (, _cons)
  const nr = sys ? 2 * T : T;
  // Transform matrix M (column c = transformed row c in level errors) and H.
  const M = zeros(T, T);
  for (let c = 1; c < T; c++) {
    if (!cfg.orthogonal) {
      M[c][c] = 1;
      M[c - 1][c] = -1;
    } else {
      const m = T - c;
      const f = Math.sqrt(m / (m + 1));
      M[c - 1][c] = f;
      for (let r = c; r < T; r++) M[r][c] = -f / m;
    }
  }
  const MtM = mul(tr(M), M);
  const H = zeros(nr, nr);
  for (let a = 0; a < nr; a++) for (let b = 0; b < nr; b++) {
    if (cfg.h === 1) H[a][b] = a === b ? 1 : 0;
    else if (a < T && b < T) H[a][b] = Math.abs(MtM[a][b]) < 1e-12 ? 0 : MtM[a][b];
    else if (a >= T && b >= T) H[a][b] = a === b ? 1 : 0;
    else if (cfg.h === 3) H[a][b] = a < T ? M[b - T][a] : M[a - T][b];
  }
  // Per-unit rows.
  type Unit = { y: number[]; X: number[][]; useT: boolean[]; useL: boolean[]; keys: Map<string, number>[]; xr: number[][]; yr: number[]; rowOk: boolean[] };
  const units: Unit[] = [];
  const keySet = new Set<string>();
  for (let i = 0; i < N; i++) {
    const Y0 = (t: number) => raw('y', i, t);
    const X0 = (t: number) => [raw('y', i, t - 1), raw('x', i, t)];
    const touseVar = (t: number) => !Number.isNaN(Y0(t)) && X0(t).every((v) => !Number.isNaN(v));
    const complete = (t: number) => touseVar(t) && !Number.isNaN(raw('w', i, t));
    const trans = (f: (t: number) => number, t: number): number => {
      if (!cfg.orthogonal) return f(t) - f(t - 1);
      const s = t - 1; // FOD of period s stored at row s+1
      if (s < 0) return NaN;
      const later = [];
      for (let q = s + 1; q < T; q++) if (complete(q)) later.push(f(q));
      if (!later.length) return NaN;
      const m = later.length;
      return Math.sqrt(m / (m + 1)) * (f(s) - later.reduce((p, q) => p + q, 0) / m);
    };
    const u: Unit = { y: new Array(nr).fill(0), X: zeros(nr, K), useT: [], useL: [], keys: [], xr: [], yr: [], rowOk: [] };
    for (let t = 0; t < T; t++) {
      const ty = trans(Y0, t);
      const tx = [trans((s) => X0(s)[0], t), trans((s) => X0(s)[1], t)];
      const tw = trans((s) => raw('w', i, s), t);
      // A FOD row holds period t−1's deviation and is in the sample when period t−1 is (xtabond2 3.7's
      // _lag(touse, 1)); the 2009 release's rule is checked on its printed log (gmm-fod-gaps.test.ts).
      let ok = (cfg.orthogonal ? t >= 1 && touseVar(t - 1) : touseVar(t)) && !Number.isNaN(ty) && tx.every((v) => !Number.isNaN(v));
      if (cfg.iv.some((g) => g.eq !== 'level') && Number.isNaN(tw)) ok = false;
      u.useT.push(ok);
      const lk = new Map<string, number>();
      const put = (k: string, v: number) => {
        if (v !== 0 && !Number.isNaN(v)) lk.set(k, v);
      };
      if (ok) {
        u.y[t] = ty;
        u.X[t] = [tx[0], tx[1], ...(sys ? [0] : [])];
        cfg.gmm.forEach((g, gi) => {
          for (let l = g.a; l <= Math.min(g.b, T - 1); l++) {
            const tau = t - l;
            if (tau < 0) continue;
            put(g.collapse ? `g${gi}:L${l}` : `g${gi}:L${l}:t${tau}`, raw(g.v, i, tau));
          }
        });
        cfg.iv.forEach((g, j) => g.eq !== 'level' && put(`iv${j}`, tw));
      }
      u.keys.push(lk);
    }
    for (let t = 0; t < T; t++) {
      const lk = new Map<string, number>();
      const ok = sys && touseVar(t) && !(cfg.iv.some((g) => g.eq !== 'diff') && Number.isNaN(raw('w', i, t)));
      u.useL.push(ok);
      if (ok) {
        u.y[T + t] = Y0(t);
        u.X[T + t] = [...X0(t), 1];
        cfg.gmm.forEach((g, gi) => {
          const tau = t - (g.a - 1);
          if (tau < 1) return;
          const v = raw(g.v, i, tau) - raw(g.v, i, tau - 1);
          if (v !== 0 && !Number.isNaN(v)) lk.set(g.collapse ? `g${gi}:lev` : `g${gi}:lev:t${tau}`, v);
        });
        cfg.iv.forEach((g, j) => g.eq !== 'diff' && lk.set(`iv${j}`, raw('w', i, t)));
        lk.set('cons', 1);
      }
      if (sys) u.keys.push(lk);
    }
    // Raw rows for the differenced AR residuals under orthogonal deviations.
    for (let t = 0; t < T; t++) {
      u.rowOk.push(touseVar(t));
      u.yr.push(Y0(t));
      u.xr.push(X0(t));
    }
    u.keys.forEach((m) => m.forEach((_, k) => keySet.add(k)));
    units.push(u);
  }
  const keys = [...keySet].sort();
  const L = keys.length;
  const Z = units.map((u) => u.keys.map((m) => keys.map((k) => m.get(k) ?? 0)));
  const groupCols = (pred: (k: string) => boolean) => keys.map((k, j) => (pred(k) ? j : -1)).filter((j) => j >= 0);

  // Sums.
  let ZHZ = zeros(L, L);
  let ZX = zeros(L, K);
  let ZY = zeros(L, 1);
  for (let i = 0; i < N; i++) {
    ZHZ = add(ZHZ, mul(mul(tr(Z[i]), H), Z[i]));
    ZX = add(ZX, mul(tr(Z[i]), units[i].X));
    ZY = add(ZY, mul(tr(Z[i]), col(units[i].y)));
  }
  const solve = (W: Mat) => {
    const V = inv(mul(mul(tr(ZX), W), ZX));
    return { V, b: mul(mul(mul(V, tr(ZX)), W), ZY).map((r) => r[0]) };
  };
  const resid = (i: number, b: number[]) => units[i].y.map((y, r) => y - units[i].X[r].reduce((s, x, k) => s + x * b[k], 0));
  const Ze = (b: number[]) => {
    let z = zeros(L, 1);
    for (let i = 0; i < N; i++) z = add(z, mul(tr(Z[i]), col(resid(i, b))));
    return z.map((r) => r[0]);
  };
  const nobsT = units.reduce((s, u) => s + u.useT.filter(Boolean).length, 0);
  const nobsL = units.reduce((s, u) => s + u.useL.filter(Boolean).length, 0);
  const nobs = sys ? nobsL : nobsT;
  const ngroups = units.filter((u) => (sys ? u.useL : u.useT).some(Boolean)).length;

  const W1 = inv(ZHZ);
  const s1 = solve(W1);
  const b1 = s1.b;
  let rss = 0;
  for (let i = 0; i < N; i++) {
    const e = resid(i, b1);
    const r0 = sys && cfg.h === 1 ? T : 0;
    for (let r = r0; r < r0 + T; r++) rss += e[r] * e[r];
  }
  // σ² over the transformed count in system GMM under h(2)/h(3) (the current xtabond2 release): wttot.
  const wttot = sys && cfg.h !== 1 ? nobsT : nobs;
  const sig2 = rss / (cfg.orthogonal || cfg.h === 1 ? 1 : 2) / wttot;
  const ze1 = Ze(b1);
  const sargan = quad(ze1, W1) / sig2;
  // Clusters (nested: region is constant within a unit) or units.
  const clusterOf = (i: number) => (cfg.cluster ? cols.region[panel.offsets[i]] : i);
  const cids = [...new Set(units.map((_, i) => clusterOf(i)))];
  const gOf = (b: number[]) =>
    cids.map((c) => {
      let g = zeros(L, 1);
      units.forEach((_, i) => {
        if (clusterOf(i) === c) g = add(g, mul(tr(Z[i]), col(resid(i, b))));
      });
      return g;
    });
  const clScale = cfg.cluster && cfg.small ? cids.length / (cids.length - 1) : 1;
  const robustS = (b: number[]) => scale(gOf(b).reduce((S, g) => add(S, mul(g, tr(g))), zeros(L, L)), clScale);
  const onestepNR = !cfg.twostep && !cfg.robust;
  // small, one-step non-robust: V and the σ² of the AR tests scale by wttot/(wttot − k) (xtabond2 3.7).
  const smallNR = cfg.small && onestepNR ? wttot / (wttot - K) : 1;
  const S = onestepNR ? scale(ZHZ, sig2) : robustS(b1);
  const V1 = scale(s1.V, sig2);
  const P1 = mul(mul(s1.V, tr(ZX)), W1); // V X'Z A (σ² cancels)
  const V1r = mul(mul(P1, S), tr(P1));
  let beta = b1;
  let V = cfg.robust ? V1r : V1;
  let hansen: number | null = null;
  let Vnr = s1.V;
  let A = W1;
  if (!onestepNR) {
    const W2 = inv(S);
    const s2 = solve(W2);
    const ze2 = Ze(s2.b);
    hansen = quad(ze2, W2);
    if (cfg.twostep) {
      beta = s2.b;
      Vnr = s2.V;
      A = W2;
      V = s2.V;
      if (cfg.robust) {
        // D[:, j] = V₂X'ZW₂ (Σ_c q_cj g_c' + g_c q_cj') W₂ Z'ê₂, q_cj = Σ_{i∈c} Z_i' x_ij (Windmeijer 2005).
        const g1 = gOf(b1);
        const a = mul(W2, col(ze2));
        const left = mul(mul(s2.V, tr(ZX)), W2);
        const D = zeros(K, K);
        for (let j = 0; j < K; j++) {
          let dS = zeros(L, L);
          cids.forEach((c, ci) => {
            let q = zeros(L, 1);
            units.forEach((u, i) => {
              if (clusterOf(i) === c) q = add(q, mul(tr(Z[i]), col(u.X.map((r) => r[j]))));
            });
            dS = add(dS, add(mul(q, tr(g1[ci])), mul(g1[ci], tr(q))));
          });
          const dj = mul(mul(left, scale(dS, clScale)), a);
          for (let k = 0; k < K; k++) D[k][j] = dj[k][0];
        }
        V = add(add(add(s2.V, mul(D, s2.V)), mul(s2.V, tr(D))), mul(mul(D, V1r), tr(D)));
      }
    }
  }
  // AR(m): residuals of the tested (transformed) rows lagged m, against the full residual.
  const ar: number[] = [];
  for (let m = 1; m <= 2; m++) {
    let sum = 0;
    let wHw = 0;
    let xel = zeros(K, 1);
    let zhw = zeros(L, 1);
    for (let i = 0; i < N; i++) {
      const u = units[i];
      const e = resid(i, beta);
      let w: number[];
      let Xt: number[][];
      if (cfg.orthogonal) {
        // First differences of the level residuals (rows with both periods present).
        w = new Array(T).fill(0);
        Xt = zeros(T, K);
        for (let t = 1; t < T; t++) {
          if (!u.rowOk[t] || !u.rowOk[t - 1]) continue;
          const dx = [u.xr[t][0] - u.xr[t - 1][0], u.xr[t][1] - u.xr[t - 1][1], 0].slice(0, K);
          Xt[t] = dx;
          w[t] = u.yr[t] - u.yr[t - 1] - dx.reduce((s, x, k) => s + x * beta[k], 0);
        }
      } else if (cfg.arlevels) {
        w = e.slice(T, 2 * T);
        Xt = u.X.slice(T, 2 * T);
      } else {
        w = e.slice(0, T);
        Xt = u.X.slice(0, T);
      }
      const wl = w.map((_, t) => (t >= m ? w[t - m] : 0));
      const s = w.reduce((acc, v, t) => acc + v * wl[t], 0);
      sum += s;
      xel = add(xel, mul(tr(Xt), col(wl)));
      if (onestepNR) {
        const wli = wl.map((v, t) => (u.useT[t] ? v : 0));
        wHw += sig2 * smallNR * quad(wli, MtM);
        const psiw = mul(tr(MtM), col(wli)).map((r) => sig2 * smallNR * r[0]);
        const full = [...psiw, ...(sys ? new Array(T).fill(0) : [])];
        zhw = add(zhw, mul(tr(Z[i]), col(full)));
      } else {
        wHw += s * s;
        zhw = add(zhw, scale(mul(tr(Z[i]), col(e)), s));
      }
    }
    const x = xel.map((r) => r[0]);
    const proj = mul(mul(mul(Vnr, tr(ZX)), A), zhw).map((r) => r[0]);
    const q = wHw - 2 * x.reduce((acc, v, k) => acc + v * proj[k], 0) + quad(x, V);
    ar.push(sum / Math.sqrt(q));
  }
  // Difference-in-Hansen/Sargan for each group, by the submatrix of the full moment covariance.
  const full = hansen ?? sargan;
  const groups: number[][] = [];
  if (sys) groups.push(groupCols((k) => k.includes(':lev')));
  cfg.gmm.forEach((_, gi) => groups.push(groupCols((k) => k.startsWith(`g${gi}:`))));
  cfg.iv.forEach((_, j) => groups.push(groupCols((k) => k === `iv${j}`)));
  const diff = groups.flatMap((gc) => {
    const p = keys.map((_, j) => j).filter((j) => !gc.includes(j));
    if (p.length < K || p.length >= L) return [];
    const App = inv(p.map((a) => p.map((b) => S[a][b])));
    const zxp = p.map((a) => ZX[a]);
    const zyp = p.map((a) => ZY[a][0]);
    const Vp = inv(mul(mul(tr(zxp), App), zxp));
    const bp = mul(mul(mul(Vp, tr(zxp)), App), col(zyp)).map((r) => r[0]);
    const zep = zyp.map((v, a) => v - zxp[a].reduce((s, x, k) => s + x * bp[k], 0));
    const excluding = quad(zep, App);
    return [{ excluding, difference: full - excluding, dfDiff: L - p.length }];
  });
  const factor = !cfg.small ? 1 : onestepNR ? smallNR : cfg.cluster ? (nobs - 1) / (nobs - K) : (ngroups / (ngroups - 1)) * ((nobs - 1) / (nobs - K));
  return {
    beta,
    se: beta.map((_, k) => Math.sqrt(((V[k][k] + V[k][k]) / 2) * factor)),
    nobs,
    ninstruments: L,
    sargan,
    hansen,
    ar,
    diff,
  };
}

function engineSpec(cfg: Config) {
  return modelSpec({
    depvar: term('y'),
    regressors: [term('y', 1), term('x')],
    gmm: cfg.gmm.map((g) => gmmGroup([term(g.v)], `gmm(${g.v})`, { lagMin: g.a, lagMax: g.b, collapse: g.collapse })),
    iv: cfg.iv.map((g) => ivGroup([term('w')], 'iv(w)', { equation: g.eq })),
    levelEquation: cfg.system,
    orthogonal: cfg.orthogonal,
    h: cfg.h,
    twostep: cfg.twostep,
    robust: cfg.robust,
    small: cfg.small,
    cluster: cfg.cluster ? ['region'] : null,
    arlevels: cfg.arlevels ?? false,
  });
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1e-300, Math.abs(b));
}

function compare(r: GmmResult, ref: Reference): void {
  expect(r.nobs).toBe(ref.nobs);
  expect(r.ninstruments).toBe(ref.ninstruments);
  const tol = 1e-9;
  r.coefficients.forEach((c, k) => {
    expect(rel(c.estimate, ref.beta[k])).toBeLessThan(tol);
    expect(rel(c.se, ref.se[k])).toBeLessThan(tol);
  });
  expect(rel(r.sargan!.chi2, ref.sargan)).toBeLessThan(tol);
  if (ref.hansen === null) expect(r.hansen).toBeNull();
  else expect(rel(r.hansen!.chi2, ref.hansen)).toBeLessThan(tol);
  expect(r.ar).toHaveLength(2);
  r.ar.forEach((a, m) => expect(rel(a.z, ref.ar[m])).toBeLessThan(1e-8));
  expect(r.diffHansen.length).toBe(ref.diff.length);
  r.diffHansen.forEach((d, j) => {
    expect(rel(d.excluding.chi2, ref.diff[j].excluding)).toBeLessThan(1e-8);
    expect(Math.abs(d.difference.chi2 - ref.diff[j].difference)).toBeLessThan(1e-8 * Math.max(1, Math.abs(ref.diff[j].excluding)));
    expect(d.difference.df).toBe(ref.diff[j].dfDiff);
  });
}

const base: Config = {
  system: true,
  orthogonal: false,
  h: 3,
  gmm: [
    { v: 'y', a: 2, b: 4, collapse: true },
    { v: 'x', a: 2, b: 3, collapse: true },
  ],
  iv: [{ eq: 'both' }],
  twostep: false,
  robust: true,
  cluster: false,
  small: false,
};

describe('engine vs dense stacked reference (30 units × 7 periods, unbalanced, gap, missing)', () => {
  let panel: Panel;
  beforeAll(() => {
    panel = smallPanel();
  });
  const cases: [string, Config][] = [
    ['system GMM, collapse + lag limits, one-step robust', base],
    ['system GMM, two-step Windmeijer', { ...base, twostep: true }],
    ['system GMM, two-step Windmeijer, uncollapsed, iv(w, eq(level)), small', { ...base, twostep: true, small: true, gmm: [{ v: 'y', a: 2, b: 3, collapse: false }, { v: 'x', a: 2, b: 2, collapse: false }], iv: [{ eq: 'level' }] }],
    ['system GMM, orthogonal deviations', { ...base, orthogonal: true, gmm: [{ v: 'y', a: 2, b: 4, collapse: true }, { v: 'x', a: 1, b: 3, collapse: true }] }],
    ['system GMM, h(1)', { ...base, h: 1 }],
    ['system GMM, h(2), two-step', { ...base, h: 2, twostep: true }],
    ['system GMM, cluster(region), two-step, small', { ...base, twostep: true, cluster: true, small: true }],
    ['system GMM, cluster(region), one-step', { ...base, cluster: true }],
    ['system GMM, AR tests on level residuals (arlevels)', { ...base, arlevels: true }],
    ['system GMM, one-step non-robust (Sargan-based difference tests)', { ...base, robust: false }],
    ['system GMM, one-step non-robust, small', { ...base, robust: false, small: true }],
    ['system GMM, h(2), one-step non-robust, small', { ...base, h: 2, robust: false, small: true }],
    ['difference GMM, one-step non-robust, small', { ...base, system: false, robust: false, small: true }],
    ['difference GMM, one-step non-robust, iv(w, eq(diff))', { ...base, system: false, robust: false, gmm: [{ v: 'y', a: 2, b: 6, collapse: false }], iv: [{ eq: 'diff' }] }],
    ['difference GMM, orthogonal, two-step Windmeijer', { ...base, system: false, orthogonal: true, twostep: true }],
  ];
  for (const [name, cfg] of cases) {
    it(name, async () => {
      const r = await fitGmm(panel, engineSpec(cfg));
      compare(r, reference(panel, cfg));
    });
  }
});
