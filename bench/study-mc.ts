// Monte Carlo of the haze study's baseline (issue 5): over simulated city panels
// (simulateCityPanel, seeds 1..R, 285 cities, 2003–2016), the mean bias of each core coefficient
// (ρ, CA, EFF, CA×EFF) of the baseline two-step system GMM with Windmeijer errors and the coverage
// of its 95% interval, relative to the truth. Each panel goes through the study's own steps: CA1
// from the sector columns (withIndices), DEA-CCR input-oriented efficiency per year
// (panelEfficiency), ln PM2.5 and the controls from the config's expressions, CA and EFF centred at
// their estimation-sample means, the interaction of the centred pair, and the command gmmCommand()
// builds for T2's Sys-GMM column (src/study/tables.ts) from the default config (data/study.json).
//   constant:      parameters { growth: 0, inlandMultiplier: 1 }, so the baseline is correctly
//                  specified: truth ρ = 0.8, CA = EFF = CA×EFF = −0.25.
//   heterogeneous: the default DGP (effects grow over time and are 1.5× inland); the truth of the
//                  pooled coefficient is the average effect over the estimation city-years,
//                  truth.average.all (data/README.md: −0.419737 each).
//   npx tsx bench/study-mc.ts [--dgp constant|heterogeneous] [--panels 100] [--jsonl file]
import { appendFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fitGmm } from '../src/gmm/fit.ts';
import { evalExpression } from '../src/panel/expression.ts';
import { lag, timeDummies } from '../src/panel/operators.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { DEFAULT_CONFIG } from '../src/study/config.ts';
import { efficiencyColumnNames, panelEfficiency } from '../src/study/efficiency.ts';
import { withIndices } from '../src/study/indices.ts';
import { simulateCityPanel, type DgpParameters } from '../src/study/simulate.ts';
import { dummyYears, gmmCommand, type StudyVariables } from '../src/study/tables.ts';

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const dgp = arg('--dgp', 'constant');
if (dgp !== 'constant' && dgp !== 'heterogeneous') throw new Error(`--dgp must be constant or heterogeneous, got ${dgp}`);
const PANELS = Number(arg('--panels', '100'));
const FIRST_SEED = Number(arg('--first-seed', '1'));
const jsonl = arg('--jsonl', '');
const parameters: Partial<DgpParameters> | undefined = dgp === 'constant' ? { growth: 0, inlandMultiplier: 1 } : undefined;

const cfg = DEFAULT_CONFIG;
const Y = 'lnpm25';
const vars: StudyVariables = {
  y: Y,
  yLabel: cfg.pollution.label,
  ca: 'ca',
  eff: 'eff',
  caEff: 'ca_eff',
  controls: cfg.controls.map((c) => ({ name: c.name, label: c.label })),
  periods: [],
  inland: { dummy: 'inland', ca: 'ca_inl', eff: 'eff_inl', caEff: 'ca_eff_inl' },
};
const baselineCommand = (panel: Panel) => gmmCommand(vars, ['ca', 'eff', 'ca_eff'], { lagMin: cfg.gmm.lagMin, lagMax: cfg.gmm.lagMax, collapse: cfg.gmm.collapse }, 'system', dummyYears(panel));
const CORE = [
  { label: 'ρ (L.ln PM2.5)', names: [`L.${Y}`, `L1.${Y}`], truth: (t: Truth) => t.rho },
  { label: 'CA', names: ['ca'], truth: (t: Truth) => t.ca },
  { label: 'EFF', names: ['eff'], truth: (t: Truth) => t.eff },
  { label: 'CA × EFF', names: ['ca_eff'], truth: (t: Truth) => t.interaction },
];
interface Truth {
  rho: number;
  ca: number;
  eff: number;
  interaction: number;
}

interface Outcome {
  seed: number;
  truth: number[];
  estimate: number[];
  se: number[];
  covers: boolean[];
  ar2p: number;
  hansenP: number;
  instruments: number;
  nobs: number;
  command: string;
  warnings: string[];
  /** Largest |CA − truth.ca| and |EFF − truth.eff|: the study's measures against the DGP's own. */
  measureGap: number;
  seconds: number;
}

