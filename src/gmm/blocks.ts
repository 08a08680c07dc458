// One pass over the units reduces each unit to small blocks (DESIGN.md): with W_i = [y_i X_i]
// (the unit's rows, y first, then the kept regressors; rows that do not enter are zero),
//   zw_i  = Z_iᵀ W_i                     L × P   (P = 1 + K; Z'y and Z'X together)
//   zhz_i = Z_iᵀ H Z_i                   L × L   (upper triangle, packed; kept per unit on request)
//   ee_i  = W_iᵀ W_i over the rows whose residuals give σ²           P × P
//   ar_i  = Σ_t W_i[t]ᵀ W_i[t−m] over the AR-tested rows, m = 1..artests   P × P each: kept per unit
//           as its symmetric part (what the quadratic form e_i'e_i,−m = c'ar_i c needs), summed whole;
//           under observation weights each term times row t's weight (ar-sums.ts)
// Everything GMM needs is a function of these and β: e.g. Z_iᵀe_i = zw_i·(1, −β). Under observation
// weights (weights.ts) W_i's and Z_i's rows are scaled by √w first, but for the collinearity sums and ar_i.
// The pass works with every regressor; those xtabond2 drops for collinearity are removed from the
// blocks afterwards (only when there are any).
import { invsym } from '../linalg/invsym.ts';
import { clusterPieces, rowPiece, type Clustering } from './clusters.ts';
import { EXCLUDED, UnitRows, type Design } from './design.ts';
import { hFactor, type SparseFactor } from './hmatrix.ts';
import { InstrumentRows, flattenPlan, type InstrumentPlan } from './instruments.ts';
import { compensated, compensatedSum, normalize, type Compensated } from './sums.ts';
import { UNIT_KERNEL_MAX_L, UnitKernel } from './unit-kernel.ts';

export interface UnitBlocks {
  /** Units in the sample (panel unit indices), in order; block row i belongs to units[i]. */
  units: Int32Array;
  n: number;
  L: number;
  /** Kept regressors: their indices among the design's regressors (the constant last). */
  keep: number[];
  /** Regressors dropped for collinearity, by name. */
  dropped: string[];
  K: number;
  P: number;
  zw: Float64Array;
  /** Packed upper triangles of Z_iᵀHZ_i (n × L(L+1)/2), or null when not kept. */
  zhz: Float64Array | null;
  /** Σ_i Z_iᵀ H Z_i (L × L, full), a compensated sum (sums.ts): zhzSum + zhzSumLo. */
  zhzSum: Float64Array;
  zhzSumLo: Float64Array;
  /** W_i'W_i over the rows whose residuals give σ² (n × P × P), kept per unit with keepZHZ (as zhz), else null. */
  ee: Float64Array | null;
  /** Σ_i ee_i, a compensated sum. */
  eeSum: Compensated;
  /** Per unit and lag, the symmetric part (ar_i + ar_iᵀ)/2 as a packed upper triangle:
   *  n × artests × P(P+1)/2; empty when built without them (unitBlocks' arBlocks: the AR sums of a
   *  one-step non-robust fit walk the design instead, ar-sums.ts). */
  ar: Float64Array;
  /** Σ_i ar_i (artests × P × P), a compensated sum (zero without the per-unit AR blocks). */
  arSum: Compensated;
  artests: number;
  /** Observations of the main equation (level rows in system GMM, transformed rows otherwise). */
  obsMain: Int32Array;
  /** Observations of the transformed equation. */
  obsTrans: Int32Array;
  /** Observations that count in σ²'s divisor: obsMain, except obsTrans in system GMM under h(2)/h(3)
   *  with the current release's conventions (spec.conventions). */
  obsSigma: Int32Array;
  /** Under cluster(): the units' observations by cluster (clusters.ts); null otherwise. */
  clustering: Clustering | null;
  /** W'W over the main-equation rows of all units (P×P), for the Wald df. */
  mainWW: Float64Array;
  /** Present periods of sample units that are not main-equation observations, by reason code
   *  (design.ts EXCLUDED). */
  excluded: Map<number, number>;
  /** What the collinearity check reads, over every regressor (P = 1 + all regressors): Σ W'W over all
   *  used rows, Σ W over used level rows and their count; shards add them up (src/scale). */
  collinearitySums: { allWW: Float64Array; levW: Float64Array; nLev: number };
  /** Under observation weights (design.weights): per unit, the weights of its main-equation and of its
   *  transformed-equation observations summed (weights.ts normalization); null without. */
  weightSums: { main: Float64Array; trans: Float64Array } | null;
}

/** What the collinearity check reads, over W = [y X] with every regressor (P = 1 + all regressors):
 *  Σ W'W over all used rows (P × P), Σ W over used level rows, and their count. */
export interface CollinearitySums {
  allWW: ArrayLike<number>;
  levW: ArrayLike<number>;
  nLev: number;
}

/**
 * xtabond2's _rmcoll on the stacked regressors of both equations (rows that do not enter are zero):
 * the constant, if any, is partialled out of the level rows, the cross-product is scaled to unit
 * diagonal, and a regressor is dropped when invsym finds it collinear with earlier ones. The X'X, X
 * and count it needs are the regressors' part of `sums` (W's columns 1..P−1).
 */
export function collinearity(d: Pick<Design, 'hasConstant' | 'regressorNames'>, sums: CollinearitySums): { keep: number[]; dropped: string[] } {
  const P = sums.levW.length;
  const kAll = P - 1;
  const kx = d.hasConstant ? kAll - 1 : kAll;
  if (kAll <= 1) return { keep: Array.from({ length: kAll }, (_, k) => k), dropped: [] };
  const { allWW, levW, nLev: nt } = sums;
  const u = new Float64Array(kx * kx);
  for (let a = 0; a < kx; a++)
    for (let b = 0; b < kx; b++) u[a * kx + b] = allWW[(1 + a) * P + 1 + b] - (d.hasConstant && nt > 0 ? (levW[1 + a] * levW[1 + b]) / nt : 0);
  const scale = Float64Array.from({ length: kx }, (_, a) => (u[a * kx + a] > 0 ? 1 / Math.sqrt(u[a * kx + a]) : 0));
  for (let a = 0; a < kx; a++) for (let b = 0; b < kx; b++) u[a * kx + b] *= scale[a] * scale[b];
  const { dropped } = invsym(u, kx);
  const keep: number[] = [];
  const names: string[] = [];
  for (let a = 0; a < kx; a++) (dropped[a] ? names.push(d.regressorNames[a]) : keep.push(a));
  if (d.hasConstant) keep.push(kAll - 1);
  return { keep, dropped: names };
}

