// Access to tfjs's one engine. tfjs keeps a single global engine per process with one active
// backend at a time (tf.setBackend); tensors made while another backend is active would move
// between backends behind our back. So every kernel call on a tfjs backend runs under one lock that
// first activates its backend, creates its tensors, reads its results and disposes of them: several
// tfjs kernel backends (say tfjs-wasm and tfjs-webgpu) coexist in one process, their calls
// serialised, never interleaved. Constraint: other code in the same process must not switch the
// tfjs backend or keep tensors of its own on these backends (use runOnTfjs for that).
// The tfjs packages are loaded lazily, so a process that never asks for them never pays for them,
// and the optional tfjs-node(-gpu) are found at run time by dynamic import.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Tf = typeof import('@tensorflow/tfjs-core');

export type TfjsFlavour = 'wasm' | 'cpu' | 'webgpu' | 'node' | 'node-gpu';

export type TfjsLoad =
  | { ok: true; tfName: string; detail: string; maxTensorElements: number }
  | { ok: false; reason: string };

/** Largest float32 tensor one product tile may use (2^25 values, 128 MiB) unless a device says less. */
const DEFAULT_MAX_TENSOR_ELEMENTS = 2 ** 25;

let tfCore: Promise<Tf> | undefined;
function core(): Promise<Tf> {
  tfCore ??= import('@tensorflow/tfjs-core').then((tf) => {
    tf.env().set('PROD', true); // silences tfjs's console banners (e.g. "install tfjs-node") on our stdout/stderr
    return tf;
  });
  return tfCore;
}

let tail: Promise<unknown> = Promise.resolve();
/** Run fn alone: no other tfjs kernel call starts until it settles. */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = tail.then(fn, fn);
  tail = run.catch(() => undefined);
  return run;
}

/** Run fn with tfjs's active backend set to tfName, under the engine lock. */
export function runOnTfjs<T>(tfName: string, fn: (tf: Tf) => Promise<T>): Promise<T> {
  return exclusive(async () => {
    const tf = await core();
    if (tf.getBackend() !== tfName && !(await tf.setBackend(tfName))) throw new Error(`tfjs backend '${tfName}' failed to initialise`);
    return fn(tf);
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

function missing(err: unknown, pkg: string): boolean {
  const code = (err as { code?: string }).code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message(err).includes(pkg);
}

/** tf.setBackend, with a missing registration (a package that did not register) read as failure. */
async function initialises(tf: Tf, tfName: string): Promise<boolean> {
  try {
    return await tf.setBackend(tfName);
  } catch {
    return false;
  }
}

async function loadWasm(tf: Tf): Promise<TfjsLoad> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm did not load: ${message(err)}` };
  }
  // In Node the .wasm binaries are read from the package's own dist/ folder (a file path, not a URL).
  const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  wasm.setWasmPaths(join(dirname(pkg), 'dist') + '/');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // Node has no Blob-URL workers: one thread
  if (!(await initialises(tf, 'wasm'))) return { ok: false, reason: 'tfjs wasm backend failed to initialise (.wasm binary not loadable)' };
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { ok: true, tfName: 'wasm', detail: `${simd ? 'SIMD' : 'no SIMD'}, 1 thread`, maxTensorElements: DEFAULT_MAX_TENSOR_ELEMENTS };
}

async function loadCpu(tf: Tf): Promise<TfjsLoad> {
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (err) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-cpu did not load: ${message(err)}` };
  }
  if (!(await initialises(tf, 'cpu'))) return { ok: false, reason: 'tfjs cpu backend failed to initialise' };
  return { ok: true, tfName: 'cpu', detail: 'plain JavaScript', maxTensorElements: DEFAULT_MAX_TENSOR_ELEMENTS };
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

/** navigator.gpu, made from Dawn (the `webgpu` package) in Node, as tfjs-backend-webgpu expects. */
async function webgpuEntry(): Promise<{ gpu: GpuLike } | { reason: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu };
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (err) {
    return { reason: `the webgpu package (Dawn for Node) did not load: ${message(err)}` };
  }
  // GPUBufferUsage, GPUMapMode, ... are globals in a browser; tfjs-backend-webgpu uses them so.
  for (const [key, value] of Object.entries(dawn.globals)) if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  const gpu = dawn.create([]) as unknown as GpuLike;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return { gpu };
}

