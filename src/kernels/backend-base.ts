// BackendBase: what every kernel backend shares — the disposed check, resident operands (upload,
// release: the handles a backend made, and the hooks where it places and frees their values), and the
// pairs bootstrap's moment sums from per-unit blocks
// (KernelBackend.momentCovariance and momentProjections) formed on the host, the per-unit moments
// here and the weighted sums by the backend's own weightedCross. A backend writes its products and
// overrides what it does faster: float64-wasm forms moments and sums in WebAssembly. Units
// of weight zero (about a third of them in a pairs resample) are skipped by every sum.
import type { KernelBackend, MatmulShape, MomentShape, Operand, Precision, Resident, WeightedCrossShape } from './types.ts';

export function checkMoments(blocks: Float64Array, c: Float64Array, w: Float64Array, s: MomentShape, a?: Float64Array): void {
  const { batch, n, P, L } = s;
  for (const [name, v] of [['batch', batch], ['n', n], ['P', P], ['L', L]] as const)
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`moment sums: ${name} must be a non-negative integer, got ${v}`);
  if (blocks.length !== n * P * L) throw new RangeError(`moment sums: blocks has ${blocks.length} values for ${n}×${P}×${L}`);
  if (c.length !== batch * P) throw new RangeError(`moment sums: c has ${c.length} values for ${batch}×${P}`);
  if (w.length !== batch * n) throw new RangeError(`moment sums: w has ${w.length} values for ${batch}×${n}`);
  if (a && a.length !== batch * L) throw new RangeError(`moment sums: a has ${a.length} values for ${batch}×${L}`);
}

/**
 * Work arrays reused from call to call by one backend instance: a fresh multi-megabyte typed array
 * per batch of replications costs more (page faults, zeroing) than the arithmetic done in it.
 */
class Scratch {
  private readonly arrays = new Map<string, Float64Array>();

  /** A work array of `length` values; its contents are whatever the last user left. */
  take(name: string, length: number): Float64Array {
    let a = this.arrays.get(name);
    if (!a || a.length < length) {
      a = new Float64Array(length);
      this.arrays.set(name, a);
    }
    return a.subarray(0, length);
  }
}

/**
 * Per-unit moments g_bi = Σ_p c_b[p]·blocks_i[p,·] (B×N×L, written into out) for the units drawn in
 * replication b; units not drawn are set to zero, as every sum they enter is weighted.
 */
function unitMoments(blocks: Float64Array, c: Float64Array, w: Float64Array, s: MomentShape, out: Float64Array): Float64Array {
  const { batch, n, P, L } = s;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < n; i++) {
      const o = (b * n + i) * L;
      if (w[b * n + i] === 0) {
        out.fill(0, o, o + L);
        continue;
      }
      // Four blocks per pass over g_bi (one pass per block is 2–3× slower in V8); the first pass writes.
      for (let p = 0; p < P; p += 4) {
        const r0 = (i * P + p) * L;
        const c0 = c[b * P + p];
        const c1 = p + 1 < P ? c[b * P + p + 1] : 0;
        const c2 = p + 2 < P ? c[b * P + p + 2] : 0;
        const c3 = p + 3 < P ? c[b * P + p + 3] : 0;
        const r1 = p + 1 < P ? r0 + L : r0;
        const r2 = p + 2 < P ? r0 + 2 * L : r0;
        const r3 = p + 3 < P ? r0 + 3 * L : r0;
        if (p === 0) for (let l = 0; l < L; l++) out[o + l] = c0 * blocks[r0 + l] + c1 * blocks[r1 + l] + c2 * blocks[r2 + l] + c3 * blocks[r3 + l];
        else for (let l = 0; l < L; l++) out[o + l] += c0 * blocks[r0 + l] + c1 * blocks[r1 + l] + c2 * blocks[r2 + l] + c3 * blocks[r3 + l];
      }
    }
  return out;
}

