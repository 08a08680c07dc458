// The instrument matrix Z_i of one unit, built row by row as sparse rows (never stacked over units).
// Column layout follows xtabond2 (its groups form linked lists, newest first): the constant, then
// iv-style columns, groups in reverse order of specification; then gmm-style columns, groups in
// reverse order, each group's lags ascending followed by its extra level-equation columns. The order
// decides which of exactly collinear instruments invsym drops: with the constant ahead of the year
// dummies a dummy is dropped, which reproduces the difference-in-Hansen df of Roodman (2009)'s log.
//
// gmm(x, lag(a b)) for the transformed equation: row t gets x_{t−ℓ} for ℓ = a..b, one column per
// (ℓ, base period τ = t−ℓ), or one per ℓ with `collapse`; the level equation (eq(level)) gets
// Δx_{t−ℓ} instead (x_{t−ℓ} with passthru); in system GMM, eq(both) adds for the level equation
// Δx_{t−a+1}, one column per period (or one, collapsed) — Roodman (2009, sec. 4) / xtabond2.
// iv(x): one column spanning both equations: transformed x (or x under passthru) in transformed
// rows, x in level rows; eq(diff) and eq(level) restrict it. The constant: 1 in level rows only.
// gmm(x, orthogonal) puts backward orthogonal deviations of x where x itself would be
// (backward-deviations.ts).
import { SpecError } from '../errors.ts';
import { digitsGrouped } from '../whole-number.ts';
import { UnitRows, type Design } from './design.ts';
import { upperLag } from '../spec/labels.ts';

/** One gmm-style block of columns: a lag of a set of variables placed into one equation's rows. */
interface GmmLagBlock {
  lag: number;
  /** Base periods τ covered (row t = τ + lag). */
  tauLo: number;
  tauHi: number;
  /** First column of the block. */
  col: number;
}

export interface GmmPart {
  /** Index of the gmm group (design.gmm) and whether this is its extra level-equation part. */
  group: number;
  extra: boolean;
  vars: number[];
  level: boolean;
  /** Source: first differences (missing = 0) rather than levels. */
  differenced: boolean;
  collapse: boolean;
  blocks: GmmLagBlock[];
}

/** An instrument group as the difference-in-Hansen table lists it. */
export interface InstrumentGroup {
  label: string;
  /** Columns of Z belonging to the group. */
  cols: Int32Array;
}

export interface InstrumentPlan {
  /** Number of columns of Z (before any rank reduction). */
  L: number;
  /** iv-style columns: transformed-row entries and level-row entries. */
  ivTrans: { v: number; col: number; passthru: boolean; mz: boolean }[];
  ivLevel: { v: number; col: number; mz: boolean }[];
  /** Column of the constant, −1 if none. */
  consCol: number;
  gmmParts: GmmPart[];
  /** Groups for difference-in-Hansen, in xtabond2's print order ("GMM instruments for levels"
   *  first in system GMM, then gmm groups, then iv groups, each in specification order). */
  groups: InstrumentGroup[];
  /** Largest number of nonzero entries a row can have (before any principal-components transform). */
  maxRowNnz: number;
  /** `pca`: the GMM-style columns replaced by principal components (pca.ts); null otherwise. */
  pca: PcaTransform | null;
}

/**
 * The GMM-style columns (raw columns ivCols .. rawL−1) replaced by m components: component k of a
 * row is Σ_j z_j·weights[index[j − ivCols]·m + k] over the columns with index ≥ 0, stored as column
 * ivCols + k of Z.
 */
export interface PcaTransform {
  rawL: number;
  ivCols: number;
  index: Int32Array;
  weights: Float64Array;
  m: number;
  /** GMM-style columns that entered the analysis (non-constant over the estimation rows). */
  columns: number;
  /** Σ of the kept eigenvalues over the columns analysed. */
  varianceExplained: number;
  kmo: number;
  /** components(#) as given; null or 0: xtabond2's default number (pca.ts). */
  requested: number | null;
}