async function loadWebgpu(tf: Tf): Promise<TfjsLoad> {
  const entry = await webgpuEntry();
  if ('reason' in entry) return { ok: false, reason: entry.reason };
  const adapter = await entry.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { ok: false, reason: "no WebGPU adapter: no GPU with a Vulkan driver was found (install your GPU's Vulkan driver: NVIDIA's own driver, or Mesa's for AMD and Intel; `vulkaninfo --summary` lists what Vulkan sees)" };
  try {
    await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' now that navigator.gpu exists
  } catch (err) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-webgpu did not load: ${message(err)}` };
  }
  tf.env().set('WEBGPU_CPU_FORWARD', false); // every op on the device, even small ones
  if (!(await initialises(tf, 'webgpu'))) return { ok: false, reason: 'tfjs webgpu backend failed to initialise a device on the adapter' };
  const i = adapter.info ?? {};
  const detail = [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(' ') || 'unnamed adapter';
  const limitBytes = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
  return { ok: true, tfName: 'webgpu', detail, maxTensorElements: Math.min(DEFAULT_MAX_TENSOR_ELEMENTS, Math.floor(limitBytes / 4)) };
}

/** Which flavour registered tfjs's 'tensorflow' backend: tfjs-node and tfjs-node-gpu both claim that name. */
let tensorflowOwner: TfjsFlavour | undefined;

async function loadNode(tf: Tf, flavour: 'node' | 'node-gpu'): Promise<TfjsLoad> {
  const pkg = flavour === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  if (tensorflowOwner && tensorflowOwner !== flavour) return { ok: false, reason: `tfjs's 'tensorflow' backend is already provided by tfjs-${tensorflowOwner}` };
  try {
    await import(/* optional, detected at run time */ pkg as string);
  } catch (err) {
    return { ok: false, reason: missing(err, pkg) ? `${pkg} is not installed (optional)` : `${pkg} did not load: ${message(err)}` };
  }
  tensorflowOwner = flavour;
  if (!(await initialises(tf, 'tensorflow'))) return { ok: false, reason: `${pkg} loaded but its 'tensorflow' backend failed to initialise` };
  return { ok: true, tfName: 'tensorflow', detail: `libtensorflow via ${pkg}`, maxTensorElements: DEFAULT_MAX_TENSOR_ELEMENTS };
}

const loads = new Map<TfjsFlavour, Promise<TfjsLoad>>();

/** Load a flavour's packages once per process and check that its backend initialises. */
export function loadTfjs(flavour: TfjsFlavour): Promise<TfjsLoad> {
  let p = loads.get(flavour);
  if (!p) {
    p = exclusive(async () => {
      const tf = await core();
      switch (flavour) {
        case 'wasm':
          return loadWasm(tf);
        case 'cpu':
          return loadCpu(tf);
        case 'webgpu':
          return loadWebgpu(tf);
        case 'node':
        case 'node-gpu':
          return loadNode(tf, flavour);
      }
    });
    loads.set(flavour, p);
  }
  return p;
}

const leases = new Map<string, number>();

/** Count a live kernel backend on tfName. */
export function acquireTfjs(tfName: string): void {
  leases.set(tfName, (leases.get(tfName) ?? 0) + 1);
}

/**
 * Drop one live kernel backend on tfName; with the last one gone, tfjs's backend is disposed (its
 * WASM heap or GPU device freed) and its factory registered again, so a later acquire starts afresh.
 */
export function releaseTfjs(tfName: string): Promise<void> {
  const left = (leases.get(tfName) ?? 0) - 1;
  leases.set(tfName, Math.max(0, left));
  if (left > 0) return Promise.resolve();
  return exclusive(async () => {
    if ((leases.get(tfName) ?? 0) > 0) return;
    const tf = await core();
    const factory = tf.findBackendFactory(tfName);
    if (!factory || !(tfName in tf.engine().registry)) return;
    tf.removeBackend(tfName);
    tf.registerBackend(tfName, factory);
  });
}

/** Live tensors in tfjs's engine (all backends): the leak check of the tests. Read from the engine's
 * state, as tf.memory() throws while no backend is active (as after the last lease is released). */
export async function tfjsTensorCount(): Promise<number> {
  return (await core()).engine().state.numTensors;
}
