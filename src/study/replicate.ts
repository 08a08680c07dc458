// `sysgmm replicate`: from the raw city panel to the study's tables, derived effects, figures and
// report. Reads the data, computes the co-agglomeration indices and manufacturing efficiency from
// the raw columns, builds the model variables, fits every column of T2–T6, and writes the outputs.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, SpecError } from '../errors.ts';
import { writeFileAtomic } from '../data/write-atomic.ts';
import { makeFolder } from '../data/make-folder.ts';
import { optionFault } from '../file-errors.ts';
import type { GmmResult } from '../gmm/result.ts';
import { fitGmm } from '../gmm/fit.ts';
import { fitLinear } from '../gmm/ols.ts';
import { bootstrapGmm } from '../bootstrap/run.ts';
import { tooFewReplications } from '../bootstrap/intervals.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import { readTable, type ReadOptions } from '../data/read.ts';
import { describePanel, type PanelDescription } from '../panel/describe.ts';
import { evalExpression } from '../panel/expression.ts';
import { lag, timeDummies } from '../panel/operators.ts';
import { Panel } from '../panel/panel.ts';
import { formatDescription } from '../report/describe-table.ts';
import { bandCurveSpec, coefficientPlotSpec, writeFigure, type CoefficientPoint } from '../report/figures.ts';
import { buildJournalTable, toCsv, toJson, toLatex, toMarkdown, toText, type BootstrapInterval, type JournalTable } from '../report/journal-table.ts';
import { studyReport, type FigureFile, type StudyEffects } from './report.ts';
import { checkConfigColumns, configColumns, configWarnings, DEFAULT_CONFIG, missingColumn, parseStudyConfig, throwColumnProblems, type StudyConfig } from './config.ts';
import { longRunEffect, marginalEffectCurve } from './effects.ts';
import { efficiencyColumnNames, panelEfficiency, type EfficiencyMeasure } from './efficiency.ts';
import { withIndices } from './indices.ts';
import { checkStudySample, periodLabel, unitValues } from './sample-checks.ts';
import { assembleTables, bootstrapNote, canonicalLagName, planModels, regionTests, type FittedRun, type ModelRun, type RegionTests, type StudySamples, type StudyVariables } from './tables.ts';
import { Generated, type MeasureWarning } from './warnings.ts';

export interface ProgressEvent {
  /** What is being done now. */
  step: string;
  /** Steps finished before this one, and all steps. */
  done: number;
  total: number;
}

/** How a model column is estimated; the default uses the sysgmm engine. */
export interface Estimators {
  fit(run: ModelRun): Promise<GmmResult>;
  /** Bootstrap 95% percentile intervals of a GMM column from B replications, and how many replications failed. */
  bootstrap?(run: ModelRun, reps: number, seed: number): Promise<{ intervals: BootstrapInterval[]; failed: number }>;
}

/** The sysgmm engine: fitGmm for GMM columns, fitLinear for OLS and within, bootstrapGmm for intervals. */
export function engineEstimators(options: { backend?: string } = {}): Estimators {
  // The id and time columns are variables too (cluster(city)), as in `estimate`'s reading of a file.
  const specOf = (run: ModelRun) => parseXtabond2(run.command, run.panel.variables());
  return {
    fit(run) {
      const spec = specOf(run);
      return run.estimator === 'ols' || run.estimator === 'within' ? fitLinear(run.panel, spec, run.estimator, run.command) : fitGmm(run.panel, spec, run.command);
    },
    async bootstrap(run, reps, seed) {
      const b = await bootstrapGmm(run.panel, specOf(run), { reps, seed, backend: options.backend }, run.command);
      return {
        intervals: b.coefficients.map((c) => ({ name: c.name, low: c.percentile.low, high: c.percentile.high })),
        failed: b.failed.singular + b.failed.nonFinite,
      };
    },
  };
}

export interface ReplicateOptions {
  /** Data file (overrides the config's `data`); relative to the working directory. */
  data?: string;
  /** How to read the data file (--input-format, --sheet, --delimiter); default: by its extension. */
  read?: Pick<ReadOptions, 'format' | 'sheet' | 'delimiter'>;
  /** study.json; defaults are used when absent. */
  config?: string;
  /** Output directory (created). */
  out: string;
  /** Bootstrap replications for the GMM columns (0 or absent: none). */
  bootstrap?: number;
  estimators: Estimators;
  onProgress?: (e: ProgressEvent) => void;
}

