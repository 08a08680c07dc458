// One pass over the units reduces each unit to small blocks (DESIGN.md): with W_i = [y_i X_i]
// (the unit's rows, y first, then the kept regressors; rows that do not enter are zero),
//   zw_i  = Z_iᵀ W_i                     L × P   (P = 1 + K; Z'y and Z'X together)
//   zhz_i = Z_iᵀ H Z_i                   L × L   (upper triangle, packed; kept per unit on request)
//   ee_i  = W_iᵀ W_i over the rows whose residuals give σ²           P × P
//   ar_i  = Σ_t W_i[t]ᵀ W_i[t−m] over the AR-tested rows, m = 1..artests   P × P each
// Everything GMM needs is a function of these and β: e.g. Z_iᵀe_i = zw_i·(1, −β).
import { invsym } from '../linalg/invsym.ts';
import { DataError, SpecError } from '../errors.ts';
import { EXCLUDED, UnitRows, type Design } from './design.ts';
import { hMatrix, sparseUpper } from './hmatrix.ts';
import { InstrumentRows, type InstrumentPlan } from './instruments.ts';
import { weightedSum } from './sums.ts';

export interface UnitBlocks {
  /** Units in the sample (panel unit indices), in order; block row i belongs to units[i]. */
  units: Int32Array;
  n: number;
  L: number;
  /** Kept regressors. */
  K: number;
  P: number;
  zw: Float64Array;
  /** Packed upper triangles of Z_iᵀHZ_i (n × L(L+1)/2), or null when not kept. */
  zhz: Float64Array | null;
  /** Σ_i Z_iᵀ H Z_i (L × L, full). */
  zhzSum: Float64Array;
  ee: Float64Array;
  /** n × artests × P × P. */
  ar: Float64Array;
  artests: number;
  /** Observations of the main equation (level rows in system GMM, transformed rows otherwise). */
  obsMain: Int32Array;
  /** Observations of the transformed equation. */
  obsTrans: Int32Array;
  /** Cluster index of each unit (0..nClusters−1) under cluster(); null otherwise. */
  cluster: Int32Array | null;
  nClusters: number;
  /** W'W over the main-equation rows of all units (P×P), for the Wald df. */
  mainWW: Float64Array;
}

/** Regressors kept after xtabond2's collinearity check, and the names of those dropped. */
export interface Collinearity {
  keep: number[];
  dropped: string[];
}

/**
 * xtabond2's _rmcoll on the stacked regressors of both equations (rows that do not enter are zero):
 * the constant, if any, is partialled out of the level rows, the cross-product is scaled to unit
 * diagonal, and a regressor is dropped when invsym finds it collinear with earlier ones.
 */
export function collinearity(d: Design): Collinearity {
  const rows = new UnitRows(d);
  const K = rows.kAll;
  const xx = new Float64Array(K * K);
  const xt = new Float64Array(K);
  let nt = 0;
  const T = d.T;
  const addRow = (x: Float64Array, off: number) => {
    for (let a = 0; a < K; a++) {
      const va = x[off + a];
      if (va === 0) continue;
      for (let b = 0; b < K; b++) xx[a * K + b] += va * x[off + b];
    }
  };
  for (const unit of d.units) {
    rows.load(unit);
    for (let t = 0; t < T; t++) {
      if (rows.useT[t]) addRow(rows.xT, t * K);
      if (d.system && rows.useL[t]) {
        addRow(rows.xL, t * K);
        for (let a = 0; a < K; a++) xt[a] += rows.xL[t * K + a];
        nt++;
      }
    }
  }
  const kx = d.hasConstant ? K - 1 : K;
  if (K <= 1) return { keep: Array.from({ length: K }, (_, k) => k), dropped: [] };
  const u = new Float64Array(kx * kx);
  for (let a = 0; a < kx; a++) for (let b = 0; b < kx; b++) u[a * kx + b] = xx[a * K + b] - (d.hasConstant && nt > 0 ? (xt[a] * xt[b]) / nt : 0);
  const scale = Float64Array.from({ length: kx }, (_, a) => (u[a * kx + a] > 0 ? 1 / Math.sqrt(u[a * kx + a]) : 0));
  for (let a = 0; a < kx; a++) for (let b = 0; b < kx; b++) u[a * kx + b] *= scale[a] * scale[b];
  const { dropped } = invsym(u, kx);
  const keep: number[] = [];
  const names: string[] = [];
  for (let a = 0; a < kx; a++) (dropped[a] ? names.push(d.regressorNames[a]) : keep.push(a));
  if (d.hasConstant) keep.push(K - 1);
  return { keep, dropped: names };
}

