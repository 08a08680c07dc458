// The float64 WebAssembly SIMD backend ('float64-wasm'): every product is brought to one form, Xᵀ·Y
// summed over a leading index, and run by the f64x2 micro-kernel of wasm/kernels.wat, which also
// forms the bootstrap's per-unit moments. Same arithmetic as float64-ts
// up to the order of summation. Present wherever WebAssembly SIMD is (Node ≥ 16.4); one instance,
// with its own memory, per thread. A call whose operands would not fit in its memory (at most 2 GiB
// here, of WebAssembly's 4) runs on the TypeScript code instead (float64-ts's products, BackendBase's
// moment sums): same precision, slower. An uploaded operand is copied into the memory once, below
// the per-call work space, and read from there by every later call; a product that reads it as its
// right operand gets it once more in the layout the product's kernel reads, made on first use.
import { checkMatmul } from './shape.ts';
import { checkMoments, BackendBase } from './backend-base.ts';
import { matmulFloat64 } from './reference.ts';
import type { MatmulShape, MomentShape, Operand, Resident, WeightedCrossShape } from './types.ts';
import { checkWeightedCross, weightedCrossFloat64 } from './weighted-cross.ts';
import { growMemory, kernelModule } from './wasm/module.ts';

type Xty = (x: number, y: number, out: number, n: number, p: number, q: number, xrow: number, xpanel: number, yrow: number, ypanel: number, ldo: number, sym: number) => void;
type Gather = (src: number, w: number, n: number, p: number, dst: number, row: number, scale: number) => number;
type Moments = (blocks: number, c: number, w: number, n: number, L: number, P: number, x: number, g: number, row: number) => number;
type Mirror = (at: number, n: number, ld: number) => void;
type Projections = (blocks: number, a: number, c: number, w: number, n: number, L: number, P: number, x: number, g: number, row: number, mout: number, mrow: number, scores: number) => number;

export function wasmSimdAvailable(): boolean {
  return kernelModule() !== null;
}

const roundUp4 = (x: number) => (x + 3) & ~3;

/** Bytes from one row to the next of a row-major operand, its rows padded to a multiple of 4. */
const rowBytes = (cols: number) => 8 * roundUp4(cols);
/** xty's byte strides (row, panel) of an operand of n rows packed in panels, or row-major. */
const packed = (n: number) => [32, 32 * n] as const;
const rowMajor = (cols: number) => [rowBytes(cols), 32] as const;

/** out[o + r·cols + k] = heap[at + r·ld + k] for r < rows, k < cols (one bulk copy when ld = cols). */
function copyOut(heap: Float64Array, at: number, ld: number, out: Float64Array, o: number, rows: number, cols: number): void {
  if (ld === cols) out.set(heap.subarray(at, at + rows * cols), o);
  else for (let r = 0; r < rows; r++) out.set(heap.subarray(at + r * ld, at + r * ld + cols), o + r * cols);
}

/**
 * Write an n×cols matrix into heap at `at` for xty (columns padded with zeros to a multiple of 4):
 * in panels (columns 4j..4j+3 as panel j, n rows of 4 values) when `panels`, else row-major. Element
 * (u, j) of the source is src[off + u·rs + j·cs].
 */
function place(heap: Float64Array, at: number, src: Float64Array, off: number, n: number, cols: number, rs: number, cs: number, panels: boolean): void {
  const c4 = roundUp4(cols);
  if (!panels && cs === 1) {
    // Rows already contiguous: one bulk copy each.
    for (let u = 0; u < n; u++) {
      heap.set(src.subarray(off + u * rs, off + u * rs + cols), at + u * c4);
      heap.fill(0, at + u * c4 + cols, at + (u + 1) * c4);
    }
    return;
  }
  for (let j0 = 0; j0 < c4; j0 += 4) {
    const width = Math.max(0, Math.min(4, cols - j0));
    for (let u = 0; u < n; u++) {
      const o = panels ? at + j0 * n + u * 4 : at + u * c4 + j0;
      const s = off + u * rs + j0 * cs;
      for (let j = 0; j < width; j++) heap[o + j] = src[s + j * cs];
      for (let j = width; j < 4; j++) heap[o + j] = 0;
    }
  }
}