export interface ReplicateOutcome {
  config: StudyConfig;
  dataPath: string;
  description: PanelDescription;
  runs: FittedRun[];
  tables: JournalTable[];
  effects: StudyEffects;
  regionTests: RegionTests;
  /** Measures' missing-value warnings and model warnings. */
  warnings: string[];
  files: string[];
  seconds: { step: string; seconds: number }[];
  /** T2 as aligned text, for the terminal. */
  t2Text: string;
}

const MEASURE_LABELS: Record<EfficiencyMeasure, string> = {
  'labour-productivity': 'labour productivity',
  'log-labour-productivity': 'ln labour productivity',
  'dea-ccr-in': 'DEA-CCR',
  'dea-ccr-out': 'DEA-CCR, output',
  'dea-bcc-in': 'DEA-BCC',
  'dea-bcc-out': 'DEA-BCC, output',
  malmquist: 'Malmquist',
};

/** Column headings of the default segments (their full names are in the table notes and T1). */
const SHORT_SEGMENT: Record<string, string> = {
  transport: 'Transport',
  ict: 'ICT',
  finance: 'Finance',
  leasing: 'Leasing & business',
  research: 'Research & tech',
};

/** Read study.json (or take the defaults) and settle the data path. */
export async function loadConfig(configPath: string | undefined, dataOverride: string | undefined): Promise<{ config: StudyConfig; dataPath: string }> {
  let config = DEFAULT_CONFIG;
  // The built-in config's data is the bundled panel: found in the package (two folders above this
  // module in src/, dist/ and dist/bin alike), whatever the working directory.
  let base = fileURLToPath(new URL('../../', import.meta.url));
  if (configPath) {
    let text: string;
    try {
      text = await readFile(configPath, 'utf8');
    } catch {
      throw new DataError(`cannot read the study config '${configPath}'`, { file: configPath });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SpecError(`${configPath} is not valid JSON: ${(e as Error).message}`, '--config');
    }
    config = parseStudyConfig(json, configPath);
    // A config's own `data` is read relative to the config file; without one it is the bundled panel.
    if ((json as Record<string, unknown>).data !== undefined) base = dirname(resolve(configPath));
  }
  // `-` is standard input (with --input-format), not a file of that name.
  const dataPath = dataOverride === '-' ? '-' : dataOverride ? resolve(dataOverride) : isAbsolute(config.data) ? config.data : resolve(base, config.data);
  return { config, dataPath };
}

/** A path as the user would type it from the working directory. */
function displayPath(path: string): string {
  if (path === '-') return 'standard input (-)';
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
}

/** Rows usable for estimation: outcome, its lag and every listed variable present. */
function estimationRows(panel: Panel, y: string, vars: string[]): Uint8Array {
  const yv = panel.column(y);
  const ly = lag(panel, yv, 1);
  const cols = vars.map((v) => panel.column(v));
  return Uint8Array.from({ length: panel.nrows }, (_, r) => (!Number.isNaN(yv[r]) && !Number.isNaN(ly[r]) && cols.every((c) => !Number.isNaN(c[r])) ? 1 : 0));
}

function meanOver(x: Float64Array, rows: Uint8Array): number {
  let s = 0;
  let n = 0;
  for (let r = 0; r < x.length; r++) if (rows[r] && !Number.isNaN(x[r])) { s += x[r]; n++; }
  return n ? s / n : NaN;
}

interface Prepared {
  samples: StudySamples;
  vars: StudyVariables;
  /** Centring means of CA and EFF in the baseline variant. */
  centre: { ca: number; eff: number };
  /** Efficiency values of the baseline estimation sample (for the marginal-effect grid). */
  effValues: number[];
  /** Columns described in T1, with labels. */
  describe: { column: string; label: string }[];
  labels: { index: string; efficiency: string };
  base: Panel;
}