/** Lag blocks of one gmm part: base periods per lag, as xtabond2's _MakeGMMinsts shifts them. */
function lagBlocks(T: number, a: number, b: number, nv: number, collapse: boolean, level: boolean, differenced: boolean, start: number): GmmLagBlock[] {
  const blocks: GmmLagBlock[] = [];
  let col = start;
  for (let lag = a; lag <= b; lag++) {
    // Transformed rows: lag 0 starts at τ = 1 (row 0 has no transformed value); level rows with a
    // differenced source start at τ = 1 (no difference at the first period).
    const tauLo = level ? (differenced ? 1 : 0) : lag === 0 ? 1 : 0;
    const tauHi = T - 1 - lag;
    if (tauHi < tauLo) continue;
    blocks.push({ lag, tauLo, tauHi, col });
    col += collapse ? nv : (tauHi - tauLo + 1) * nv;
  }
  return blocks;
}

/** The most instrument columns a model may have: the estimator keeps several L × L matrices of
 *  doubles (0.75 GiB each at this bound), and an uncollapsed gmm() group on a long panel has about
 *  T²/2 columns a variable (T = 500: 125,000, which failed with a RangeError after allocating). */
const MAX_INSTRUMENTS = 10_000;

export function instrumentPlan(d: Design): InstrumentPlan {
  const T = d.T;
  let col = 0;
  // iv-style columns: groups newest first, then the constant.
  const ivTrans: InstrumentPlan['ivTrans'] = [];
  const ivLevel: InstrumentPlan['ivLevel'] = [];
  const ivCols: number[][] = d.iv.map(() => []);
  const consCol = d.hasConstant ? col++ : -1;
  for (let gi = d.iv.length - 1; gi >= 0; gi--) {
    const g = d.iv[gi];
    for (const v of g.vars) {
      if (g.equation !== 'level') ivTrans.push({ v, col, passthru: g.passthru, mz: g.mz });
      if (d.system && g.equation !== 'diff') ivLevel.push({ v, col, mz: g.mz });
      ivCols[gi].push(col++);
    }
  }
  const nIvCols = col;
  // gmm-style columns: groups newest first; within a group its lags, then the extra level columns.
  const gmmParts: GmmPart[] = [];
  const gmmCols: number[][] = d.gmm.map(() => []);
  const levelOnlyCols: number[] = [];
  for (let gi = d.gmm.length - 1; gi >= 0; gi--) {
    const g = d.gmm[gi];
    const nv = g.vars.length;
    const level = g.equation === 'level';
    const differenced = level && !g.passthru;
    // xtabond2's clamp of the lag limits to what the grid can hold.
    const lagMax = T - 1 - (level && differenced ? 1 : 0);
    const a = g.lagMin;
    const b = upperLag(g.lagMax, lagMax);
    const first = col;
    const blocks = lagBlocks(T, a, b, nv, g.collapse, level, differenced, col);
    // Under the orthogonal suboption, instruments in levels are backward orthogonal deviations (a
    // differenced source, and the extra level columns below, keep the variables' differences).
    const vars = !differenced && g.bodVars ? g.bodVars : g.vars;
    gmmParts.push({ group: gi, extra: false, vars, level, differenced, collapse: g.collapse, blocks });
    if (blocks.length) {
      const last = blocks[blocks.length - 1];
      col = last.col + (g.collapse ? nv : (last.tauHi - last.tauLo + 1) * nv);
    }
    for (let c = first; c < col; c++) {
      gmmCols[gi].push(c);
      if (level) levelOnlyCols.push(c);
    }
    if (d.system && g.equation === 'both') {
      // Extra level-equation instruments: Δx at lag a−1 (lag 0 when a = 0); a full period span
      // of columns is reserved, as in xtabond2 (all-zero columns do not count in the rank).
      const lag = a > 0 ? a - 1 : 0;
      const start = col;
      gmmParts.push({
        group: gi,
        extra: true,
        vars: g.vars,
        level: true,
        differenced: true,
        collapse: g.collapse,
        blocks: [{ lag, tauLo: 0, tauHi: T - 1 - lag, col: start }],
      });
      col += g.collapse ? nv : T * nv;
      for (let c = start; c < col; c++) {
        gmmCols[gi].push(c);
        levelOnlyCols.push(c);
      }
    }
  }
  const L = col;
  if (L > MAX_INSTRUMENTS)
    throw new SpecError(
      `the model has ${digitsGrouped(L)} instrument columns (${T} periods); beyond ${digitsGrouped(MAX_INSTRUMENTS)}, its L × L weight matrices ` +
        `(${((8 * L * L) / 2 ** 30).toFixed(1)} GiB each) are out of reach: collapse the gmm() groups or limit their lags (lag(2 4))`,
      'gmm',
    );
  const groups: InstrumentGroup[] = [];
  if (d.system && d.gmm.length) groups.push({ label: 'GMM instruments for levels', cols: Int32Array.from(levelOnlyCols.sort((x, y) => x - y)) });
  d.gmm.forEach((g, gi) => groups.push({ label: g.label, cols: Int32Array.from(gmmCols[gi].sort((x, y) => x - y)) }));
  d.iv.forEach((g, gi) => groups.push({ label: g.label, cols: Int32Array.from(ivCols[gi]) }));
  let maxRowNnz = nIvCols;
  for (const p of gmmParts) maxRowNnz += p.blocks.length * p.vars.length;
  return { L, ivTrans, ivLevel, consCol, gmmParts, groups, maxRowNnz, pca: null };
}

