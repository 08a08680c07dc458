// The kernel interface: the few heavy operations of estimation and the bootstrap, implemented by
// every backend (float64 TypeScript reference; float32 tfjs on wasm, webgpu, node). Matrices are
// row-major Float64Array; float32 backends convert at the boundary.

/** Shape of a (batched) product C[b] = op(A[b]) · op(B[b]), each C[b] m×n, inner dimension k. */
export interface MatmulShape {
  m: number;
  k: number;
  n: number;
  /** Number of products; default 1. */
  batch?: number;
  /** A[b] is stored k×m and used transposed. */
  transA?: boolean;
  /** B[b] is stored n×k and used transposed. */
  transB?: boolean;
  /** A is one matrix shared by every product of the batch. */
  sharedA?: boolean;
  /** B is one matrix shared by every product of the batch. */
  sharedB?: boolean;
}

export type Precision = 'float64' | 'float32';

/** Shape of weightedCross: `batch` sums over `n` units of p×q outer products. */
export interface WeightedCrossShape {
  batch: number;
  n: number;
  p: number;
  q: number;
}

/**
 * Shape of the bootstrap's moment sums: `batch` replications over `n` units, unit i's block P×L
 * (the transpose of Z_i'[y_i X_i], blocks laid out n×P×L).
 */
export interface MomentShape {
  batch: number;
  n: number;
  P: number;
  L: number;
}

/**
 * An operand placed once where a backend computes and passed again, in place of its values, to later
 * calls: the bootstrap's per-unit blocks, the same for every batch of replications, which a device
 * backend then keeps in device memory instead of receiving them with every batch. Made by `upload`,
 * usable only on the backend that made it, until `release` (or the backend's `dispose`). The caller
 * leaves `data` unchanged while the handle lives.
 */
export interface Resident {
  /** The backend that made the handle. */
  readonly backend: string;
  readonly data: Float64Array;
}

/** Values, or a handle to values uploaded before. */
export type Operand = Float64Array | Resident;

export interface KernelBackend {
  /** 'float64-ts', 'tfjs-wasm', 'tfjs-webgpu', 'tfjs-node', 'tfjs-cpu', ... */
  readonly name: string;
  readonly precision: Precision;
  /** Place values that later calls will read again (see Resident); one copy, kept until released. */
  upload(data: Float64Array): Promise<Resident>;
  /** Free what an upload holds; the handle is refused afterwards. */
  release(handle: Resident): Promise<void>;
  /**
   * Batched matrix product; weighted sums of per-unit blocks are products W (B×N) · blocks (N×m),
   * the blocks (b) possibly resident.
   */
  matmul(a: Float64Array, b: Operand, shape: MatmulShape): Promise<Float64Array>;
  /**
   * Batched weighted sums of per-unit outer products: out[b] (p×q) = Σ_i w[b,i] · a[b,i,·] c[b,i,·]ᵀ,
   * with a laid out batch×n×p, c batch×n×q and w batch×n. Passing the same array as a and c (p = q)
   * asks for a symmetric result (the bootstrap's moment covariance Σ_i w_i g_i g_iᵀ).
   */
  weightedCross(a: Float64Array, w: Float64Array, c: Float64Array, shape: WeightedCrossShape): Promise<Float64Array>;
  /**
   * The pairs bootstrap's moment covariance, a weighted sum of per-unit outer products whose factors
   * come from per-unit blocks: with g_bi = Σ_p c[b,p]·blocks[i,p,·] (L values),
   * out[b] (L×L, symmetric) = Σ_i w[b,i]·g_bi g_biᵀ; c is batch×P, w batch×n.
   */
  momentCovariance(blocks: Operand, c: Float64Array, w: Float64Array, shape: MomentShape): Promise<Float64Array>;
  /**
   * The Windmeijer sums of the same replications for vectors a (batch×L): with m_bi = blocks[i]·a_b
   * (P values), cross[b] (L×P) = Σ_i w[b,i]·g_bi m_biᵀ and scores[b,i] = w[b,i]·c_bᵀm_bi.
   */
  momentProjections(blocks: Operand, c: Float64Array, a: Float64Array, w: Float64Array, shape: MomentShape): Promise<{ cross: Float64Array; scores: Float64Array }>;
  /** Release device memory, if any (every resident operand included). */
  dispose(): Promise<void>;
}
