// Packed, cache-blocked float64 GEMM in TypeScript (the Goto–van de Geijn layering: a k-slab of B
// packed into NR-wide panels, an m-block of A into MR-high panels, a 4×4 register micro-kernel).
// Operands are addressed through strides, so transposed operands cost only their packing, and a
// batch whose B is shared packs each slab of B once for the whole batch.

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 128;
const NC = 2048;

/** A strided view: element (i, j) of item b sits at data[off(b) + i·rs + j·cs]. */
export interface StridedOperand {
  data: Float64Array;
  /** Offset of batch item b (constant for a shared operand). */
  offset: (b: number) => number;
  rs: number;
  cs: number;
}

/**
 * C[b] (m×n) = A[b] (m×k) · B[b] (k×n) for b < batch, overwriting C. With sharedB the packed slabs
 * of B are built once and reused by every item of the batch.
 */
export function gemmStrided(
  batch: number,
  m: number,
  n: number,
  k: number,
  a: StridedOperand,
  b: StridedOperand,
  c: StridedOperand,
  sharedB: boolean,
): void {
  for (let bi = 0; bi < batch; bi++) zeroC(c, bi, m, n);
  if (m === 0 || n === 0 || k === 0) return;
  const bPack = new Float64Array(Math.min(KC, k) * roundUp(Math.min(NC, n), NR));
  const aPack = new Float64Array(roundUp(Math.min(MC, m), MR) * Math.min(KC, k));
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      if (sharedB) packB(b, b.offset(0), pc, kc, jc, nc, bPack);
      for (let bi = 0; bi < batch; bi++) {
        if (!sharedB) packB(b, b.offset(bi), pc, kc, jc, nc, bPack);
        const aOff = a.offset(bi);
        const cOff = c.offset(bi);
        for (let ic = 0; ic < m; ic += MC) {
          const mc = Math.min(MC, m - ic);
          packA(a, aOff, ic, mc, pc, kc, aPack);
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = Math.min(NR, nc - jr);
            for (let ir = 0; ir < mc; ir += MR) {
              const mr = Math.min(MR, mc - ir);
              microKernel(kc, aPack, ir * kc, bPack, jr * kc, c.data, cOff + (ic + ir) * c.rs + (jc + jr) * c.cs, c.rs, c.cs, mr, nr);
            }
          }
        }
      }
    }
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

function zeroC(c: StridedOperand, bi: number, m: number, n: number): void {
  const off = c.offset(bi);
  if (c.cs === 1 && c.rs === n) {
    c.data.fill(0, off, off + m * n);
    return;
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c.data[off + i * c.rs + j * c.cs] = 0;
}

/** Pack B[pc:pc+kc, jc:jc+nc] as NR-wide panels, each kc rows of NR contiguous values, zero-padded. */
function packB(b: StridedOperand, off: number, pc: number, kc: number, jc: number, nc: number, out: Float64Array): void {
  const { data, rs, cs } = b;
  let o = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    const base = off + pc * rs + (jc + jr) * cs;
    for (let p = 0; p < kc; p++) {
      const rowBase = base + p * rs;
      let j = 0;
      for (; j < nr; j++) out[o + j] = data[rowBase + j * cs];
      for (; j < NR; j++) out[o + j] = 0;
      o += NR;
    }
  }
}

/** Pack A[ic:ic+mc, pc:pc+kc] as MR-high panels, each kc columns of MR contiguous values, zero-padded. */
function packA(a: StridedOperand, off: number, ic: number, mc: number, pc: number, kc: number, out: Float64Array): void {
  const { data, rs, cs } = a;
  let o = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    const base = off + (ic + ir) * rs + pc * cs;
    for (let p = 0; p < kc; p++) {
      const colBase = base + p * cs;
      let i = 0;
      for (; i < mr; i++) out[o + i] = data[colBase + i * rs];
      for (; i < MR; i++) out[o + i] = 0;
      o += MR;
    }
  }
}

/** C[0:mr, 0:nr] += Apanel (MR×kc) · Bpanel (kc×NR), 16 accumulators held in registers. */
function microKernel(
  kc: number,
  ap: Float64Array,
  ia: number,
  bp: Float64Array,
  ib: number,
  c: Float64Array,
  co: number,
  rs: number,
  cs: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ia], a1 = ap[ia + 1], a2 = ap[ia + 2], a3 = ap[ia + 3];
    const b0 = bp[ib], b1 = bp[ib + 1], b2 = bp[ib + 2], b3 = bp[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ia += MR;
    ib += NR;
  }
  if (mr === MR && nr === NR) {
    let r = co;
    c[r] += c00; c[r + cs] += c01; c[r + 2 * cs] += c02; c[r + 3 * cs] += c03; r += rs;
    c[r] += c10; c[r + cs] += c11; c[r + 2 * cs] += c12; c[r + 3 * cs] += c13; r += rs;
    c[r] += c20; c[r + cs] += c21; c[r + 2 * cs] += c22; c[r + 3 * cs] += c23; r += rs;
    c[r] += c30; c[r + cs] += c31; c[r + 2 * cs] += c32; c[r + 3 * cs] += c33;
    return;
  }
  const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < mr; i++) for (let j = 0; j < nr; j++) c[co + i * rs + j * cs] += t[i * NR + j];
}
