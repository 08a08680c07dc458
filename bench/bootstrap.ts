// Speed of the pairs bootstrap (issue 4): two-step system GMM with Windmeijer errors, every
// replication re-estimating the one-step fit, the two-step weight and the Windmeijer errors.
//   (a) N = 285, T = 14, B = 999, ~50 instruments: batched bootstrapGmm on each backend present vs
//       the naive loop (naiveBootstrap: build each resampled panel, call fitGmm), in one run, on the
//       same draws (clusterCounts with the same seed), checked to agree.
//   (b) N = 20,000, T = 10, B = 999 per backend, each in its own process (so peak RSS is its own).
// Panel: bench/dynamic-panel.ts (y = 0.5 L.y + x + a + e, x = 0.7 L.x + 0.5 a + u).
//   npx tsx bench/bootstrap.ts                    both parts
//   npx tsx bench/bootstrap.ts --part a [--naive-reps 999]
//   npx tsx bench/bootstrap.ts --part b [--backends float64-ts,tfjs-wasm]
//   npx tsx bench/bootstrap.ts --part first [--against DIR] [--repeat k] [--threads t] [--naive-reps k]
//       the default backend's first B = 999 call in a fresh process (after a 5-replication warm-up
//       call, as in (a)) and the 4th call after it, each run its own process; then (with
//       --naive-reps) the naive loop on k of the same draws, scaled to 999; with --against, the
//       same on another checkout (its src/, bench/ and test/helpers/), alternating with this one;
//       min–max printed
//   --command "<xtabond2 command over y, x>" replaces the model in either part
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bootstrapGmm, type BootstrapResult } from '../src/bootstrap/run.ts';
import { naiveBootstrap } from '../test/helpers/naive-bootstrap.ts';
import { clusterCounts } from '../src/bootstrap/draws.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { defaultFloat64Backend, getBackend, listBackends } from '../src/kernels/registry.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { dynamicPanel } from './dynamic-panel.ts';

// Uncollapsed, one lag each: 50 instruments at T = 14 (24 for y, 25 for x, the constant).
// --command replaces it (e.g. to see how the speed-up moves with the instrument count).
const COMMAND = process.argv.includes('--command') ? process.argv[process.argv.indexOf('--command') + 1] : 'y L.y x, gmm(y, lag(2 2)) gmm(x, lag(1 1)) twostep robust';
const REPS = 999;
const SEED = 1;
const PANEL_SEED = 20240611;

const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

async function presentBackends(): Promise<string[]> {
  return (await listBackends({ measure: false })).filter((b) => b.present).map((b) => b.name);
}

/** One batched bootstrap on an opened backend (opening, i.e. WASM load or adapter setup, not timed). */
async function timedBootstrap(name: string, panel: ReturnType<typeof dynamicPanel>, spec: ReturnType<typeof parseXtabond2>, reps: number, recentre: boolean): Promise<{ seconds: number; result: BootstrapResult }> {
  const backend = await getBackend(name, { precision: 'float32' });
  try {
    // Warm-up (JIT, shader compilation, tfjs kernel registration) on a few replications.
    await bootstrapGmm(panel, spec, { reps: 5, seed: SEED + 1, backend, recentre });
    const t0 = performance.now();
    const result = await bootstrapGmm(panel, spec, { reps, seed: SEED, backend, recentre }, COMMAND);
    return { seconds: (performance.now() - t0) / 1000, result };
  } finally {
    await backend.dispose();
  }
}

