// The float64 WebAssembly SIMD backend ('float64-wasm'): every product is brought to one form, Xᵀ·Y
// summed over a leading index, and run by the f64x2 micro-kernel of wasm/kernels.wat, which also
// forms the bootstrap's per-unit moments and does the Cholesky solves. Same arithmetic as float64-ts
// up to the order of summation. Present wherever WebAssembly SIMD is (Node ≥ 16.4); one instance,
// with its own memory, per thread. A call whose operands would not fit in its memory (at most 2 GiB
// here, of WebAssembly's 4) runs on float64-ts's code instead: same precision, slower.
import { checkMatmul, checkSolve } from './shape.ts';
import { solveSymmetricBatch } from './solve.ts';
import { checkMoments, momentCovarianceVia, momentProjectionsVia, Scratch } from './moments.ts';
import { matmulFloat64 } from './reference.ts';
import type { KernelBackend, MatmulShape, MomentShape, WeightedCrossShape } from './types.ts';
import { checkWeightedCross, weightedCrossFloat64 } from './weighted-cross.ts';
import { KERNELS_WASM } from './wasm/kernels-wasm.ts';

type Xty = (x: number, y: number, out: number, n: number, p: number, q: number, ldx: number, ldy: number, ldo: number, sym: number) => void;
type Gather = (src: number, w: number, n: number, p: number, dst: number, ld: number, scale: number) => number;
type Moments = (blocks: number, c: number, w: number, n: number, L: number, P: number, x: number, g: number, ld: number) => number;
type Cholesky = (a: number, n: number, relTol: number) => number;
type CholSolve = (l: number, x: number, n: number, rhs: number) => void;
type Projections = (blocks: number, a: number, c: number, w: number, n: number, L: number, P: number, mout: number, ldm: number, scores: number) => number;

const bytes = Uint8Array.from(Buffer.from(KERNELS_WASM, 'base64'));
let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null where this runtime lacks WebAssembly SIMD. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return compiled;
}

export function wasmSimdAvailable(): boolean {
  return kernelModule() !== null;
}

const roundUp4 = (x: number) => (x + 3) & ~3;

/** Offsets (in float64 elements, 16-byte aligned) of consecutive regions of the given sizes. */
function layout(sizes: number[]): { at: number[]; end: number } {
  const at: number[] = [];
  let end = 0;
  for (const s of sizes) {
    at.push(end);
    end += s + (s & 1);
  }
  return { at, end };
}

export class WasmBackend implements KernelBackend {
  readonly name = 'float64-wasm';
  readonly precision = 'float64' as const;
  private readonly memory: WebAssembly.Memory;
  private readonly xty: Xty;
  private readonly gather: Gather;
  private readonly moments: Moments;
  private readonly projections: Projections;
  private readonly cholesky: Cholesky;
  private readonly cholsolve: CholSolve;
  private heap: Float64Array;
  private disposed = false;
  /** Largest number of float64 values one call may place in the module's memory. */
  private readonly maxElements: number;
  private readonly scratch = new Scratch();

  constructor(options: { maxElements?: number } = {}) {
    this.maxElements = Math.min(options.maxElements ?? Infinity, 2 ** 28);
    const module = kernelModule();
    if (!module) throw new Error('this runtime has no WebAssembly SIMD');
    const instance = new WebAssembly.Instance(module);
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.xty = instance.exports.xty as Xty;
    this.gather = instance.exports.gather as Gather;
    this.moments = instance.exports.moments as Moments;
    this.projections = instance.exports.projections as Projections;
    this.cholesky = instance.exports.cholesky as Cholesky;
    this.cholsolve = instance.exports.cholsolve as CholSolve;
    this.heap = new Float64Array(this.memory.buffer);
  }

