// Benchmark of issue 11 (beyond one machine): a generated panel of N firms × T = 10 years written as
// Parquet files (100,000 firms a file), partitioned by `sysgmm partition` into K shards, then the
// two-step collapsed system GMM estimate of it through the local executor and through Slurm, and the
// single-process estimate of the same data for comparison; wall seconds and peak RSS (GNU time's
// maximum resident set size: the largest single process of the command — the driver or a task) of
// each command. Optionally a pairs bootstrap sharded into tasks. Run folders stay under --dir.
// With --base <folder of another sysgmm checkout, built>, each sharded estimate runs first with that
// checkout's bin and then with this one's, on the same partition (a before/after on one machine);
// --keep-partition reuses a partition already written under --dir.
//   npx tsx bench/scale.ts [--N 1000000] [--shards 8] [--jobs 2] [--executor local,slurm|none] [--single] [--boot-N 0] [--boot-reps 999] [--no-boot-single] [--dir /tmp/sysgmm-bench-scale] [--base <dir>] [--keep-partition]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm';
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const N = Number(opt('N', '1000000'));
const T = 10;
const shards = opt('shards', '8');
const jobs = opt('jobs', '2');
const executors = opt('executor', 'local,slurm').split(',').filter((e) => e && e !== 'none');
const bootN = Number(opt('boot-N', '0'));
const bootReps = Number(opt('boot-reps', '999'));
const dir = opt('dir', '/tmp/sysgmm-bench-scale');
const base = opt('base', '');
const COMMAND = 'xtabond2 y L.y x, gmm(y x, lag(2 4) collapse) iv(w) twostep robust';

/** Deterministic normals (LCG + Box–Muller). */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** y = 0.5 L.y + 0.3 x + a + e, x = 0.6 L.x + 0.4 a + u, w exogenous; 10 burn-in years. */
function generate(n: number, out: string): void {
  if (existsSync(join(out, 'done'))) return;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const z = normals(20261206);
  const per = 100_000;
  for (let f0 = 0, part = 0; f0 < n; f0 += per, part++) {
    const m = Math.min(per, n - f0);
    const firm = new Float64Array(m * T);
    const year = new Float64Array(m * T);
    const y = new Float64Array(m * T);
    const x = new Float64Array(m * T);
    const w = new Float64Array(m * T);
    for (let i = 0; i < m; i++) {
      const a = z();
      let yl = a / 0.5 + z();
      let xl = a + z();
      for (let t = -10; t < T; t++) {
        const xt = 0.6 * xl + 0.4 * a + z();
        const yt = 0.5 * yl + 0.3 * xt + a + z();
        yl = yt;
        xl = xt;
        if (t < 0) continue;
        const r = i * T + t;
        firm[r] = f0 + i + 1;
        year[r] = 2010 + t;
        y[r] = yt;
        x[r] = xt;
        w[r] = z();
      }
    }
    const ipc = tableToIPC(tableFromArrays({ firm, year, y, x, w }), 'stream');
    writeFileSync(join(out, `part-${String(part).padStart(4, '0')}.parquet`), writeParquet(WasmTable.fromIPCStream(ipc)));
  }
  writeFileSync(join(out, 'done'), '');
}

