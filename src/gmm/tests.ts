// Specification tests of a GMM fit, computed as xtabond2 computes them:
// - Sargan (Hansen 1982 / Sargan 1958): (Σ Z'ê₁)' (σ²Σ Z'HZ)⁻ (Σ Z'ê₁), one-step residuals.
// - Hansen J: (Σ Z'ê₂)' (Σ g₁g₁')⁻ (Σ Z'ê₂), also after a one-step robust fit.
// - Difference-in-Hansen per instrument group: the J of the model re-solved on the other
//   instruments with the corresponding submatrix of the full moment covariance, and its difference.
// - Arellano and Bond (1991, eq. 8–9) AR(m) test on the transformed (or level) residuals.
// - Wald chi2 / F that all coefficients are zero.
import { matmul } from '../linalg/dense.ts';
import { invsym, quadForm, submatrix } from '../linalg/invsym.ts';
import { factorWeight, weightQuad, type WeightFactor } from '../linalg/weight-factor.ts';
import { chi2Upper, fUpper, normalTwoSided } from '../stats/distributions.ts';
import type { ArTest, DiffHansen, ModelTest, TestStat } from './result.ts';
import type { UnitBlocks } from './blocks.ts';
import { gmmStep, type MomentSums } from './estimate.ts';
import { arMatrices } from './hmatrix.ts';
import { InstrumentRows, type InstrumentGroup, type InstrumentPlan } from './instruments.ts';
import { UnitRows, type Design } from './design.ts';
import { weightedSum } from './sums.ts';

/** ze' A ze for the weight A (factored). */
export function overidTest(ze: Float64Array, a: WeightFactor, df: number): TestStat {
  const chi2 = weightQuad(a, ze);
  return { chi2, df, p: chi2Upper(chi2, df) };
}

export interface DiffHansenInput {
  sums: MomentSums;
  groups: InstrumentGroup[];
  /** The full model's moment covariance whose inverse weights the reported J. */
  s: Float64Array;
  /** Instruments that count (nonzero diagonal of the one-step g-inverse). */
  kept: Uint8Array;
  j0: number;
  k: number;
  /** The full J (Hansen, or Sargan after a one-step non-robust fit) and its df. */
  full: TestStat;
  /** Zero diagonal entries of the reported V and of the non-robust two-step V. */
  vZeros: number;
  v2Zeros: number;
}

/** Difference-in-Hansen/Sargan for each group with enough remaining instruments (xtabond2). */
export function differenceInHansen(inp: DiffHansenInput): DiffHansen[] {
  const { sums, s, kept, j0, k, full } = inp;
  const { L, K } = sums;
  const out: DiffHansen[] = [];
  for (const g of inp.groups) {
    const inGroup = new Uint8Array(L);
    for (const c of g.cols) inGroup[c] = 1;
    const p: number[] = [];
    for (let c = 0; c < L; c++) if (!inGroup[c]) p.push(c);
    let nOther = 0;
    for (const c of p) nOther += kept[c];
    if (!(nOther >= k && nOther < j0)) continue;
    const m = p.length;
    const app = factorWeight(submatrix(s, L, p, p), m);
    const zxp = submatrix(sums.zx, K, p, Array.from({ length: K }, (_, j) => j));
    const zyp = Float64Array.from(p, (c) => sums.zy[c]);
    const step = gmmStep(zxp, zyp, app, m, K);
    if (step.vZeros !== inp.vZeros) continue;
    const zep = zyp.slice();
    for (let i = 0; i < m; i++) for (let j = 0; j < K; j++) zep[i] -= zxp[i * K + j] * step.beta[j];
    const excluding = weightQuad(app, zep);
    const dfDiff = j0 - nOther - inp.v2Zeros;
    const dfEx = full.df - dfDiff;
    const difference = full.chi2 - excluding;
    out.push({
      group: g.label,
      excluding: { chi2: excluding, df: dfEx, p: chi2Upper(excluding, dfEx) },
      difference: { chi2: difference, df: dfDiff, p: chi2Upper(difference, dfDiff) },
    });
  }
  return out;
}