/**
 * The model variables on every sample. The baseline panel gets y, the controls, CA and EFF (as
 * `ca`, `eff`) and their interaction (centred at the means over the estimation rows: outcome, its
 * lag, CA, EFF and controls present), period and inland dummies with their core interactions.
 */
function prepare(panel: Panel, cfg: StudyConfig, effColumns: Record<EfficiencyMeasure, string>, warnings: string[]): Prepared {
  const y = cfg.pollution.log ? `ln${cfg.pollution.column}` : cfg.pollution.column;
  const raw = panel.column(cfg.pollution.column);
  let p = cfg.pollution.log ? panel.withColumn(y, Float64Array.from(raw, (v) => (v > 0 ? Math.log(v) : NaN))) : panel;
  if (cfg.pollution.log) {
    const made = new Generated(panel);
    raw.forEach((v, r) => v <= 0 && made.add('log()', r));
    made.warn(warnings, `${y} = log(${cfg.pollution.column})`);
  }
  const reserved = new Set(['ca', 'eff', 'ca_eff', 'inland', y]);
  for (const c of cfg.controls) {
    if (reserved.has(c.name)) throw new SpecError(`control name '${c.name}' is reserved by the study; give the control another "name"`, 'controls');
    const made = new Generated(p);
    p = p.withColumn(c.name, evalExpression(p, c.expr, (what, r) => made.add(what, r)));
    made.warn(warnings, `control ${c.name} = ${c.expr}`);
  }
  const controlNames = cfg.controls.map((c) => c.name);
  // Year dummies yr<t> for every year, in order (the models name ranges of them, yr2005-yr2016).
  for (const d of timeDummies(p)) {
    if (panel.has(d.name)) throw new DataError(`the data already has a column '${d.name}'; the study makes its own year dummies of that name`, { column: d.name });
    p = p.withColumn(d.name, d.values);
  }
  const core = (q: Panel, caCol: string, effCol: string): { panel: Panel; centre: { ca: number; eff: number } } => {
    const ca = q.column(caCol).slice();
    const eff = q.column(effCol).slice();
    const rows = estimationRows(q.withColumn('ca', ca).withColumn('eff', eff), y, ['ca', 'eff', ...controlNames]);
    const centre = cfg.centre ? { ca: meanOver(ca, rows), eff: meanOver(eff, rows) } : { ca: 0, eff: 0 };
    const caEff = Float64Array.from(ca, (v, r) => (v - centre.ca) * (eff[r] - centre.eff));
    return { panel: q.withColumn('ca', ca).withColumn('eff', eff).withColumn('ca_eff', caEff), centre };
  };
  const interact = (q: Panel, dummy: Float64Array, name: string, sfx: string): Panel => {
    let out = q.withColumn(name, dummy);
    for (const v of ['ca', 'eff', 'ca_eff']) {
      const x = out.column(v);
      out = out.withColumn(`${v}_${sfx}`, Float64Array.from(x, (xv, r) => xv * dummy[r]));
    }
    return out;
  };
  const effMain = effColumns[cfg.efficiency.measure];
  const base = core(p, cfg.index, effMain);
  let full = base.panel;
  const span = full.timeRange;
  const periodVars: StudyVariables['periods'] = [];
  cfg.periods.slice(1).forEach((range, k) => {
    const sfx = `p${k + 2}`;
    const dummy = Float64Array.from(full.time, (t) => (t >= range[0] && t <= range[1] ? 1 : 0));
    full = interact(full, dummy, `period${k + 2}`, sfx);
    periodVars.push({ label: periodLabel(range, span), dummy: `period${k + 2}`, ca: `ca_${sfx}`, eff: `eff_${sfx}`, caEff: `ca_eff_${sfx}` });
  });
  // 0 or 1, constant within a city (sample-checks.ts).
  const coastal = full.column(cfg.coastal);
  full = interact(full, Float64Array.from(coastal, (c) => 1 - c), 'inland', 'inl');
  const coastalOfUnit = Array.from({ length: full.nunits }, (_, i) => coastal[full.offsets[i]] === 1);
  const muni = cfg.municipalities;
  const muniValues = new Set(muni?.values ?? []);
  const muniOfUnit = muni ? unitValues(full, muni.column).map((v) => muniValues.has(v)) : [];

  const vars: StudyVariables = {
    y,
    yLabel: cfg.pollution.label,
    ca: 'ca',
    eff: 'eff',
    caEff: 'ca_eff',
    controls: cfg.controls.map((c) => ({ name: c.name, label: c.label })),
    periods: periodVars,
    inland: { dummy: 'inland', ca: 'ca_inl', eff: 'eff_inl', caEff: 'ca_eff_inl' },
  };
  const idxLabel = (index: string) => index;
  const effLabel = (m: EfficiencyMeasure) => MEASURE_LABELS[m];
  const samples: StudySamples = {
    full,
    periods: cfg.periods.map((range) => ({ label: periodLabel(range, span), panel: full.selectRows((r) => full.time[r] >= range[0] && full.time[r] <= range[1]) })),
    coastal: full.selectUnits((i) => coastalOfUnit[i]),
    inland: full.selectUnits((i) => !coastalOfUnit[i]),
    segments: cfg.sectors.segments.map((s) => ({ key: s.key, label: SHORT_SEGMENT[s.key] ?? s.name, name: s.name, panel: core(p, `${cfg.index}_${s.key}`, effMain).panel })),
    altIndex: { label: `CA = ${idxLabel(cfg.robustnessIndex)}`, panel: core(p, cfg.robustnessIndex, effMain).panel },
    altEfficiency: { label: `EFF = ${effLabel(cfg.efficiency.robustness)}`, panel: core(p, cfg.index, effColumns[cfg.efficiency.robustness]).panel },
    noMunicipalities: muni ? { panel: full.selectUnits((i) => !muniOfUnit[i]), dropped: muniOfUnit.filter(Boolean).length } : null,
  };
  const rows = estimationRows(full, y, ['ca', 'eff', ...controlNames]);
  const effCol = full.column('eff');
  const effValues: number[] = [];
  for (let r = 0; r < rows.length; r++) if (rows[r]) effValues.push(effCol[r]);
  const describe = [
    { column: cfg.pollution.column, label: cfg.pollution.column },
    ...(cfg.pollution.log ? [{ column: y, label: cfg.pollution.label }] : []),
    { column: 'CA1', label: 'CA1 (producer services)' },
    { column: 'CA2', label: 'CA2 (producer services)' },
    ...cfg.sectors.segments.map((s) => ({ column: `${cfg.index}_${s.key}`, label: `${cfg.index} ${s.name}` })),
    ...[...new Set([cfg.efficiency.measure, cfg.efficiency.robustness])].map((m) => ({ column: effColumns[m], label: `EFF ${effLabel(m)}` })),
    ...cfg.controls.map((c) => ({ column: c.name, label: c.label })),
    { column: cfg.coastal, label: 'Coastal (0/1)' },
  ];
  return { samples, vars, centre: base.centre, effValues, describe, labels: { index: idxLabel(cfg.index), efficiency: effLabel(cfg.efficiency.measure) }, base: p };
}

