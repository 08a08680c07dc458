// A float32 kernel backend on one tfjs backend (wasm, webgpu, cpu, tensorflow): products in
// float32 on centred, power-of-two-scaled operands (float32-operands.ts), results returned as
// float64; solves in float64 on the CPU (precision contract). Every call runs under the tfjs engine
// lock and disposes of every tensor it made.
import { fillA, fillB, planFloat32, scatterC, tiles } from './float32-operands.ts';
import { checkMatmul } from './shape.ts';
import { acquireTfjs, loadTfjs, releaseTfjs, runOnTfjs, type TfjsFlavour } from './tfjs-engine.ts';
import { BackendBase } from './backend-base.ts';
import type { MatmulShape, WeightedCrossShape } from './types.ts';
import { checkWeightedCross, weightedCrossFloat64 } from './weighted-cross.ts';

export class TfjsBackend extends BackendBase {
  readonly precision = 'float32' as const;

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

  async matmul(a: Float64Array, b: Float64Array, shape: MatmulShape): Promise<Float64Array> {
    this.assertLive();
    const s = checkMatmul(a, b, shape);
    const c = new Float64Array(s.batch * s.m * s.n);
    if (c.length === 0 || s.k === 0) return c;
    const once = s.sharedA && s.sharedB; // one product, copied to every batch item
    const plan = planFloat32(a, b, once ? { ...s, batch: 1 } : s);
    const k = plan.k;
    await runOnTfjs(this.tfName, async (tf) => {
      for (const t of tiles(plan, this.maxTensorElements)) {
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

  override async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await releaseTfjs(this.tfName);
  }
}
