// Benchmark of the GMM engine (issues 3 and 9): two-step system GMM with Windmeijer errors,
//   xtabond2 y L.y x, gmm(y x, lag(2 4) collapse) twostep robust
// on a generated panel y_it = 0.5 y_i,t−1 + 0.3 x_it + a_i + e_it, x_it = 0.7 x_i,t−1 + 0.5 a_i + u_it
// (x persistent and correlated with a_i), T = 10 periods after a burn-in of 10.
// In process: times fitGmm (terms, instruments, blocks, both steps, tests), not the data generation.
// Whole process (--csv): writes the panel as CSV once (in the OS temp folder, reused) and times the
// whole `sysgmm estimate` process on it through the compiled bin (run `npm run build` first).
// Each case runs in its own process so that its peak RSS is its own.
//   npx tsx bench/estimate.ts                      all in-process cases
//   npx tsx bench/estimate.ts --case NAME          one (collapsed-20k | uncollapsed-20k | collapsed-50k | uncollapsed-40k | collapsed-100k | uncollapsed-100k | collapsed-200k | collapsed-1m)
//   npx tsx bench/estimate.ts --csv                whole process at N = 20k, 200k, 1M
//   npx tsx bench/estimate.ts --csv --n 1000000    whole process at one N
// Side by side: --against DIR runs every case also on another checkout (its src/ in process, its
// bin/ and dist/ whole process), alternating with this one, --repeat k times; min, median and max are printed.
// --threads 1,2 runs every case under each SYSGMM_THREADS value (src/gmm/thread-count.ts), alternating;
// --dist runs the in-process cases on the compiled dist/ (threads' workers then start as installed).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, renameSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Panel as PanelType } from '../src/panel/panel.ts';

const CASES: Record<string, { n: number; collapse: boolean }> = {
  'collapsed-20k': { n: 20_000, collapse: true },
  'uncollapsed-20k': { n: 20_000, collapse: false },
  'collapsed-50k': { n: 50_000, collapse: true },
  'uncollapsed-40k': { n: 40_000, collapse: false },
  'collapsed-100k': { n: 100_000, collapse: true },
  'collapsed-200k': { n: 200_000, collapse: true },
  'uncollapsed-100k': { n: 100_000, collapse: false },
  'collapsed-1m': { n: 1_000_000, collapse: true },
};
const T = 10;
const MODEL = (collapse: boolean) => `y L.y x, gmm(y x, lag(2 4)${collapse ? ' collapse' : ''}) twostep robust`;
/** pydynpd on the collapsed model, whole process, as measured on this machine by the author of issue 9
 *  (PyPI is not reachable here, so it is not rerun). */
const PYDYNPD: Record<number, string> = { 20_000: '3.9 s', 200_000: '36.2 s, 885 MB', 1_000_000: 'not run (> 3 min)' };

/** The generated panel's columns, in panel row order (unit-major, T rows per unit). */
function generate(n: number, seed = 20240611) {
  let s = seed >>> 0;
  const unif = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(unif())) * Math.cos(2 * Math.PI * unif());
  const rows = n * T;
  const y = new Float64Array(rows);
  const x = new Float64Array(rows);
  const time = new Float64Array(rows);
  const unitOf = new Int32Array(rows);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const a = normal();
    let yl = a / 0.5;
    let xl = (0.5 * a) / 0.3;
    for (let t = -10; t < T; t++) {
      const xt = 0.7 * xl + 0.5 * a + normal();
      const yt = 0.5 * yl + 0.3 * xt + a + normal();
      xl = xt;
      yl = yt;
      if (t < 0) continue;
      const r = i * T + t;
      y[r] = yt;
      x[r] = xt;
      time[r] = 2001 + t;
      unitOf[r] = i;
    }
    offsets[i + 1] = (i + 1) * T;
  }
  return { n, y, x, time, unitOf, offsets };
}

/** The panel as CSV (id, year, y, x; shortest round-trip decimals), written once and reused. */
function csvFile(n: number): string {
  const file = join(tmpdir(), `sysgmm-bench-estimate-${n}.csv`);
  if (existsSync(file)) return file;
  const g = generate(n);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, 'id,year,y,x\n');
  let buf: string[] = [];
  for (let r = 0; r < n * T; r++) {
    buf.push(`${g.unitOf[r] + 1},${g.time[r]},${g.y[r]},${g.x[r]}\n`);
    if (buf.length === 100_000) {
      writeSync(fd, buf.join(''));
      buf = [];
    }
  }
  writeSync(fd, buf.join(''));
  closeSync(fd);
  renameSync(tmp, file);
  return file;
}

/** One in-process case on the sources under `root` (this checkout by default). */
async function runCase(name: string, root: string): Promise<void> {
  const c = CASES[name];
  // --dist: the compiled modules (a threaded fit's workers then start without tsx, as installed).
  const src = (p: string) => pathToFileURL(process.argv.includes('--dist') ? join(root, 'dist', p.replace(/\.ts$/, '.js')) : join(root, 'src', p)).href;
  const { Panel } = (await import(src('panel/panel.ts'))) as typeof import('../src/panel/panel.ts');
  const { fitGmm } = (await import(src('gmm/fit.ts'))) as typeof import('../src/gmm/fit.ts');
  const { parseXtabond2 } = (await import(src('spec/parse.ts'))) as typeof import('../src/spec/parse.ts');
  const g = generate(c.n);
  const units = Array.from({ length: c.n }, (_, i) => i + 1);
  const panel: PanelType = new Panel('id', 'year', units, g.offsets, g.unitOf, g.time, new Map([['y', g.y], ['x', g.x]]), new Map());
  const spec = parseXtabond2(MODEL(c.collapse), ['y', 'x']);
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fitGmm(panel, spec);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const peakMB = process.resourceUsage().maxRSS / 1024;
  const b = r.coefficients.map((k) => `${k.name}=${k.estimate.toFixed(4)}(${k.se.toFixed(4)})`).join(' ');
  console.log(JSON.stringify({ case: name, n: c.n, T, seconds: +seconds.toFixed(3), cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3), rssBeforeMB: Math.round(rssBefore / 2 ** 20), peakRssMB: Math.round(peakMB), instruments: r.ninstruments, nobs: r.nobs, coefficients: b, hansen: +r.hansen!.chi2.toFixed(2), ar2: +r.ar[1].z.toFixed(2) }));
}

