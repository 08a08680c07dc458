// The float64 TypeScript backend ('float64-ts'): always present, the reference every other backend
// is tested against. Products run on the packed GEMM of gemm.ts, solves on dense.ts's Cholesky.
import { gemmStrided, type StridedOperand } from './gemm.ts';
import { checkMatmul } from './shape.ts';
import { BackendBase } from './backend-base.ts';
import type { MatmulShape, Operand, WeightedCrossShape } from './types.ts';
import { weightedCrossFloat64 } from './weighted-cross.ts';

/** Batched op(A[b]) · op(B[b]) in float64, synchronous; the body of the reference backend. */
export function matmulFloat64(a: Float64Array, b: Float64Array, shape: MatmulShape): Float64Array {
  const s = checkMatmul(a, b, shape);
  const { m, k, n, batch } = s;
  const c = new Float64Array(batch * m * n);
  if (batch === 0) return c;
  const opA: StridedOperand = { data: a, offset: s.sharedA ? () => 0 : (i) => i * m * k, rs: s.transA ? 1 : k, cs: s.transA ? m : 1 };
  const opB: StridedOperand = { data: b, offset: s.sharedB ? () => 0 : (i) => i * k * n, rs: s.transB ? 1 : n, cs: s.transB ? k : 1 };
  if (s.sharedA && s.sharedB) {
    gemmStrided(1, m, n, k, opA, opB, { data: c, offset: () => 0, rs: n, cs: 1 }, true);
    for (let i = 1; i < batch; i++) c.copyWithin(i * m * n, 0, m * n);
  } else if (s.sharedA && batch > 1) {
    // C[b]ᵀ = op(B[b])ᵀ · op(A)ᵀ: the shared operand moves to the right, where it is packed once.
    const bt: StridedOperand = { data: b, offset: opB.offset, rs: opB.cs, cs: opB.rs };
    const at: StridedOperand = { data: a, offset: () => 0, rs: opA.cs, cs: opA.rs };
    gemmStrided(batch, n, m, k, bt, at, { data: c, offset: (i) => i * m * n, rs: 1, cs: n }, true);
  } else {
    gemmStrided(batch, m, n, k, opA, opB, { data: c, offset: (i) => i * m * n, rs: n, cs: 1 }, s.sharedB);
  }
  return c;
}

export class ReferenceBackend extends BackendBase {
  readonly name: string = 'float64-ts';
  readonly precision = 'float64' as const;

  async matmul(a: Float64Array, b: Operand, shape: MatmulShape): Promise<Float64Array> {
    this.assertLive();
    return matmulFloat64(a, this.values(b), shape);
  }

  async weightedCross(a: Float64Array, w: Float64Array, c: Float64Array, shape: WeightedCrossShape): Promise<Float64Array> {
    this.assertLive();
    return weightedCrossFloat64(a, w, c, shape);
  }
}
