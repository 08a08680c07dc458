// Coverage of the pairs-bootstrap intervals (issue 4, "Statistics"): 200 Monte Carlo panels from
// bench/dynamic-panel.ts (N = 285, T = 14, ρ = 0.5, β = 1, x = 0.7 L.x + 0.5 a + u, mean-stationary
// start and 50 burn-in periods), each fitted by two-step system GMM with collapsed instruments and
// Windmeijer errors, and bootstrapped (pairs, Hall–Horowitz recentred, float64-ts) with B replications.
// Per panel: does each 95% interval for ρ (and β) cover the truth — percentile, basic, studentized
// (bootstrap-t), and the plain Windmeijer normal interval — and does the bootstrap Hansen J (and the
// asymptotic one) reject at 5%? Monte Carlo standard errors sqrt(p(1 − p)/R).
//   npx tsx bench/bootstrap-coverage.ts [--panels 200] [--reps 399] [--jsonl file] [--command "<xtabond2 over y, x>"]
import { appendFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { bootstrapGmm } from '../src/bootstrap/run.ts';
import { getBackend } from '../src/kernels/registry.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { DEFAULT_DGP, dynamicPanel } from './dynamic-panel.ts';

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const COMMAND = arg('--command', 'y L.y x, gmm(y, lag(2 4) collapse) gmm(x, lag(1 3) collapse) twostep robust');
const N = 285;
const T = 14;
const PANELS = Number(arg('--panels', '200'));
const REPS = Number(arg('--reps', '399'));
const jsonl = arg('--jsonl', '');

interface PanelOutcome {
  panel: number;
  estimate: number[];
  covers: Record<string, boolean[]>;
  length: Record<string, number[]>;
  se: number[];
  bootSe: number[];
  hansenP: number;
  bootstrapJP: number;
  failed: number;
  singularWeight: number;
}

const truth = [DEFAULT_DGP.rho, DEFAULT_DGP.beta];
const KINDS = ['percentile', 'basic', 'studentized', 'windmeijer'] as const;

console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}`);
console.log(`Model: \`${COMMAND}\`; ${PANELS} panels, N = ${N}, T = ${T}, B = ${REPS}, backend float64-ts; DGP ${JSON.stringify(DEFAULT_DGP)}`);
if (jsonl) writeFileSync(jsonl, '');

const backend = await getBackend('float64-ts');
const outcomes: PanelOutcome[] = [];
const started = performance.now();
let instruments = 0;
for (let m = 1; m <= PANELS; m++) {
  const panel = dynamicPanel(N, T, 100_000 + m);
  const spec = parseXtabond2(COMMAND, panel.names());
  const r = await bootstrapGmm(panel, spec, { reps: REPS, seed: m, backend }, COMMAND);
  instruments = r.fit.ninstruments;
  const covers: Record<string, boolean[]> = {};
  const length: Record<string, number[]> = {};
  for (const kind of KINDS) {
    const iv = [0, 1].map((k) => {
      const c = r.coefficients[k];
      const f = r.fit.coefficients[k];
      return kind === 'windmeijer' ? { low: f.ciLow, high: f.ciHigh } : kind === 'studentized' ? c.studentized! : c[kind];
    });
    covers[kind] = iv.map((x, k) => x.low <= truth[k] && truth[k] <= x.high);
    length[kind] = iv.map((x) => x.high - x.low);
  }
  const o: PanelOutcome = {
    panel: m,
    estimate: [0, 1].map((k) => r.fit.coefficients[k].estimate),
    covers,
    length,
    se: [0, 1].map((k) => r.fit.coefficients[k].se),
    bootSe: [0, 1].map((k) => r.coefficients[k].bootSe),
    hansenP: r.hansen!.p,
    bootstrapJP: r.hansen!.bootstrapP,
    failed: r.failed.singular + r.failed.nonFinite,
    singularWeight: r.singularWeight,
  };
  outcomes.push(o);
  if (jsonl) appendFileSync(jsonl, JSON.stringify(o) + '\n');
  if (m % 10 === 0 || m === PANELS) {
    const rate = (k: (typeof KINDS)[number]) => (outcomes.filter((x) => x.covers[k][0]).length / outcomes.length).toFixed(3);
    process.stderr.write(`${m}/${PANELS} panels, ${((performance.now() - started) / 1000).toFixed(0)} s; ρ coverage so far: ${KINDS.map((k) => `${k} ${rate(k)}`).join(', ')}\n`);
  }
}
const seconds = (performance.now() - started) / 1000;
await backend.dispose();

const R = outcomes.length;
const share = (f: (o: PanelOutcome) => boolean) => outcomes.filter(f).length / R;
const mcse = (p: number) => Math.sqrt((p * (1 - p)) / R);
const fmt = (p: number) => `${(100 * p).toFixed(1)}% (${(100 * mcse(p)).toFixed(1)})`;
const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1));

console.log(`\n${instruments} instruments; ${R} panels in ${seconds.toFixed(0)} s (${(seconds / R).toFixed(2)} s a panel).\n`);
console.log('| 95% interval | coverage of ρ = 0.5 (MC s.e.) | mean length | coverage of β = 1 (MC s.e.) | mean length |');
console.log('|---|---:|---:|---:|---:|');
const LABEL: Record<string, string> = { percentile: 'bootstrap percentile', basic: 'bootstrap basic', studentized: 'bootstrap studentized (bootstrap-t)', windmeijer: 'Windmeijer SE, normal' };
for (const kind of KINDS)
  console.log(`| ${LABEL[kind]} | ${fmt(share((o) => o.covers[kind][0]))} | ${mean(outcomes.map((o) => o.length[kind][0])).toFixed(4)} | ${fmt(share((o) => o.covers[kind][1]))} | ${mean(outcomes.map((o) => o.length[kind][1])).toFixed(4)} |`);
console.log('\n| Hansen J at 5% | rejection rate (MC s.e.) |');
console.log('|---|---:|');
console.log(`| bootstrap p-value (recentred) | ${fmt(share((o) => o.bootstrapJP < 0.05))} |`);
console.log(`| asymptotic χ² p-value | ${fmt(share((o) => o.hansenP < 0.05))} |`);
console.log('\n| | ρ | β |');
console.log('|---|---:|---:|');
console.log(`| mean estimate − truth | ${(mean(outcomes.map((o) => o.estimate[0])) - truth[0]).toFixed(4)} | ${(mean(outcomes.map((o) => o.estimate[1])) - truth[1]).toFixed(4)} |`);
console.log(`| Monte Carlo SD of the estimate | ${sd(outcomes.map((o) => o.estimate[0])).toFixed(4)} | ${sd(outcomes.map((o) => o.estimate[1])).toFixed(4)} |`);
console.log(`| mean Windmeijer SE | ${mean(outcomes.map((o) => o.se[0])).toFixed(4)} | ${mean(outcomes.map((o) => o.se[1])).toFixed(4)} |`);
console.log(`| mean bootstrap SE | ${mean(outcomes.map((o) => o.bootSe[0])).toFixed(4)} | ${mean(outcomes.map((o) => o.bootSe[1])).toFixed(4)} |`);
const failed = outcomes.reduce((s, o) => s + o.failed, 0);
const singular = outcomes.reduce((s, o) => s + o.singularWeight, 0);
console.log(`\nFailed replications: ${failed} of ${R * REPS}; replications with a singular moment covariance (generalized inverse): ${singular}.`);
