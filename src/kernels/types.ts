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

export interface KernelBackend {
  /** 'float64-ts', 'tfjs-wasm', 'tfjs-webgpu', 'tfjs-node', 'tfjs-cpu', ... */
  readonly name: string;
  readonly precision: Precision;
  /** Batched matrix product; weighted sums of per-unit blocks are products W (B×N) · blocks (N×m). */
  matmul(a: Float64Array, b: Float64Array, shape: MatmulShape): Promise<Float64Array>;
  /**
   * Batched weighted sums of per-unit outer products: out[b] (p×q) = Σ_i w[b,i] · a[b,i,·] c[b,i,·]ᵀ,
   * with a laid out batch×n×p, c batch×n×q and w batch×n. Passing the same array as a and c (p = q)
   * asks for a symmetric result (the bootstrap's moment covariance Σ_i w_i g_i g_iᵀ).
   */
  weightedCross(a: Float64Array, w: Float64Array, c: Float64Array, shape: WeightedCrossShape): Promise<Float64Array>;
  /**
   * Batched solves A[b] X[b] = R[b] with A[b] n×n symmetric positive definite and R[b] n×rhs, by
   * Cholesky. Always carried out in float64 (precision contract: solve in float64). An item whose
   * A[b] is not numerically positive definite gets NaN in its whole X[b] block: the caller counts it
   * as failed or redoes that item with a pseudo-inverse (semidefinite A has no unique solution).
   */
  solveSymmetric(a: Float64Array, r: Float64Array, n: number, rhs: number, batch: number): Promise<Float64Array>;
  /** Release device memory, if any. */
  dispose(): Promise<void>;
}