function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

/** Marginal effect of CA along efficiency and long-run effects, from T2's interaction column. */
function studyEffects(run: FittedRun, vars: StudyVariables, cfg: StudyConfig, centre: number, effValues: number[]): StudyEffects {
  const r = run.result;
  const sorted = [...effValues].sort((a, b) => a - b);
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  const grid = Array.from({ length: cfg.gridPoints }, (_, k) => lo + ((hi - lo) * k) / (cfg.gridPoints - 1));
  const names = { ca: vars.ca, interaction: vars.caEff };
  const marginal = marginalEffectCurve(r, names, grid, centre);
  const percentiles = [0.1, 0.25, 0.5, 0.75, 0.9];
  const atPercentiles = marginalEffectCurve(r, names, percentiles.map((q) => quantile(sorted, q)), centre).map((m, k) => ({ ...m, percentile: percentiles[k] * 100 }));
  const lagDep = `L.${vars.y}`;
  const longRun = [
    longRunEffect(r, vars.ca, lagDep, 'CA'),
    longRunEffect(r, vars.eff, lagDep, 'EFF'),
    longRunEffect(r, vars.caEff, lagDep, 'CA × EFF'),
  ];
  return { model: `${run.id} ${run.label}`, effCentre: centre, marginal, atPercentiles, longRun };
}