/** What the AR(m) statistic needs from the reported step. */
export interface ArInput {
  beta: Float64Array;
  /** V·X'Z·A of the reported step (non-robust V, its weight A; their scales cancel). */
  vxza: Float64Array;
  /** The reported V (robust/corrected if robust), before `small`. */
  v: Float64Array;
  L: number;
  K: number;
}

function arZ(sum: number, wHw: number, tmp: Float64Array, zhw: Float64Array, inp: ArInput): number {
  const { L, K } = inp;
  // −2 V X'Z A (Z'Hw) + V tmp, dotted with tmp.
  const t1 = matmul(inp.vxza, zhw, K, L, 1);
  const t2 = matmul(inp.v, tmp, K, K, 1);
  let q = 0;
  for (let k = 0; k < K; k++) q += tmp[k] * (t2[k] - 2 * t1[k]);
  return sum / Math.sqrt(wHw + q);
}

/**
 * Robust AR(m) tests from the per-unit lag-moment blocks: with e the residuals of the tested rows
 * and s_i = Σ_t e_it e_i,t−m,  z = Σ s_i / √( Σ s_i² − 2 tmp'·V X'ZA·Σ g_i s_i + tmp'V tmp ),
 * tmp = Σ_i X_i' e_{i,−m}, g_i = Z_i'e_i (all rows) — Arellano and Bond (1991, eq. 8–9) as xtabond2.
 */
export function arTestsRobust(b: UnitBlocks, g: Float64Array, inp: ArInput, w: Float64Array | null): ArTest[] {
  const { n, P, L, K } = b;
  const c = new Float64Array(P);
  c[0] = 1;
  for (let k = 0; k < K; k++) c[1 + k] = -inp.beta[k];
  const out: ArTest[] = [];
  const si = new Float64Array(n);
  for (let m = 1; m <= b.artests; m++) {
    let sum = 0;
    let wHw = 0;
    let any = false;
    const arSum = new Float64Array(P * P);
    for (let i = 0; i < n; i++) {
      const off = (i * b.artests + m - 1) * P * P;
      let s = 0;
      for (let a = 0; a < P; a++) {
        const ca = c[a];
        for (let bb = 0; bb < P; bb++) s += ca * b.ar[off + a * P + bb] * c[bb];
      }
      const wi = w ? w[i] : 1;
      si[i] = wi * s;
      if (s !== 0) any = true;
      sum += wi * s;
      wHw += wi * s * s;
      for (let j = 0; j < P * P; j++) arSum[j] += wi * b.ar[off + j];
    }
    if (!any) {
      out.push({ order: m, z: NaN, p: NaN });
      continue;
    }
    const zhw = weightedSum(g, n, L, si);
    const tmp = new Float64Array(K);
    for (let k = 0; k < K; k++) for (let bb = 0; bb < P; bb++) tmp[k] += arSum[(1 + k) * P + bb] * c[bb];
    const z = arZ(sum, wHw, tmp, zhw, inp);
    out.push({ order: m, z, p: normalTwoSided(z) });
  }
  return out;
}

/**
 * AR(m) after a one-step non-robust fit: the variance of Σ s_i uses σ²H instead of Σ s_i²
 * (xtabond2 _ARTests); needs the instrument rows again, so it is a second pass over the units.
 */
