// Batched symmetric positive definite solves in float64 (Cholesky, dense.ts); every backend uses
// this one, as the precision contract asks for float64 solves.
import { cholesky, choleskySolve } from '../linalg/dense.ts';
import { checkSolve } from './shape.ts';

/**
 * X[b] = A[b]⁻¹ R[b] for b < batch. An item whose A[b] is not numerically positive definite (the
 * Cholesky factorisation meets a pivot not above relTol times its diagonal entry, or not above 0) gets NaN in its whole block, so that the caller
 * counts it as failed or redoes it with a pseudo-inverse; it never gets a silent wrong number.
 */
export function solveSymmetricBatch(a: Float64Array, r: Float64Array, n: number, rhs: number, batch: number, relTol = 0): Float64Array {
  checkSolve(a, r, n, rhs, batch);
  const out = new Float64Array(batch * n * rhs);
  const nn = n * n;
  const nr = n * rhs;
  for (let b = 0; b < batch; b++) {
    const l = cholesky(a.subarray(b * nn, (b + 1) * nn), n, relTol);
    if (l === null) {
      out.fill(NaN, b * nr, (b + 1) * nr);
      continue;
    }
    out.set(choleskySolve(l, r.subarray(b * nr, (b + 1) * nr), n, rhs), b * nr);
  }
  return out;
}