async function writeTable(out: string, t: JournalTable, files: string[]): Promise<void> {
  for (const [ext, text] of [
    ['md', toMarkdown(t)],
    ['tex', toLatex(t)],
    ['csv', toCsv(t)],
    ['json', toJson(t)],
  ] as const) {
    const f = join(out, `${t.id}.${ext}`);
    await writeFileAtomic(f, text);
    files.push(f);
  }
}

function effectsCsv(e: StudyEffects): string {
  const lines = ['kind,label,efficiency,percentile,estimate,se,z,p,ci_low,ci_high'];
  const num = (x: number) => (Number.isFinite(x) ? String(x) : '');
  for (const m of e.marginal) lines.push(['marginal', 'dCA', num(m.efficiency), '', num(m.estimate), num(m.se), num(m.z), num(m.p), num(m.low), num(m.high)].join(','));
  for (const m of e.atPercentiles) lines.push(['marginal_at_percentile', 'dCA', num(m.efficiency), String(m.percentile), num(m.estimate), num(m.se), num(m.z), num(m.p), num(m.low), num(m.high)].join(','));
  for (const l of e.longRun) lines.push(['long_run', `"${l.label}"`, '', '', num(l.estimate), num(l.se), num(l.z), num(l.p), num(l.low), num(l.high)].join(','));
  return lines.join('\n') + '\n';
}

