// Float64 → float32 operands for a float32 product, and the way back. A batched product is laid out
// as `groups` independent 2-D products of rows×k by k×cols (one group when an operand is shared:
// the other operand's batch is stacked into rows or columns), so a tensor library runs it as one
// matmul or one batched matmul.
//
// Precision contract (DESIGN.md): before the float32 accumulation each column of op(B) is centred
// on its mean over the inner dimension and every row of op(A) and column of op(B) is scaled by a
// power of two (exact) to a maximum magnitude in [1, 2). Then
//   C = Dr⁻¹ · [(Dr A) · ((B − 1μᵀ) Dc)] · Dc⁻¹ + (A 1) μᵀ,
// with the row sums A 1 and the rank-one correction in float64. The float32 error then scales with
// |A|·|B − 1μᵀ| instead of |A|·|B| (at most 2× worse when B has zero mean, far better when B sits
// on a large level), and no float32 overflow or underflow comes from the data's units.
import type { CheckedShape } from './shape.ts';

export interface Float32Plan {
  groups: number;
  rows: number;
  cols: number;
  k: number;
  /** Offset in a of row r of group g's op(A) (index g·rows + r); its elements step by aStep. */
  rowOffA: Float64Array;
  aStep: number;
  /** Offset in b of column c of group g's op(B) (index g·cols + c); its elements step by bStep. */
  colOffB: Float64Array;
  bStep: number;
  /** Output element (g, r, c) is C[rowOffC[g·rows + r] + colOffC[g·cols + c]]. */
  rowOffC: Float64Array;
  colOffC: Float64Array;
  rowScale: Float64Array;
  rowSum: Float64Array;
  colMean: Float64Array;
  colScale: Float64Array;
}

/** Centring and scale of op(B)'s columns: what a plan keeps of B (the same for every call with the same B and shape). */
export type ColumnStats = Pick<Float32Plan, 'colMean' | 'colScale'>;

/**
 * The 2-D layout of a checked product whose operands are not both shared (that case is one product,
 * copied); `columns`, when given, are B's column statistics from an earlier plan of the same B and shape.
 */
export function planFloat32(a: Float64Array, b: Float64Array, s: CheckedShape, columns?: ColumnStats): Float32Plan {
  const { m, k, n, batch } = s;
  const aRs = s.transA ? 1 : k;
  const aCs = s.transA ? m : 1;
  const bRs = s.transB ? 1 : n;
  const bCs = s.transB ? k : 1;
  let groups: number, rows: number, cols: number;
  let rowOffA: Float64Array, colOffB: Float64Array, rowOffC: Float64Array, colOffC: Float64Array;
  if (s.sharedB || batch === 1) {
    // Stack the batch of A into rows: (b, i) → row b·m + i; C's layout is exactly rows × n.
    const stacked = s.sharedA ? 1 : batch;
    groups = 1;
    rows = stacked * m;
    cols = n;
    rowOffA = new Float64Array(rows);
    for (let bi = 0; bi < stacked; bi++) for (let i = 0; i < m; i++) rowOffA[bi * m + i] = bi * m * k + i * aRs;
    colOffB = new Float64Array(cols);
    colOffC = new Float64Array(cols);
    for (let j = 0; j < n; j++) {
      colOffB[j] = j * bCs;
      colOffC[j] = j;
    }
    rowOffC = new Float64Array(rows);
    for (let r = 0; r < rows; r++) rowOffC[r] = r * n;
  } else if (s.sharedA) {
    // Concatenate the batch of B into columns: (b, j) → column b·n + j.
    groups = 1;
    rows = m;
    cols = batch * n;
    rowOffA = new Float64Array(rows);
    rowOffC = new Float64Array(rows);
    for (let i = 0; i < m; i++) {
      rowOffA[i] = i * aRs;
      rowOffC[i] = i * n;
    }
    colOffB = new Float64Array(cols);
    colOffC = new Float64Array(cols);
    for (let bi = 0; bi < batch; bi++) {
      for (let j = 0; j < n; j++) {
        colOffB[bi * n + j] = bi * k * n + j * bCs;
        colOffC[bi * n + j] = bi * m * n + j;
      }
    }
  } else {
    groups = batch;
    rows = m;
    cols = n;
    rowOffA = new Float64Array(batch * m);
    rowOffC = new Float64Array(batch * m);
    colOffB = new Float64Array(batch * n);
    colOffC = new Float64Array(batch * n);
    for (let g = 0; g < batch; g++) {
      for (let i = 0; i < m; i++) {
        rowOffA[g * m + i] = g * m * k + i * aRs;
        rowOffC[g * m + i] = g * m * n + i * n;
      }
      for (let j = 0; j < n; j++) {
        colOffB[g * n + j] = g * k * n + j * bCs;
        colOffC[g * n + j] = j;
      }
    }
  }
  const rowScale = new Float64Array(rowOffA.length);
  const rowSum = new Float64Array(rowOffA.length);
  for (let r = 0; r < rowOffA.length; r++) {
    const off = rowOffA[r];
    let sum = 0;
    let max = 0;
    for (let p = 0; p < k; p++) {
      const v = a[off + p * aCs];
      sum += v;
      const av = Math.abs(v);
      if (av > max) max = av;
    }
    rowSum[r] = sum;
    rowScale[r] = powerOfTwoScale(max);
  }
  const { colMean, colScale } = columns ?? columnStats(b, colOffB, k, bRs);
  return { groups, rows, cols, k, rowOffA, aStep: aCs, colOffB, bStep: bRs, rowOffC, colOffC, rowScale, rowSum, colMean, colScale };
}

