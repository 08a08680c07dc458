// bench/csv-read: the CSV → Arrow table → Panel path of `sysgmm estimate`, side by side with another
// checkout (issue 9's whole-process targets start with this read).
//   npx tsx bench/csv-read.ts [--n 1000000] [--against DIR] [--repeat 3] [--dist] [--threads K]
// Reads bench/estimate's generated panel (id, year, y, x; shortest round-trip decimals; T = 10;
// run `npx tsx bench/estimate.ts --csv --n N` once to write it) in a fresh child process per run, so
// that each peak RSS is its own; with --against, the other checkout's src/ is read the same way,
// alternating with this one. Prints wall and CPU seconds of readTable and of Panel.fromTable (the
// fastest of 3 calls in the process), as min–max over the repeats, peak RSS, and the one-minute
// load average before each run. --dist reads through each checkout's compiled dist/ (`npm run build`
// first) instead of its sources: from the sources, each of the threaded reader's workers
// (src/data/csv-parallel.ts) would start tsx. --threads K sets SYSGMM_CSV_THREADS for the children
// (1: the one-thread reader; default: the reader's own choice).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Run {
  readWall: number;
  readCpu: number;
  panelWall: number;
  panelCpu: number;
  peakMiB: number;
  load: number;
}

async function child(root: string, file: string, dist: boolean): Promise<void> {
  const module = (path: string): string => pathToFileURL(join(root, dist ? `dist/${path}.js` : `src/${path}.ts`)).href;
  const { readTable } = await import(module('data/read'));
  const { Panel } = await import(module('panel/panel'));
  const cpu = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1e6;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const table = await readTable(file);
  const c1 = process.cpuUsage(c0);
  const t1 = performance.now();
  // Panel.fromTable three times on the same table: the fastest of them (the first also warms the JIT).
  let panelWall = Infinity;
  let panelCpu = Infinity;
  for (let k = 0; k < 3; k++) {
    const c = process.cpuUsage();
    const t = performance.now();
    const panel = Panel.fromTable(table, { id: 'id', time: 'year' });
    panelCpu = Math.min(panelCpu, cpu(process.cpuUsage(c)));
    panelWall = Math.min(panelWall, (performance.now() - t) / 1000);
    if (panel.nrows !== table.numRows) throw new Error('rows lost');
  }
  const run: Omit<Run, 'load'> = {
    readWall: (t1 - t0) / 1000,
    readCpu: cpu(c1),
    panelWall,
    panelCpu,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(run));
}

function measure(root: string, file: string, dist: boolean, threads: string | undefined): Run {
  const load = loadavg()[0];
  const env = threads === undefined ? process.env : { ...process.env, SYSGMM_CSV_THREADS: threads };
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', root, file, ...(dist ? ['--dist'] : [])];
  const res = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  if (res.status !== 0) throw new Error(`child failed: ${res.stderr}`);
  return { ...JSON.parse(res.stdout.trim().split('\n').pop()!), load };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], argv[2], argv.includes('--dist'));
  const opt = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const n = Number(opt('--n', '1000000'));
  const repeat = Number(opt('--repeat', '3'));
  const against = argv.includes('--against') ? resolve(opt('--against', '')) : undefined;
  const dist = argv.includes('--dist');
  const threads = argv.includes('--threads') ? opt('--threads', '') : undefined;
  const file = join(tmpdir(), `sysgmm-bench-estimate-${n}.csv`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsx bench/estimate.ts --csv --n ${n}\` once to write it`);
  const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const roots: [string, string][] = [['this checkout', here], ...(against ? [['against', against] as [string, string]] : [])];
  const runs = new Map<string, Run[]>(roots.map(([name]) => [name, []]));
  for (let r = 0; r < repeat; r++) for (const [name, root] of roots) runs.get(name)!.push(measure(root, file, dist, threads));
  const span = (xs: number[], digits = 2): string => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
  const how = `${dist ? 'compiled dist/' : 'sources'}${threads === undefined ? '' : `, SYSGMM_CSV_THREADS=${threads}`}`;
  console.log(`${file}: N = ${n.toLocaleString('en')} units × T = 10, ${repeat} runs each, alternating, ${how}; node ${process.version}`);
  console.log('checkout        read wall s   read CPU s    fromTable wall s  fromTable CPU s  peak RSS MiB  load (1 min)');
  for (const [name] of roots) {
    const rs = runs.get(name)!;
    const col = (k: keyof Run, d = 2): string => span(rs.map((x) => x[k]), d);
    console.log(
      `${name.padEnd(16)}${col('readWall').padEnd(14)}${col('readCpu').padEnd(14)}${col('panelWall').padEnd(18)}${col('panelCpu').padEnd(17)}${col('peakMiB', 0).padEnd(14)}${col('load')}`,
    );
  }
}

await main();