/** Run the whole study. */
export async function replicate(opts: ReplicateOptions): Promise<ReplicateOutcome> {
  const seconds: { step: string; seconds: number }[] = [];
  const { config: cfg, dataPath } = await loadConfig(opts.config, opts.data);
  const reps = opts.bootstrap ?? 0;
  let done = 0;
  // read, indices, efficiency, variables, [models...], [bootstrap...], tables, figures, report
  const nModels = 5 + (cfg.periods.length + 1) + 3 + cfg.sectors.segments.length + (cfg.municipalities ? 4 : 3);
  const total = 4 + nModels + (reps > 0 && opts.estimators.bootstrap ? nModels - 2 : 0) + 3;
  let t0 = performance.now();
  let current = '';
  const step = (label: string) => {
    if (current) seconds.push({ step: current, seconds: (performance.now() - t0) / 1000 });
    t0 = performance.now();
    current = label;
    opts.onProgress?.({ step: label, done: done++, total });
  };

  step(`reading ${displayPath(dataPath)}`);
  const table = await readTable(dataPath, { ...opts.read, ids: [cfg.id] });
  const names = table.schema.fields.map((f) => f.name);
  // Without the id or time column there is no panel: report them with every other missing column.
  const where = ` in ${displayPath(dataPath)}`;
  const keyed = [
    { key: 'id', column: cfg.id },
    { key: 'time', column: cfg.time },
    ...configColumns(cfg),
  ];
  if (!names.includes(cfg.id) || !names.includes(cfg.time))
    throwColumnProblems(
      keyed.filter((c) => !names.includes(c.column)).map((c) => ({ column: c.column, message: missingColumn(c.column, c.key, names, where) })),
      where,
      dataPath,
      names,
    );
  let panel = Panel.fromTable(table, { id: cfg.id, time: cfg.time, source: displayPath(dataPath) });
  checkConfigColumns(cfg, panel);
  const warnings: string[] = [...configWarnings(cfg), ...checkStudySample(cfg, panel)];
  const measureWarnings = (ws: MeasureWarning[]) => warnings.push(...ws.map((w) => w.message));

  step('co-agglomeration indices');
  const idx = withIndices(panel, cfg.sectors);
  panel = idx.panel;
  measureWarnings(idx.warnings);

  const measures = [...new Set([cfg.efficiency.measure, cfg.efficiency.robustness])];
  step(`manufacturing efficiency (${measures.join(', ')})`);
  const eff = await panelEfficiency(panel, cfg.efficiency, measures);
  for (const n of eff.names) panel = panel.withColumn(n, eff.columns[n]);
  measureWarnings(eff.warnings);
  const effColumns = Object.fromEntries(measures.map((m) => [m, efficiencyColumnNames(m)[0]])) as Record<EfficiencyMeasure, string>;

  step('study variables and samples');
  const prep = prepare(panel, cfg, effColumns, warnings);
  const plan = planModels(prep.samples, prep.vars, cfg);
  const runs: FittedRun[] = [];
  // The same warning from many models is listed once, with the models it came from.
  const modelWarnings = new Map<string, string[]>();
  for (const run of plan) {
    step(`fitting ${run.id} ${run.label} (${run.estimator})`);
    const result = canonicalLagName(await opts.estimators.fit(run), prep.vars.y);
    runs.push({ ...run, result });
    for (const w of result.warnings) modelWarnings.set(w, [...(modelWarnings.get(w) ?? []), run.id]);
    // Roodman (2009): instruments should not outnumber groups (grid flags the same, instr>groups).
    if ((run.estimator === 'system' || run.estimator === 'difference') && result.ninstruments > result.ngroups)
      warnings.push(`${run.id} ${run.label}: ${result.ninstruments} instruments for ${result.ngroups} cities; with more instruments than groups the Hansen test is weak and the two-step weight can be singular (Roodman 2009)`);
  }
  for (const [w, ids] of modelWarnings) warnings.push(`${w} (${ids.length === runs.length ? 'every model' : ids.join(', ')})`);
  if (reps > 0) {
    const boot = opts.estimators.bootstrap;
    if (!boot) throw new SpecError('--bootstrap: no bootstrap is available in this build', '--bootstrap');
    const tooFew = tooFewReplications(reps, 0.95);
    if (tooFew) warnings.push(`--bootstrap: ${tooFew}`);
    for (const run of runs) {
      if (run.estimator !== 'system' && run.estimator !== 'difference') continue;
      step(`bootstrap ${run.id} ${run.label} (B = ${reps})`);
      const b = await boot(run, reps, cfg.seed);
      run.bootstrap = b.intervals.map((x) => (x.name === `L1.${prep.vars.y}` ? { ...x, name: `L.${prep.vars.y}` } : x));
      run.bootstrapFailed = b.failed;
      if (b.failed > 0) warnings.push(`${run.id} ${run.label}: ${b.failed} of ${reps} bootstrap replications failed (singular or non-finite) and were left out`);
    }
  }

  step('tables and derived effects');
  await makeFolder(opts.out).catch((err: unknown) => {
    throw optionFault(err, '--out');
  });
  const files: string[] = [];
  const coreLabels = { [prep.vars.ca]: 'CA', [prep.vars.eff]: 'EFF', [prep.vars.caEff]: 'CA × EFF' };
  const tests = regionTests(runs, prep.vars, coreLabels);
  const inputs = assembleTables(runs, prep.vars, cfg, tests, prep.labels, prep.samples.segments);
  if (reps > 0) for (const t of inputs) t.notes = [...(t.notes ?? []), bootstrapNote(runs.filter((r) => r.table === t.id), reps, cfg.seed)];
  const tables = inputs.map(buildJournalTable);
  for (const t of tables) await writeTable(opts.out, t, files);

  const description = describePanel(prep.samples.full, prep.describe.map((d) => d.column));
  const t1 = { ...description, variables: description.variables.map((v, k) => ({ ...v, name: prep.describe[k].label })) };
  for (const [ext, text] of [
    ['md', `**T1. Descriptive statistics**\n\n${formatDescription(t1, 'markdown')}`],
    ['tex', formatDescription(t1, 'latex')],
    ['csv', formatDescription(t1, 'csv')],
    ['json', JSON.stringify(t1, null, 2) + '\n'],
  ] as const) {
    const f = join(opts.out, `T1.${ext}`);
    await writeFileAtomic(f, text);
    files.push(f);
  }

  const main = runs.find((r) => r.table === 'T2' && r.estimator === 'system' && r.core.includes(prep.vars.caEff))!;
  const effects = studyEffects(main, prep.vars, cfg, prep.centre.eff, prep.effValues);
  for (const [name, text] of [
    ['effects.json', JSON.stringify(effects, null, 2) + '\n'],
    ['effects.csv', effectsCsv(effects)],
  ] as const) {
    const f = join(opts.out, name);
    await writeFileAtomic(f, text);
    files.push(f);
  }
  const modelsFile = join(opts.out, 'models.json');
  await writeFileAtomic(
    modelsFile,
    JSON.stringify(
      runs.map(({ id, label, estimator, command, result, bootstrap, bootstrapFailed }) => ({ id, label, estimator, command, result, bootstrap: bootstrap ?? null, bootstrapFailed: bootstrapFailed ?? null })),
      null,
      2,
    ) + '\n',
  );
  files.push(modelsFile);

  step('figures');
  const figures = await studyFigures(opts.out, runs, prep, effects, cfg);
  files.push(...figures.flatMap((f) => [f.svg, f.png]));

  step('report');
  const reportFile = join(opts.out, 'report.md');
  await writeFileAtomic(
    reportFile,
    studyReport({ config: cfg, dataPath, description, tables, t1Markdown: formatDescription(t1, 'markdown'), effects, regionTests: tests, runs, warnings, vars: prep.vars, labels: prep.labels, centre: prep.centre, figures, bootstrap: reps }),
  );
  files.push(reportFile);
  seconds.push({ step: current, seconds: (performance.now() - t0) / 1000 });
  opts.onProgress?.({ step: 'done', done: total, total });
  return { config: cfg, dataPath, description, runs, tables, effects, regionTests: tests, warnings, files, seconds, t2Text: toText(tables[0]) };
}