/** m_bi = blocks_i·a_b (B×N×P, written into out; zero for units not drawn). */
function unitProjections(blocks: Float64Array, a: Float64Array, w: Float64Array, s: MomentShape, out: Float64Array): Float64Array {
  const { batch, n, P, L } = s;
  for (let b = 0; b < batch; b++) {
    const ao = b * L;
    for (let i = 0; i < n; i++) {
      const o = (b * n + i) * P;
      if (w[b * n + i] === 0) {
        for (let p = 0; p < P; p++) out[o + p] = 0;
        continue;
      }
      // Four dot products at a time: independent sums, not one long chain of dependent additions.
      let p = 0;
      for (; p + 4 <= P; p += 4) {
        const r0 = (i * P + p) * L;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let l = 0; l < L; l++) {
          const al = a[ao + l];
          s0 += blocks[r0 + l] * al;
          s1 += blocks[r0 + L + l] * al;
          s2 += blocks[r0 + 2 * L + l] * al;
          s3 += blocks[r0 + 3 * L + l] * al;
        }
        out[o + p] = s0;
        out[o + p + 1] = s1;
        out[o + p + 2] = s2;
        out[o + p + 3] = s3;
      }
      for (; p < P; p++) {
        const row = (i * P + p) * L;
        let acc = 0;
        for (let l = 0; l < L; l++) acc += blocks[row + l] * a[ao + l];
        out[o + p] = acc;
      }
    }
  }
  return out;
}

/** What every backend shares: moment sums formed on the host through its own weightedCross, float64 solves, the disposed check. */
export abstract class BackendBase implements KernelBackend {
  abstract readonly name: string;
  abstract readonly precision: Precision;
  protected disposed = false;
  private readonly scratch = new Scratch();
  /** Handles made by upload and not yet released. */
  private readonly residents = new Set<Resident>();

  abstract matmul(a: Float64Array, b: Operand, shape: MatmulShape): Promise<Float64Array>;
  abstract weightedCross(a: Float64Array, w: Float64Array, c: Float64Array, shape: WeightedCrossShape): Promise<Float64Array>;

  async upload(data: Float64Array): Promise<Resident> {
    this.assertLive();
    const handle: Resident = Object.freeze({ backend: this.name, data });
    await this.place(handle);
    this.residents.add(handle);
    return handle;
  }

  async release(handle: Resident): Promise<void> {
    if (!this.residents.delete(handle)) return;
    await this.free(handle);
  }

  /** Where a backend copies an uploaded operand to its memory (nothing by default: the host values serve). */
  protected async place(_handle: Resident): Promise<void> {}

  /** Free what place (or a later call) keeps for a handle. */
  protected async free(_handle: Resident): Promise<void> {}

  /** The handle of a resident operand (undefined for plain values), refused when released or another backend's. */
  protected resident(op: Operand): Resident | undefined {
    if (op instanceof Float64Array) return undefined;
    if (!this.residents.has(op)) throw new Error(`kernel backend ${this.name}: this resident operand was released, or uploaded to another backend instance (${op.backend})`);
    return op;
  }

  /** An operand's values. */
  protected values(op: Operand): Float64Array {
    return this.resident(op)?.data ?? (op as Float64Array);
  }

  /** out[b] = Σ_i w_bi g_bi g_biᵀ: the per-unit moments here, the weighted sums by weightedCross. */
  async momentCovariance(op: Operand, c: Float64Array, w: Float64Array, shape: MomentShape): Promise<Float64Array> {
    this.assertLive();
    const blocks = this.values(op);
    checkMoments(blocks, c, w, shape);
    const { batch, n, L } = shape;
    const g = unitMoments(blocks, c, w, shape, this.scratch.take('g', batch * n * L));
    return this.weightedCross(g, w, g, { batch, n, p: L, q: L });
  }

  /** Σ_i w_bi g_bi m_biᵀ by weightedCross, and the scores w_bi c_bᵀm_bi. */
  async momentProjections(op: Operand, c: Float64Array, a: Float64Array, w: Float64Array, shape: MomentShape): Promise<{ cross: Float64Array; scores: Float64Array }> {
    this.assertLive();
    const blocks = this.values(op);
    checkMoments(blocks, c, w, shape, a);
    const { batch, n, P, L } = shape;
    const g = unitMoments(blocks, c, w, shape, this.scratch.take('g', batch * n * L));
    const m = unitProjections(blocks, a, w, shape, this.scratch.take('m', batch * n * P));
    const scores = new Float64Array(batch * n);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let p = 0; p < P; p++) acc += c[b * P + p] * m[(b * n + i) * P + p];
        scores[b * n + i] = w[b * n + i] * acc;
      }
    const cross = await this.weightedCross(g, w, m, { batch, n, p: L, q: P });
    return { cross, scores };
  }

  /** Release what the backend holds (every resident operand); later calls are refused. */
  async dispose(): Promise<void> {
    for (const handle of [...this.residents]) await this.release(handle);
    this.disposed = true;
  }

  protected assertLive(): void {
    if (this.disposed) throw new Error(`kernel backend ${this.name} was disposed`);
  }
}
