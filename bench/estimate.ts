// Benchmark of the GMM engine (issue 3): two-step system GMM with Windmeijer errors,
//   xtabond2 y L.y x, gmm(y x, lag(2 4) collapse) twostep robust
// on a generated panel y_it = 0.5 y_i,t−1 + 0.3 x_it + a_i + e_it, x_it = 0.7 x_i,t−1 + 0.5 a_i + u_it
// (x persistent and correlated with a_i), T = 10 periods after a burn-in of 10.
// Times the estimation only (fitGmm: terms, instruments, blocks, both steps, tests), not the data
// generation. Each case runs in its own process so that its peak RSS is its own.
//   npx tsx bench/estimate.ts            all cases
//   npx tsx bench/estimate.ts --case N   one case (collapsed-20k | uncollapsed-20k | collapsed-1m)
import { spawnSync } from 'node:child_process';
import { Panel } from '../src/panel/panel.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import type { ModelSpec } from '../src/spec/types.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';

const CASES: Record<string, { n: number; collapse: boolean }> = {
  'collapsed-20k': { n: 20_000, collapse: true },
  'uncollapsed-20k': { n: 20_000, collapse: false },
  'collapsed-1m': { n: 1_000_000, collapse: true },
};
const T = 10;

function generate(n: number, seed = 20240611): Panel {
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
  const units = Array.from({ length: n }, (_, i) => i + 1);
  return new Panel('id', 'year', units, offsets, unitOf, time, new Map([['y', y], ['x', x]]), new Map());
}

/** The model: y L.y x, gmm(y x, lag(2 4) [collapse]) twostep robust (Windmeijer errors). */
function spec(collapse: boolean): ModelSpec {
  return parseXtabond2(`y L.y x, gmm(y x, lag(2 4)${collapse ? ' collapse' : ''}) twostep robust`, ['y', 'x']);
}

async function runCase(name: string): Promise<void> {
  const c = CASES[name];
  const panel = generate(c.n);
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await fitGmm(panel, spec(c.collapse));
  const seconds = (performance.now() - t0) / 1000;
  const peakMB = process.resourceUsage().maxRSS / 1024;
  const b = r.coefficients.map((k) => `${k.name}=${k.estimate.toFixed(4)}(${k.se.toFixed(4)})`).join(' ');
  console.log(JSON.stringify({ case: name, n: c.n, T, seconds: +seconds.toFixed(3), rssBeforeMB: Math.round(rssBefore / 2 ** 20), peakRssMB: Math.round(peakMB), instruments: r.ninstruments, nobs: r.nobs, coefficients: b, hansen: +r.hansen!.chi2.toFixed(2), ar2: +r.ar[1].z.toFixed(2) }));
}

const at = process.argv.indexOf('--case');
if (at >= 0) await runCase(process.argv[at + 1]);
else {
  for (const name of Object.keys(CASES)) {
    const out = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--case', name], { encoding: 'utf8', maxBuffer: 1 << 24 });
    process.stdout.write(out.stdout);
    if (out.status !== 0) process.stderr.write(out.stderr);
  }
}