/** Cluster index per sample unit: the cluster variable must be constant within each unit. */
function clusterIndex(d: Design, name: string): { index: Int32Array; n: number } {
  const col = d.panel.column(name);
  const { offsets } = d.panel;
  const code = new Map<string, number>();
  const index = new Int32Array(d.units.length);
  d.units.forEach((unit, i) => {
    let v: number | undefined;
    for (let r = offsets[unit]; r < offsets[unit + 1]; r++) {
      const x = col[r];
      if (v === undefined) v = x;
      else if (!(x === v || (Number.isNaN(x) && Number.isNaN(v))))
        throw new SpecError(
          `cluster(${name}): the cluster variable must be constant within each panel unit (nested clusters); unit ${d.panel.units[unit]} has ${v} and ${x}`,
          'cluster',
        );
    }
    const key = String(v);
    if (!code.has(key)) code.set(key, code.size);
    index[i] = code.get(key)!;
  });
  return { index, n: code.size };
}

/** Which rows the AR(m) test looks at, per xtabond2: transformed rows, level rows (arlevels), or
 *  first differences of the level data (orthogonal deviations without arlevels). */
type ArRows = 'transformed' | 'level' | 'differenced';

const CHUNK = 4096;

/**
 * Build the per-unit blocks. keepZHZ keeps Z_iᵀHZ_i per unit (needed to re-estimate the one-step
 * weight under unit weights); otherwise only their sum is formed, a chunk of units at a time.
 * `excluded` counts the present periods of sample units that are not observations of the main
 * equation, by reason code (design.ts EXCLUDED).
 */
export function unitBlocks(d: Design, plan: InstrumentPlan, coll: Collinearity, opts: { keepZHZ?: boolean } = {}): UnitBlocks & { excluded: Map<number, number> } {
  const T = d.T;
  const spec = d.spec;
  const rows = new UnitRows(d);
  const zrows = new InstrumentRows(plan, d);
  const L = plan.L;
  const keep = coll.keep;
  const K = keep.length;
  const P = 1 + K;
  const kAll = rows.kAll;
  const n = d.units.length;
  const artests = spec.artests;
  const arRows: ArRows = spec.arlevels ? 'level' : d.orthogonal ? 'differenced' : 'transformed';
  const sigmaLevel = d.system && spec.h === 1;

  const H = hMatrix(T, spec.h, d.orthogonal, d.system);
  const hs = sparseUpper(H, d.system ? 2 * T : T);
  const nPacked = (L * (L + 1)) / 2;
  const rowOff = new Int32Array(L);
  for (let c = 0; c < L; c++) rowOff[c] = c * L - (c * (c - 1)) / 2;

  const zw = new Float64Array(n * L * P);
  const ee = new Float64Array(n * P * P);
  const ar = new Float64Array(n * artests * P * P);
  const obsMain = new Int32Array(n);
  const obsTrans = new Int32Array(n);
  const keepZHZ = opts.keepZHZ ?? false;
  const zhz = keepZHZ ? new Float64Array(n * nPacked) : null;
  const chunk = keepZHZ ? null : new Float64Array(Math.min(CHUNK, n) * nPacked);
  const zhzPacked = new Float64Array(nPacked);
  const excluded = new Map<number, number>();
  const mainWW = new Float64Array(P * P);

  // W rows of the current unit: transformed rows 0..T−1, level rows T..2T−1, AR rows separately.
  const nr = d.system ? 2 * T : T;
  const wRows = new Float64Array(nr * P);
  const arW = new Float64Array(T * P);

  const setRow = (dst: Float64Array, r: number, y: number, x: Float64Array, xOff: number) => {
    const o = r * P;
    dst[o] = y;
    for (let k = 0; k < K; k++) dst[o + 1 + k] = x[xOff + keep[k]];
  };

  let chunkRow = 0;
  const flush = () => {
    if (!chunk || chunkRow === 0) return;
    const s = weightedSum(chunk, chunkRow, nPacked, null);
    for (let j = 0; j < nPacked; j++) zhzPacked[j] += s[j];
    chunk.fill(0, 0, chunkRow * nPacked);
    chunkRow = 0;
  };

  for (let i = 0; i < n; i++) {
    rows.load(d.units[i]);
    zrows.fill(rows);
    wRows.fill(0);
    let nMain = 0;
    let nT = 0;
    for (let t = 0; t < T; t++) {
      if (rows.useT[t]) {
        setRow(wRows, t, rows.yT[t], rows.xT, t * kAll);
        nT++;
      }
      if (d.system && rows.useL[t]) {
        setRow(wRows, T + t, rows.yL[t], rows.xL, t * kAll);
        nMain++;
      }
      if (rows.present[t]) {
        const code = rows.status[t];
        if (code !== EXCLUDED.used) excluded.set(code, (excluded.get(code) ?? 0) + 1);
      }
    }
    obsTrans[i] = nT;
    obsMain[i] = d.system ? nMain : nT;
    addCrossRows(mainWW, wRows, d.system ? T : 0, T, P);

    // zw_i = Z_iᵀ W_i.
    const { start, col, val } = zrows;
    const zwOff = i * L * P;
    for (let r = 0; r < nr; r++) {
      const ro = r * P;
      for (let p = start[r]; p < start[r + 1]; p++) {
        const c = zwOff + col[p] * P;
        const v = val[p];
        for (let a = 0; a < P; a++) zw[c + a] += v * wRows[ro + a];
      }
    }
    // zhz_i = Z_iᵀ H Z_i, upper triangle packed.
    const dst = zhz ?? chunk!;
    const dOff = zhz ? i * nPacked : chunkRow * nPacked;
    for (let h = 0; h < hs.v.length; h++) {
      const r = hs.r[h];
      const s = hs.s[h];
      const hv = hs.v[h];
      const r0 = start[r];
      const r1 = start[r + 1];
      if (r0 === r1) continue;
      const s0 = start[s];
      const s1 = start[s + 1];
      if (s0 === s1) continue;
      if (r === s) {
        for (let p = r0; p < r1; p++) {
          const cp = col[p];
          const vp = hv * val[p];
          for (let q = r0; q < r1; q++) {
            const cq = col[q];
            if (cq >= cp) dst[dOff + rowOff[cp] + cq - cp] += vp * val[q];
          }
        }
      } else {
        for (let p = r0; p < r1; p++) {
          const cp = col[p];
          const vp = hv * val[p];
          for (let q = s0; q < s1; q++) {
            const cq = col[q];
            if (cq === cp) dst[dOff + rowOff[cp]] += 2 * vp * val[q];
            else if (cq > cp) dst[dOff + rowOff[cp] + cq - cp] += vp * val[q];
            else dst[dOff + rowOff[cq] + cp - cq] += vp * val[q];
          }
        }
      }
    }
    if (chunk && ++chunkRow === CHUNK) flush();

    // ee_i over the rows whose residuals give σ².
    addCrossRows(ee.subarray(i * P * P, (i + 1) * P * P), wRows, sigmaLevel ? T : 0, T, P);
    // ar_i: Σ_t W[t]ᵀ W[t−m] over the tested rows.
    if (artests > 0) {
      if (arRows === 'transformed') arW.set(wRows.subarray(0, T * P));
      else if (arRows === 'level') arW.set(wRows.subarray(T * P, 2 * T * P));
      else differencedRows(rows, keep, arW, P);
      for (let m = 1; m <= artests; m++) {
        const aOff = (i * artests + m - 1) * P * P;
        for (let t = m; t < T; t++) {
          const ro = t * P;
          const lo = (t - m) * P;
          for (let a = 0; a < P; a++) {
            const va = arW[ro + a];
            if (va === 0) continue;
            for (let b = 0; b < P; b++) ar[aOff + a * P + b] += va * arW[lo + b];
          }
        }
      }
    }
  }
  flush();

  const zhzSum = new Float64Array(L * L);
  const packed = zhz ? weightedSum(zhz, n, nPacked, null) : zhzPacked;
  for (let a = 0; a < L; a++) for (let b = a; b < L; b++) {
    const v = packed[rowOff[a] + b - a];
    zhzSum[a * L + b] = v;
    zhzSum[b * L + a] = v;
  }

  let cluster: Int32Array | null = null;
  let nClusters = 0;
  if (spec.cluster) {
    if (!d.panel.has(spec.cluster)) throw new DataError(`cluster(${spec.cluster}): unknown column`, { column: spec.cluster });
    const c = clusterIndex(d, spec.cluster);
    cluster = c.index;
    nClusters = c.n;
  }
  return { units: d.units, n, L, K, P, zw, zhz, zhzSum, ee, ar, artests, obsMain, obsTrans, cluster, nClusters, mainWW, excluded };
}