/** The plan flattened into typed arrays, in the order InstrumentRows.fill places the entries of a row
 *  (the WebAssembly kernel's fill reads the same arrays, unit-kernel.ts). */
export interface FlatPlan {
  /** iv-style entries of transformed rows (variable, column, passthru: 1) and of level rows. */
  ivTransV: Int32Array;
  ivTransCol: Int32Array;
  ivTransRaw: Int32Array;
  ivLevelV: Int32Array;
  ivLevelCol: Int32Array;
  /** gmm-style lag blocks of every part: equation (level: 1), source (differences: 1), lag, base
   *  periods, first column, column step per base period (0: collapsed), variables. */
  blockLevel: Int32Array;
  blockDiff: Int32Array;
  blockLag: Int32Array;
  blockTauLo: Int32Array;
  blockTauHi: Int32Array;
  blockCol: Int32Array;
  blockStride: Int32Array;
  blockVars: Int32Array;
  blockVarStart: Int32Array;
}

export function flattenPlan(plan: InstrumentPlan): FlatPlan {
  const blocks = plan.gmmParts.flatMap((p) => p.blocks.map((b) => ({ p, b })));
  const blockVarStart = new Int32Array(blocks.length + 1);
  blocks.forEach(({ p }, k) => (blockVarStart[k + 1] = blockVarStart[k] + p.vars.length));
  return {
    ivTransV: Int32Array.from(plan.ivTrans, (e) => e.v),
    ivTransCol: Int32Array.from(plan.ivTrans, (e) => e.col),
    ivTransRaw: Int32Array.from(plan.ivTrans, (e) => (e.passthru ? 1 : 0)),
    ivLevelV: Int32Array.from(plan.ivLevel, (e) => e.v),
    ivLevelCol: Int32Array.from(plan.ivLevel, (e) => e.col),
    blockLevel: Int32Array.from(blocks, ({ p }) => (p.level ? 1 : 0)),
    blockDiff: Int32Array.from(blocks, ({ p }) => (p.differenced ? 1 : 0)),
    blockLag: Int32Array.from(blocks, ({ b }) => b.lag),
    blockTauLo: Int32Array.from(blocks, ({ b }) => b.tauLo),
    blockTauHi: Int32Array.from(blocks, ({ b }) => b.tauHi),
    blockCol: Int32Array.from(blocks, ({ b }) => b.col),
    blockStride: Int32Array.from(blocks, ({ p }) => (p.collapse ? 0 : p.vars.length)),
    blockVars: Int32Array.from(blocks.flatMap(({ p }) => p.vars)),
    blockVarStart,
  };
}

/** Sparse rows of Z_i: entries of row r are col/val[start[r] .. start[r+1]). */
export class InstrumentRows {
  readonly start: Int32Array;
  readonly col: Int32Array;
  readonly val: Float64Array;
  readonly nrows: number;

  /** The entries a unit's rows can hold (the length of col and val). */
  static capacity(plan: InstrumentPlan, design: Design): number {
    const width = Math.max(plan.maxRowNnz, plan.pca ? plan.pca.ivCols + plan.pca.m : 0);
    return Math.max(1, (design.system ? 2 : 1) * design.T * width);
  }

