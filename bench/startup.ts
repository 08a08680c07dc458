// Start-up of the installed CLI (issue 10): the whole process, wall clock, minimum of 5 runs, for
//   node -e 0                                  (Node itself)
//   sysgmm --help                              (target < 0.15 s)
//   sysgmm estimate data/abdata.csv ... log 1  (Roodman 2009 §3.3's first model; target < 0.3 s)
// through the compiled bin (dist/, built by `npm run build`), and, for comparison, the same two
// commands from the TypeScript sources through tsx (how the bin ran before the build step).
//   npx tsx bench/startup.ts
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const RUNS = 5;
const MODEL = 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust';
const ESTIMATE = ['estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', MODEL];

if (!existsSync('dist/bin/main.js')) {
  process.stderr.write('bench/startup: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}

function best(args: string[]): number {
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const dt = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    min = Math.min(min, dt);
  }
  return min;
}

const tsx = ['--import', 'tsx', 'src/cli/main.ts'];
const rows: [string, number, string][] = [
  ['node -e 0', best(['-e', '0']), ''],
  ['sysgmm --help', best(['bin/sysgmm.mjs', '--help']), '< 0.15 s'],
  ['sysgmm estimate (abdata, log 1)', best(['bin/sysgmm.mjs', ...ESTIMATE]), '< 0.3 s'],
  ['  same from the sources via tsx: --help', best([...tsx, '--help']), ''],
  ['  same from the sources via tsx: estimate', best([...tsx, ...ESTIMATE]), ''],
];
process.stdout.write(`whole process, wall clock, minimum of ${RUNS} runs (node ${process.version})\n`);
for (const [name, s, target] of rows) process.stdout.write(`${name.padEnd(44)}${s.toFixed(3).padStart(7)} s  ${target}\n`);
