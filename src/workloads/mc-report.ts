// Monte Carlo outputs in the run folder: summary.json (the rows of mc-summary.ts), summary.md/.tex/.csv,
// replications.parquet (one row per design × replication × estimator × parameter), and figures:
// bias and RMSE against α per estimator, densities of the estimates per design (SVG and PNG).
import { join } from 'node:path';
import { Table, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_FONT, renderSvg, svgToPng } from '../report/figures.ts';
import { figureSlugs } from '../report/figure-names.ts';
import { quantileSorted } from '../bootstrap/intervals.ts';
import { writeFileAtomic } from '../data/write-atomic.ts';
import { runSubfolder } from '../run/run-dir.ts';
import { truth } from './dgp.ts';
import { designLabel, type Plan } from './plan.ts';
import type { McTaskPayload } from './montecarlo-task.ts';
import type { McRow } from './mc-summary.ts';
import { fmt, toCsv, toLatex, toMarkdown, withSe, type Column, type CsvColumn } from './tables.ts';

/** Short VCE names for the formatted tables. */
const VCE_SHORT: Record<string, string> = { onestep: '1S', robust: 'R', uncorrected: 'U', windmeijer: 'W', cluster: 'C', iterated: 'I', 'bootstrap-t': 'B' };

function perVce(values: Record<string, number>, ses: Record<string, number>): string {
  return Object.keys(values)
    .map((v) => `${VCE_SHORT[v] ?? v} ${withSe(values[v], ses[v])}`)
    .join('; ');
}

function failureText(r: McRow): string {
  const f = r.failures;
  const text = f.count === 0 ? '0' : `${f.count}: ${Object.entries(f.reasons).map(([why, c]) => `${why} (${c})`).join('; ')}`;
  return r.bootFailures?.count ? `${text}; boot: ${r.bootFailures.count} of ${r.bootFailures.of} failed` : text;
}

const COLUMNS: Column<McRow>[] = [
  { title: 'Design', cell: (r) => r.design },
  { title: 'Estimator', cell: (r) => r.estimator },
  { title: 'Parameter', cell: (r) => r.parameter },
  { title: 'True', cell: (r) => String(r.truth) },
  { title: 'Reps', cell: (r) => String(r.reps) },
  { title: 'Mean bias', cell: (r) => withSe(r.bias, r.mcse.bias) },
  { title: 'Median bias', cell: (r) => withSe(r.medianBias, r.mcse.median) },
  { title: 'SD', cell: (r) => withSe(r.sd, r.mcse.sd) },
  { title: 'RMSE', cell: (r) => withSe(r.rmse, r.mcse.rmse) },
  { title: 'MAE', cell: (r) => withSe(r.mae, r.mcse.mae) },
  { title: 'Size', cell: (r) => perVce(r.size, r.mcse.size) },
  { title: 'Coverage', cell: (r) => perVce(r.coverage, r.mcse.coverage) },
  { title: 'Hansen rej.', cell: (r) => withSe(r.hansenRejection, r.mcse.hansenRejection) },
  { title: 'Sargan rej.', cell: (r) => withSe(r.sarganRejection, r.mcse.sarganRejection) },
  { title: 'AR(2) rej.', cell: (r) => withSe(r.ar2Rejection, r.mcse.ar2Rejection) },
  { title: 'Instr.', cell: (r) => fmt(r.instruments, 1) },
  { title: 'Failures', cell: (r) => failureText(r) },
];

function csvColumns(rows: McRow[]): CsvColumn<McRow>[] {
  const vces = [...new Set(rows.flatMap((r) => Object.keys(r.size)))];
  const dgpKeys = [...new Set(rows.flatMap((r) => Object.keys(r.dgp)))];
  const stats = ['mean', 'bias', 'median', 'sd', 'rmse', 'mae'] as const;
  return [
    { name: 'design', value: (r) => r.design },
    ...dgpKeys.map((k) => ({ name: k, value: (r: McRow) => r.dgp[k] ?? null })),
    { name: 'estimator', value: (r) => r.estimator },
    { name: 'parameter', value: (r) => r.parameter },
    { name: 'truth', value: (r) => r.truth },
    { name: 'reps', value: (r) => r.reps },
    ...stats.flatMap((s) => [
      { name: s, value: (r: McRow) => r[s] },
      { name: `mcse_${s}`, value: (r: McRow) => r.mcse[s] },
    ]),
    { name: 'median_bias', value: (r) => r.medianBias },
    ...vces.flatMap((v) => [
      { name: `size_${v}`, value: (r: McRow) => r.size[v] ?? null },
      { name: `mcse_size_${v}`, value: (r: McRow) => r.mcse.size[v] ?? null },
      { name: `coverage_${v}`, value: (r: McRow) => r.coverage[v] ?? null },
    ]),
    ...(['hansenRejection', 'sarganRejection', 'ar2Rejection', 'instruments'] as const).flatMap((s) => [
      { name: s, value: (r: McRow) => r[s] },
      { name: `mcse_${s}`, value: (r: McRow) => r.mcse[s] },
    ]),
    { name: 'failures', value: (r) => r.failures.count },
    { name: 'failure_reasons', value: (r) => Object.entries(r.failures.reasons).map(([k, c]) => `${k} (${c})`).join('; ') },
    { name: 'boot_failed', value: (r) => r.bootFailures?.count ?? null },
    { name: 'boot_reps', value: (r) => r.bootFailures?.of ?? null },
    { name: 'ginverse', value: (r) => r.ginverse?.count ?? null },
  ];
}

