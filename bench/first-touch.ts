// bench/first-touch: what writing to memory a process has not touched before costs on this machine,
// beside rewriting the same memory, in one run. Each large run (issue 9: N = 1M from CSV) writes its
// columns and per-unit blocks once, so on a machine where fresh memory is slow to provide, peak
// memory is time: this script gives the exchange rate (ms per MiB) that RESULTS.md uses.
//   npx tsx bench/first-touch.ts [--mib 400] [--repeat 3]
// Each repeat runs in a fresh child process (fresh address space); the child allocates one
// Float64Array of the given size, writes one double per 4 KiB page (first touch), then writes the
// same pages again (memory already provided), and reports both.
//   npx tsx bench/first-touch.ts --arena [--mib 28]   (run it with and without
//   GLIBC_TUNABLES=glibc.malloc.hugetlb=1, the setting of the CLI's huge-page child)
// --arena: the first touch of a block allocated on the main thread and of one allocated on a worker
// thread, each after the process freed a 30 MiB block (as the CSV reader does): glibc then serves
// blocks below that size from the allocating thread's arena, and a worker's arena does not get the
// huge pages (why src/gmm/threaded.ts allocates its workers' per-unit blocks itself).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';

const arg = (name: string, dflt: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : dflt;
};

/** Milliseconds to first-touch a fresh block of `mib` MiB, one write per 4 KiB page. */
function touchFresh(mib: number): number {
  const a = new Float64Array((mib * 2 ** 20) / 8);
  const t0 = performance.now();
  for (let i = 0; i < a.length; i += 512) a[i] = 1;
  return performance.now() - t0;
}

if (process.argv.includes('--arena-child')) {
  const mib = arg('--mib', 28);
  let freed: Float64Array | null = new Float64Array((30 * 2 ** 20) / 8);
  freed[0] = 1;
  freed = null;
  // Let V8 release the freed block (its backing store goes when the array is collected).
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const main = touchFresh(mib);
  const source = `const { parentPort, workerData } = require('node:worker_threads');
    const a = new Float64Array((workerData * 2 ** 20) / 8);
    const t0 = performance.now();
    for (let i = 0; i < a.length; i += 512) a[i] = 1;
    parentPort.postMessage(performance.now() - t0);`;
  const worker = new Worker(source, { eval: true, workerData: mib });
  const inWorker = await new Promise<number>((resolve) => worker.once('message', resolve));
  await worker.terminate();
  process.stdout.write(JSON.stringify({ main, worker: inWorker }) + '\n');
} else if (process.argv.includes('--arena')) {
  const mib = arg('--mib', 28);
  const repeat = arg('--repeat', 3);
  console.log(`first touch of ${mib} MiB after a 30 MiB block was freed, main thread and worker; GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? ''}; load average ${loadavg()[0].toFixed(2)}`);
  for (let k = 0; k < repeat; k++) {
    const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', process.argv[1], '--arena-child', '--mib', String(mib)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const { main, worker } = JSON.parse(r.stdout) as { main: number; worker: number };
    console.log(`  run ${k + 1}: allocated on the main thread ${main.toFixed(1)} ms, on a worker ${worker.toFixed(1)} ms`);
  }
} else if (process.argv.includes('--child')) {
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