/** Run the sysgmm CLI under GNU time: wall seconds, peak RSS (MB) of the largest process, stdout. */
function timed(label: string, cliArgs: string[], bin = 'bin/sysgmm.mjs'): { seconds: number; rssMB: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, bin, ...cliArgs], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}):\n${r.stderr}`);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1]) / 1024;
  const el = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(r.stderr)![1].split(':').map(Number);
  const seconds = el.reduce((a, v) => a * 60 + v, 0);
  // CPU seconds of the command and every process it waited for (its workers): what a quiet machine would need.
  const cpu = ['User', 'System'].reduce((a, k) => a + Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(r.stderr)![1]), 0);
  console.log(`| ${label} | ${seconds.toFixed(1)} | ${cpu.toFixed(1)} | ${rss.toFixed(0)} | ${loadavg()[0].toFixed(1)} |`);
  return { seconds, rssMB: rss, stdout: r.stdout };
}

const coefs = (json: string) => (JSON.parse(json) as { coefficients: { name: string; estimate: number; se: number }[] }).coefficients;

mkdirSync(dir, { recursive: true });
console.log(`# bench/scale: N = ${N} firms × T = ${T} (${N * T} rows), ${shards} shards, --jobs ${jobs}; ${cpus().length} × ${cpus()[0].model}\n`);
console.log(`Model: \`${COMMAND}\`\n`);
const gen = join(dir, `gen-${N}`);
const t0 = performance.now();
generate(N, gen);
console.log(`(generated in ${((performance.now() - t0) / 1000).toFixed(1)} s, not timed below)\n`);
console.log(`Load average at the start: ${loadavg().map((x) => x.toFixed(1)).join(', ')}\n`);
console.log('| command | seconds | CPU seconds, all its processes | peak RSS of the largest process (MB) | load average (1 min) at its end |\n|---|---:|---:|---:|---:|');
const part = join(dir, `part-${N}-${shards}`);
if (!(args.includes('--keep-partition') && existsSync(join(part, 'manifest.json')))) {
  rmSync(part, { recursive: true, force: true });
  timed(`partition (${N * T} rows → ${shards} shards)`, ['partition', gen, '--id', 'firm', '--time', 'year', '--shards', shards, '--out', part]);
}
const results: Record<string, ReturnType<typeof coefs>> = {};
for (const ex of executors) {
  for (const [who, bin] of base ? [['base', join(base, 'bin/sysgmm.mjs')], ['this', 'bin/sysgmm.mjs']] : [['this', 'bin/sysgmm.mjs']]) {
    const out = join(dir, `run-${N}-${ex}-${who}`);
    rmSync(out, { recursive: true, force: true });
    const label = `estimate, ${ex} executor${base ? ` (${who === 'base' ? `base: ${base}` : 'this checkout'})` : ''}`;
    const r = timed(label, ['estimate', part, '--id', 'firm', '--time', 'year', '--xtabond2', COMMAND, '--executor', ex, '--jobs', jobs, '--out', out, '--json'], bin);
    results[base ? `${ex}-${who}` : ex] = coefs(r.stdout);
    rmSync(out, { recursive: true, force: true });
  }
}
if (args.includes('--single')) {
  const r = timed('estimate, one process (all Parquet files read whole)', ['estimate', gen, '--id', 'firm', '--time', 'year', '--xtabond2', COMMAND, '--json']);
  results.single = coefs(r.stdout);
}
const names = Object.keys(results);
if (names.length > 1) {
  let worst = 0;
  for (const n of names.slice(1))
    results[n].forEach((c, k) => {
      const a = results[names[0]][k];
      for (const [u, v] of [[a.estimate, c.estimate], [a.se, c.se]]) worst = Math.max(worst, Math.abs(u - v) / Math.max(Math.abs(u), Math.abs(v)));
    });
  console.log(`\nLargest relative difference in a coefficient or SE between ${names.join(', ')}: ${worst.toExponential(2)}`);
}
if (names.length) console.log(`\nCoefficients (${names[0]}): ${results[names[0]].map((c) => `${c.name} ${c.estimate.toFixed(4)} (${c.se.toFixed(4)})`).join(', ')}`);
if (bootN > 0) {
  // The pairs bootstrap of a partitioned folder (8 shards), its replications split into 8 tasks, and
  // (unless --no-boot-single) the same in one process; --boot-reps sets B.
  const bgen = join(dir, `gen-${bootN}`);
  generate(bootN, bgen);
  const bpart = join(dir, `part-${bootN}-8`);
  if (!existsSync(join(bpart, 'manifest.json'))) timed(`partition for the bootstrap (${bootN * T} rows → 8 shards)`, ['partition', bgen, '--id', 'firm', '--time', 'year', '--shards', '8', '--out', bpart]);
  console.log(`\n## Pairs bootstrap, B = ${bootReps}, N = ${bootN} (${bootN * T} rows), of the 8-shard partition\n\n| command | seconds | CPU seconds, all its processes | peak RSS of the largest process (MB) | load average (1 min) at its end |\n|---|---:|---:|---:|---:|`);
  const out = join(dir, `boot-${bootN}`);
  rmSync(out, { recursive: true, force: true });
  const base = ['bootstrap', bpart, '--id', 'firm', '--time', 'year', '--xtabond2', COMMAND, '--reps', String(bootReps), '--json', '--quiet', '--backend', 'float64-wasm'];
  const sharded = timed('bootstrap --shards 8, local executor', [...base, '--shards', '8', '--jobs', jobs, '--out', out]);
  rmSync(out, { recursive: true, force: true });
  if (!args.includes('--no-boot-single')) {
    const one = timed('bootstrap, one process', base);
    const strip = (s: string) => JSON.stringify({ ...JSON.parse(s), seconds: 0, threads: 0 });
    console.log(`\nSharded and single-process outputs identical (timings and thread counts aside): ${strip(sharded.stdout) === strip(one.stdout)}`);
  }
}
