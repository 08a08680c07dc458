// The sums the Arellano and Bond (1991) AR(m) test is made of (tests.ts turns them into z), formed
// over a set of units so that they add across shards (passes.ts). Kept apart from tests.ts so that
// the bootstrap's worker bundle does not load the distribution functions.
import type { UnitBlocks } from './blocks.ts';
import { UnitRows, type Design } from './design.ts';
import { arMatrices } from './hmatrix.ts';
import { InstrumentRows, type InstrumentPlan } from './instruments.ts';
import { addTo, compensated, normalize, type Compensated } from './sums.ts';
import { momentRow, residualWeights } from './moments.ts';
import { arRobustOnWasm } from './pass-kernels.ts';

/**
 * The additive sums an AR(m) statistic is made of, over a set of units (partial-sums.ts): with e the
 * residuals of the tested rows and s_i = Σ_t e_it e_i,t−m, Σ s_i, its variance term (Σ s_i² when
 * robust; σ²·w'Hw otherwise, here for σ² = 1), tmp = Σ_i X_i' e_{i,−m} and Z'Hw = Σ_i g_i s_i
 * (robust; the non-robust analogue otherwise, also for σ² = 1), and how many units have s_i ≠ 0.
 */
export interface ArSums<S = Compensated> {
  sum: S;
  wHw: S;
  /** artests × K. */
  tmp: S;
  /** artests × L. */
  zhw: S;
  nonzero: Float64Array;
}

function emptyArSums(artests: number, K: number, L: number): ArSums {
  return { sum: compensated(artests), wHw: compensated(artests), tmp: compensated(artests * K), zhw: compensated(artests * L), nonzero: new Float64Array(artests) };
}

function normalized(a: ArSums): ArSums {
  for (const c of [a.sum, a.wHw, a.tmp, a.zhw]) normalize(c);
  return a;
}

/** Robust AR sums from the per-unit lag-moment blocks and unit moments g_i at the tested β (the whole
 *  sample or a shard of it: unit weights are refused, as the blocks keep only what unweighted sums need). */
export function arSumsRobust(b: UnitBlocks, beta: Float64Array, w: Float64Array | null): ArSums {
  if (w) throw new Error('robust AR sums take no unit weights');
  const { n, P, L, K } = b;
  if (b.artests > 0 && n > 0 && b.ar.length === 0) throw new Error('robust AR sums need the per-unit AR blocks (unitBlocks without arBlocks: false)');
  const c = residualWeights(b, beta);
  const g = new Float64Array(L);
  const out = emptyArSums(b.artests, K, L);
  const nSym = (P * (P + 1)) / 2;
  // The unit loop on the WebAssembly kernel where there is one (pass-kernels.ts, the same sums).
  const onWasm = arRobustOnWasm(b, c);
  for (let m = 1; m <= b.artests; m++) {
    const lag = onWasm?.[m - 1];
    if (lag) {
      [out.sum.hi[m - 1], out.sum.lo[m - 1]] = lag.sum;
      [out.wHw.hi[m - 1], out.wHw.lo[m - 1]] = lag.wHw;
      out.nonzero[m - 1] = lag.nonzero;
      out.zhw.hi.set(lag.zhw.hi, (m - 1) * L);
      out.zhw.lo.set(lag.zhw.lo, (m - 1) * L);
    } else
      for (let i = 0; i < n; i++) {
        // s_i = c'ar_i c from the packed symmetric part.
        let o = (i * b.artests + m - 1) * nSym;
        let s = 0;
        for (let a = 0; a < P; a++) {
          const ca = c[a];
          s += ca * ca * b.ar[o++];
          let t = 0;
          for (let bb = a + 1; bb < P; bb++) t += b.ar[o++] * c[bb];
          s += 2 * ca * t;
        }
        if (s !== 0) out.nonzero[m - 1]++;
        addTo(out.sum, m - 1, s);
        addTo(out.wHw, m - 1, s * s);
        if (s !== 0) {
          momentRow(b, c, i, g);
          const { hi, lo } = out.zhw;
          for (let l = 0, j = (m - 1) * L; l < L; l++, j++) {
            // addTo, inlined.
            const x = g[l] * s;
            const h = hi[j];
            const t = h + x;
            const bb = t - h;
            lo[j] += h - (t - bb) + (x - bb);
            hi[j] = t;
          }
        }
      }
    // tmp_k = Σ_i X_i' e_{i,−m} = Σ_b (Σ_i ar_i)[1+k, b] c_b, from the compensated sum.
    const { hi, lo } = b.arSum;
    for (let k = 0; k < K; k++) {
      for (let bb = 0; bb < P; bb++) {
        const j = ((m - 1) * P + 1 + k) * P + bb;
        addTo(out.tmp, (m - 1) * K + k, hi[j] * c[bb]);
        addTo(out.tmp, (m - 1) * K + k, lo[j] * c[bb]);
      }
    }
  }
  return normalized(out);
}

