// Validation of a (batched) product's operands against its MatmulShape, shared by every backend so
// that all of them reject the same bad calls with the same message.
import type { MatmulShape } from './types.ts';

export interface CheckedShape {
  m: number;
  k: number;
  n: number;
  batch: number;
  transA: boolean;
  transB: boolean;
  sharedA: boolean;
  sharedB: boolean;
}

function dim(name: string, v: number | undefined, fallback?: number): number {
  const x = v ?? fallback;
  if (x === undefined || !Number.isInteger(x) || x < 0) throw new RangeError(`matmul: shape.${name} must be a non-negative integer, got ${String(v)}`);
  return x;
}

/** Normalise the shape and check that a and b hold exactly the elements it implies. */
export function checkMatmul(a: Float64Array, b: Float64Array, shape: MatmulShape): CheckedShape {
  const s: CheckedShape = {
    m: dim('m', shape.m),
    k: dim('k', shape.k),
    n: dim('n', shape.n),
    batch: dim('batch', shape.batch, 1),
    transA: shape.transA ?? false,
    transB: shape.transB ?? false,
    sharedA: shape.sharedA ?? false,
    sharedB: shape.sharedB ?? false,
  };
  const wantA = (s.sharedA ? 1 : s.batch) * s.m * s.k;
  const wantB = (s.sharedB ? 1 : s.batch) * s.k * s.n;
  if (a.length !== wantA) throw new RangeError(`matmul: a has ${a.length} elements, shape needs ${wantA} (${s.sharedA ? 1 : s.batch} × ${s.transA ? `${s.k}×${s.m}` : `${s.m}×${s.k}`})`);
  if (b.length !== wantB) throw new RangeError(`matmul: b has ${b.length} elements, shape needs ${wantB} (${s.sharedB ? 1 : s.batch} × ${s.transB ? `${s.n}×${s.k}` : `${s.k}×${s.n}`})`);
  return s;
}