/** One simulated panel through the study's baseline. */
async function runPanel(seed: number): Promise<Outcome> {
  const t0 = performance.now();
  const { table, truth } = await simulateCityPanel({ cities: 285, years: [2003, 2016], seed, ...(parameters ? { parameters } : {}) });
  let panel = Panel.fromTable(table, { id: cfg.id, time: cfg.time });
  panel = withIndices(panel, cfg.sectors).panel;
  const effName = efficiencyColumnNames(cfg.efficiency.measure)[0];
  const eff = await panelEfficiency(panel, cfg.efficiency, [cfg.efficiency.measure]);
  panel = panel.withColumn(effName, eff.columns[effName]);
  panel = panel.withColumn(Y, Float64Array.from(panel.column(cfg.pollution.column), (v) => (v > 0 ? Math.log(v) : NaN)));
  for (const c of cfg.controls) panel = panel.withColumn(c.name, evalExpression(panel, c.expr));
  for (const d of timeDummies(panel)) panel = panel.withColumn(d.name, d.values);
  // Centre CA and EFF at their means over the estimation rows (outcome, its lag, CA, EFF, controls present).
  const ca = panel.column(cfg.index);
  const ef = panel.column(effName);
  const yv = panel.column(Y);
  const ly = lag(panel, yv, 1);
  const controls = cfg.controls.map((c) => panel.column(c.name));
  let sCa = 0;
  let sEff = 0;
  let n = 0;
  for (let r = 0; r < panel.nrows; r++) {
    if ([yv[r], ly[r], ca[r], ef[r], ...controls.map((c) => c[r])].some(Number.isNaN)) continue;
    sCa += ca[r];
    sEff += ef[r];
    n++;
  }
  const mCa = sCa / n;
  const mEff = sEff / n;
  let gap = 0;
  for (let r = 0; r < panel.nrows; r++) gap = Math.max(gap, Math.abs(ca[r] - truth.ca[r]), Math.abs(ef[r] - truth.eff[r]));
  panel = panel
    .withColumn('ca', ca.slice())
    .withColumn('eff', ef.slice())
    .withColumn('ca_eff', Float64Array.from(ca, (v, r) => (v - mCa) * (ef[r] - mEff)));
  const command = baselineCommand(panel);
  const fit = await fitGmm(panel, parseXtabond2(command, panel.names()), command);
  const t: Truth = { rho: truth.parameters.rho, ...truth.average.all };
  const coefs = CORE.map((k) => {
    const c = fit.coefficients.find((x) => k.names.includes(x.name));
    if (!c) throw new Error(`seed ${seed}: coefficient ${k.names[0]} missing from the fit (${fit.coefficients.map((x) => x.name).join(', ')})`);
    return c;
  });
  const truthValues = CORE.map((k) => k.truth(t));
  return {
    seed,
    truth: truthValues,
    estimate: coefs.map((c) => c.estimate),
    se: coefs.map((c) => c.se),
    covers: coefs.map((c, k) => c.ciLow <= truthValues[k] && truthValues[k] <= c.ciHigh),
    ar2p: fit.ar.find((a) => a.order === 2)?.p ?? NaN,
    hansenP: fit.hansen?.p ?? NaN,
    instruments: fit.ninstruments,
    nobs: fit.nobs,
    command,
    warnings: fit.warnings,
    measureGap: gap,
    seconds: (performance.now() - t0) / 1000,
  };
}

console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}`);
console.log(`DGP: ${dgp}${parameters ? ` (parameters ${JSON.stringify(parameters)})` : ' (default parameters)'}; seeds ${FIRST_SEED}..${FIRST_SEED + PANELS - 1}; 285 cities, 2003–2016.`);
if (jsonl) writeFileSync(jsonl, '');
const outcomes: Outcome[] = [];
const started = performance.now();
for (let seed = FIRST_SEED; seed < FIRST_SEED + PANELS; seed++) {
  const o = await runPanel(seed);
  outcomes.push(o);
  if (jsonl) appendFileSync(jsonl, JSON.stringify(o) + '\n');
  if (outcomes.length % 10 === 0 || outcomes.length === PANELS) {
    const cov = CORE.map((k, j) => `${k.label} ${(outcomes.filter((x) => x.covers[j]).length / outcomes.length).toFixed(2)}`).join(', ');
    process.stderr.write(`${outcomes.length}/${PANELS} panels, ${((performance.now() - started) / 1000).toFixed(0)} s; coverage so far: ${cov}\n`);
  }
}
const seconds = (performance.now() - started) / 1000;

const R = outcomes.length;
const first = outcomes[0];
const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1));
const f = (x: number, d = 4) => (x < 0 ? '−' : '') + Math.abs(x).toFixed(d);
console.log(`Model (gmmCommand of T2's Sys-GMM column): \`${first.command}\``);
const warned = outcomes.filter((o) => o.warnings.length > 0);
if (warned.length) console.log(`Fit warnings on ${warned.length} panels, e.g. seed ${warned[0].seed}: ${warned[0].warnings.join('; ')}`);
console.log(`\n${R} panels in ${seconds.toFixed(0)} s (${(seconds / R).toFixed(2)} s a panel: simulation with its DEA, the study's indices and DEA, one fit); ${first.instruments} instruments, ${first.nobs} observations.`);
console.log(`Study CA/EFF vs the DGP's own: largest |difference| over all panels ${Math.max(...outcomes.map((o) => o.measureGap)).toExponential(1)}.\n`);
console.log('| coefficient | truth | mean estimate | mean bias (MC s.e.) | relative bias | MC SD | mean Windmeijer SE | 95% coverage (MC s.e.) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
CORE.forEach((k, j) => {
  const est = outcomes.map((o) => o.estimate[j]);
  const bias = outcomes.map((o) => o.estimate[j] - o.truth[j]);
  const truth = mean(outcomes.map((o) => o.truth[j]));
  const cov = outcomes.filter((o) => o.covers[j]).length / R;
  console.log(
    `| ${k.label} | ${f(truth)} | ${f(mean(est))} | ${f(mean(bias))} (${(sd(bias) / Math.sqrt(R)).toFixed(4)}) | ${f((100 * mean(bias)) / Math.abs(truth), 1)}% | ${sd(est).toFixed(4)} | ${mean(outcomes.map((o) => o.se[j])).toFixed(4)} | ${(100 * cov).toFixed(0)}% (${(100 * Math.sqrt((cov * (1 - cov)) / R)).toFixed(1)}) |`,
  );
});
const rej = (p: (o: Outcome) => number) => outcomes.filter((o) => p(o) < 0.05).length / R;
console.log(`\nRejections at 5%: AR(2) ${(100 * rej((o) => o.ar2p)).toFixed(0)}%, Hansen ${(100 * rej((o) => o.hansenP)).toFixed(0)}%.`);
