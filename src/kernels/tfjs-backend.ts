// A float32 kernel backend on one tfjs backend (wasm, webgpu, cpu, tensorflow): products in
// float32 on centred, power-of-two-scaled operands (float32-operands.ts), results returned as
// float64; solves in float64 on the CPU (precision contract). Every call runs under the tfjs engine
// lock and disposes of every tensor it made, except a resident operand's: an uploaded B of a product
// is kept on the device as its centred, scaled float32 tensor (made on first use, per layout) until
// released, so later products send only their A.
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { fillA, fillB, planFloat32, scatterC, tiles, type ColumnStats } from './float32-operands.ts';
import { checkMatmul } from './shape.ts';
import { acquireTfjs, loadTfjs, releaseTfjs, runOnTfjs, type TfjsFlavour } from './tfjs-engine.ts';
import { BackendBase } from './backend-base.ts';
import type { MatmulShape, Operand, Resident, WeightedCrossShape } from './types.ts';
import { checkWeightedCross, weightedCrossFloat64 } from './weighted-cross.ts';

/** A resident B on the device: its float32 tensor (k × cols) and the column statistics it was made with. */
interface DeviceB {
  tensor: Tensor2D;
  columns: ColumnStats;
}

export class TfjsBackend extends BackendBase {
  readonly precision = 'float32' as const;
  /** Per resident operand, its device tensors by product layout. */
  private readonly onDevice = new Map<Resident, Map<string, DeviceB>>();

  private constructor(
    readonly name: string,
    readonly tfName: string,
    /** What the backend runs on (adapter, SIMD), for listings. */
    readonly detail: string,
    /** Largest float32 tensor one tile of a product may use; bigger products are tiled. */
    readonly maxTensorElements: number,
    private readonly flavour: TfjsFlavour,
  ) {
    super();
    acquireTfjs(tfName);
  }

  /** The backend, or the reason it is not available in this process. */
  static async open(name: string, flavour: TfjsFlavour, options: { maxTensorElements?: number } = {}): Promise<TfjsBackend | { reason: string }> {
    const load = await loadTfjs(flavour);
    if (!load.ok) return { reason: load.reason };
    const limit = Math.min(load.maxTensorElements, options.maxTensorElements ?? Infinity);
    return new TfjsBackend(name, load.tfName, load.detail, limit, flavour);
  }

  async matmul(a: Float64Array, op: Operand, shape: MatmulShape): Promise<Float64Array> {
    this.assertLive();
    const handle = this.resident(op);
    const b = handle?.data ?? (op as Float64Array);
    const s = checkMatmul(a, b, shape);
    const c = new Float64Array(s.batch * s.m * s.n);
    if (c.length === 0 || s.k === 0) return c;
    const once = s.sharedA && s.sharedB; // one product, copied to every batch item
    // A resident B that is one matrix keeps its plan's column statistics and its tensor across calls.
    const key = handle && (s.sharedB || s.batch === 1) ? `${s.transB} ${s.k}×${s.n}` : undefined;
    const kept = key === undefined ? undefined : this.onDevice.get(handle!)?.get(key);
    const plan = planFloat32(a, b, once ? { ...s, batch: 1 } : s, kept?.columns);
    const k = plan.k;
    const parts = tiles(plan, this.maxTensorElements);
    await runOnTfjs(this.tfName, async (tf) => {
      if (key !== undefined && parts.length === 1) {
        // One tile (the whole product): B from the device, made there on first use.
        let device = kept;
        if (!device) {
          device = { tensor: tf.tensor2d(fillB(plan, b, 0, 1, 0, plan.cols), [k, plan.cols], 'float32'), columns: { colMean: plan.colMean, colScale: plan.colScale } };
          if (!this.onDevice.has(handle!)) this.onDevice.set(handle!, new Map());
          this.onDevice.get(handle!)!.set(key, device);
        }
        const bt = device.tensor;
        const product = tf.tidy(() => tf.matMul(tf.tensor2d(fillA(plan, a, 0, 1, 0, plan.rows), [plan.rows, k], 'float32'), bt));
        try {
          scatterC(plan, (await product.data()) as Float32Array, 0, 1, 0, plan.rows, 0, plan.cols, c);
        } finally {
          product.dispose();
        }
        return;
      }
      for (const t of parts) {
        const g = t.g1 - t.g0;
        const rows = t.r1 - t.r0;
        const cols = t.c1 - t.c0;
        const af = fillA(plan, a, t.g0, t.g1, t.r0, t.r1);
        const bf = fillB(plan, b, t.g0, t.g1, t.c0, t.c1);
        const product = tf.tidy(() =>
          g === 1
            ? tf.matMul(tf.tensor2d(af, [rows, k], 'float32'), tf.tensor2d(bf, [k, cols], 'float32'))
            : tf.matMul(tf.tensor3d(af, [g, rows, k], 'float32'), tf.tensor3d(bf, [g, k, cols], 'float32')),
        );
        try {
          scatterC(plan, (await product.data()) as Float32Array, t.g0, t.g1, t.r0, t.r1, t.c0, t.c1, c);
        } finally {
          product.dispose();
        }
      }
    });
    if (once) for (let i = 1; i < s.batch; i++) c.copyWithin(i * s.m * s.n, 0, s.m * s.n);
    return c;
  }

  /**
   * On the CPU flavours (wasm, cpu) the float64 loop, which skips zero weights and fills one triangle,
   * is faster than tfjs's batched small products (bench/kernels.ts: 0.9 GFLOP/s batched on wasm);
   * elsewhere the weights scale a on the host and the sums are one batched product aᵀc on the device.
   */
  async weightedCross(a: Float64Array, w: Float64Array, c: Float64Array, shape: WeightedCrossShape): Promise<Float64Array> {
    this.assertLive();
    if (this.flavour === 'wasm' || this.flavour === 'cpu') return weightedCrossFloat64(a, w, c, shape);
    checkWeightedCross(a, w, c, shape);
    const { batch, n, p, q } = shape;
    const aw = new Float64Array(a.length);
    for (let j = 0; j < batch * n; j++) for (let r = 0; r < p; r++) aw[j * p + r] = w[j] * a[j * p + r];
    const out = await this.matmul(aw, c, { batch, m: p, k: n, n: q, transA: true });
    if (a === c && p === q)
      for (let b = 0; b < batch; b++)
        for (let r = 0; r < p; r++)
          for (let k = 0; k < r; k++) {
            const i = b * p * p + r * p + k;
            const j = b * p * p + k * p + r;
            out[i] = out[j] = (out[i] + out[j]) / 2;
          }
    return out;
  }

  protected override async free(handle: Resident): Promise<void> {
    const kept = this.onDevice.get(handle);
    if (!kept) return;
    this.onDevice.delete(handle);
    await runOnTfjs(this.tfName, async () => {
      for (const d of kept.values()) d.tensor.dispose();
    });
  }

  override async dispose(): Promise<void> {
    if (this.disposed) return;
    await super.dispose();
    await releaseTfjs(this.tfName);
  }
}