export function arTestsNonRobust(d: Design, plan: InstrumentPlan, keep: number[], inp: ArInput, sig2: number): ArTest[] {
  const spec = d.spec;
  const T = d.T;
  const { L, K } = inp;
  const artests = spec.artests;
  const rows = new UnitRows(d);
  const zrows = new InstrumentRows(plan, d);
  const { har, psi } = arMatrices(T, spec.h, d.orthogonal, spec.arlevels);
  const kAll = rows.kAll;
  const k0 = d.k0;
  const e = new Float64Array(T);
  const xr = new Float64Array(T * K);
  const use2 = new Uint8Array(T);
  const wl = new Float64Array(T);
  const wli = new Float64Array(T);
  const psiw = new Float64Array(T);
  const sum = new Float64Array(artests);
  const wHw = new Float64Array(artests);
  const tmp = new Float64Array(artests * K);
  const zhw = new Float64Array(artests * L);
  const levelTested = spec.arlevels;
  const differenced = d.orthogonal && !levelTested;
  for (const unit of d.units) {
    rows.load(unit);
    zrows.fill(rows);
    e.fill(0);
    xr.fill(0);
    for (let t = 0; t < T; t++) {
      use2[t] = levelTested ? rows.useL[t] : rows.useT[t];
      if (differenced) {
        if (t === 0 || !rows.touseVar[t] || !rows.touseVar[t - 1]) continue;
        let r = rows.raw[t] - rows.raw[t - 1];
        keep.forEach((k, j) => {
          const dx = k < k0 ? rows.raw[(1 + k) * T + t] - rows.raw[(1 + k) * T + t - 1] : 0;
          xr[t * K + j] = dx;
          r -= dx * inp.beta[j];
        });
        e[t] = r;
      } else if (use2[t]) {
        const y = levelTested ? rows.yL : rows.yT;
        const x = levelTested ? rows.xL : rows.xT;
        let r = y[t];
        keep.forEach((k, j) => {
          xr[t * K + j] = x[t * kAll + k];
          r -= x[t * kAll + k] * inp.beta[j];
        });
        e[t] = r;
      }
    }
    for (let m = 1; m <= artests; m++) {
      for (let t = 0; t < T; t++) {
        wl[t] = t >= m ? e[t - m] : 0;
        wli[t] = use2[t] ? wl[t] : 0;
      }
      let s = 0;
      for (let t = 0; t < T; t++) s += e[t] * wl[t];
      sum[m - 1] += s;
      let q = 0;
      for (let t = 0; t < T; t++) {
        if (wli[t] === 0) continue;
        let h = 0;
        for (let u = 0; u < T; u++) h += har[t * T + u] * wli[u];
        q += wli[t] * h;
      }
      wHw[m - 1] += sig2 * q;
      for (let r = 0; r < T; r++) {
        let v = 0;
        for (let t = 0; t < T; t++) v += psi[t * T + r] * wli[t];
        psiw[r] = sig2 * v;
      }
      const rowBase = levelTested ? T : 0;
      for (let r = 0; r < T; r++) {
        if (psiw[r] === 0) continue;
        const zr = rowBase + r;
        for (let p = zrows.start[zr]; p < zrows.start[zr + 1]; p++) zhw[(m - 1) * L + zrows.col[p]] += zrows.val[p] * psiw[r];
      }
      for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) tmp[(m - 1) * K + k] += xr[t * K + k] * wl[t];
    }
  }
  const out: ArTest[] = [];
  for (let m = 1; m <= artests; m++) {
    if (sum[m - 1] === 0) {
      out.push({ order: m, z: NaN, p: NaN });
      continue;
    }
    const z = arZ(sum[m - 1], wHw[m - 1], tmp.subarray((m - 1) * K, m * K), zhw.subarray((m - 1) * L, m * L), inp);
    out.push({ order: m, z, p: normalTwoSided(z) });
  }
  return out;
}

/**
 * Wald chi2 (or F under small) that the first `tested` coefficients (all but the constant, which is
 * last) are zero, with xtabond2's df. Leaving the constant out reproduces the published F (log 3:
 * 1154.36; with the constant in the form, as xtabond2's current source does, it would be 6359.55).
 */
export function modelTest(beta: Float64Array, v: Float64Array, K: number, tested: number, df1: number, small: boolean, df2: number): ModelTest | null {
  if (df1 <= 0) return null;
  const idx = Array.from({ length: tested }, (_, j) => j);
  const chi2 = quadForm(beta.subarray(0, tested), invsym(submatrix(v, K, idx, idx), tested).inv, beta.subarray(0, tested), tested);
  if (small) {
    const f = chi2 / df1;
    return { kind: 'F', stat: f, df1, df2, p: fUpper(f, df1, df2) };
  }
  return { kind: 'wald', stat: chi2, df1, df2: null, p: chi2Upper(chi2, df1) };
}