/**
 * AR sums after a one-step non-robust fit: the variance of Σ s_i uses σ²H instead of Σ s_i²
 * (xtabond2 _ARTests); needs the instrument rows again, so it walks the design's units.
 * Under observation weights (weights.ts) a pair of tested residuals counts with the later row's
 * weight, and H and ψ with the transformed rows' weights (none where a transformed row is not used,
 * even when the tested level row is: xtabond2's quadcross(H, _wt, wli)). All but one term are
 * invariant to the weights' normalization; the first-differenced residuals tested under orthogonal
 * deviations are weighted as given while H and ψ take the normalized weights, so there w'Hw counts
 * weightScale² (the normalization's factor) and Z'Hw weightScale times.
 */
export function arSumsNonRobust(d: Design, plan: InstrumentPlan, keep: number[], beta: Float64Array, L: number, weightScale = 1): ArSums {
  const spec = d.spec;
  const T = d.T;
  const K = keep.length;
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
  const out = emptyArSums(artests, K, L);
  const { sum, wHw, tmp, zhw } = out;
  const unitTmp = new Float64Array(K);
  const levelTested = spec.arlevels;
  const differenced = d.orthogonal && !levelTested;
  const weighted = d.weights !== null;
  // Weights of a tested pair (sw) and of H's and ψ's rows (hw, hwH and hwPsi scaled as said above);
  // ones without weights (a product with 1 is exact: the unweighted sums to the bit).
  const sw = new Float64Array(T).fill(1);
  const hwH = new Float64Array(T).fill(1);
  const hwPsi = new Float64Array(T).fill(1);
  const hScale = differenced ? weightScale * weightScale : 1;
  const psiScale = differenced ? weightScale : 1;
  for (const unit of d.units) {
    rows.load(unit);
    zrows.fill(rows);
    e.fill(0);
    xr.fill(0);
    for (let t = 0; t < T; t++) {
      use2[t] = levelTested ? rows.useL[t] : rows.useT[t];
      if (differenced) {
        if (!rows.differenceable(t)) continue;
        let r = rows.raw[t] - rows.raw[t - 1];
        keep.forEach((k, j) => {
          const dx = k < k0 ? rows.raw[(1 + k) * T + t] - rows.raw[(1 + k) * T + t - 1] : 0;
          xr[t * K + j] = dx;
          r -= dx * beta[j];
        });
        e[t] = r;
      } else if (use2[t]) {
        const y = levelTested ? rows.yL : rows.yT;
        const x = levelTested ? rows.xL : rows.xT;
        let r = y[t];
        keep.forEach((k, j) => {
          xr[t * K + j] = x[t * kAll + k];
          r -= x[t * kAll + k] * beta[j];
        });
        e[t] = r;
      }
    }
    if (weighted)
      for (let t = 0; t < T; t++) {
        sw[t] = rows.weight[t];
        const hw = rows.useT[t] ? rows.weight[t] : 0;
        hwH[t] = hScale * hw;
        hwPsi[t] = psiScale * hw;
      }
    for (let m = 1; m <= artests; m++) {
      for (let t = 0; t < T; t++) {
        wl[t] = t >= m ? e[t - m] : 0;
        wli[t] = use2[t] ? wl[t] : 0;
      }
      let s = 0;
      for (let t = 0; t < T; t++) s += sw[t] * e[t] * wl[t];
      addTo(sum, m - 1, s);
      if (s !== 0) out.nonzero[m - 1]++;
      let q = 0;
      for (let t = 0; t < T; t++) {
        if (wli[t] === 0) continue;
        let h = 0;
        for (let u = 0; u < T; u++) h += har[t * T + u] * hwH[u] * wli[u];
        q += wli[t] * h;
      }
      addTo(wHw, m - 1, q);
      for (let r = 0; r < T; r++) {
        let v = 0;
        for (let t = 0; t < T; t++) v += psi[t * T + r] * hwPsi[t] * wli[t];
        psiw[r] = v;
      }
      const rowBase = levelTested ? T : 0;
      for (let r = 0; r < T; r++) {
        if (psiw[r] === 0) continue;
        const zr = rowBase + r;
        for (let p = zrows.start[zr]; p < zrows.start[zr + 1]; p++) addTo(zhw, (m - 1) * L + zrows.col[p], zrows.val[p] * psiw[r]);
      }
      unitTmp.fill(0);
      for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) unitTmp[k] += sw[t] * xr[t * K + k] * wl[t];
      for (let k = 0; k < K; k++) if (unitTmp[k] !== 0) addTo(tmp, (m - 1) * K + k, unitTmp[k]);
    }
  }
  return normalized(out);
}

