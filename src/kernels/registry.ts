// The kernel backends this process can use: which are present (and why not), their precision, and
// their measured speed; `auto` picks the fastest backend that meets the precision a job needs.
import { SpecError } from '../errors.ts';
import { ReferenceBackend } from './reference.ts';
import { TfjsBackend } from './tfjs-backend.ts';
import { WasmBackend, wasmSimdAvailable } from './wasm-backend.ts';
import type { TfjsFlavour } from './tfjs-engine.ts';
import type { KernelBackend, Precision } from './types.ts';

export interface BackendInfo {
  name: string;
  present: boolean;
  precision: Precision;
  /** Why the backend is not present. */
  reason?: string;
  /** What it runs on (adapter name, SIMD), when present. */
  detail?: string;
  /** GFLOP/s measured on one 512×512×512 product through the backend's matmul (conversions included). */
  gflops?: number;
}

interface Candidate {
  name: string;
  precision: Precision;
  flavour?: TfjsFlavour;
}

/** In order of preference when speeds tie. */
const CANDIDATES: Candidate[] = [
  { name: 'float64-ts', precision: 'float64' },
  { name: 'float64-wasm', precision: 'float64' },
  { name: 'tfjs-node-gpu', precision: 'float32', flavour: 'node-gpu' },
  { name: 'tfjs-node', precision: 'float32', flavour: 'node' },
  { name: 'tfjs-webgpu', precision: 'float32', flavour: 'webgpu' },
  { name: 'tfjs-wasm', precision: 'float32', flavour: 'wasm' },
  { name: 'tfjs-cpu', precision: 'float32', flavour: 'cpu' },
];

export const BACKEND_NAMES: readonly string[] = CANDIDATES.map((c) => c.name);

const MEASURE_SIZE = 512;

async function open(c: Candidate, options: { maxTensorElements?: number }): Promise<{ backend: KernelBackend; detail: string } | { reason: string }> {
  if (c.name === 'float64-wasm') {
    if (!wasmSimdAvailable()) return { reason: 'this runtime has no WebAssembly SIMD' };
    return { backend: new WasmBackend({ maxElements: options.maxTensorElements }), detail: 'WebAssembly SIMD f64x2 kernel, 1 thread' };
  }
  if (!c.flavour) return { backend: new ReferenceBackend(), detail: 'packed TypeScript GEMM, 1 thread' };
  const opened = await TfjsBackend.open(c.name, c.flavour, options);
  return 'reason' in opened ? opened : { backend: opened, detail: opened.detail };
}

/** Deterministic operands in [−1, 1) (a 32-bit LCG), so every measurement does the same work. */
function operand(size: number, seed: number): Float64Array {
  const x = new Float64Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

const measured = new Map<string, number>();

/** GFLOP/s of one n³ product: a warm-up call (shader compilation, JIT), then the best of up to three timed calls within ~0.5 s. */
async function measure(backend: KernelBackend): Promise<number> {
  const cached = measured.get(backend.name);
  if (cached !== undefined) return cached;
  const n = MEASURE_SIZE;
  const a = operand(n * n, 1);
  const b = operand(n * n, 2);
  await backend.matmul(a, b, { m: n, k: n, n });
  let best = Infinity;
  let spent = 0;
  for (let i = 0; i < 3 && (i === 0 || spent < 500); i++) {
    const t0 = performance.now();
    await backend.matmul(a, b, { m: n, k: n, n });
    const dt = performance.now() - t0;
    spent += dt;
    best = Math.min(best, dt);
  }
  const gflops = (2 * n * n * n) / (best * 1e6);
  measured.set(backend.name, gflops);
  return gflops;
}

/** The fastest float64 backend that needs no measuring: WebAssembly SIMD where the runtime has it. */
export function defaultFloat64Backend(): string {
  return wasmSimdAvailable() ? 'float64-wasm' : 'float64-ts';
}

/** Every known backend: present or why not, its precision, and (unless measure is false) its GFLOP/s. */
export async function listBackends(options: { measure?: boolean } = {}): Promise<BackendInfo[]> {
  const out: BackendInfo[] = [];
  for (const c of CANDIDATES) {
    const opened = await open(c, {});
    if ('reason' in opened) {
      out.push({ name: c.name, present: false, precision: c.precision, reason: opened.reason });
      continue;
    }
    const info: BackendInfo = { name: c.name, present: true, precision: c.precision, detail: opened.detail };
    try {
      if (options.measure !== false) info.gflops = await measure(opened.backend);
    } catch (err) {
      Object.assign(info, { present: false, reason: `failed its test product: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      await opened.backend.dispose();
    }
    out.push(info);
  }
  return out;
}

/**
 * A backend by name, or 'auto': the fastest present backend (measured once per process) whose
 * precision meets the job's need. A float64 need (the default: point estimates) admits only
 * float64 backends; a float32 need admits every backend. Unknown, absent or too-imprecise named
 * backends are a SpecError naming the option.
 */
export async function getBackend(name: 'auto' | string, need: { precision?: Precision; maxTensorElements?: number } = {}): Promise<KernelBackend> {
  const precision = need.precision ?? 'float64';
  const meets = (c: Candidate) => precision === 'float32' || c.precision === 'float64';
  const options = { maxTensorElements: need.maxTensorElements };
  if (name !== 'auto') {
    const c = CANDIDATES.find((x) => x.name === name);
    if (!c) throw new SpecError(`unknown backend '${name}'; known: auto, ${BACKEND_NAMES.join(', ')}`, 'backend');
    if (!meets(c)) throw new SpecError(`backend ${name} computes in float32 but this job needs float64; use float64-ts or auto`, 'backend');
    const opened = await open(c, options);
    if ('reason' in opened) throw new SpecError(`backend ${name} is not available here: ${opened.reason}`, 'backend');
    return opened.backend;
  }
  const present: KernelBackend[] = [];
  for (const c of CANDIDATES.filter(meets)) {
    const opened = await open(c, options);
    if (!('reason' in opened)) present.push(opened.backend);
  }
  if (present.length === 1) return present[0];
  let best: { backend: KernelBackend; gflops: number } | undefined;
  for (const backend of present) {
    const gflops = await measure(backend).catch(() => -1);
    if (gflops > (best?.gflops ?? -1)) {
      await best?.backend.dispose();
      best = { backend, gflops };
    } else {
      await backend.dispose();
    }
  }
  if (!best) throw new SpecError('no kernel backend is available', 'backend');
  return best.backend;
}
