// The GPU check a session lent a device machine runs once (bench/gpu/run.sh; bundled by build.sh):
//   1. the WebGPU adapter Dawn finds, and every backend present with its 512³ GFLOP/s;
//   2. tfjs-webgpu's float32 products (every shape flag, the bootstrap shape) against float64;
//   3. the bootstrap's batched products timed on tfjs-webgpu against the CPU backends;
//   4. HOOK: the bootstrap itself, when build.sh found bench/bootstrap/gpu.ts and bundled it.
// Writes gpu-check.json and gpu-check.md into the folder given by --out (the device tool's $OUT).
// Exit status 0 when tfjs-webgpu is present and every accuracy check passes.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getBackend, listBackends, type BackendInfo } from '../../src/kernels/registry.ts';
import { matmulFloat64 } from '../../src/kernels/reference.ts';
import type { MatmulShape } from '../../src/kernels/types.ts';
import { batchedCase, bootstrapCase, relError, squareCase, timeProduct, values, type ProductCase } from '../kernel-cases.ts';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outDir = outAt >= 0 && args[outAt + 1] ? args[outAt + 1] : 'gpu-out';
const budgetMs = Number(process.env.GPU_CHECK_BUDGET_S ?? 480) * 1000;
const t0 = performance.now();
const elapsed = () => performance.now() - t0;
const log = (s: string) => process.stderr.write(`[${(elapsed() / 1000).toFixed(1)} s] ${s}\n`);

interface AccuracyRow {
  shape: string;
  k: number;
  relError: number;
  bound: number;
  pass: boolean;
}
interface TimingRow {
  backend: string;
  product: string;
  gflops?: number;
  ms?: number;
  relError?: number;
  note?: string;
}
const summary: {
  host: { cpus: number; cpuModel: string; memGiB: number; node: string };
  backends: BackendInfo[];
  accuracy: AccuracyRow[];
  timings: TimingRow[];
  bootstrap?: unknown;
  notes: string[];
  seconds?: number;
} = {
  host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  backends: [],
  accuracy: [],
  timings: [],
  notes: [],
};

// 1. Adapter and backends.
summary.backends = await listBackends();
for (const b of summary.backends) log(`${b.name}: ${b.present ? `${b.detail}, ${b.gflops?.toFixed(1)} GFLOP/s (512³), ${b.bootstrapRate?.toFixed(0)} bootstrap replications/s` : `absent: ${b.reason}`}`);
const webgpu = summary.backends.find((b) => b.name === 'tfjs-webgpu' && b.present);

// 2. Accuracy of float32 WebGPU products against float64 (bound 1e-5·√k, as in test/kernels.test.ts).
if (webgpu) {
  const gpu = await getBackend('tfjs-webgpu', { precision: 'float32' });
  const shapes: MatmulShape[] = [];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      shapes.push({ m: 67, k: 301, n: 45, transA, transB });
      for (const sharedA of [false, true]) for (const sharedB of [false, true]) shapes.push({ m: 67, k: 301, n: 45, batch: 7, transA, transB, sharedA, sharedB });
    }
  }
  const cases: ProductCase[] = shapes.map((s, i) => {
    const batch = s.batch ?? 1;
    const label = `${s.m}×${s.k}×${s.n} batch ${batch}${s.transA ? ' transA' : ''}${s.transB ? ' transB' : ''}${s.sharedA ? ' sharedA' : ''}${s.sharedB ? ' sharedB' : ''}`;
    return { label, shape: s, a: values((s.sharedA ? 1 : batch) * s.m * s.k, 10 + i, 0.3), b: values((s.sharedB ? 1 : batch) * s.k * s.n, 50 + i, -0.2) };
  });
  cases.push(bootstrapCase(999, 285, 600));
  for (const c of cases) {
    const err = relError(await gpu.matmul(c.a, c.b, c.shape), matmulFloat64(c.a, c.b, c.shape));
    const bound = 1e-5 * Math.sqrt(c.shape.k);
    summary.accuracy.push({ shape: c.label, k: c.shape.k, relError: err, bound, pass: err <= bound });
  }
  await gpu.dispose();
  log(`accuracy: ${summary.accuracy.filter((r) => r.pass).length}/${summary.accuracy.length} within 1e-5·√k`);
} else {
  summary.notes.push('tfjs-webgpu absent: no accuracy check, no GPU timings');
}