/** The summary tables; returns the Markdown (printed by the command). */
export async function writeSummary(out: string, plan: Plan, rows: McRow[], warnings: string[] = []): Promise<string> {
  const md = toMarkdown(COLUMNS, rows);
  await writeFileAtomic(join(out, 'summary.json'), JSON.stringify({ level: plan.level, reps: plan.reps, seed: plan.seed, bootstrap: plan.bootstrap, warnings, rows }, null, 1) + '\n');
  await writeFileAtomic(join(out, 'summary.md'), md);
  await writeFileAtomic(join(out, 'summary.tex'), toLatex(COLUMNS, rows, `Monte Carlo: ${plan.reps} replications per design, level ${plan.level}; Monte Carlo standard errors in parentheses`));
  await writeFileAtomic(join(out, 'summary.csv'), toCsv(csvColumns(rows), rows));
  return md;
}

/** Per-replication estimates as Parquet (long format). */
export async function writeReplications(out: string, plan: Plan, payloads: McTaskPayload[]): Promise<void> {
  const vces = [...new Set(payloads.flatMap((p) => p.reps.flatMap((r) => Object.values(r).flatMap((e) => Object.keys(e.se)))))].sort();
  const cols = { design: [] as number[], label: [] as string[], rep: [] as number[], estimator: [] as string[], parameter: [] as string[], truth: [] as number[], estimate: [] as number[] };
  const se: Record<string, number[]> = Object.fromEntries(vces.map((v) => [v, []]));
  const extra = { bootLow: [] as number[], bootHigh: [] as number[], bootFailed: [] as number[], hansenP: [] as number[], sarganP: [] as number[], ar2P: [] as number[], instruments: [] as number[], ginverse: [] as number[] };
  const failure: (string | null)[] = [];
  const val = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v);
  for (const p of [...payloads].sort((a, b) => a.design - b.design || a.first - b.first)) {
    const truths = Object.entries(truth(plan.designs[p.design]));
    p.reps.forEach((rep, j) => {
      for (const { name } of plan.estimators) {
        const e = rep[name];
        truths.forEach(([param, beta], k) => {
          cols.design.push(p.design);
          cols.label.push(designLabel(plan, p.design));
          cols.rep.push(p.first + j);
          cols.estimator.push(name);
          cols.parameter.push(param);
          cols.truth.push(beta);
          cols.estimate.push(val(e.estimate[k]));
          for (const v of vces) se[v].push(val(e.se[v]?.[k]));
          extra.bootLow.push(val(e.boot?.[k]?.[0]));
          extra.bootHigh.push(val(e.boot?.[k]?.[1]));
          extra.bootFailed.push(val(e.bootFailed));
          extra.hansenP.push(val(e.hansenP));
          extra.sarganP.push(val(e.sarganP));
          extra.ar2P.push(val(e.ar2P));
          extra.instruments.push(val(e.instruments));
          extra.ginverse.push(typeof e.ginverse === 'boolean' ? Number(e.ginverse) : NaN);
          failure.push(e.failure);
        });
      }
    });
  }
  const f64 = (x: number[]) => makeVector(Float64Array.from(x));
  const text = (x: (string | null)[]) => vectorFromArray(x, new Utf8());
  const table = new Table({
    design: makeVector(Int32Array.from(cols.design)),
    design_label: text(cols.label),
    replication: makeVector(Int32Array.from(cols.rep)),
    estimator: text(cols.estimator),
    parameter: text(cols.parameter),
    truth: f64(cols.truth),
    estimate: f64(cols.estimate),
    ...Object.fromEntries(vces.map((v) => [`se_${v.replace(/-/g, '_')}`, f64(se[v])])),
    boot_low: f64(extra.bootLow),
    boot_high: f64(extra.bootHigh),
    boot_failed: f64(extra.bootFailed),
    hansen_p: f64(extra.hansenP),
    sargan_p: f64(extra.sarganP),
    ar2_p: f64(extra.ar2P),
    instruments: f64(extra.instruments),
    ginverse: f64(extra.ginverse),
    failure: text(failure),
  });
  const props = new WriterPropertiesBuilder().setMaxRowGroupSize(1 << 16).build();
  await writeFileAtomic(join(out, 'replications.parquet'), writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props));
}

