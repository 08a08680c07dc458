// The bootstrap hook of the GPU check (bench/gpu/check.ts runs it when build.sh bundled this file):
// B = 999 pairs bootstrap of two-step system GMM with Windmeijer errors on each named backend, at
// N = 285, T = 14 (~50 instruments) and N = 20,000, T = 10 (collapsed), with the float32 bootstrap
// SEs compared with float64-ts on the same draws.
import { bootstrapGmm, type BootstrapResult } from '../../src/bootstrap/run.ts';
import { getBackend } from '../../src/kernels/registry.ts';
import { parseXtabond2 } from '../../src/spec/parse.ts';
import { dynamicPanel } from '../dynamic-panel.ts';

const CASES = [
  { label: 'N=285 T=14', n: 285, T: 14, command: 'y L.y x, gmm(y, lag(2 2)) gmm(x, lag(1 1)) twostep robust' },
  { label: 'N=20000 T=10', n: 20000, T: 10, command: 'y L.y x, gmm(y x, lag(2 4) collapse) twostep robust' },
];
const REPS = 999;
const SEED = 1;

async function run(name: string, panel: ReturnType<typeof dynamicPanel>, command: string): Promise<{ seconds: number; result: BootstrapResult }> {
  const backend = await getBackend(name, { precision: 'float32' });
  try {
    const spec = parseXtabond2(command, panel.names());
    await bootstrapGmm(panel, spec, { reps: 5, seed: SEED + 1, backend });
    const t0 = performance.now();
    const result = await bootstrapGmm(panel, spec, { reps: REPS, seed: SEED, backend }, command);
    return { seconds: (performance.now() - t0) / 1000, result };
  } finally {
    await backend.dispose();
  }
}

export async function gpuBootstrapBench(backends: string[]): Promise<unknown> {
  const out: unknown[] = [];
  for (const c of CASES) {
    const panel = dynamicPanel(c.n, c.T, 20240611);
    const reference = await run('float64-ts', panel, c.command);
    const rows: unknown[] = [{ backend: 'float64-ts', threads: reference.result.threads, seconds: reference.seconds, repsPerSecond: REPS / reference.seconds, failed: reference.result.failed }];
    for (const name of backends.filter((b) => b !== 'float64-ts')) {
      try {
        const r = await run(name, panel, c.command);
        const worst = Math.max(...r.result.coefficients.map((k, j) => Math.abs(k.bootSe - reference.result.coefficients[j].bootSe) / reference.result.coefficients[j].bootSe));
        rows.push({ backend: name, threads: r.result.threads, seconds: r.seconds, repsPerSecond: REPS / r.seconds, speedupVsFloat64: reference.seconds / r.seconds, worstBootSeRelDiff: worst, failed: r.result.failed });
      } catch (e) {
        rows.push({ backend: name, error: String(e) });
      }
    }
    out.push({ case: c.label, command: c.command, reps: REPS, instruments: reference.result.fit.ninstruments, rows });
  }
  return out;
}