// W's rows are walked over their nonzero columns only: row r's are nzCol[r·P .. r·P + nzLen[r]),
// ascending (a row without zeros takes the plain loops). A zero term adds ±0 to a sum that starts at
// +0, which changes nothing, so every sum below is the dense loop's, term for term.

/** dst (P×P, zeroed here) = Σ_r W[r]ᵀW[r] over rows r0 .. r0+count−1: the upper triangle only. */
function gramRows(dst: Float64Array, w: Float64Array, r0: number, count: number, P: number, nzLen: Int32Array, nzCol: Int32Array): void {
  dst.fill(0);
  for (let r = r0; r < r0 + count; r++) {
    const ro = r * P;
    const end = ro + nzLen[r];
    if (end === ro + P) {
      // A row without zeros: the plain loops.
      for (let a = 0; a < P; a++) {
        const va = w[ro + a];
        for (let b = a, j = a * P + a; b < P; b++, j++) dst[j] += va * w[ro + b];
      }
      continue;
    }
    for (let i = ro; i < end; i++) {
      const a = nzCol[i];
      const va = w[ro + a];
      const da = a * P;
      for (let j = i; j < end; j++) {
        const b = nzCol[j];
        dst[da + b] += va * w[ro + b];
      }
    }
  }
}

/** dst (P×P, zeroed here) = Σ_r W[r]ᵀW[r−lag] over rows r0+lag .. r0+count−1 of W; with row weights
 *  rw, Σ_r rw[r]·W[r]ᵀW[r−lag] (the later row's weight: xtabond2's AR test, ar-sums.ts). */
function crossRows(dst: Float64Array, w: Float64Array, r0: number, count: number, lag: number, P: number, nzLen: Int32Array, nzCol: Int32Array, rw: Float64Array | null = null): void {
  dst.fill(0);
  for (let r = r0 + lag; r < r0 + count; r++) {
    const ro = r * P;
    const lo = ro - lag * P;
    const end = ro + nzLen[r];
    const lend = lo + nzLen[r - lag];
    if (lend === lo) continue;
    const f = rw ? rw[r] : 1;
    if (f === 0) continue;
    if (end === ro + P && lend === lo + P) {
      for (let a = 0; a < P; a++) {
        const va = f * w[ro + a];
        for (let b = 0, j = a * P; b < P; b++, j++) dst[j] += va * w[lo + b];
      }
      continue;
    }
    for (let i = ro; i < end; i++) {
      const a = nzCol[i];
      const va = f * w[ro + a];
      const da = a * P;
      for (let j = lo; j < lend; j++) {
        const b = nzCol[j];
        dst[da + b] += va * w[lo + b];
      }
    }
  }
}

/** The nonzero columns of rows r0 .. r0+count−1 of W (rows of width P) into nzLen/nzCol. */
function nonzeroColumns(w: Float64Array, r0: number, count: number, P: number, nzLen: Int32Array, nzCol: Int32Array): void {
  for (let r = r0; r < r0 + count; r++) {
    const ro = r * P;
    let n = ro;
    for (let a = 0; a < P; a++) if (w[ro + a] !== 0) nzCol[n++] = a;
    nzLen[r] = n - ro;
  }
}

/** c (hi, lo) += x's nonzero entries on and above the diagonal (P×P): addTo (sums.ts), inlined. */
function addUpper(hi: Float64Array, lo: Float64Array, x: Float64Array, P: number): void {
  for (let a = 0; a < P; a++)
    for (let j = a * P + a; j < (a + 1) * P; j++) {
      const v = x[j];
      if (v === 0) continue;
      const h = hi[j];
      const s = h + v;
      const bb = s - h;
      lo[j] += h - (s - bb) + (v - bb);
      hi[j] = s;
    }
}

/** The lower triangle of x (P×P, from offset o) set from its upper triangle. */
function mirrorUpper(x: Float64Array, P: number, o = 0): void {
  for (let a = 1; a < P; a++) for (let b = 0; b < a; b++) x[o + a * P + b] = x[o + b * P + a];
}

/** First differences of the raw (y, X) where both periods have y and every regressor. */
function differencedRows(rows: UnitRows, out: Float64Array, P: number): void {
  const d = rows.design;
  const T = d.T;
  const raw = rows.raw;
  const k0 = d.k0;
  out.fill(0);
  for (let t = 1; t < T; t++) {
    if (!rows.differenceable(t)) continue;
    out[t * P] = raw[t] - raw[t - 1];
    for (let k = 0; k < k0; k++) out[t * P + 1 + k] = raw[(1 + k) * T + t] - raw[(1 + k) * T + t - 1];
  }
}

/** Which rows the AR(m) test looks at, per xtabond2: transformed rows, level rows (arlevels), or
 *  first differences of the level data (orthogonal deviations without arlevels). */
type ArRows = 'transformed' | 'level' | 'differenced';

/** Up to this many instruments Z_i'HZ_i is formed with dense q_f (zhzDense, and the unit kernel,
 *  which has only that form), beyond with sparse ones. */
const DENSE_L = UNIT_KERNEL_MAX_L;
/** Beyond this many instruments the per-unit Z'HZ is added from a list of its touched entries (a
 *  unit touches a band of the triangle: rows t, t±1 through H), not by a scan of the whole triangle. */
const TRACK_L = 24;
/** Instruments up to which the kernel adds each q_f q_fᵀ to Z'HZ by whole rows (unit-kernel.ts
 *  `dense`), two entries at a time, instead of over the touched entries (collapsed, L = 9, N = 200,000:
 *  the unit pass 10% faster; difference GMM with one lag per period, L = 10: no change). Never with
 *  tracking (TRACK_L is larger), which needs the touched entries. */
const DENSE_ZHZ_L = 16;