const CONFIG = { font: FIGURE_FONT, background: 'white', axis: { grid: true, gridColor: '#eee' }, title: { anchor: 'start' as const } };

/** Bias or RMSE of each estimator against α (or against the design when α does not vary), one panel per other design setting. */
function curveSpec(plan: Plan, rows: McRow[], parameter: string, stat: 'bias' | 'rmse'): TopLevelSpec {
  const byAlpha = plan.varying.includes('alpha');
  const others = plan.varying.filter((k) => k !== 'alpha');
  const values = rows
    .filter((r) => r.parameter === parameter)
    .map((r) => ({ x: byAlpha ? r.dgp.alpha : r.design, y: r[stat], lo: r[stat] - 2 * r.mcse[stat], hi: r[stat] + 2 * r.mcse[stat], estimator: r.estimator, panel: others.map((k) => `${k}=${r.dgp[k]}`).join(' ') || parameter }));
  const x = byAlpha ? { field: 'x', type: 'quantitative' as const, title: 'α', scale: { zero: false } } : { field: 'x', type: 'nominal' as const, title: 'design', sort: null };
  const title = `${stat === 'bias' ? 'Mean bias' : 'RMSE'} of ${parameter} (bars: ±2 Monte Carlo s.e.)`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null },
    columns: 3,
    spec: {
      width: 220,
      height: 160,
      layer: [
        ...(stat === 'bias' ? [{ mark: { type: 'rule' as const, color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } }] : []),
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'y', type: 'quantitative', title: stat === 'bias' ? 'mean bias' : 'RMSE' }, color: { field: 'estimator', type: 'nominal' } } },
        { mark: 'rule', encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { field: 'estimator', type: 'nominal' } } },
      ],
    },
    config: CONFIG,
  } as TopLevelSpec;
}

/** Kernel densities of the estimates per estimator, one panel per design, the true value as a rule. */
function densitySpec(plan: Plan, payloads: McTaskPayload[], parameter: string): TopLevelSpec {
  const values: { design: string; estimator: string; estimate: number; truth: number }[] = [];
  for (const p of payloads) {
    const truths = truth(plan.designs[p.design]);
    const k = Object.keys(truths).indexOf(parameter);
    if (k < 0) continue;
    for (const rep of p.reps)
      for (const { name } of plan.estimators) {
        const e = rep[name].estimate[k];
        if (!rep[name].failure && e !== null && Number.isFinite(e)) values.push({ design: designLabel(plan, p.design), estimator: name, estimate: e, truth: truths[parameter] });
      }
  }
  // The central 98% of all estimates sets the axis, so that a few wild replications do not flatten the rest.
  const sorted = Float64Array.from(values, (v) => v.estimate).sort();
  const extent = [quantileSorted(sorted, 0.01), quantileSorted(sorted, 0.99)];
  const kept = values.filter((v) => v.estimate >= extent[0] && v.estimate <= extent[1]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Estimates of ${parameter} (kernel density; central 98% of all estimates; dashed: true value)`,
    data: { values: kept },
    facet: { field: 'design', type: 'nominal', title: null, sort: null },
    columns: 3,
    spec: {
      width: 220,
      height: 140,
      layer: [
        {
          transform: [{ density: 'estimate', groupby: ['estimator'], extent }],
          mark: { type: 'line', clip: true },
          encoding: { x: { field: 'value', type: 'quantitative', title: parameter }, y: { field: 'density', type: 'quantitative', scale: { type: 'sqrt', nice: false }, title: 'density (square-root scale)' }, color: { field: 'estimator', type: 'nominal' } },
        },
        { mark: { type: 'rule', color: '#555', strokeDash: [4, 3] }, encoding: { x: { field: 'truth', aggregate: 'mean', type: 'quantitative' } } },
      ],
    },
    config: CONFIG,
  } as TopLevelSpec;
}

async function figure(spec: TopLevelSpec, base: string): Promise<void> {
  const svg = await renderSvg(spec);
  await writeFileAtomic(`${base}.svg`, svg);
  await writeFileAtomic(`${base}.png`, svgToPng(svg));
}

/** figures/bias-<p>, rmse-<p>, density-<p> (.svg, .png) for each parameter; returns the base names. */
export async function writeFigures(out: string, plan: Plan, rows: McRow[], payloads: McTaskPayload[]): Promise<string[]> {
  const dir = await runSubfolder(out, 'figures');
  const written: string[] = [];
  const parameters = [...new Set(rows.map((r) => r.parameter))];
  const slugs = figureSlugs(parameters);
  for (const [i, parameter] of parameters.entries()) {
    const slug = slugs[i];
    for (const stat of ['bias', 'rmse'] as const) {
      await figure(curveSpec(plan, rows, parameter, stat), join(dir, `${stat}-${slug}`));
      written.push(`figures/${stat}-${slug}`);
    }
    await figure(densitySpec(plan, payloads, parameter), join(dir, `density-${slug}`));
    written.push(`figures/density-${slug}`);
  }
  return written;
}
