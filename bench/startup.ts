// Start-up of the installed CLI (issue 10): the whole process, wall clock, minimum of 5 runs, for
//   node -e 0                                  (Node itself)
//   sysgmm --help                              (target < 0.15 s)
//   sysgmm estimate data/abdata.csv ... log 1  (Roodman 2009 §3.3's first model; target < 0.3 s)
// through the compiled bin (dist/, built by `npm run build`; `estimate` runs the CommonJS bundle with V8's
// code cache, bin/cli-script.mjs), and, for comparison, `estimate` through the ES module chunks the other
// commands run (dist/bin/main.js, no code cache) and the same two commands from the TypeScript sources
// through tsx (how the bin ran before the build step).
// Beside the wall clock: the process's CPU seconds (user + system, read at exit by a one-line
// --import hook, the same for every row), steadier than the wall clock on a busy machine.
//   npx tsx bench/startup.ts
//   npx tsx bench/startup.ts --against DIR   the bin rows also for another built checkout, alternating
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';

const RUNS = 5;
const MODEL = 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust';
const ESTIMATE = ['estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', MODEL];
const CPU_AT_EXIT = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\nsysgmm-bench-cpu '+(u.user+u.system)/1e6+'\\n')})`;
const argv = process.argv.slice(2);
const against = argv.includes('--against') ? resolve(argv[argv.indexOf('--against') + 1]) : undefined;

for (const dir of ['.', ...(against ? [against] : [])])
  if (!existsSync(join(dir, 'dist/bin/main.js'))) {
    process.stderr.write(`bench/startup: ${dir}/dist/ is missing; run \`npm run build\` there first\n`);
    process.exit(1);
  }

interface Best {
  wall: number;
  cpu: number;
}

function once(args: string[]): Best {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_AT_EXIT, ...args], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return { wall, cpu: Number(/sysgmm-bench-cpu (\S+)/.exec(r.stderr)?.[1] ?? NaN) };
}

/** Minimum of RUNS runs of each command, the commands taking turns. */
function best(commands: string[][]): Best[] {
  const out = commands.map(() => ({ wall: Infinity, cpu: Infinity }));
  for (let i = 0; i < RUNS; i++)
    commands.forEach((args, k) => {
      const r = once(args);
      out[k].wall = Math.min(out[k].wall, r.wall);
      out[k].cpu = Math.min(out[k].cpu, r.cpu);
    });
  return out;
}

const bin = (dir: string) => join(dir, 'bin/sysgmm.mjs');
const tsx = ['--import', 'tsx', 'src/cli/main.ts'];
const rows: [string, string[], string][] = [
  ['node -e 0', ['-e', '0'], ''],
  ['sysgmm --help', [bin('.'), '--help'], '< 0.15 s'],
  ['sysgmm estimate (abdata, log 1)', [bin('.'), ...ESTIMATE], '< 0.3 s'],
  ['  same through the ES module chunks (no cache)', ['dist/bin/main.js', ...ESTIMATE], ''],
  ...(against
    ? ([
        [`  against ${against}: --help`, [bin(against), '--help'], ''],
        [`  against ${against}: estimate`, [bin(against), ...ESTIMATE], ''],
      ] as [string, string[], string][])
    : ([
        ['  same from the sources via tsx: --help', [...tsx, '--help'], ''],
        ['  same from the sources via tsx: estimate', [...tsx, ...ESTIMATE], ''],
      ] as [string, string[], string][])),
];
const load = loadavg()[0];
const results = best(rows.map((r) => r[1]));
process.stdout.write(`whole process, minimum of ${RUNS} runs, rows taking turns (node ${process.version}; load average ${load.toFixed(2)} at the start)\n`);
process.stdout.write(`${''.padEnd(44)}   wall      CPU\n`);
rows.forEach(([name, , target], k) =>
  process.stdout.write(`${name.padEnd(44)}${results[k].wall.toFixed(3).padStart(7)} s${results[k].cpu.toFixed(3).padStart(7)} s  ${target}\n`),
);