/**
 * The pass over the units, phase by phase for unit i: its data rows W_i (unitRows), under observation
 * weights the products of the unweighted rows and the rows scaled (unweightedProducts, scaleRows),
 * their cross products (crossProducts: ee_i and the sample-wide W'W; arProducts: ar_i), zw_i
 * (momentBlock) and Z_iᵀHZ_i (zhzBlock). Scratch arrays are allocated once.
 */
class UnitPass {
  readonly T: number;
  readonly L: number;
  readonly kAll: number;
  readonly P: number;
  readonly n: number;
  readonly nr: number;
  readonly artests: number;
  readonly arRows: ArRows;
  readonly sigmaLevel: boolean;
  readonly F: SparseFactor;
  readonly nPacked: number;
  /** Offset of row c of a packed upper triangle. */
  readonly rowOff: Int32Array;
  readonly rows: UnitRows;
  readonly zrows: InstrumentRows;
  /** Instruments whose row of zw_i is a row of W_i'W_i (gramRow; −1 where not), and those columns. */
  private readonly gramRow: Int32Array;
  private readonly gramCols: Int32Array;

  readonly zw: Float64Array;
  /** Per-unit ee_i (keepZHZ), or only their compensated sum eeSum. */
  readonly ee: Float64Array | null;
  readonly eeSum: Compensated;
  readonly ar: Float64Array;
  readonly arSum: Compensated;
  /** One unit's ar_i (P × P) before it is packed and summed. */
  private readonly arUnit: Float64Array;
  readonly obsMain: Int32Array;
  readonly obsTrans: Int32Array;
  readonly zhz: Float64Array | null;
  /** The unit's Z'HZ before it enters the compensated sum (without keepZHZ), and the packed entries
   *  the unit touched (zhzTouched[0 .. zhzCount), marked in zhzMark with the unit's stamp), so that
   *  only those are added and cleared. */
  private readonly zhzUnit: Float64Array | null;
  private readonly trackZHZ: boolean;
  private readonly zhzMark: Int32Array;
  private readonly zhzTouched: Int32Array;
  private zhzCount = 0;
  private unitStamp = 0;
  readonly zhzPacked: Compensated;
  /** Present periods that are not main-equation observations, by reason code, and the codes in order of first sight. */
  readonly excludedCount = new Float64Array(16);
  readonly excludedOrder: number[] = [];
  /** W'W over the main-equation rows of all units. */
  readonly mainWW: Float64Array;
  /** For the collinearity check: Σ W'W over all used rows, Σ W over used level rows and their count. */
  readonly allWW: Float64Array;
  readonly levW: Float64Array;
  nLev = 0;

  private readonly wRows: Float64Array;
  /** The nonzero columns of W's rows (see gramRows), and of the differenced rows arW. */
  private readonly nzLen: Int32Array;
  private readonly nzCol: Int32Array;
  private readonly arNzLen: Int32Array;
  private readonly arNzCol: Int32Array;
  private readonly arW: Float64Array;
  private readonly gramT: Float64Array;
  private readonly gramL: Float64Array;
  private readonly q: Float64Array;
  private readonly mark: Int32Array;
  private readonly touched: Int32Array;
  private stamp = 0;

  /** Under observation weights: each row's weight (transformed rows 0..T−1, level rows T..2T−1), and
   *  per unit the weights of its main-equation and transformed-equation observations summed. */
  private readonly rowWeight: Float64Array | null;
  readonly weightMain: Float64Array | null;
  readonly weightTrans: Float64Array | null;

  /** Whether the per-unit AR blocks (arProducts) are formed. */
  private readonly arBlocks: boolean;
  /** The WebAssembly kernel that forms the unit's products, or null (the TypeScript loops). */
  private readonly kernel: UnitKernel | null;

