// The WebAssembly kernel ships as bytes embedded in src/kernels/wasm/kernels-wasm.ts; they must be what
// kernels.wat compiles to, so that the reviewed source is the code that runs.
import { describe, expect, it } from 'vitest';
import { compileKernels } from '../src/kernels/wasm/build.ts';
import { KERNELS_WASM } from '../src/kernels/wasm/kernels-wasm.ts';

describe('float64-wasm kernel binary', () => {
  it('is exactly kernels.wat compiled (rebuild with npm run build:wasm after editing the source)', async () => {
    const compiled = await compileKernels();
    expect(Buffer.from(compiled).toString('base64')).toBe(KERNELS_WASM);
  });
});