/** Offsets (in float64 elements, 16-byte aligned) of consecutive regions of the given sizes, from base (even). */
function layout(sizes: number[], base: number): { at: number[]; end: number } {
  const at: number[] = [];
  let end = base;
  for (const s of sizes) {
    at.push(end);
    end += s + (s & 1);
  }
  return { at, end };
}

export class WasmBackend extends BackendBase {
  readonly name = 'float64-wasm';
  readonly precision = 'float64' as const;
  private readonly memory: WebAssembly.Memory;
  private readonly xty: Xty;
  private readonly gather: Gather;
  private readonly moments: Moments;
  private readonly projections: Projections;
  private readonly mirror: Mirror;
  private heap: Float64Array;
  /** Largest number of float64 values one call may place in the module's memory. */
  private readonly maxElements: number;
  /** Regions of the memory held by resident operands (below residentEnd; a call's work space starts there). */
  private regions: { owner: Resident; at: number; end: number }[] = [];
  private residentEnd = 0;
  /** Per resident operand, its copies by layout ('raw': as uploaded): offsets in float64 elements. */
  private readonly placed = new Map<Resident, Map<string, number>>();

  constructor(options: { maxElements?: number } = {}) {
    super();
    this.maxElements = Math.min(options.maxElements ?? Infinity, 2 ** 28);
    const module = kernelModule();
    if (!module) throw new Error('this runtime has no WebAssembly SIMD');
    const instance = new WebAssembly.Instance(module);
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.xty = instance.exports.xty as Xty;
    this.gather = instance.exports.gather as Gather;
    this.moments = instance.exports.moments as Moments;
    this.projections = instance.exports.projections as Projections;
    this.mirror = instance.exports.mirror as Mirror;
    this.heap = new Float64Array(this.memory.buffer);
  }

  /** Grow the module's memory to hold `elements` float64 values. */
  private reserve(elements: number): Float64Array {
    if (growMemory(this.memory, elements * 8)) this.heap = new Float64Array(this.memory.buffer);
    return this.heap;
  }

  /** A region of `size` values for a resident operand, or undefined where it would not fit. */
  private allocate(owner: Resident, size: number): number | undefined {
    const at = this.residentEnd;
    const end = at + size + (size & 1);
    if (end > this.maxElements) return undefined;
    this.reserve(end);
    this.regions.push({ owner, at, end });
    this.residentEnd = end;
    return at;
  }

  /** Copies are made where a call first reads one (layoutOf): the products read a resident operand in
   *  their packed layout, the moment sums as uploaded ('raw'). The bootstrap uploads four blocks and
   *  reads three only in products: copying each as uploaded too cost fresh memory nothing read (N =
   *  20,000, 59 instruments: ~120 MB a thread; bench/RESULTS.md "Resident copies made on first use"). */
  protected override async place(handle: Resident): Promise<void> {
    this.placed.set(handle, new Map());
  }

  protected override async free(handle: Resident): Promise<void> {
    this.placed.delete(handle);
    this.regions = this.regions.filter((r) => r.owner !== handle);
    this.residentEnd = this.regions.reduce((end, r) => Math.max(end, r.end), 0);
  }

  /** Offset of a resident operand's copy in layout `key` (written by fill on first use), if it is kept. */
  private layoutOf(handle: Resident | undefined, key: string, size: number, fill: (heap: Float64Array, at: number) => void): number | undefined {
    const copies = handle && this.placed.get(handle);
    if (!copies) return undefined;
    let at = copies.get(key);
    if (at === undefined) {
      at = this.allocate(handle!, size);
      if (at === undefined) return undefined;
      fill(this.heap, at);
      copies.set(key, at);
    }
    return at;
  }