  constructor(readonly d: Design, plan: InstrumentPlan, keepZHZ: boolean, arBlocks: boolean, storage?: BlockStorage, readonly clustering: Clustering | null = null) {
    const T = (this.T = d.T);
    const spec = d.spec;
    // In difference GMM an iv-style instrument that is y or a regressor (not passthru, not mz, no
    // pca) is W's column s itself in every row that enters, so Σ_t z_t W[t] is row s of the Gram
    // W'W, the same products (x·y = y·x) summed over the same rows in the same order.
    this.gramRow = new Int32Array(plan.L).fill(-1);
    if (!d.system && !plan.pca)
      for (const e of plan.ivTrans) {
        const src = d.sources.indexOf(d.sources[d.ivBase + e.v]);
        if (!e.passthru && !e.mz && src <= d.k0) this.gramRow[e.col] = src;
      }
    this.gramCols = Int32Array.from(this.gramRow.keys()).filter((c) => this.gramRow[c] >= 0);
    const L = (this.L = plan.L);
    const sizes = UnitRows.sizes(d);
    this.kAll = sizes.kAll;
    const P = (this.P = 1 + this.kAll);
    const n = (this.n = d.units.length);
    this.nr = d.system ? 2 * T : T;
    const artests = (this.artests = spec.artests);
    this.arRows = spec.arlevels ? 'level' : d.orthogonal ? 'differenced' : 'transformed';
    this.sigmaLevel = d.system && spec.h === 1;
    this.F = hFactor(T, spec.h, d.orthogonal, d.system);
    const nPacked = (this.nPacked = (L * (L + 1)) / 2);
    this.rowOff = new Int32Array(L);
    for (let c = 0; c < L; c++) this.rowOff[c] = c * L - (c * (c - 1)) / 2;

    const lengths = blockLengths(d, L, arBlocks);
    if (storage && (storage.zw.length !== lengths.zw || storage.ar.length !== lengths.ar))
      throw new Error(`unitBlocks: storage for ${storage.zw.length} + ${storage.ar.length} block values, the pass has ${lengths.zw} + ${lengths.ar}`);
    this.zw = storage?.zw ?? new Float64Array(lengths.zw);
    this.ee = keepZHZ ? new Float64Array(n * P * P) : null;
    this.eeSum = compensated(P * P);
    this.arBlocks = lengths.ar > 0;
    this.ar = storage?.ar ?? new Float64Array(lengths.ar);
    this.arSum = compensated(artests * P * P);
    this.arUnit = new Float64Array(P * P);
    this.obsMain = new Int32Array(n);
    this.obsTrans = new Int32Array(n);
    this.zhz = keepZHZ ? new Float64Array(n * nPacked) : null;
    this.zhzUnit = keepZHZ ? null : new Float64Array(nPacked);
    // Tracking the touched entries pays only when they are a small part of the triangle.
    this.trackZHZ = !keepZHZ && L > TRACK_L;
    this.zhzMark = new Int32Array(this.trackZHZ ? nPacked : 0);
    this.zhzTouched = new Int32Array(this.trackZHZ ? nPacked : 0);
    this.zhzPacked = compensated(nPacked);
    this.mainWW = new Float64Array(P * P);
    this.allWW = new Float64Array(P * P);
    this.levW = new Float64Array(P);

    // Up to DENSE_L instruments: the unit's products on the WebAssembly kernel, its rows laid out in
    // the kernel's memory (unit-kernel.ts); otherwise, and without the kernel, the loops below.
    // Under observation weights the unweighted rows' products (the collinearity sums and the AR blocks)
    // are formed here (unweightedProducts) and the kernel forms the rest from the rows scaled.
    this.rowWeight = d.weights ? new Float64Array(this.nr) : null;
    this.weightMain = d.weights ? new Float64Array(n) : null;
    this.weightTrans = d.weights ? new Float64Array(n) : null;
    const kernel = (this.kernel = UnitKernel.open({
      T, P, L, nr: this.nr, system: d.system, sigmaLevel: this.sigmaLevel,
      artests: this.arBlocks && !d.weights ? artests : 0, arR0: this.arRows === 'level' ? T : 0, arDifferenced: this.arRows === 'differenced',
      keep: keepZHZ, track: this.trackZHZ, dense: !this.trackZHZ && L <= DENSE_ZHZ_L, zEntries: InstrumentRows.capacity(plan, d),
      F: this.F, gramRow: this.gramRow, gramCols: this.gramCols, rowOff: this.rowOff,
      rows: sizes,
      fill: plan.pca ? null : { flat: flattenPlan(plan), consCol: plan.consCol, ivOff: d.ivBase * T },
      tail: d.orthogonal
        ? null
        : { reads: UnitRows.reads(d), k0: d.k0, hasConstant: d.hasConstant, ivBase: d.ivBase, gmmBase: d.gmmBase, nIvVars: d.nIvVars, nGmmVars: d.nGmmVars },
    }));
    this.rows = new UnitRows(d, kernel?.rowArrays, kernel?.tails ? () => kernel.rowTail() : undefined);
    this.zrows = new InstrumentRows(plan, d, kernel ? { start: kernel.zstart, col: kernel.zcol, val: kernel.zval } : undefined);
    this.wRows = kernel?.wRows ?? new Float64Array(this.nr * P);
    this.nzLen = kernel?.nzLen ?? new Int32Array(this.nr);
    this.nzCol = kernel?.nzCol ?? new Int32Array(this.nr * P);
    this.arNzLen = kernel?.arNzLen ?? new Int32Array(T);
    this.arNzCol = kernel?.arNzCol ?? new Int32Array(T * P);
    this.arW = kernel?.arW ?? new Float64Array(T * P);
    this.gramT = new Float64Array(P * P);
    this.gramL = new Float64Array(P * P);
    this.q = new Float64Array(L);
    this.mark = new Int32Array(L).fill(-1);
    this.touched = new Int32Array(L);
    // A unit of several clusters keeps a zw for each (clusterBlocks); then every unit does.
    const c = this.clustering;
    if (c && c.pieceUnit.length > n) c.zw = new Float64Array(c.pieceUnit.length * L * P);
  }

  /** All phases for sample unit i. */
  unit(i: number): void {
    this.rows.load(this.d.units[i]);
    const kernel = this.kernel;
    if (kernel?.fills) kernel.fillRows();
    else this.zrows.fill(this.rows);
    this.unitRows(i);
    if (this.rowWeight) {
      this.unweightedProducts(i);
      this.scaleRows();
    }
    if (this.clustering) this.clusterBlocks(i);
    if (kernel) this.unitOnKernel(i, kernel);
    else {
      if (this.rowWeight) this.crossProducts(i, false);
      else {
        this.crossProducts(i, true);
        if (this.arBlocks) this.arProducts(i, null);
      }
      this.momentBlock(i);
      this.zhzBlock(i);
    }
    // A unit of one cluster: its piece's zw is its own.
    const c = this.clustering;
    if (c?.zw && c.unitPieces[i + 1] - c.unitPieces[i] === 1) {
      const size = this.L * this.P;
      c.zw.set(this.zw.subarray(i * size, (i + 1) * size), c.unitPieces[i] * size);
    }
  }

  /** Under cluster(): the main-equation observations and the used rows of each of the unit's pieces (clusters.ts) and,
   *  for a unit of several, each piece's zw = Σ over its rows of Z[r]ᵀW[r] (the rows as momentBlock
   *  reads them, scaled under observation weights). */
  private clusterBlocks(i: number): void {
    const c = this.clustering!;
    const { T, P, L, rows } = this;
    const p0 = c.unitPieces[i];
    const system = this.d.system;
    for (let t = 0; t < T; t++) {
      if (system ? rows.useL[t] : rows.useT[t]) c.obs[rowPiece(c, i, system ? T + t : t, T)]++;
      if (rows.useT[t]) c.used[rowPiece(c, i, t, T)]++;
      if (system && rows.useL[t]) c.used[rowPiece(c, i, T + t, T)]++;
    }
    if (c.unitPieces[i + 1] - p0 === 1) return;
    for (let r = 0; r < this.nr; r++) if (this.nzLen[r] > 0) this.addRowMoments(c.zw!, rowPiece(c, i, r, T) * L * P, r, false);
  }