async function studyFigures(out: string, runs: FittedRun[], prep: Prepared, effects: StudyEffects, cfg: StudyConfig): Promise<FigureFile[]> {
  const v = prep.vars;
  const core: [string, string][] = [
    [v.ca, 'CA'],
    [v.eff, 'EFF'],
    [v.caEff, 'CA × EFF'],
  ];
  const points = (group: string, dimension: string, r: FittedRun): CoefficientPoint[] =>
    core.flatMap(([name, label]) => {
      const c = r.result.coefficients.find((k) => k.name === name);
      return c ? [{ group, dimension, coefficient: label, estimate: c.estimate, low: c.ciLow, high: c.ciHigh }] : [];
    });
  const byTable = (t: string) => runs.filter((r) => r.table === t);
  const main = runs.find((r) => r.table === 'T2' && r.estimator === 'system' && r.core.includes(v.caEff))!;
  const t3 = byTable('T3').slice(0, cfg.periods.length);
  const [coastal, inland] = byTable('T4');
  const hetero = [
    ...points('Full sample', 'Full sample', main),
    ...t3.flatMap((r) => points(r.label, 'Period', r)),
    ...points('Coastal', 'Region', coastal),
    ...points('Inland', 'Region', inland),
  ];
  const segs = byTable('T5').flatMap((r) => points(r.label, 'Segment', r));
  const files: FigureFile[] = [];
  const add = async (name: string, caption: string, spec: Parameters<typeof writeFigure>[0]) => {
    const f = await writeFigure(spec, join(out, name));
    files.push({ name, caption, ...f });
  };
  await add('fig1_heterogeneity', 'Core coefficients (two-step system GMM) with 95% intervals: full sample, sub-periods, coastal and inland cities.', coefficientPlotSpec(hetero, 'Co-agglomeration, efficiency and haze across samples'));
  await add('fig2_segments', 'Core coefficients by producer-service segment (CA from each segment), with 95% intervals.', coefficientPlotSpec(segs, 'By producer-service segment'));
  await add(
    'fig3_marginal_effect',
    `Marginal effect of co-agglomeration on ${v.yLabel} across manufacturing efficiency (${prep.labels.efficiency}), with its 95% delta-method band; below, the distribution of efficiency in the estimation sample.`,
    bandCurveSpec(
      effects.marginal.map((m) => ({ x: m.efficiency, estimate: m.estimate, low: m.low, high: m.high })),
      { title: `Marginal effect of CA on ${v.yLabel}`, xTitle: `Manufacturing efficiency (${prep.labels.efficiency})`, yTitle: `∂ ${v.yLabel} / ∂ CA`, distribution: prep.effValues },
    ),
  );
  return files;
}
