// Kernel speed and float32 accuracy on the bootstrap's shapes, per backend present:
//   npx tsx bench/kernels.ts [--quick] [--no-write]
// W (B×N) multinomial counts times per-unit blocks (N×m) is the weighted sum of blocks that every
// bootstrap replication needs; the error column is the float32 result against the float64 one.
// Writes the section "## Kernels (bench/kernels)" of bench/RESULTS.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { getBackend, listBackends } from '../src/kernels/registry.ts';
import { matmulFloat64 } from '../src/kernels/reference.ts';
import { batchedCase, bootstrapCase, relError, squareCase, timeProduct, type ProductCase } from './kernel-cases.ts';

const quick = process.argv.includes('--quick');
// tfjs-cpu (~0.5 GFLOP/s) runs only the small products.
const cases: Array<ProductCase & { slow?: boolean }> = [
  squareCase(512),
  { ...bootstrapCase(999, 285, 2500), slow: true },
  ...(quick ? [] : [{ ...bootstrapCase(999, 20000, 600), slow: true }]),
  batchedCase(999, 50, 50, 8),
];

const started = new Date();
const load = loadavg()[0];
const infos = await listBackends({ measure: false });
const present = infos.filter((i) => i.present);
const references = cases.map((c) => matmulFloat64(c.a, c.b, c.shape));
const rows: string[] = [];
for (const info of present) {
  const backend = await getBackend(info.name, { precision: 'float32' });
  for (const [ci, c] of cases.entries()) {
    if (c.slow && info.name === 'tfjs-cpu') {
      rows.push(`| ${info.name} | ${c.label} | not run (too slow) | | |`);
      continue;
    }
    const { ms, gflops, result } = await timeProduct(backend, c);
    const err = info.name === 'float64-ts' ? 'reference' : relError(result, references[ci]).toExponential(1);
    rows.push(`| ${info.name} | ${c.label} | ${gflops.toFixed(2)} | ${ms.toFixed(0)} | ${err} |`);
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
  await backend.dispose();
}

const absent = infos.filter((i) => !i.present).map((i) => `${i.name} (${i.reason})`);
const section = [
  '## Kernels (bench/kernels)',
  '',
  `\`npx tsx bench/kernels.ts${quick ? ' --quick' : ''}\`, ${started.toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, load average ${load.toFixed(1)} at the start (machine shared with other sessions: timings are noisy).`,
  "One warm-up call, then one timed call through the backend's `matmul` (float64 ↔ float32 conversion, centring and scaling included).",
  'Relative error: largest |C − C₆₄| over largest |C₆₄|, against the float64-ts result.',
  '',
  '| backend | product | GFLOP/s | ms | rel. error |',
  '|---|---|---:|---:|---:|',
  ...rows,
  '',
  `Present: ${present.map((i) => `${i.name} (${i.detail})`).join('; ')}.`,
  `Absent: ${absent.join('; ') || 'none'}.`,
  ...(present.some((i) => /llvmpipe|lavapipe/i.test(i.detail ?? ''))
    ? ['tfjs-webgpu ran on lavapipe (Mesa\'s CPU Vulkan driver): that checks the WebGPU code path, its speed says nothing about a GPU (bench/gpu/ measures one).']
    : []),
  '',
].join('\n');
process.stdout.write(section);

if (!process.argv.includes('--no-write')) {
  const path = new URL('./RESULTS.md', import.meta.url);
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const start = old.indexOf('## Kernels (bench/kernels)');
  const next = start < 0 ? -1 : old.indexOf('\n## ', start + 1);
  const updated = start < 0 ? old.replace(/\n*$/, '\n\n') + section : old.slice(0, start) + section + (next >= 0 ? old.slice(next) : '');
  writeFileSync(path, updated);
}