/** Each column of op(B): its mean over the inner dimension, and the power of two that scales it, centred, into [1, 2). */
function columnStats(b: Float64Array, colOffB: Float64Array, k: number, bRs: number): ColumnStats {
  const colMean = new Float64Array(colOffB.length);
  const colScale = new Float64Array(colOffB.length);
  for (let c = 0; c < colOffB.length; c++) {
    const off = colOffB[c];
    let sum = 0;
    for (let p = 0; p < k; p++) sum += b[off + p * bRs];
    const mean = k > 0 ? sum / k : 0;
    let max = 0;
    for (let p = 0; p < k; p++) {
      const av = Math.abs(b[off + p * bRs] - mean);
      if (av > max) max = av;
    }
    colMean[c] = mean;
    colScale[c] = powerOfTwoScale(max);
  }
  return { colMean, colScale };
}

/** 2^−e with 2^e ≤ max < 2^(e+1), so that max·scale ∈ [1, 2); 1 for a zero or non-finite max. */
function powerOfTwoScale(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const e = Math.floor(Math.log2(max));
  return Math.pow(2, -Math.max(-1000, Math.min(1000, e)));
}

/** Rows r0..r1 of groups g0..g1 of the scaled op(A), as [g1−g0, r1−r0, k] float32. */
export function fillA(p: Float32Plan, a: Float64Array, g0: number, g1: number, r0: number, r1: number): Float32Array {
  const { k, aStep } = p;
  const nr = r1 - r0;
  const out = new Float32Array((g1 - g0) * nr * k);
  let o = 0;
  for (let g = g0; g < g1; g++) {
    for (let r = r0; r < r1; r++) {
      const idx = g * p.rows + r;
      const off = p.rowOffA[idx];
      const sc = p.rowScale[idx];
      for (let q = 0; q < k; q++) out[o++] = a[off + q * aStep] * sc;
    }
  }
  return out;
}

/** Columns c0..c1 of groups g0..g1 of the centred, scaled op(B), as [g1−g0, k, c1−c0] float32. */
export function fillB(p: Float32Plan, b: Float64Array, g0: number, g1: number, c0: number, c1: number): Float32Array {
  const { k, bStep } = p;
  const nc = c1 - c0;
  const out = new Float32Array((g1 - g0) * k * nc);
  for (let g = g0; g < g1; g++) {
    const base = (g - g0) * k * nc;
    for (let c = c0; c < c1; c++) {
      const idx = g * p.cols + c;
      const off = p.colOffB[idx];
      const mean = p.colMean[idx];
      const sc = p.colScale[idx];
      for (let q = 0; q < k; q++) out[base + q * nc + (c - c0)] = (b[off + q * bStep] - mean) * sc;
    }
  }
  return out;
}

/** Undo the scaling and add back the centring term for one block [g1−g0, r1−r0, c1−c0] of float32 results. */
export function scatterC(p: Float32Plan, block: Float32Array, g0: number, g1: number, r0: number, r1: number, c0: number, c1: number, c: Float64Array): void {
  const nc = c1 - c0;
  if (block.length !== (g1 - g0) * (r1 - r0) * nc) throw new Error(`scatterC: block of ${block.length} values for a ${g1 - g0}×${r1 - r0}×${nc} tile`);
  let o = 0;
  for (let g = g0; g < g1; g++) {
    for (let r = r0; r < r1; r++) {
      const ri = g * p.rows + r;
      const rowOff = p.rowOffC[ri];
      const invRow = 1 / p.rowScale[ri];
      const sum = p.rowSum[ri];
      for (let j = 0; j < nc; j++) {
        const ci = g * p.cols + c0 + j;
        c[rowOff + p.colOffC[ci]] = (block[o++] * invRow) / p.colScale[ci] + sum * p.colMean[ci];
      }
    }
  }
}

export interface Tile {
  g0: number;
  g1: number;
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/**
 * Tiles covering the plan so that no float32 operand or result of one tile exceeds maxElements:
 * whole groups at a time when a group fits, otherwise row × column blocks of one group.
 */
export function tiles(p: Float32Plan, maxElements: number): Tile[] {
  const { groups, rows, cols, k } = p;
  if (k > maxElements) throw new RangeError(`float32 product: inner dimension ${k} exceeds the backend's tensor limit of ${maxElements} elements`);
  const out: Tile[] = [];
  const perGroup = Math.max(rows * k, k * cols, rows * cols, 1);
  if (perGroup <= maxElements) {
    const step = Math.max(1, Math.floor(maxElements / perGroup));
    for (let g0 = 0; g0 < groups; g0 += step) out.push({ g0, g1: Math.min(groups, g0 + step), r0: 0, r1: rows, c0: 0, c1: cols });
    return out;
  }
  const rowStep = Math.max(1, Math.min(rows, Math.floor(maxElements / k)));
  const colStep = Math.max(1, Math.min(cols, Math.floor(maxElements / k), Math.floor(maxElements / rowStep)));
  for (let g = 0; g < groups; g++) {
    for (let r0 = 0; r0 < rows; r0 += rowStep) {
      for (let c0 = 0; c0 < cols; c0 += colStep) out.push({ g0: g, g1: g + 1, r0, r1: Math.min(rows, r0 + rowStep), c0, c1: Math.min(cols, c0 + colStep) });
    }
  }
  return out;
}