  /** Under observation weights, each row's weight (the weight of the period it is stored at), the
   *  unit's weight sums, and what reads the unweighted rows: the collinearity check's W'W (xtabond2
   *  checks X before it weights it) and the AR blocks (each pair of rows times the later one's weight). */
  private unweightedProducts(i: number): void {
    const { rows, T, P, wRows, nzLen, nzCol, gramT, gramL, allWW } = this;
    const rw = this.rowWeight!;
    const system = this.d.system;
    let main = 0;
    let trans = 0;
    for (let t = 0; t < T; t++) {
      rw[t] = rows.weight[t];
      if (rows.useT[t]) trans += rw[t];
      if (system) {
        rw[T + t] = rows.weight[t];
        if (rows.useL[t]) main += rw[T + t];
      }
    }
    this.weightTrans![i] = trans;
    this.weightMain![i] = system ? main : trans;
    gramRows(gramT, wRows, 0, T, P, nzLen, nzCol);
    if (system) gramRows(gramL, wRows, T, T, P, nzLen, nzCol);
    for (let a = 0; a < P; a++)
      for (let j = a * P + a; j < (a + 1) * P; j++) allWW[j] += system ? gramT[j] + gramL[j] : gramT[j];
    // The differenced AR rows (rows 0..T−1) carry their period's weight, as the transformed rows do.
    if (this.arBlocks) this.arProducts(i, rw);
  }

  /** Every row of W and Z scaled by the square root of its weight (weights.ts). */
  private scaleRows(): void {
    const { P, wRows, nzLen, nzCol } = this;
    const rw = this.rowWeight!;
    const { start, val } = this.zrows;
    for (let r = 0; r < this.nr; r++) {
      const f = Math.sqrt(rw[r]);
      const ro = r * P;
      for (let j = ro; j < ro + nzLen[r]; j++) wRows[ro + nzCol[j]] *= f;
      for (let p = start[r]; p < start[r + 1]; p++) val[p] *= f;
    }
  }

  /** The products of unit i on the kernel, its blocks copied out (the differenced AR rows laid out first). */
  private unitOnKernel(i: number, k: UnitKernel): void {
    const { P, L } = this;
    if (this.arBlocks && this.arRows === 'differenced' && !this.rowWeight) {
      differencedRows(this.rows, this.arW, P);
      nonzeroColumns(this.arW, 0, this.T, P, this.arNzLen, this.arNzCol);
    }
    k.unit();
    this.zw.set(k.zw, i * L * P);
    if (this.arBlocks && !this.rowWeight) this.ar.set(k.ar, i * k.ar.length);
    if (this.ee) this.ee.set(k.ee, i * P * P);
    if (this.zhz) this.zhz.set(k.zhz, i * this.nPacked);
  }