  async matmul(a: Float64Array, op: Operand, shape: MatmulShape): Promise<Float64Array> {
    this.assertLive();
    const handle = this.resident(op);
    const b = handle?.data ?? (op as Float64Array);
    const s = checkMatmul(a, b, shape);
    const { m, k, n, batch } = s;
    const c = new Float64Array(batch * m * n);
    if (batch === 0 || m === 0 || n === 0) return c;
    // C = op(A)·op(B) = Xᵀ·Y with X = op(A)ᵀ (k × m) and Y = op(B) (k × n). An operand is packed in
    // panels when it must be transposed anyway or when many blocks re-read it (the other side has
    // more than 64 columns); else its rows (A stored k×m when transposed, B stored k×n) are copied.
    const m4 = roundUp4(m);
    const n4 = roundUp4(n);
    const packX = !s.transA || n4 > 64;
    const packY = s.transB || m4 > 64;
    const [xrow, xpanel] = packX ? packed(k) : rowMajor(m);
    const [yrow, ypanel] = packY ? packed(k) : rowMajor(n);
    // A resident B that is one matrix is placed as Y once (per layout), not per call.
    const yKept =
      s.sharedB || batch === 1
        ? this.layoutOf(handle, `y ${packY} ${s.transB} ${k}×${n}`, k * n4, (heap, at) => place(heap, at, b, 0, k, n, s.transB ? 1 : n, s.transB ? k : 1, packY))
        : undefined;
    const { at, end } = layout([k * m4, yKept === undefined ? k * n4 : 0, m4 * n4], this.residentEnd);
    if (end > this.maxElements) return matmulFloat64(a, b, shape);
    const heap = this.reserve(end);
    const [xAt, yWork, outAt] = at;
    const yAt = yKept ?? yWork;
    for (let item = 0; item < batch; item++) {
      // X[u, r] = op(A)[r, u], Y[u, j] = op(B)[u, j].
      if (item === 0 || !s.sharedA) place(heap, xAt, a, s.sharedA ? 0 : item * m * k, k, m, s.transA ? m : 1, s.transA ? 1 : k, packX);
      if (yKept === undefined && (item === 0 || !s.sharedB)) place(heap, yAt, b, s.sharedB ? 0 : item * k * n, k, n, s.transB ? 1 : n, s.transB ? k : 1, packY);
      if (k === 0) continue;
      this.xty(xAt * 8, yAt * 8, outAt * 8, k, m4, n4, xrow, xpanel, yrow, ypanel, n4, 0);
      copyOut(heap, outAt, n4, c, item * m * n, m, n);
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
    // a, c and w go in whole (one copy each); gather then writes, per replication, X = the rows
    // w_i a_i and Y = the rows c_i of the units with non-zero weight, row-major (written in order;
    // xty reads them 128 rows at a time).
    const { at, end } = layout([batch * n * p, symmetric ? 0 : batch * n * q, batch * n, n * p4, n * q4, p4 * q4], this.residentEnd);
    if (end > this.maxElements) return weightedCrossFloat64(a, w, c, shape);
    const heap = this.reserve(end);
    const [aAt, cAt0, wAt, xAt, yAt, outAt] = at;
    const cAt = symmetric ? aAt : cAt0;
    heap.set(a, aAt);
    if (!symmetric) heap.set(c, cAt);
    heap.set(w, wAt);
    for (let b = 0; b < batch; b++) {
      const units = this.gather((aAt + b * n * p) * 8, (wAt + b * n) * 8, n, p, xAt * 8, rowBytes(p), 1);
      this.gather((cAt + b * n * q) * 8, (wAt + b * n) * 8, n, q, yAt * 8, rowBytes(q), 0);
      if (units === 0) continue;
      this.xty(xAt * 8, yAt * 8, outAt * 8, units, p4, q4, ...rowMajor(p), ...rowMajor(q), q4, symmetric ? 1 : 0);
      if (symmetric) this.mirror(outAt * 8, p, q4);
      copyOut(heap, outAt, q4, out, b * p * q, p, q);
    }
    return out;
  }

  /** Offset of the blocks' copy as uploaded when resident (made on first use), else undefined (too
   *  large to keep: the call copies them as plain values). */
  private blocksKept(handle: Resident | undefined): number | undefined {
    return this.layoutOf(handle, 'raw', handle?.data.length ?? 0, (heap, at) => heap.set(handle!.data, at));
  }

  override async momentCovariance(op: Operand, c: Float64Array, w: Float64Array, shape: MomentShape): Promise<Float64Array> {
    this.assertLive();
    const handle = this.resident(op);
    const blocks = handle?.data ?? (op as Float64Array);
    checkMoments(blocks, c, w, shape);
    const { batch, n, P, L } = shape;
    const out = new Float64Array(batch * L * L);
    const L4 = roundUp4(L);
    const kept = this.blocksKept(handle);
    const { at, end } = layout([kept === undefined ? n * P * L : 0, batch * P, batch * n, n * L4, n * L4, L4 * L4], this.residentEnd);
    if (end > this.maxElements) return super.momentCovariance(op, c, w, shape);
    const heap = this.reserve(end);
    const [blocksWork, cAt, wAt, xAt, gAt, outAt] = at;
    const blocksAt = kept ?? blocksWork;
    if (kept === undefined) heap.set(blocks, blocksAt);
    heap.set(c, cAt);
    heap.set(w, wAt);
    for (let b = 0; b < batch; b++) {
      // g (the drawn units' moments) and x = w·g, then S = xᵀg in the upper block triangle.
      const units = this.moments(blocksAt * 8, (cAt + b * P) * 8, (wAt + b * n) * 8, n, L, P, xAt * 8, gAt * 8, rowBytes(L));
      if (units === 0) continue;
      this.xty(xAt * 8, gAt * 8, outAt * 8, units, L4, L4, ...rowMajor(L), ...rowMajor(L), L4, 1);
      this.mirror(outAt * 8, L, L4);
      copyOut(heap, outAt, L4, out, b * L * L, L, L);
    }
    return out;
  }

  override async momentProjections(op: Operand, c: Float64Array, a: Float64Array, w: Float64Array, shape: MomentShape): Promise<{ cross: Float64Array; scores: Float64Array }> {
    this.assertLive();
    const handle = this.resident(op);
    const blocks = handle?.data ?? (op as Float64Array);
    checkMoments(blocks, c, w, shape, a);
    const { batch, n, P, L } = shape;
    const cross = new Float64Array(batch * L * P);
    const L4 = roundUp4(L);
    const P4 = roundUp4(P);
    const kept = this.blocksKept(handle);
    const { at, end } = layout([kept === undefined ? n * P * L : 0, batch * P, batch * L, batch * n, n * L4, n * L4, n * P4, batch * n, L4 * P4], this.residentEnd);
    if (end > this.maxElements) return super.momentProjections(op, c, a, w, shape);
    const heap = this.reserve(end);
    const [blocksWork, cAt, aAt, wAt, xAt, gAt, mAt, scoresAt, outAt] = at;
    const blocksAt = kept ?? blocksWork;
    if (kept === undefined) heap.set(blocks, blocksAt);
    heap.set(c, cAt);
    heap.set(a, aAt);
    heap.set(w, wAt);
    for (let b = 0; b < batch; b++) {
      // x = w·g and m (the drawn units' projections, in the same order), then cross = xᵀm.
      const units = this.projections(blocksAt * 8, (aAt + b * L) * 8, (cAt + b * P) * 8, (wAt + b * n) * 8, n, L, P, xAt * 8, gAt * 8, rowBytes(L), mAt * 8, rowBytes(P), (scoresAt + b * n) * 8);
      if (units === 0) continue;
      this.xty(xAt * 8, mAt * 8, outAt * 8, units, L4, P4, ...rowMajor(L), ...rowMajor(P), P4, 0);
      copyOut(heap, outAt, P4, cross, b * L * P, L, P);
    }
    return { cross, scores: heap.slice(scoresAt, scoresAt + batch * n) };
  }

}
