// The kernel backends this process can use: which are present (and why not), their precision, and
// their measured speed; `auto` picks the fastest backend that meets the precision a job needs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
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
  /** For an absent optional backend: the command that installs it, and what else it needs. */
  install?: string;
  needs?: string;
  /** What it runs on (adapter name, SIMD), when present. */
  detail?: string;
  /** GFLOP/s measured on one 512×512×512 product through the backend's matmul (conversions included). */
  gflops?: number;
  /** Replications a second on a batch of bootstrap kernel work (see Workload). */
  bootstrapRate?: number;
}

/**
 * A kernel backend as the registry knows it: registered by name, with its precision, its place in
 * the preference order when measured speeds tie (lower first), whether one worker thread per core
 * pays off on it ('per-core': it computes on the calling thread's CPU) or not ('single': a device, or
 * a library with threads of its own), and how to open it (or why it is absent, and how to get it).
 * The built-in backends register below; a program can add its own with registerBackend.
 */
export interface BackendRegistration {
  name: string;
  precision: Precision;
  priority: number;
  threading: 'per-core' | 'single';
  open(options: { maxTensorElements?: number }, isInstalled?: (pkg: string) => boolean): Promise<Opened>;
}

type Opened = { backend: KernelBackend; detail: string } | { reason: string; install?: string; needs?: string };

const registrations: BackendRegistration[] = [];

/** Add a backend (or replace one of the same name). */
export function registerBackend(r: BackendRegistration): void {
  const at = registrations.findIndex((x) => x.name === r.name);
  if (at >= 0) registrations.splice(at, 1);
  registrations.push(r);
  registrations.sort((a, b) => a.priority - b.priority);
}

/** Names of the registered backends, in preference order. */
export function backendNames(): string[] {
  return registrations.map((r) => r.name);
}

/** Whether the bootstrap should run one thread per core on the named backend. */
export function threadingOf(name: string): 'per-core' | 'single' {
  return registrations.find((r) => r.name === name)?.threading ?? 'single';
}

/** The versions the optional backends are declared and tested with (package.json peerDependencies). */
export const TFJS_VERSION = '4.22.0';
export const WEBGPU_VERSION = '0.6.2';

/** The packages a backend needs beyond the default install, and what else a user must know to get it. */
const OPTIONAL: Record<string, { packages: (tfjs: string) => string[]; note?: string }> = {
  'tfjs-node-gpu': {
    packages: (v) => [`@tensorflow/tfjs-core@${v}`, `@tensorflow/tfjs-node-gpu@${v}`],
    note:
      'Linux x86-64 with an NVIDIA GPU; tfjs-node-gpu 4.22 runs libtensorflow 2.9.1, which needs CUDA 11.2 and cuDNN 8.1 on the library path, and its install script downloads libtensorflow (the install fails where that download is blocked)',
  },
  'tfjs-node': {
    packages: (v) => [`@tensorflow/tfjs-core@${v}`, `@tensorflow/tfjs-node@${v}`],
    note: 'its install script downloads libtensorflow 2.9.1 for the CPU (the install fails where that download is blocked)',
  },
  'tfjs-webgpu': {
    packages: (v) => [`@tensorflow/tfjs-core@${v}`, `@tensorflow/tfjs-backend-webgpu@${v}`, `webgpu@${WEBGPU_VERSION}`],
    note: "runs on a GPU with a Vulkan driver (NVIDIA's own driver, or Mesa's for AMD and Intel)",
  },
  'tfjs-wasm': { packages: (v) => [`@tensorflow/tfjs-core@${v}`, `@tensorflow/tfjs-backend-wasm@${v}`] },
  'tfjs-cpu': { packages: (v) => [`@tensorflow/tfjs-core@${v}`, `@tensorflow/tfjs-backend-cpu@${v}`] },
};

const require = createRequire(import.meta.url);