  /** W_i: the rows that enter (transformed rows 0..T−1, level rows T..2T−1) with their nonzero
   *  columns (a row that does not enter has none; entries not listed are never read); the unit's
   *  observation counts and exclusions (with the kernel: its `wrows`, the same rows and sums). */
  private unitRows(i: number): void {
    const kernel = this.kernel;
    if (kernel) {
      const count = kernel.wRowsOf();
      this.obsTrans[i] = count.trans;
      this.obsMain[i] = count.main;
      this.countExclusions();
      return;
    }
    const { rows, wRows, nzLen, nzCol, T, P, kAll, levW } = this;
    const neq = this.d.system ? 2 : 1;
    let nMain = 0;
    let nT = 0;
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < neq; e++) {
        const r = e * T + t;
        if (!(e ? rows.useL[t] : rows.useT[t])) {
          nzLen[r] = 0;
          continue;
        }
        // Row r = (y, x) of its equation.
        const y = e ? rows.yL[t] : rows.yT[t];
        const x = e ? rows.xL : rows.xT;
        const o = r * P;
        let n = o;
        if (y !== 0) {
          wRows[o] = y;
          nzCol[n++] = 0;
        }
        for (let k = 0, xo = t * kAll; k < kAll; k++) {
          const v = x[xo + k];
          if (v !== 0) {
            wRows[o + 1 + k] = v;
            nzCol[n++] = 1 + k;
          }
        }
        nzLen[r] = n - o;
        if (e === 0) nT++;
        else {
          for (let j = o; j < n; j++) levW[nzCol[j]] += wRows[o + nzCol[j]];
          this.nLev++;
          nMain++;
        }
      }
    }
    this.obsTrans[i] = nT;
    this.obsMain[i] = neq === 2 ? nMain : nT;
    this.countExclusions();
  }

  /** The unit's present periods that are not main-equation observations, by reason. */
  private countExclusions(): void {
    const { rows, T } = this;
    for (let t = 0; t < T; t++) {
      if (!rows.present[t]) continue;
      const code = rows.status[t];
      if (code !== EXCLUDED.used && this.excludedCount[code]++ === 0) this.excludedOrder.push(code);
    }
  }

  /** ee_i over the rows whose residuals give σ², and the sample-wide W'W sums (main-equation rows;
   *  all used rows when `collinearity`), over their upper triangles, mirrored once at the end (finish). */
  private crossProducts(i: number, collinearity: boolean): void {
    const { wRows, nzLen, nzCol, T, P, gramT, gramL, allWW, mainWW } = this;
    const system = this.d.system;
    const PP = P * P;
    gramRows(gramT, wRows, 0, T, P, nzLen, nzCol);
    if (system) {
      gramRows(gramL, wRows, T, T, P, nzLen, nzCol);
      for (let a = 0; a < P; a++)
        for (let j = a * P + a; j < (a + 1) * P; j++) {
          if (collinearity) allWW[j] += gramT[j] + gramL[j];
          mainWW[j] += gramL[j];
        }
    } else
      for (let a = 0; a < P; a++)
        for (let j = a * P + a; j < (a + 1) * P; j++) {
          if (collinearity) allWW[j] += gramT[j];
          mainWW[j] += gramT[j];
        }
    const ee = this.sigmaLevel ? gramL : gramT;
    if (this.ee) {
      const o = i * PP;
      this.ee.set(ee, o);
      mirrorUpper(this.ee, P, o);
    } else addUpper(this.eeSum.hi, this.eeSum.lo, ee, P);
  }

  /** ar_i = Σ_t W[t]ᵀW[t−m] over the AR-tested rows, m = 1..artests (each term times row t's weight
   *  rw under observation weights): kept per unit as its symmetric part, and added whole into the
   *  compensated sum. */
  private arProducts(i: number, rw: Float64Array | null): void {
    const { wRows, nzLen, nzCol, T, P, artests } = this;
    const PP = P * P;
    let src = wRows;
    let r0 = this.arRows === 'level' ? T : 0;
    let len = nzLen;
    let cols = nzCol;
    if (this.arRows === 'differenced') {
      differencedRows(this.rows, this.arW, P);
      nonzeroColumns(this.arW, 0, T, P, this.arNzLen, this.arNzCol);
      src = this.arW;
      len = this.arNzLen;
      cols = this.arNzCol;
      r0 = 0;
    }
    const { arUnit, ar } = this;
    const { hi, lo } = this.arSum;
    const nSym = (P * (P + 1)) / 2;
    for (let m = 1; m <= artests; m++) {
      crossRows(arUnit, src, r0, T, m, P, len, cols, rw);
      let o = (i * artests + m - 1) * nSym;
      for (let a = 0; a < P; a++) {
        ar[o++] = arUnit[a * P + a];
        for (let b = a + 1; b < P; b++) ar[o++] = 0.5 * (arUnit[a * P + b] + arUnit[b * P + a]);
      }
      const so = (m - 1) * PP;
      for (let j = 0; j < PP; j++) {
        const x = arUnit[j];
        if (x === 0) continue;
        const h = hi[so + j];
        const s = h + x;
        const bb = s - h;
        lo[so + j] += h - (s - bb) + (x - bb);
        hi[so + j] = s;
      }
    }
  }

  /** zw_i = Z_iᵀ W_i (the rows of instruments that are columns of W from the Gram, gramRow). */
  private momentBlock(i: number): void {
    const { zw, nzLen, P, nr, gramRow, gramCols } = this;
    const zwOff = i * this.L * P;
    const fromGram = gramCols.length > 0;
    for (let r = 0; r < nr; r++) if (nzLen[r] > 0) this.addRowMoments(zw, zwOff, r, fromGram);
    // gramT holds this unit's W'W over the transformed rows, upper triangle (crossProducts).
    const g = this.gramT;
    for (let k = 0; k < gramCols.length; k++) {
      const s = gramRow[gramCols[k]];
      const c = zwOff + gramCols[k] * P;
      for (let a = 0; a < s; a++) zw[c + a] = g[a * P + s];
      zw.set(g.subarray(s * P + s, s * P + P), c + s);
    }
  }

  /** dst[off ..] (an L × P block) += Z[r]ᵀW[r] for row r of the unit (skipGram: not the instruments
   *  whose row comes from the Gram, gramRow). */
  private addRowMoments(dst: Float64Array, off: number, r: number, skipGram: boolean): void {
    const { start, col, val } = this.zrows;
    const { wRows, nzLen, nzCol, P, gramRow } = this;
    const ro = r * P;
    const end = ro + nzLen[r];
    const full = end === ro + P;
    for (let p = start[r]; p < start[r + 1]; p++) {
      if (skipGram && gramRow[col[p]] >= 0) continue;
      const c = off + col[p] * P;
      const v = val[p];
      if (full) for (let a = 0; a < P; a++) dst[c + a] += v * wRows[ro + a];
      else
        for (let j = ro; j < end; j++) {
          const a = nzCol[j];
          dst[c + a] += v * wRows[ro + a];
        }
    }
  }

  /** zhz_i = Σ_f q_f q_f' with q_f = Σ_j F[f, j] z_j (H = F'F), upper triangle packed: kept per unit,
   *  or added into the compensated sum. */
  private zhzBlock(i: number): void {
    const dst = this.zhz ?? this.zhzUnit!;
    const dOff = this.zhz ? i * this.nPacked : 0;
    this.unitStamp++;
    this.zhzCount = 0;
    if (this.L <= DENSE_L) this.zhzDense(dst, dOff);
    else this.zhzSparse(dst, dOff);
    if (this.zhzUnit) this.addZHZ(this.zhzUnit);
  }

  /** zhzBlock for few instruments: q_f as a dense vector (zero between rows f: only its nonzero
   *  entries are cleared), its nonzero entries found by a scan; a row f whose Z rows are all empty
   *  has q_f = 0 and is skipped. */
  private zhzDense(dst: Float64Array, dOff: number): void {
    const { start, col, val } = this.zrows;
    const { F, q, touched, L } = this;
    for (let f = 0; f < F.nrows; f++) {
      let any = false;
      for (let e = F.start[f]; e < F.start[f + 1]; e++) {
        const j = F.rows[e];
        if (start[j] === start[j + 1]) continue;
        any = true;
        const cf = F.coef[e];
        for (let p = start[j]; p < start[j + 1]; p++) q[col[p]] += cf * val[p];
      }
      if (!any) continue;
      let nt = 0;
      for (let c = 0; c < L; c++) if (q[c] !== 0) touched[nt++] = c;
      this.addOuter(dst, dOff, nt);
      for (let k = 0; k < nt; k++) q[touched[k]] = 0;
    }
  }

  /** zhzBlock for many instruments: q_f's entries tracked as they are touched, kept sorted. */
  private zhzSparse(dst: Float64Array, dOff: number): void {
    const { start, col, val } = this.zrows;
    const { F, q, mark, touched } = this;
    for (let f = 0; f < F.nrows; f++) {
      const stamp = ++this.stamp;
      let nt = 0;
      for (let e = F.start[f]; e < F.start[f + 1]; e++) {
        const j = F.rows[e];
        const cf = F.coef[e];
        for (let p = start[j]; p < start[j + 1]; p++) {
          const c = col[p];
          if (mark[c] !== stamp) {
            mark[c] = stamp;
            q[c] = 0;
            // Insert c keeping `touched` sorted (rows have few entries).
            let k = nt++;
            while (k > 0 && touched[k - 1] > c) {
              touched[k] = touched[k - 1];
              k--;
            }
            touched[k] = c;
          }
          q[c] += cf * val[p];
        }
      }
      this.addOuter(dst, dOff, nt);
    }
  }

  /** dst's packed upper triangle += q qᵀ over q's entries touched[0 .. nt) (sorted), noting the
   *  entries the unit touches when they are tracked. */
  private addOuter(dst: Float64Array, dOff: number, nt: number): void {
    const { q, touched, rowOff, zhzMark, zhzTouched, unitStamp } = this;
    const track = this.trackZHZ;
    let nz = this.zhzCount;
    for (let a = 0; a < nt; a++) {
      const ca = touched[a];
      const qa = q[ca];
      if (qa === 0) continue;
      const base = dOff + rowOff[ca] - ca;
      for (let b = a; b < nt; b++) {
        const cb = touched[b];
        const at = base + cb;
        if (track && zhzMark[at] !== unitStamp) {
          zhzMark[at] = unitStamp;
          zhzTouched[nz++] = at;
        }
        dst[at] += qa * q[cb];
      }
    }
    this.zhzCount = nz;
  }

  /** Add one unit's Z'HZ into the compensated sum (unit by unit, so that the sum does not depend on
   *  how units are grouped into shards) and clear it for the next unit: only the entries it touched. */
  private addZHZ(u: Float64Array): void {
    const { zhzTouched, trackZHZ } = this;
    const { hi, lo } = this.zhzPacked;
    const m = trackZHZ ? this.zhzCount : this.nPacked;
    for (let k = 0; k < m; k++) {
      const j = trackZHZ ? zhzTouched[k] : k;
      const x = u[j];
      if (x === 0) continue;
      // addTo (sums.ts), inlined.
      const h = hi[j];
      const s = h + x;
      const bb = s - h;
      lo[j] += h - (s - bb) + (x - bb);
      hi[j] = s;
      u[j] = 0;
    }
  }

  /** Σ_i Z_iᵀHZ_i as a full L×L compensated sum (hi, lo). */
  zhzSums(): { zhzSum: Float64Array; zhzSumLo: Float64Array } {
    const { L, rowOff } = this;
    const packed = this.zhz ? compensatedSum(this.zhz, this.n, this.nPacked, null) : normalize(this.zhzPacked);
    const zhzSum = new Float64Array(L * L);
    const zhzSumLo = new Float64Array(L * L);
    for (let a = 0; a < L; a++)
      for (let b = a; b < L; b++) {
        const j = rowOff[a] + b - a;
        zhzSum[a * L + b] = zhzSum[b * L + a] = packed.hi[j];
        zhzSumLo[a * L + b] = zhzSumLo[b * L + a] = packed.lo[j];
      }
    return { zhzSum, zhzSumLo };
  }

  /** After the last unit: the kernel's sums taken over, and the symmetric sums' lower triangles from their upper ones. */
  finish(): void {
    const k = this.kernel;
    if (k) {
      // Under weights the collinearity sums and the AR blocks are this pass's own (unweightedProducts).
      if (!this.rowWeight) {
        this.allWW.set(k.allWW);
        this.arSum.hi.set(k.arHi);
        this.arSum.lo.set(k.arLo);
      }
      this.mainWW.set(k.mainWW);
      this.eeSum.hi.set(k.eeHi);
      this.eeSum.lo.set(k.eeLo);
      this.zhzPacked.hi.set(k.zhzHi);
      this.zhzPacked.lo.set(k.zhzLo);
      this.levW.set(k.levW);
      this.nLev = k.nLev;
    }
    mirrorUpper(this.allWW, this.P);
    mirrorUpper(this.mainWW, this.P);
    if (!this.ee) {
      mirrorUpper(this.eeSum.hi, this.P);
      mirrorUpper(this.eeSum.lo, this.P);
    }
  }

  /** Σ_i ee_i (compensatedSum's value, term for term, when kept per unit). */
  eeSums(): Compensated {
    return this.ee ? compensatedSum(this.ee, this.n, this.P * this.P, null) : normalize(this.eeSum);
  }

  excluded(): Map<number, number> {
    return new Map(this.excludedOrder.map((code) => [code, this.excludedCount[code]]));
  }
}

