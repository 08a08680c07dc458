// The compiled kernel module (kernels.wat), compiled once per thread; each user (the float64-wasm
// backend, the Cholesky of linalg/weight-factor.ts, the engine's pass and unit kernels, the CSV reader)
// runs it on an instance of its own, with its own memory. null where this runtime lacks WebAssembly SIMD.
import { KERNELS_WASM } from './kernels-wasm.ts';

let compiled: WebAssembly.Module | null | undefined;

export function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    // A runtime may have no WebAssembly at all (node --noexpose-wasm, some sandboxes): then the
    // TypeScript paths run, as without SIMD.
    const bytes = Uint8Array.from(Buffer.from(KERNELS_WASM, 'base64'));
    compiled = typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** A new instance of the module (its own memory), its exports as T, or null without the module. */
export function kernelInstance<T>(): T | null {
  const module = kernelModule();
  return module ? (new WebAssembly.Instance(module).exports as unknown as T) : null;
}

/** Grow `memory` by whole 64 KiB pages until it holds `bytes`; true when it grew (views of its old
 *  buffer are then detached: make them again). */
export function growMemory(memory: WebAssembly.Memory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return false;
  memory.grow(Math.ceil((bytes - have) / 65536));
  return true;
}

/** Consecutive arrays of these byte lengths in `memory` from byte `from`, each 8-byte aligned: their
 *  byte addresses and where the last ends, `memory` grown to hold them (views made before are then
 *  detached: make them afterwards). */
export function placeArrays(memory: WebAssembly.Memory, bytes: readonly number[], from = 0): { at: number[]; end: number } {
  let end = from;
  const at = bytes.map((b) => {
    const a = Math.ceil(end / 8) * 8;
    end = a + b;
    return a;
  });
  growMemory(memory, end);
  return { at, end };
}