  /** storage: where the rows are written (start: nrows + 1 entries, col and val: capacity), e.g. a
   *  WebAssembly kernel's memory (unit-kernel.ts); new arrays by default. */
  constructor(
    readonly plan: InstrumentPlan,
    readonly design: Design,
    storage?: { start: Int32Array; col: Int32Array; val: Float64Array },
  ) {
    this.nrows = (design.system ? 2 : 1) * design.T;
    const capacity = InstrumentRows.capacity(plan, design);
    this.start = storage?.start ?? new Int32Array(this.nrows + 1);
    this.col = storage?.col ?? new Int32Array(capacity);
    this.val = storage?.val ?? new Float64Array(capacity);
    this.comp = new Float64Array(plan.pca ? plan.pca.m : 0);
  }

  private readonly comp: Float64Array;
  /** The plan flattened (flattenPlan) at the first fill: a unit pass whose kernel fills the rows
   *  (unit-kernel.ts zfill) flattens it for the kernel and never calls fill. */
  private flat: FlatPlan | null = null;

  /** Replace the GMM-style entries of the row starting at `from` (ending at n) by its components. */
  private components(from: number, n: number): number {
    const p = this.plan.pca!;
    const { col, val, comp } = this;
    comp.fill(0);
    let w = from;
    for (let e = from; e < n; e++) {
      const c = col[e];
      if (c < p.ivCols) {
        col[w] = c;
        val[w++] = val[e];
        continue;
      }
      const j = p.index[c - p.ivCols];
      if (j < 0) continue;
      const x = val[e];
      for (let k = 0; k < p.m; k++) comp[k] += x * p.weights[j * p.m + k];
    }
    for (let k = 0; k < p.m; k++) if (comp[k] !== 0) { col[w] = p.ivCols + k; val[w++] = comp[k]; }
    return w;
  }

  /** Fill the rows of the unit loaded in u (rows that do not enter are empty). */
  fill(u: UnitRows): void {
    const { plan, design: d, col, val, start } = this;
    const { ivTransV, ivTransCol, ivTransRaw, ivLevelV, ivLevelCol, blockLevel, blockDiff, blockLag, blockTauLo, blockTauHi, blockCol, blockStride, blockVars, blockVarStart } =
      (this.flat ??= flattenPlan(plan));
    const T = d.T;
    const ivOff = d.ivBase * T;
    const nb = blockLag.length;
    const pca = plan.pca !== null;
    let n = 0;
    for (let r = 0; r < this.nrows; r++) {
      if (pca && r > 0) n = this.components(start[r - 1], n);
      start[r] = n;
      const level = r >= T ? 1 : 0;
      const t = level ? r - T : r;
      if (!(level ? u.useL[t] : u.useT[t])) continue;
      if (!level) {
        for (let e = 0; e < ivTransV.length; e++) {
          let x = ivTransRaw[e] ? u.raw[ivOff + ivTransV[e] * T + t] : u.ivT[ivTransV[e] * T + t];
          if (Number.isNaN(x)) x = 0; // only reachable under mz
          if (x !== 0) { col[n] = ivTransCol[e]; val[n++] = x; }
        }
      } else {
        for (let e = 0; e < ivLevelV.length; e++) {
          let x = u.raw[ivOff + ivLevelV[e] * T + t];
          if (Number.isNaN(x)) x = 0;
          if (x !== 0) { col[n] = ivLevelCol[e]; val[n++] = x; }
        }
        if (plan.consCol >= 0) { col[n] = plan.consCol; val[n++] = 1; }
      }
      for (let k = 0; k < nb; k++) {
        if (blockLevel[k] !== level) continue;
        const tau = t - blockLag[k];
        if (tau < blockTauLo[k] || tau > blockTauHi[k]) continue;
        const src = blockDiff[k] ? u.gmmDif : u.gmmLev;
        const v0 = blockVarStart[k];
        const nv = blockVarStart[k + 1] - v0;
        const c0 = blockCol[k] + (tau - blockTauLo[k]) * blockStride[k];
        for (let j = 0; j < nv; j++) {
          const x = src[blockVars[v0 + j] * T + tau];
          if (x !== 0) { col[n] = c0 + j; val[n++] = x; }
        }
      }
    }
    if (pca && this.nrows > 0) n = this.components(start[this.nrows - 1], n);
    start[this.nrows] = n;
  }
}
