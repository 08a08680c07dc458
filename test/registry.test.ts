// The backend registry is open: a backend registers itself with its precision, preference and
// threading, and everything that picks or lists backends (getBackend, listBackends, the bootstrap's
// thread count) asks the registry instead of naming backends.
import { describe, expect, it } from 'vitest';
import { defaultThreads } from '../src/bootstrap/parallel.ts';
import { backendNames, getBackend, listBackends, registerBackend, threadingOf } from '../src/kernels/registry.ts';
import { ReferenceBackend } from '../src/kernels/reference.ts';
import { availableParallelism } from 'node:os';

class DeviceLike extends ReferenceBackend {
  override readonly name: string = 'test-device';
}

describe('backend registry', () => {
  it('built-ins are registered in preference order with their threading', () => {
    expect(backendNames().slice(0, 2)).toEqual(['float64-ts', 'float64-wasm']);
    expect(threadingOf('float64-wasm')).toBe('per-core');
    expect(threadingOf('tfjs-webgpu')).toBe('single');
    expect(threadingOf('no-such-backend')).toBe('single');
  });

  it('a registered backend is listed, opened by name, and its threading decides the bootstrap threads', async () => {
    registerBackend({ name: 'test-device', precision: 'float64', priority: 99, threading: 'single', open: async () => ({ backend: new DeviceLike(), detail: 'a test double' }) });
    expect(backendNames().at(-1)).toBe('test-device');
    const info = (await listBackends({ measure: false })).find((i) => i.name === 'test-device');
    expect(info).toMatchObject({ present: true, precision: 'float64', detail: 'a test double' });
    const b = await getBackend('test-device');
    expect(b.name).toBe('test-device');
    expect(defaultThreads(b)).toBe(1);
    const wasm = await getBackend('float64-wasm');
    expect(defaultThreads(wasm)).toBe(availableParallelism());
    await Promise.all([b.dispose(), wasm.dispose()]);
    // An absent backend says why; a float32 one is refused for a float64 job, naming the alternatives.
    registerBackend({ name: 'test-absent', precision: 'float32', priority: 100, threading: 'single', open: async () => ({ reason: 'no such device here', install: 'npm i test-absent' }) });
    await expect(getBackend('test-absent', { precision: 'float32' })).rejects.toThrow(/test-absent is not available here: no such device here; to add it: npm i test-absent/);
    await expect(getBackend('test-absent')).rejects.toThrow(/computes in float32 but this job needs float64; use auto, float64-ts, float64-wasm/);
  });
});
