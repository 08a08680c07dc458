// The WebAssembly kernel ships as bytes embedded in src/kernels/wasm/xty-wasm.ts; they must be what
// xty.wat compiles to, so that the reviewed source is the code that runs.
import { describe, expect, it } from 'vitest';
import { compileXty } from '../src/kernels/wasm/build.ts';
import { XTY_WASM } from '../src/kernels/wasm/xty-wasm.ts';

describe('float64-wasm kernel binary', () => {
  it('is exactly xty.wat compiled (rebuild with npm run build:wasm after editing the source)', async () => {
    const compiled = await compileXty();
    expect(Buffer.from(compiled).toString('base64')).toBe(XTY_WASM);
  });
});