/** dst (P×P) += Σ_r W[r]ᵀW[r] over rows r0 .. r0+count−1 of W (rows of width P). */
function addCrossRows(dst: Float64Array, w: Float64Array, r0: number, count: number, P: number): void {
  for (let r = r0; r < r0 + count; r++) {
    const ro = r * P;
    for (let a = 0; a < P; a++) {
      const va = w[ro + a];
      if (va === 0) continue;
      for (let b = 0; b < P; b++) dst[a * P + b] += va * w[ro + b];
    }
  }
}

/** First differences of the raw (y, kept X) where both periods have y and every kept regressor. */
function differencedRows(rows: UnitRows, keep: number[], out: Float64Array, P: number): void {
  const d = rows.design;
  const T = d.T;
  const raw = rows.raw;
  const k0 = d.k0;
  out.fill(0);
  const complete = (t: number) => {
    if (Number.isNaN(raw[t])) return false;
    for (const k of keep) if (k < k0 && Number.isNaN(raw[(1 + k) * T + t])) return false;
    return true;
  };
  for (let t = 1; t < T; t++) {
    if (!complete(t) || !complete(t - 1)) continue;
    out[t * P] = raw[t] - raw[t - 1];
    keep.forEach((k, j) => {
      out[t * P + 1 + j] = k < k0 ? raw[(1 + k) * T + t] - raw[(1 + k) * T + t - 1] : 0;
    });
  }
}
