// Benchmark of the many-model workloads (issue 12): the Monte Carlo plan of the issue (α ∈ {0.5, 0.8,
// 0.9} × N ∈ {100, 500} × T ∈ {4, 8} = 12 designs; DIF2, SYS2, SYS2c; both VCEs (with and without
// `robust`) from one robust fit) and a robustness grid on the bundled city panel (5 lag windows × collapse ×
// steps × 5 control sets × 10 samples = 1,000 specifications, a pairs bootstrap of B replications
// each), through the local executor and through Slurm. Wall time of each whole command (tasks,
// summaries, tables, figures); the run folders stay under --dir.
//   npx tsx bench/workloads.ts [--reps 1000] [--samples 10] [--B 199] [--executor local,slurm] [--jobs J] [--dir /tmp/sysgmm-bench-workloads]
// --samples k keeps the first k samples of the grid (100 specifications each).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const reps = Number(opt('reps', '1000'));
const samples = Number(opt('samples', '10'));
const B = Number(opt('B', '199'));
const executors = opt('executor', 'local,slurm').split(',');
const jobs = opt('jobs', String(availableParallelism()));
const dir = opt('dir', '/tmp/sysgmm-bench-workloads');

const plan = {
  dgp: { model: 'ar1', alpha: [0.5, 0.8, 0.9], N: [100, 500], T: [4, 8], sigmaEta: 1, sigmaV: 1, initial: 'stationary' },
  estimators: {
    DIF2: 'xtabond2 y L.y, gmm(y, lag(2 .)) nolevel twostep robust',
    SYS2: 'xtabond2 y L.y, gmm(y, lag(2 .)) twostep robust',
    SYS2c: 'xtabond2 y L.y, gmm(y, lag(2 .) collapse) twostep robust',
  },
  reps,
  seed: 20261206,
  alpha_level: 0.05,
  repsPerTask: 50,
};

const SAMPLES: Record<string, string | null> = {
  all: null,
  coastal: 'coastal == 1',
  inland: 'coastal == 0',
  'from 2005': 'year >= 2005',
  'to 2014': 'year <= 2014',
  'from 2008': 'year >= 2008',
  'to 2012': 'year <= 2012',
  'coastal from 2008': 'coastal == 1 & year >= 2008',
  'inland from 2008': 'coastal == 0 & year >= 2008',
  'no 2008-09': 'year < 2008 | year > 2009',
};
const grid = {
  template: 'xtabond2 pm25 L.pm25 {controls}, gmm(L.pm25, {lags} {collapse}) iv({controls}) {steps} robust',
  axes: {
    lags: ['lag(1 .)', 'lag(1 2)', 'lag(1 3)', 'lag(2 .)', 'lag(2 3)'],
    collapse: ['', 'collapse'],
    steps: ['', 'twostep'],
    controls: ['secondary', 'secondary gdppc', 'secondary gdppc popden', 'secondary gdppc popden fdi', 'secondary gdppc popden fdi tech'],
  },
  samples: Object.fromEntries(Object.entries(SAMPLES).slice(0, samples)),
  focus: ['L.pm25', 'secondary'],
};

mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan, null, 1));
writeFileSync(join(dir, 'grid.json'), JSON.stringify(grid, null, 1));

function timed(label: string, argv: string[]): void {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', ...argv, '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}): ${r.stderr}`);
  console.log(`${label.padEnd(44)} ${s.toFixed(1).padStart(8)} s`);
}

console.log(`# ${cpus().length} CPUs (${cpus()[0]?.model}); Monte Carlo: 12 designs × 3 estimators × ${reps} reps = ${36 * reps} estimator fits (both VCEs of each from one robust fit); grid: ${100 * samples} specifications, B = ${B}`);
for (const ex of executors) {
  const extra = ex === 'local' ? ['--jobs', jobs] : ['--executor', 'slurm'];
  const mc = join(dir, `mc-${ex}`);
  rmSync(mc, { recursive: true, force: true });
  timed(`montecarlo, ${ex}`, ['montecarlo', join(dir, 'plan.json'), '--out', mc, ...extra]);
  const g = join(dir, `grid-${ex}`);
  rmSync(g, { recursive: true, force: true });
  timed(`grid, ${ex}`, ['grid', 'data/city_panel.csv', '--id', 'city', '--time', 'year', '--grid', join(dir, 'grid.json'), '--out', g, '--bootstrap', String(B), '--per-task', '20', ...extra]);
}