async function partA(): Promise<void> {
  const N = 285;
  const T = 14;
  const panel = dynamicPanel(N, T, PANEL_SEED);
  const spec = parseXtabond2(COMMAND, panel.names());
  const fit = await fitGmm(panel, spec, COMMAND);
  console.log(`## (a) N = ${N}, T = ${T}, B = ${REPS}: batched vs naive\n`);
  console.log(`Model: \`${COMMAND}\` — ${fit.ninstruments} instruments, ${fit.coefficients.length} coefficients, ${fit.nobs} observations; ` +
    `fit: ${fit.coefficients.map((c) => `${c.name} ${c.estimate.toFixed(4)} (${c.se.toFixed(4)})`).join(', ')}; Hansen χ²(${fit.hansen!.df}) = ${fit.hansen!.chi2.toFixed(2)}.\n`);

  const naiveReps = Number(arg('--naive-reps') ?? REPS);
  const counts = clusterCounts(SEED, REPS, N);
  await naiveBootstrap(panel, spec, counts, 5); // warm-up
  let t0 = performance.now();
  const naive = await naiveBootstrap(panel, spec, counts, naiveReps);
  const naiveMeasured = (performance.now() - t0) / 1000;
  const naiveSeconds = (naiveMeasured * REPS) / naiveReps;

  const rows: string[] = [];
  rows.push(`| naive loop (resample + fitGmm), float64 | ${naiveSeconds.toFixed(2)}${naiveReps < REPS ? ` (${naiveReps} timed: ${naiveMeasured.toFixed(2)} s, ×${(REPS / naiveReps).toFixed(2)})` : ''} | ${(REPS / naiveSeconds).toFixed(1)} | 1.0 | reference |`);
  // The default backend first: its row is the first batched call in this process (cold JIT and
  // worker threads, as a user's first bootstrap); the other backends then share the warmed code.
  const fallback = defaultFloat64Backend();
  const order = [fallback, ...(await presentBackends()).filter((b) => b !== fallback)];
  let f64: BootstrapResult | null = null;
  for (const name of order) {
    const { seconds, result } = await timedBootstrap(name, panel, spec, REPS, false);
    const K = result.coefficients.length;
    let agreement: string;
    if (name === fallback) {
      f64 = result;
      let worst = 0;
      for (let b = 0; b < naiveReps; b++) for (let k = 0; k < K; k++) worst = Math.max(worst, relErr(result.draws!.beta[b * K + k], naive[b].coefficients[k].estimate));
      agreement = `replication β vs naive: max rel. diff ${worst.toExponential(1)}`;
    } else {
      const worst = Math.max(...result.coefficients.map((c, k) => relErr(c.bootSe, f64!.coefficients[k].bootSe)));
      agreement = `bootstrap SEs vs ${fallback}: max rel. diff ${worst.toExponential(1)}`;
    }
    const failed = result.failed.singular + result.failed.nonFinite;
    const label = name === fallback ? `batched, ${name} (${result.precision}), the first call in this process` : `batched, ${name} (${result.precision})`;
    rows.push(`| ${label} | ${seconds.toFixed(2)} | ${(REPS / seconds).toFixed(1)} | ${(naiveSeconds / seconds).toFixed(1)} | ${agreement}${failed ? `; ${failed} failed` : ''} |`);
  }
  const rec = await timedBootstrap(fallback, panel, spec, REPS, true);
  rows.push(`| batched, ${fallback}, Hall–Horowitz recentred (the default) | ${rec.seconds.toFixed(2)} | ${(REPS / rec.seconds).toFixed(1)} | ${(naiveSeconds / rec.seconds).toFixed(1)} | bootstrap J p = ${rec.result.hansen?.bootstrapP.toFixed(3)} |`);
  // The worker threads stay pooled: later calls in the same process (a study's many columns, a Monte
  // Carlo loop) run on compiled code; the last of four more calls is reported.
  let again = await timedBootstrap(fallback, panel, spec, REPS, false);
  for (let call = 0; call < 3; call++) again = await timedBootstrap(fallback, panel, spec, REPS, false);
  rows.push(`| batched, ${fallback}, the 4th further call in the same process (${again.result.threads} threads) | ${again.seconds.toFixed(2)} | ${(REPS / again.seconds).toFixed(1)} | ${(naiveSeconds / again.seconds).toFixed(1)} | replications identical to the first ${fallback} row: ${[...again.result.draws!.beta].every((x, j) => x === f64!.draws!.beta[j])} |`);
  console.log('| method | seconds | replications/s | speed-up vs naive | check |');
  console.log('|---|---:|---:|---:|---|');
  for (const r of rows) console.log(r);
  console.log(`\nBatched rows: recentre off (the computation the naive loop does) unless stated; wall time of bootstrapGmm (blocks, original fit, draws, replications, summaries); each backend opened and given one 5-replication warm-up call first, as the naive loop gets 5 warm-up fits.`);
  const c0 = f64!.coefficients[0];
  console.log(`float64 bootstrap of ${c0.name}: boot SE ${c0.bootSe.toFixed(4)} vs Windmeijer ${c0.se.toFixed(4)}; percentile [${c0.percentile.low.toFixed(4)}, ${c0.percentile.high.toFixed(4)}].\n`);
}