// Dropping regressors compacts the blocks in place, and the result is a view of the start of the
// array (no new memory to touch): the kept columns form a few runs of adjacent columns, each moved
// with one copyWithin (every element moves to an index no later than its own).

/** Runs of adjacent kept columns: [from, to, length] triples (column cols[to] = from, …). */
function columnRuns(cols: number[]): number[] {
  const runs: number[] = [];
  for (let c = 0; c < cols.length; c++) {
    const n = runs.length;
    if (n && runs[n - 3] + runs[n - 1] === cols[c]) runs[n - 1]++;
    else runs.push(cols[c], c, 1);
  }
  return runs;
}

/** Keep columns `cols` of each row of width P (zw: rows of L), in place: a view of src's start, or
 *  src itself when all are kept. */
function keepCols(src: Float64Array, nrows: number, P: number, cols: number[]): Float64Array {
  const Pk = cols.length;
  if (Pk === P) return src;
  const runs = columnRuns(cols);
  for (let r = 0; r < nrows; r++)
    for (let k = 0; k < runs.length; k += 3) src.copyWithin(r * Pk + runs[k + 1], r * P + runs[k], r * P + runs[k] + runs[k + 2]);
  return src.subarray(0, nrows * Pk);
}

/** Keep rows and columns `cols` of each packed upper triangle of order P, in place (as keepCols). Row
 *  r of the result is row cols[r]'s entries from column cols[r] on. */
function keepPacked(src: Float64Array, nblocks: number, P: number, cols: number[]): Float64Array {
  const Pk = cols.length;
  if (Pk === P) return src;
  const runs = columnRuns(cols);
  const n0 = (P * (P + 1)) / 2;
  const nk = (Pk * (Pk + 1)) / 2;
  // The moves of one block, [from, to, length] within it: row r of the result is row a = cols[r]'s
  // entries (a, cols[c]) for c ≥ r, at offsets a·P − a(a−1)/2 + cols[c] − a and r·Pk − r(r−1)/2 + c − r.
  const moves: number[] = [];
  for (let r = 0; r < Pk; r++) {
    const a = cols[r];
    for (let j = 0; j < runs.length; j += 3) {
      const c0 = Math.max(runs[j + 1], r);
      const c1 = runs[j + 1] + runs[j + 2];
      if (c0 < c1) moves.push(a * P - (a * (a - 1)) / 2 - a + runs[j] + c0 - runs[j + 1], r * Pk - (r * (r - 1)) / 2 - r + c0, c1 - c0);
    }
  }
  for (let k = 0; k < nblocks; k++) {
    const from = k * n0;
    const to = k * nk;
    for (let j = 0; j < moves.length; j += 3) src.copyWithin(to + moves[j + 1], from + moves[j], from + moves[j] + moves[j + 2]);
  }
  return src.subarray(0, nblocks * nk);
}