  /** Grow the module's memory to hold `elements` float64 values. */
  private reserve(elements: number): Float64Array {
    const bytesNeeded = elements * 8;
    if (bytesNeeded > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((bytesNeeded - this.memory.buffer.byteLength) / 65536));
      this.heap = new Float64Array(this.memory.buffer);
    }
    return this.heap;
  }

  async matmul(a: Float64Array, b: Float64Array, shape: MatmulShape): Promise<Float64Array> {
    this.assertLive();
    const s = checkMatmul(a, b, shape);
    const { m, k, n, batch } = s;
    const c = new Float64Array(batch * m * n);
    if (batch === 0 || m === 0 || n === 0) return c;
    // C = op(A)·op(B) = Xᵀ·Y with X = op(A)ᵀ (k × m) and Y = op(B) (k × n), both padded to 4 columns.
    const m4 = roundUp4(m);
    const n4 = roundUp4(n);
    const { at, end } = layout([k * m4, k * n4, m4 * n4]);
    if (end > this.maxElements) return matmulFloat64(a, b, shape);
    const heap = this.reserve(end);
    const [xAt, yAt, outAt] = at;
    for (let item = 0; item < batch; item++) {
      if (item === 0 || !s.sharedA) {
        const off = s.sharedA ? 0 : item * m * k;
        // X[u, r] = op(A)[r, u]: A stored m×k (u along rows' columns) or, transposed, k×m.
        for (let u = 0; u < k; u++) {
          const row = xAt + u * m4;
          if (s.transA) heap.set(a.subarray(off + u * m, off + (u + 1) * m), row);
          else for (let r = 0; r < m; r++) heap[row + r] = a[off + r * k + u];
          heap.fill(0, row + m, row + m4);
        }
      }
      if (item === 0 || !s.sharedB) {
        const off = s.sharedB ? 0 : item * k * n;
        for (let u = 0; u < k; u++) {
          const row = yAt + u * n4;
          if (!s.transB) heap.set(b.subarray(off + u * n, off + (u + 1) * n), row);
          else for (let j = 0; j < n; j++) heap[row + j] = b[off + j * k + u];
          heap.fill(0, row + n, row + n4);
        }
      }
      if (k === 0) continue;
      this.xty(xAt * 8, yAt * 8, outAt * 8, k, m4, n4, m4, n4, n4, 0);
      for (let r = 0; r < m; r++) c.set(heap.subarray(outAt + r * n4, outAt + r * n4 + n), item * m * n + r * n);
    }
    return c;
  }

  async weightedCross(a: Float64Array, w: Float64Array, c: Float64Array, shape: WeightedCrossShape): Promise<Float64Array> {
    this.assertLive();
    checkWeightedCross(a, w, c, shape);
    const { batch, n, p, q } = shape;
    const out = new Float64Array(batch * p * q);
    const symmetric = a === c && p === q;
    const p4 = roundUp4(p);
    const q4 = roundUp4(q);
    // a, c and w go in whole (one copy each); gather then lays out, per replication, X = the rows
    // w_i a_i and Y = the rows c_i of the units with non-zero weight, padded to 4 columns.
    const { at, end } = layout([batch * n * p, symmetric ? 0 : batch * n * q, batch * n, n * p4, n * q4, p4 * q4]);
    if (end > this.maxElements) return weightedCrossFloat64(a, w, c, shape);
    const heap = this.reserve(end);
    const [aAt, cAt0, wAt, xAt, yAt, outAt] = at;
    const cAt = symmetric ? aAt : cAt0;
    heap.set(a, aAt);
    if (!symmetric) heap.set(c, cAt);
    heap.set(w, wAt);
    for (let b = 0; b < batch; b++) {
      const units = this.gather((aAt + b * n * p) * 8, (wAt + b * n) * 8, n, p, xAt * 8, p4, 1);
      this.gather((cAt + b * n * q) * 8, (wAt + b * n) * 8, n, q, yAt * 8, q4, 0);
      const o = b * p * q;
      if (units === 0) continue;
      this.xty(xAt * 8, yAt * 8, outAt * 8, units, p4, q4, p4, q4, q4, symmetric ? 1 : 0);
      for (let r = 0; r < p; r++) {
        if (!symmetric) {
          for (let k = 0; k < q; k++) out[o + r * q + k] = heap[outAt + r * q4 + k];
          continue;
        }
        // Upper triangle from the kernel, the lower one mirrored: exactly symmetric.
        for (let k = r; k < q; k++) out[o + r * q + k] = out[o + k * q + r] = heap[outAt + r * q4 + k];
      }
    }
    return out;
  }

  async momentCovariance(blocks: Float64Array, c: Float64Array, w: Float64Array, shape: MomentShape): Promise<Float64Array> {
    this.assertLive();
    checkMoments(blocks, c, w, shape);
    const { batch, n, P, L } = shape;
    const out = new Float64Array(batch * L * L);
    const L4 = roundUp4(L);
    const { at, end } = layout([n * P * L, batch * P, batch * n, n * L4, n * L4, L4 * L4]);
    if (end > this.maxElements) return momentCovarianceVia(async (x, v, y, sh) => weightedCrossFloat64(x, v, y, sh), this.scratch, blocks, c, w, shape);
    const heap = this.reserve(end);
    const [blocksAt, cAt, wAt, xAt, gAt, outAt] = at;
    heap.set(blocks, blocksAt);
    heap.set(c, cAt);
    heap.set(w, wAt);
    for (let b = 0; b < batch; b++) {
      // g (the drawn units' moments) and x = w·g, then S = xᵀg in the upper block triangle.
      const units = this.moments(blocksAt * 8, (cAt + b * P) * 8, (wAt + b * n) * 8, n, L, P, xAt * 8, gAt * 8, L4);
      if (units === 0) continue;
      this.xty(xAt * 8, gAt * 8, outAt * 8, units, L4, L4, L4, L4, L4, 1);
      const o = b * L * L;
      for (let r = 0; r < L; r++) for (let k = r; k < L; k++) out[o + r * L + k] = out[o + k * L + r] = heap[outAt + r * L4 + k];
    }
    return out;
  }

  async momentProjections(blocks: Float64Array, c: Float64Array, a: Float64Array, w: Float64Array, shape: MomentShape): Promise<{ cross: Float64Array; scores: Float64Array }> {
    this.assertLive();
    checkMoments(blocks, c, w, shape, a);
    const { batch, n, P, L } = shape;
    const cross = new Float64Array(batch * L * P);
    const L4 = roundUp4(L);
    const P4 = roundUp4(P);
    const { at, end } = layout([n * P * L, batch * P, batch * L, batch * n, n * L4, n * L4, n * P4, batch * n, L4 * P4]);
    if (end > this.maxElements) return momentProjectionsVia(async (x, v, y, sh) => weightedCrossFloat64(x, v, y, sh), this.scratch, blocks, c, a, w, shape);
    const heap = this.reserve(end);
    const [blocksAt, cAt, aAt, wAt, xAt, gAt, mAt, scoresAt, outAt] = at;
    heap.set(blocks, blocksAt);
    heap.set(c, cAt);
    heap.set(a, aAt);
    heap.set(w, wAt);
    for (let b = 0; b < batch; b++) {
      // x = w·g and m (the drawn units' projections, in the same order), then cross = xᵀm.
      const units = this.moments(blocksAt * 8, (cAt + b * P) * 8, (wAt + b * n) * 8, n, L, P, xAt * 8, gAt * 8, L4);
      this.projections(blocksAt * 8, (aAt + b * L) * 8, (cAt + b * P) * 8, (wAt + b * n) * 8, n, L, P, mAt * 8, P4, (scoresAt + b * n) * 8);
      if (units === 0) continue;
      this.xty(xAt * 8, mAt * 8, outAt * 8, units, L4, P4, L4, P4, P4, 0);
      for (let r = 0; r < L; r++) for (let p = 0; p < P; p++) cross[(b * L + r) * P + p] = heap[outAt + r * P4 + p];
    }
    return { cross, scores: heap.slice(scoresAt, scoresAt + batch * n) };
  }

  async solveSymmetric(a: Float64Array, r: Float64Array, n: number, rhs: number, batch: number, relTol = 0): Promise<Float64Array> {
    this.assertLive();
    checkSolve(a, r, n, rhs, batch);
    const out = new Float64Array(batch * n * rhs);
    const nn = n * n;
    const nr = n * rhs;
    const { at, end } = layout([nn, nr]);
    if (end > this.maxElements) return solveSymmetricBatch(a, r, n, rhs, batch, relTol);
    const heap = this.reserve(end);
    const [aAt, xAt] = at;
    for (let b = 0; b < batch; b++) {
      heap.set(a.subarray(b * nn, (b + 1) * nn), aAt);
      if (!this.cholesky(aAt * 8, n, relTol)) {
        out.fill(NaN, b * nr, (b + 1) * nr);
        continue;
      }
      heap.set(r.subarray(b * nr, (b + 1) * nr), xAt);
      this.cholsolve(aAt * 8, xAt * 8, n, rhs);
      out.set(heap.subarray(xAt, xAt + nr), b * nr);
    }
    return out;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`kernel backend ${this.name} was disposed`);
  }
}