async function bigCase(name: string): Promise<void> {
  const N = 20_000;
  const T = 10;
  const panel = dynamicPanel(N, T, PANEL_SEED);
  const spec = parseXtabond2(COMMAND, panel.names());
  const backend = await getBackend(name, { precision: 'float32' });
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await bootstrapGmm(panel, spec, { reps: REPS, seed: SEED, backend }, COMMAND);
  const seconds = (performance.now() - t0) / 1000;
  await backend.dispose();
  console.log(
    JSON.stringify({
      backend: name,
      precision: r.precision,
      seconds,
      instruments: r.fit.ninstruments,
      nobs: r.fit.nobs,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      rssBeforeMB: Math.round(rssBefore / 2 ** 20),
      failed: r.failed.singular + r.failed.nonFinite,
      bootSe: r.coefficients.map((c) => c.bootSe),
      se: r.coefficients.map((c) => c.se),
    }),
  );
}

async function partB(): Promise<void> {
  // float64 first (the reference for the float32 rows); rows print as each child finishes.
  const present = await presentBackends();
  const names = arg('--backends')?.split(',') ?? ['float64-ts', ...present.filter((b) => b !== 'float64-ts')];
  console.log(`## (b) N = 20,000, T = 10, B = ${REPS}, per backend (own process each)\n`);
  console.log('| backend | precision | seconds | replications/s | peak RSS (MiB) | failed | boot SEs vs float64 (max rel. diff) | load average at start |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  let ref: number[] | null = null;
  let model = '';
  for (const name of names) {
    const load = loadavg()[0].toFixed(2);
    const out = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--big', name, '--command', COMMAND], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = out.stdout.trim().split('\n').pop() ?? '';
    if (out.status !== 0 || !line.startsWith('{')) {
      console.log(`| ${name} | failed (exit ${out.status}): ${out.stderr.trim().split('\n').slice(-3).join(' / ')} | | | | | | ${load} |`);
      continue;
    }
    const r = JSON.parse(line) as { backend: string; precision: string; seconds: number; peakRssMB: number; failed: number; bootSe: number[]; instruments: number; nobs: number };
    if (r.backend === 'float64-ts') ref = r.bootSe;
    model = `\`${COMMAND}\` — ${r.instruments} instruments, ${r.nobs} observations`;
    const diff = r.backend === 'float64-ts' ? 'reference' : ref ? Math.max(...r.bootSe.map((s, k) => relErr(s, ref![k]))).toExponential(1) : 'no float64 run';
    console.log(`| ${r.backend} | ${r.precision} | ${r.seconds.toFixed(1)} | ${(REPS / r.seconds).toFixed(1)} | ${r.peakRssMB} | ${r.failed} | ${diff} | ${load} |`);
  }
  console.log(`\nModel: ${model}. Wall time of bootstrapGmm (recentred, the default), data generation and backend opening excluded; peak RSS = the whole child process (process.resourceUsage().maxRSS).\n`);
}

/** In this process: the first and the 4th later B = 999 call on `root`'s sources (see --part first). */
async function firstCall(root: string): Promise<void> {
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(resolve(root, path)).href)) as T;
  const { bootstrapGmm: boot } = await load<typeof import('../src/bootstrap/run.ts')>('src/bootstrap/run.ts');
  const { defaultFloat64Backend: fallback, getBackend: open } = await load<typeof import('../src/kernels/registry.ts')>('src/kernels/registry.ts');
  const { parseXtabond2: parse } = await load<typeof import('../src/spec/parse.ts')>('src/spec/parse.ts');
  const { dynamicPanel: generate } = await load<typeof import('./dynamic-panel.ts')>('bench/dynamic-panel.ts');
  const { naiveBootstrap: naive } = await load<typeof import('../test/helpers/naive-bootstrap.ts')>('test/helpers/naive-bootstrap.ts');
  const { clusterCounts: draws } = await load<typeof import('../src/bootstrap/draws.ts')>('src/bootstrap/draws.ts');
  const panel = generate(285, 14, PANEL_SEED);
  const spec = parse(COMMAND, panel.names());
  const threads = arg('--threads') ? Number(arg('--threads')) : undefined;
  const backend = await open(fallback(), { precision: 'float32' });
  const loadAtStart = loadavg()[0];
  await boot(panel, spec, { reps: 5, seed: SEED + 1, backend, recentre: false, threads });
  const seconds: number[] = [];
  const cpu: number[] = [];
  let beta = 0;
  for (let call = 0; call < 5; call++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await boot(panel, spec, { reps: REPS, seed: SEED, backend, recentre: false, threads }, COMMAND);
    const c = process.cpuUsage(c0);
    seconds.push((performance.now() - t0) / 1000);
    cpu.push((c.user + c.system) / 1e6);
    beta = r.draws!.beta.reduce((a, x) => a + x, 0);
  }
  await backend.dispose();
  let naiveSeconds = NaN;
  const naiveReps = Number(arg('--naive-reps') ?? 0);
  if (naiveReps > 0) {
    const counts = draws(SEED, REPS, 285);
    await naive(panel, spec, counts, 5); // warm-up, as in (a)
    const t0 = performance.now();
    await naive(panel, spec, counts, naiveReps);
    naiveSeconds = ((performance.now() - t0) / 1000) * (REPS / naiveReps);
  }
  console.log(JSON.stringify({ backend: backend.name, first: seconds[0], firstCpu: cpu[0], fourth: seconds[4], fourthCpu: cpu[4], loadAtStart, betaSum: beta, naiveSeconds }));
}