/** Keep rows and columns `cols` of each P×P block, in place (as keepCols). */
function keepSquare(src: Float64Array, nblocks: number, P: number, cols: number[]): Float64Array {
  const Pk = cols.length;
  if (Pk === P) return src;
  const runs = columnRuns(cols);
  for (let b = 0; b < nblocks; b++)
    for (let r = 0; r < Pk; r++) {
      const from = (b * P + cols[r]) * P;
      const to = (b * Pk + r) * Pk;
      for (let k = 0; k < runs.length; k += 3) src.copyWithin(to + runs[k + 1], from + runs[k], from + runs[k] + runs[k + 2]);
    }
  return src.subarray(0, nblocks * Pk * Pk);
}

/** Where a unit pass puts its per-unit blocks zw and ar, when its caller provides them (blockLengths). */
export interface BlockStorage {
  zw: Float64Array;
  ar: Float64Array;
  /** Where the pass writes how many units it has done, after each unit (for page-warmer.ts). */
  progress?: Int32Array;
}

/** The groups among units with these main-equation observation counts, and the smallest and largest
 *  count. A sample unit can have no observation (difference GMM, a gap before each row): it is no
 *  group, but its 0 is the smallest count, as xtabond2 3.7.0 takes "Obs per group: min" over every
 *  unit of its id-sample (`TiMinMax = minmax(rowsum(tmp))`). Min Infinity and max 0 without units, so
 *  that shards merge by min and max. */
export function groupSizes(obsMain: ArrayLike<number>): { groups: number; min: number; max: number } {
  let groups = 0;
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < obsMain.length; i++) {
    const o = obsMain[i]!;
    if (o > 0) groups++;
    min = Math.min(min, o);
    max = Math.max(max, o);
  }
  return { groups, min, max };
}

/** The lengths of a unit pass's per-unit blocks: zw_i (L × P) and, with AR blocks, each AR lag's
 *  packed P × P block, for every sample unit of `d`. */
export function blockLengths(d: Design, L: number, arBlocks: boolean): { zw: number; ar: number } {
  const P = 1 + UnitRows.sizes(d).kAll;
  const artests = arBlocks ? d.spec.artests : 0;
  return { zw: d.units.length * L * P, ar: d.units.length * artests * ((P * (P + 1)) / 2) };
}

/**
 * Build the per-unit blocks of the design's units. keepZHZ keeps Z_iᵀHZ_i and ee_i per unit (needed
 * to re-estimate under unit weights); otherwise only their sums are formed, unit by unit. keep imposes
 * the regressors kept (for a shard: those kept on the whole sample); storage says where zw and ar go
 * (blockLengths; new arrays by default).
 */
export function unitBlocks(
  d: Design,
  plan: InstrumentPlan,
  opts: { keepZHZ?: boolean; keep?: number[]; arBlocks?: boolean; storage?: BlockStorage } = {},
): UnitBlocks {
  const spec = d.spec;
  const clustering = spec.cluster ? clusterPieces(d, spec.cluster) : null;
  const pass = new UnitPass(d, plan, opts.keepZHZ ?? false, opts.arBlocks ?? true, opts.storage, clustering);
  const { n, L, P, kAll, artests, obsMain, obsTrans } = pass;
  const progress = opts.storage?.progress;
  for (let i = 0; i < n; i++) {
    pass.unit(i);
    if (progress) progress[0] = i + 1;
  }
  pass.finish();
  const { zhzSum, zhzSumLo } = pass.zhzSums();
  const eeSum = pass.eeSums();

  // Collinear regressors: xtabond2's check on the stacked regressors, then compact the blocks.
  const collinearitySums = { allWW: pass.allWW, levW: pass.levW, nLev: pass.nLev };
  // A shard of units takes the regressors kept on the whole sample (opts.keep), not its own decision.
  const coll = opts.keep
    ? { keep: opts.keep, dropped: d.regressorNames.filter((_, k) => !opts.keep!.includes(k)) }
    : collinearity(d, collinearitySums);
  const full: UnitBlocks = {
    units: d.units,
    n,
    L,
    keep: d.regressorNames.map((_, k) => k),
    dropped: [],
    K: kAll,
    P,
    zw: pass.zw,
    zhz: pass.zhz,
    zhzSum,
    zhzSumLo,
    ee: pass.ee,
    eeSum,
    ar: pass.ar,
    arSum: normalize(pass.arSum),
    artests,
    obsMain,
    obsTrans,
    obsSigma: d.system && spec.h !== 1 && spec.conventions !== '2009' ? obsTrans : obsMain,
    clustering,
    mainWW: pass.mainWW,
    excluded: pass.excluded(),
    collinearitySums,
    weightSums: pass.weightMain && pass.weightTrans ? { main: pass.weightMain, trans: pass.weightTrans } : null,
  };
  return restrictRegressors(full, coll.keep, coll.dropped);
}

/** Blocks built on every regressor of the design, restricted to regressors `keep` (the rest `dropped`);
 *  b's arrays are compacted in place (b is consumed). */
export function restrictRegressors(b: UnitBlocks, keep: number[], dropped: string[]): UnitBlocks {
  if (b.K !== b.keep.length || b.keep.some((k, i) => k !== i)) throw new Error('restrictRegressors: the blocks must hold every regressor');
  const { n, L, P, artests } = b;
  const cols = [0, ...keep.map((k) => 1 + k)];
  return {
    ...b,
    keep,
    dropped,
    K: keep.length,
    P: cols.length,
    zw: keepCols(b.zw, n * L, P, cols),
    clustering: b.clustering && { ...b.clustering, zw: b.clustering.zw && keepCols(b.clustering.zw, b.clustering.pieceUnit.length * L, P, cols) },
    ee: b.ee && keepSquare(b.ee, n, P, cols),
    eeSum: { hi: keepSquare(b.eeSum.hi, 1, P, cols), lo: keepSquare(b.eeSum.lo, 1, P, cols) },
    ar: keepPacked(b.ar, b.ar.length > 0 ? n * artests : 0, P, cols),
    arSum: { hi: keepSquare(b.arSum.hi, artests, P, cols), lo: keepSquare(b.arSum.lo, artests, P, cols) },
    mainWW: keepSquare(b.mainWW, 1, P, cols),
  };
}