/** Whether a package can be loaded from here (its package.json resolves). */
function installed(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** The tfjs version to install beside what is there: the installed tfjs-core's (backends must match it), else TFJS_VERSION. */
function tfjsVersion(isInstalled: (pkg: string) => boolean): string {
  if (!isInstalled('@tensorflow/tfjs-core')) return TFJS_VERSION;
  try {
    return (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
  } catch {
    return TFJS_VERSION;
  }
}

/** Why an optional backend is absent and how to get it, when one of its packages is not installed or (WebGPU) no Vulkan loader exists. */
export function absentBackend(name: string, isInstalled: (pkg: string) => boolean = installed): { reason: string; install: string; needs?: string } | undefined {
  const need = OPTIONAL[name];
  if (!need) return undefined;
  const packages = need.packages(tfjsVersion(isInstalled));
  const install = `npm i ${packages.join(' ')}`;
  const missing = packages.map((p) => p.slice(0, p.lastIndexOf('@'))).filter((p) => !isInstalled(p));
  if (missing.length) return { reason: `not installed (optional: ${missing.join(', ')})`, install, needs: need.note };
  if (name === 'tfjs-webgpu' && !vulkanLoaderFound())
    return { reason: 'no Vulkan loader (libvulkan.so.1) on this system', install: "apt install libvulkan1 (Debian, Ubuntu), or your distribution's Vulkan loader", needs: need.note };
  return undefined;
}

/** How to complete the install of an optional backend whose packages are present but do not load. */
export function repairInstall(name: string): { install: string; needs?: string } {
  const need = OPTIONAL[name];
  const packages = need.packages(tfjsVersion(installed));
  const native = packages.map((p) => p.slice(0, p.lastIndexOf('@'))).find((p) => p.startsWith('@tensorflow/tfjs-node'));
  const reinstall = `npm i ${packages.join(' ')}`;
  return { install: native ? `npm rebuild ${native} (its install script fetches the native library), or ${reinstall}` : reinstall, needs: need.note };
}

/**
 * Whether the Vulkan loader is in a standard library folder or LD_LIBRARY_PATH (Linux only; elsewhere
 * Dawn is asked). Without it Dawn can find no adapter and writes a native warning to stderr, so it is
 * not started at all.
 */
function vulkanLoaderFound(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/lib', '/usr/local/lib'];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

const MEASURE_SIZE = 512;

/** A tfjs-core backend: absent when its optional packages are not installed. */
function tfjs(name: string, flavour: TfjsFlavour, priority: number, threading: 'per-core' | 'single'): BackendRegistration {
  return {
    name,
    precision: 'float32',
    priority,
    threading,
    async open(options, isInstalled) {
      const absent = absentBackend(name, isInstalled);
      if (absent) return absent;
      const opened = await TfjsBackend.open(name, flavour, options);
      if (!('reason' in opened)) return { backend: opened, detail: opened.detail };
      // Installed but not loadable (tfjs-engine.ts says "did not load"): most often tfjs-node installed
      // without its install script, which fetches the native library; say how to complete it.
      return opened.reason.includes(' did not load: ') ? { ...opened, ...repairInstall(name) } : opened;
    },
  };
}

registerBackend({ name: 'float64-ts', precision: 'float64', priority: 0, threading: 'per-core', open: async () => ({ backend: new ReferenceBackend(), detail: 'packed TypeScript GEMM, 1 thread' }) });
registerBackend({
  name: 'float64-wasm',
  precision: 'float64',
  priority: 1,
  threading: 'per-core',
  async open(options) {
    if (!wasmSimdAvailable()) return { reason: 'this runtime has no WebAssembly SIMD' };
    return { backend: new WasmBackend({ maxElements: options.maxTensorElements }), detail: 'WebAssembly SIMD f64x2 kernel, 1 thread' };
  },
});
registerBackend(tfjs('tfjs-node-gpu', 'node-gpu', 2, 'single'));
registerBackend(tfjs('tfjs-node', 'node', 3, 'single'));
registerBackend(tfjs('tfjs-webgpu', 'webgpu', 4, 'single'));
registerBackend(tfjs('tfjs-wasm', 'wasm', 5, 'per-core'));
registerBackend(tfjs('tfjs-cpu', 'cpu', 6, 'single'));

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

/**
 * What `auto` measures a backend on: one 512³ product, or a batch of 32 bootstrap replications'
 * kernel work (the sums W·blocks, the moment covariance and the Windmeijer sums) on
 * a synthetic model shaped like the bench's (285 units, 50 instruments, 3 regressors), its blocks
 * uploaded once as the bootstrap uploads them.
 */
export type Workload = 'product' | 'bootstrap';

const measured = new Map<string, number>();

/** Best time of `run` in ms: a warm-up call (shader compilation, JIT), then up to three timed calls within ~0.5 s. */
async function bestTime(run: () => Promise<unknown>): Promise<number> {
  await run();
  let best = Infinity;
  let spent = 0;
  for (let i = 0; i < 3 && (i === 0 || spent < 500); i++) {
    const t0 = performance.now();
    await run();
    const dt = performance.now() - t0;
    spent += dt;
    best = Math.min(best, dt);
  }
  return best;
}

/** Best time (ms) of one batch of bootstrap kernel work on a synthetic model (see Workload). */
async function bootstrapTime(backend: KernelBackend): Promise<number> {
  const [batch, n, L, P] = [32, 285, 50, 4];
  const blocks = await backend.upload(operand(n * P * L, 3));
  const zw = await backend.upload(operand(n * L * P, 4));
  const w = Float64Array.from(operand(batch * n, 5), (x) => Math.floor(2 * (x + 1))); // counts 0–3
  const c = operand(batch * P, 6);
  const a = operand(batch * L, 7);
  const shape = { batch, n, P, L };
  try {
    return await bestTime(async () => {
      await backend.matmul(w, zw, { m: batch, k: n, n: L * P });
      await backend.momentCovariance(blocks, c, w, shape);
      await backend.momentProjections(blocks, c, a, w, shape);
    });
  } finally {
    await backend.release(blocks);
    await backend.release(zw);
  }
}

/** The backend's speed on the workload: GFLOP/s of the product, or replications a second. */
async function measure(backend: KernelBackend, workload: Workload = 'product'): Promise<number> {
  const key = `${backend.name}:${workload}`;
  const cached = measured.get(key);
  if (cached !== undefined) return cached;
  let speed: number;
  if (workload === 'bootstrap') speed = (32 * 1000) / (await bootstrapTime(backend));
  else {
    const n = MEASURE_SIZE;
    const a = operand(n * n, 1);
    const b = operand(n * n, 2);
    speed = (2 * n * n * n) / ((await bestTime(() => backend.matmul(a, b, { m: n, k: n, n }))) * 1e6);
  }
  measured.set(key, speed);
  return speed;
}

/** The speed `auto` measured for a backend and workload in this process, if it did. */
export function measuredSpeed(name: string, workload: Workload): number | undefined {
  return measured.get(`${name}:${workload}`);
}

/** The fastest float64 backend that needs no measuring: WebAssembly SIMD where the runtime has it. */
export function defaultFloat64Backend(): string {
  return wasmSimdAvailable() ? 'float64-wasm' : 'float64-ts';
}

/**
 * Every known backend: present or why not, its precision, and (unless measure is false) its GFLOP/s.
 * isInstalled replaces the check that a package is installed (tests use it to mock absences).
 */
export async function listBackends(options: { measure?: boolean; isInstalled?: (pkg: string) => boolean } = {}): Promise<BackendInfo[]> {
  const out: BackendInfo[] = [];
  for (const c of [...registrations]) {
    const opened = await c.open({}, options.isInstalled);
    if ('reason' in opened) {
      out.push({ name: c.name, present: false, precision: c.precision, ...opened });
      continue;
    }
    const info: BackendInfo = { name: c.name, present: true, precision: c.precision, detail: opened.detail };
    try {
      if (options.measure !== false) {
        info.gflops = await measure(opened.backend);
        info.bootstrapRate = await measure(opened.backend, 'bootstrap');
      }
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
 * A backend by name, or 'auto': the fastest present backend on the job's workload (measured once per
 * process) whose precision meets the job's need. A float64 need (the default: point estimates) admits only
 * float64 backends; a float32 need admits every backend. Unknown, absent or too-imprecise named
 * backends are a SpecError naming the option.
 */
export async function getBackend(name: 'auto' | string, need: { precision?: Precision; maxTensorElements?: number; workload?: Workload } = {}): Promise<KernelBackend> {
  const precision = need.precision ?? 'float64';
  const meets = (c: BackendRegistration) => precision === 'float32' || c.precision === 'float64';
  const options = { maxTensorElements: need.maxTensorElements };
  if (name !== 'auto') {
    const c = registrations.find((x) => x.name === name);
    if (!c) throw new SpecError(`unknown backend '${name}'; known: auto, ${backendNames().join(', ')}`, 'backend');
    if (!meets(c))
      throw new SpecError(`backend ${name} computes in float32 but this job needs float64; use ${['auto', ...registrations.filter(meets).map((r) => r.name)].join(', ')}`, 'backend');
    const opened = await c.open(options);
    if ('reason' in opened) throw new SpecError(`backend ${name} is not available here: ${opened.reason}${'install' in opened && opened.install ? `; to add it: ${opened.install}` : ''}`, 'backend');
    return opened.backend;
  }
  const present: KernelBackend[] = [];
  for (const c of registrations.filter(meets)) {
    const opened = await c.open(options);
    if (!('reason' in opened)) present.push(opened.backend);
  }
  if (present.length === 1) return present[0];
  let best: { backend: KernelBackend; speed: number } | undefined;
  for (const backend of present) {
    const speed = await measure(backend, need.workload).catch(() => -1);
    if (speed > (best?.speed ?? -1)) {
      await best?.backend.dispose();
      best = { backend, speed };
    } else {
      await backend.dispose();
    }
  }
  if (!best) throw new SpecError('no kernel backend is available', 'backend');
  return best.backend;
}