function partFirst(): void {
  const here = resolve(new URL('..', import.meta.url).pathname);
  const against = arg('--against') ? resolve(arg('--against')!) : null;
  const roots = against ? [here, against] : [here];
  const repeat = Number(arg('--repeat') ?? 3);
  const runs = new Map(roots.map((r) => [r, [] as { first: number; firstCpu: number; fourth: number; fourthCpu: number; loadAtStart: number; betaSum: number; backend: string; naiveSeconds: number }[]]));
  for (let k = 0; k < repeat; k++)
    for (const r of roots) {
      const extra = [...(arg('--threads') ? ['--threads', arg('--threads')!] : []), ...(arg('--naive-reps') ? ['--naive-reps', arg('--naive-reps')!] : [])];
      const out = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--first-call', r, ...extra], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (out.status !== 0) throw new Error(out.stderr);
      runs.get(r)!.push(JSON.parse(out.stdout.trim().split('\n').pop()!));
    }
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  console.log(`## First call in a process: N = 285, T = 14, B = ${REPS}, ${repeat} processes each${against ? ', alternating' : ''}\n`);
  console.log('| checkout | backend | first call, wall (s) | its CPU (s) | 4th later call, wall (s) | its CPU (s) | naive loop, 999 (s) | first call vs naive | load average at the starts | Σβ of the replications |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of roots) {
    const xs = runs.get(r)!;
    // Each process's naive loop over its own first call: the ratio the bench's (a) reports.
    const ratio = xs.every((x) => Number.isFinite(x.naiveSeconds)) ? `${spread(xs.map((x) => x.naiveSeconds / x.first))}×` : '—';
    const naiveCol = Number.isFinite(xs[0].naiveSeconds) ? spread(xs.map((x) => x.naiveSeconds)) : '—';
    console.log(`| ${r === here ? 'this checkout' : r} | ${xs[0].backend} | ${spread(xs.map((x) => x.first))} | ${spread(xs.map((x) => x.firstCpu))} | ${spread(xs.map((x) => x.fourth))} | ${spread(xs.map((x) => x.fourthCpu))} | ${naiveCol} | ${ratio} | ${spread(xs.map((x) => x.loadAtStart))} | ${xs[0].betaSum.toPrecision(15)} |`);
  }
}

const big = arg('--big');
if (big) await bigCase(big);
else if (arg('--first-call')) await firstCall(arg('--first-call')!);
else if (arg('--part') === 'first') partFirst();
else {
  const part = arg('--part');
  console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}\n`);
  if (part !== 'b') await partA();
  if (part !== 'a') await partB();
}