// 3. Timings: the bootstrap's products per backend (tfjs-cpu left out: ~0.5 GFLOP/s).
const timed = summary.backends.filter((b) => b.present && b.name !== 'tfjs-cpu').map((b) => b.name);
const products: ProductCase[] = [squareCase(2048), bootstrapCase(999, 285, 2500), bootstrapCase(999, 20000, 600), batchedCase(999, 50, 50, 8)];
for (const c of products) {
  let reference: Float64Array | undefined;
  for (const name of timed) {
    if (elapsed() > budgetMs * 0.75) {
      summary.timings.push({ backend: name, product: c.label, note: 'not run: time budget' });
      continue;
    }
    const backend = await getBackend(name, { precision: 'float32' });
    try {
      const { ms, gflops, result } = await timeProduct(backend, c);
      reference ??= name === 'float64-ts' ? result : matmulFloat64(c.a, c.b, c.shape);
      summary.timings.push({ backend: name, product: c.label, gflops, ms, relError: relError(result, reference) });
      log(`${name} ${c.label}: ${gflops.toFixed(2)} GFLOP/s, ${ms.toFixed(0)} ms`);
    } catch (err) {
      summary.timings.push({ backend: name, product: c.label, note: `failed: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      await backend.dispose();
    }
  }
}

// 4. HOOK (bootstrap): build.sh bundles bench/bootstrap/gpu.ts, when it exists, into gpu-bootstrap.mjs
// beside this bundle. Its contract: `export async function gpuBootstrapBench(backends: string[]):
// Promise<unknown>` runs the B = 999 pairs bootstrap on each named backend and returns a JSON-able summary.
const hook = join(dirname(fileURLToPath(import.meta.url)), 'gpu-bootstrap.mjs');
if (existsSync(hook)) {
  if (elapsed() > budgetMs * 0.8) summary.notes.push('bootstrap hook present but not run: time budget');
  else {
    log('running the bootstrap hook');
    const mod = (await import(pathToFileURL(hook).href)) as { gpuBootstrapBench: (backends: string[]) => Promise<unknown> };
    summary.bootstrap = await mod.gpuBootstrapBench(timed);
  }
} else {
  summary.notes.push('no bootstrap hook bundled (bench/bootstrap/gpu.ts absent at build time)');
}

summary.seconds = Math.round(elapsed() / 100) / 10;
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'gpu-check.json'), JSON.stringify(summary, null, 2) + '\n');
const md = [
  '# GPU check (bench/gpu)',
  '',
  `Host: ${summary.host.cpus} × ${summary.host.cpuModel}, ${summary.host.memGiB} GiB, Node ${summary.host.node}; ${summary.seconds} s.`,
  '',
  '| backend | precision | present | GFLOP/s (512³) | bootstrap replications/s (kernel work, 1 thread) | runs on / why absent |',
  '|---|---|---|---:|---:|---|',
  ...summary.backends.map((b) => `| ${b.name} | ${b.precision} | ${b.present ? 'yes' : 'no'} | ${b.gflops?.toFixed(1) ?? ''} | ${b.bootstrapRate?.toFixed(0) ?? ''} | ${(b.present ? b.detail : b.reason) ?? ''} |`),
  '',
  `Accuracy, tfjs-webgpu against float64 (bound 1e-5·√k): ${summary.accuracy.length ? `${summary.accuracy.filter((r) => r.pass).length}/${summary.accuracy.length} pass, worst ${Math.max(...summary.accuracy.map((r) => r.relError)).toExponential(1)}` : 'not run'}.`,
  '',
  '| backend | product | GFLOP/s | ms | rel. error |',
  '|---|---|---:|---:|---:|',
  ...summary.timings.map((t) => `| ${t.backend} | ${t.product} | ${t.gflops?.toFixed(2) ?? t.note ?? ''} | ${t.ms?.toFixed(0) ?? ''} | ${t.relError?.toExponential(1) ?? ''} |`),
  '',
  ...summary.notes.map((n) => `- ${n}`),
  '',
].join('\n');
writeFileSync(join(outDir, 'gpu-check.md'), md);
process.stdout.write(md);
process.exit(webgpu && summary.accuracy.every((r) => r.pass) ? 0 : 1);
