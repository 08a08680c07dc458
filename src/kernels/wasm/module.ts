// The compiled kernel module (kernels.wat), compiled once per thread and shared by the float64-wasm
// backend and the WebAssembly Cholesky of linalg/weight-factor.ts; null where this runtime lacks
// WebAssembly SIMD.
import { KERNELS_WASM } from './kernels-wasm.ts';

let compiled: WebAssembly.Module | null | undefined;

export function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Uint8Array.from(Buffer.from(KERNELS_WASM, 'base64'));
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}
