// bench/first-touch: what writing to memory a process has not touched before costs on this machine,
// beside rewriting the same memory, in one run. Each large run (issue 9: N = 1M from CSV) writes its
// columns and per-unit blocks once, so on a machine where fresh memory is slow to provide, peak
// memory is time: this script gives the exchange rate (ms per MiB) that RESULTS.md uses.
//   npx tsx bench/first-touch.ts [--mib 400] [--repeat 3]
// Each repeat runs in a fresh child process (fresh address space); the child allocates one
// Float64Array of the given size, writes one double per 4 KiB page (first touch), then writes the
// same pages again (memory already provided), and reports both.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';

const arg = (name: string, dflt: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : dflt;
};

if (process.argv.includes('--child')) {
  const mib = arg('--mib', 400);
  const n = (mib * 2 ** 20) / 8;
  const a = new Float64Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 512) a[i] = 1;
  const t1 = performance.now();
  for (let i = 0; i < n; i += 512) a[i] = 2;
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ first: t1 - t0, again: t2 - t1 }) + '\n');
} else {
  const mib = arg('--mib', 400);
  const repeat = arg('--repeat', 3);
  console.log(`first touch of ${mib} MiB (one write per 4 KiB page), fresh child each time; load average ${loadavg()[0].toFixed(2)}`);
  for (let k = 0; k < repeat; k++) {
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child', '--mib', String(mib)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const { first, again } = JSON.parse(r.stdout) as { first: number; again: number };
    console.log(
      `  run ${k + 1}: first touch ${first.toFixed(0)} ms (${(first / mib).toFixed(2)} ms/MiB), same pages again ${again.toFixed(0)} ms (${(again / mib).toFixed(3)} ms/MiB): ${(first / again).toFixed(0)}×`,
    );
  }
}