/** The whole `sysgmm estimate` process of the checkout `root` on the CSV of N units: seconds, peak MB. */
function runProcess(root: string, file: string, threads?: string): { seconds: number; cpu: number; peakMB: number; out: string } {
  const bin = join(root, 'bin/sysgmm.mjs');
  if (!existsSync(join(root, 'dist/bin/main.js'))) throw new Error(`${root}: dist/ is missing; run \`npm run build\` there first`);
  // The child reports its own peak RSS and CPU time (user + system) on exit, on stderr; from its main
  // thread only (--import also runs in worker threads, e.g. the threaded CSV reader's).
  const report =
    "data:text/javascript,import{isMainThread}from'node:worker_threads';if(isMainThread)process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('@@usage '+u.maxRSS+' '+(u.userCPUTime+u.systemCPUTime)+'\\n')})";
  const args = ['--import', report, bin, 'estimate', file, '--id', 'id', '--time', 'year', '--xtabond2', MODEL(true)];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, env: withThreads(threads) });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`sysgmm estimate failed (${root}): ${r.stderr}`);
  const m = /@@usage (\d+) (\d+)/.exec(r.stderr);
  return { seconds, cpu: m ? +m[2] / 1e6 : NaN, peakMB: m ? +m[1] / 1024 : NaN, out: r.stdout };
}

/** The environment with SYSGMM_THREADS set to `threads` (unchanged when undefined). */
function withThreads(threads?: string): NodeJS.ProcessEnv {
  return threads === undefined ? process.env : { ...process.env, SYSGMM_THREADS: threads };
}

function childCase(name: string, root: string, threads?: string): Record<string, unknown> {
  const out = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--case', name, '--root', root, ...(process.argv.includes('--dist') ? ['--dist'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24, env: withThreads(threads) });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout.trim().split('\n').pop()!);
}

const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const here = resolve(new URL('..', import.meta.url).pathname);
const root = resolve(arg('--root') ?? here);
const against = arg('--against') ? resolve(arg('--against')!) : null;
const repeat = Number(arg('--repeat') ?? 1);
const threadList: (string | undefined)[] = arg('--threads')?.split(',') ?? [undefined];
/** Every checkout under every thread count, as `root|threads` keys. */
const variants = (against ? [here, against] : [here]).flatMap((r) => threadList.map((t) => ({ root: r, threads: t, key: `${r}|${t}` })));
const label = (v: { root: string; threads?: string }) => (v.root === here ? 'this checkout' : v.root) + (v.threads === undefined ? '' : `, SYSGMM_THREADS=${v.threads}`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]) => `min ${Math.min(...xs).toFixed(3)} median ${median(xs).toFixed(3)} max ${Math.max(...xs).toFixed(3)}`;

if (arg('--case') && !process.argv.includes('--csv')) await runCase(arg('--case')!, root);
else if (process.argv.includes('--csv')) {
  const ns = arg('--n') ? [Number(arg('--n'))] : [20_000, 200_000, 1_000_000];
  for (const n of ns) {
    const file = csvFile(n);
    const runs = new Map(variants.map((v) => [v.key, [] as ReturnType<typeof runProcess>[]]));
    for (let k = 0; k < repeat; k++) for (const v of variants) runs.get(v.key)!.push(runProcess(v.root, file, v.threads));
    for (const r of variants) {
      const xs = runs.get(r.key)!;
      const coef = /L1\. \|\s+(\S+)/.exec(xs[0].out)?.[1];
      console.log(
        `whole process, N = ${n.toLocaleString('en-US')} (${label(r)}): wall ${spread(xs.map((x) => x.seconds))} s, CPU ${spread(xs.map((x) => x.cpu))} s, peak ${Math.round(Math.max(...xs.map((x) => x.peakMB)))} MB, L1.y = ${coef}  | pydynpd (issue 9, not rerun): ${PYDYNPD[n] ?? '—'}`,
      );
    }
  }
} else {
  const names = arg('--cases')?.split(',') ?? ['collapsed-20k', 'uncollapsed-20k', 'collapsed-1m'];
  for (const name of names) {
    const runs = new Map(variants.map((v) => [v.key, [] as Record<string, unknown>[]]));
    for (let k = 0; k < repeat; k++) for (const v of variants) runs.get(v.key)!.push(childCase(name, v.root, v.threads));
    for (const r of variants) {
      const xs = runs.get(r.key)!;
      if (repeat === 1 && variants.length === 1) console.log(JSON.stringify(xs[0]));
      else console.log(`in process, ${name} (${label(r)}): wall ${spread(xs.map((x) => x.seconds as number))} s, CPU ${spread(xs.map((x) => x.cpuSeconds as number))} s, peak ${Math.max(...xs.map((x) => x.peakRssMB as number))} MB, ${xs[0].coefficients}`);
    }
  }
}
