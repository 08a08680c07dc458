// The study's models and tables: which regression goes in which column of T2–T6 (as xtabond2
// commands over the prepared study variables), and the assembly of fitted results into journal
// tables, with the coastal/inland difference tests of T4.
import type { GmmResult } from '../gmm/result.ts';
import type { Panel } from '../panel/panel.ts';
import type { BootstrapInterval, JournalColumn, JournalTableInput } from '../report/journal-table.ts';
import { fixed } from '../report/journal-table.ts';
import { SpecError } from '../errors.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import type { LagKey, StudyConfig } from './config.ts';
import { sampleDifference, waldZero, type DerivedEffect } from './effects.ts';
import type { TestStat } from '../gmm/result.ts';

export type TableId = 'T2' | 'T3' | 'T4' | 'T5' | 'T6';

/** Names of the model variables in every prepared sample panel. */
export interface StudyVariables {
  /** Outcome (e.g. lnpm25). */
  y: string;
  yLabel: string;
  ca: string;
  eff: string;
  /** (CA − c̄)(EFF − ē) when centred, else CA·EFF. */
  caEff: string;
  controls: { name: string; label: string }[];
  /** Period dummies and core × period interactions, one set per period after the first. */
  periods: { label: string; dummy: string; ca: string; eff: string; caEff: string }[];
  /** Inland dummy and core × inland interactions. */
  inland: { dummy: string; ca: string; eff: string; caEff: string };
}

/** The samples and variants the tables are estimated on; each panel holds the StudyVariables. */
export interface StudySamples {
  full: Panel;
  periods: { label: string; panel: Panel }[];
  coastal: Panel;
  inland: Panel;
  /** label: column heading; name: the segment's full name. */
  segments: { key: string; label: string; name: string; panel: Panel }[];
  /** Same sample, the other co-agglomeration index / the other efficiency measure as ca / eff. */
  altIndex: { label: string; panel: Panel };
  altEfficiency: { label: string; panel: Panel };
  /** The units of the municipality rule dropped (null: the rule is switched off). */
  noMunicipalities: { panel: Panel; dropped: number } | null;
}

export type Estimator = 'ols' | 'within' | 'difference' | 'system';

export interface ModelRun {
  /** "T2.5": table and column number. */
  id: string;
  table: TableId;
  label: string;
  estimator: Estimator;
  panel: Panel;
  /** The model as an xtabond2 command; OLS and within use its variable list. */
  command: string;
  /** Core regressors (endogenous, in gmm()). */
  core: string[];
}

export interface GmmChoice {
  lagMin: number;
  lagMax: number;
  collapse: boolean;
  /** Lag limits per variable (y, ca, eff, ca_eff), overriding lagMin/lagMax. */
  lags?: Partial<Record<LagKey, [number, number]>>;
  /** Year dummies in the level equation only (default) or in both. */
  yearDummies?: 'level' | 'both';
}

/** Which lag key a gmm() variable of the study follows: y, or the core variable it is built from
 *  (ca_p2 follows ca, ca_eff_inl follows ca_eff). */
function lagKeyOf(v: StudyVariables, name: string): LagKey {
  const is = (base: string) => name === base || name.startsWith(`${base}_`);
  if (name === v.y) return 'y';
  if (is(v.caEff)) return 'ca_eff';
  if (is(v.ca)) return 'ca';
  if (is(v.eff)) return 'eff';
  return 'ca';
}

/** The gmm() groups of a study model: variables with the same lag limits share a group. */
export function gmmGroups(v: StudyVariables, vars: string[], g: GmmChoice): { vars: string[]; lags: [number, number] }[] {
  const groups: { vars: string[]; lags: [number, number] }[] = [];
  for (const name of vars) {
    const lags = g.lags?.[lagKeyOf(v, name)] ?? [g.lagMin, g.lagMax];
    const hit = groups.find((x) => x.lags[0] === lags[0] && x.lags[1] === lags[1]);
    if (hit) hit.vars.push(name);
    else groups.push({ vars: [name], lags });
  }
  return groups;
}

/**
 * The xtabond2 command of a study model: y on its lag, the core regressors, the controls and year
 * dummies; two-step robust GMM with the lagged outcome and the core regressors GMM-style, the
 * controls IV-style and the year dummies IV-style in the levels equation (both equations' worth
 * in difference GMM). `years` is the first and last year with a dummy: the study leaves out the
 * first year (lost to the lag) and the base year, so dummies and constant are not collinear.
 * `levelOnly` are time-invariant regressors (the inland dummy of T4's pooled column), instrumented
 * by themselves in the levels equation: their first difference is zero, but system GMM's levels
 * equation identifies them, its instruments being assumed orthogonal to the city effect
 * (Arellano & Bover 1995; Roodman 2009, Stata Journal 9(1), on time-invariant regressors).
 */
export function gmmCommand(v: StudyVariables, core: string[], g: GmmChoice, estimator: 'system' | 'difference', years: [number, number] | null, levelOnly: string[] = []): string {
  const controls = v.controls.map((c) => c.name).join(' ');
  const dummies = years === null ? '' : years[0] === years[1] ? `yr${years[0]}` : `yr${years[0]}-yr${years[1]}`;
  const gmm = gmmGroups(v, [v.y, ...core], g)
    .map((x) => `gmm(${x.vars.join(' ')}, lag(${x.lags[0]} ${x.lags[1]})${g.collapse ? ' collapse' : ''})`)
    .join(' ');
  const dummiesInLevels = estimator === 'system' && (g.yearDummies ?? 'level') === 'level';
  const invariant = levelOnly.join(' ');
  const iv = [controls ? `iv(${controls})` : '', invariant ? `iv(${invariant}, eq(level))` : '', dummies ? `iv(${dummies}${dummiesInLevels ? ', eq(level)' : ''})` : ''].filter(Boolean).join(' ');
  const opts = `${gmm} ${iv} twostep robust${estimator === 'difference' ? ' noleveleq' : ''}`;
  return `${v.y} L.${v.y} ${core.join(' ')} ${invariant} ${controls} ${dummies}, ${opts}`.replace(/\s+/g, ' ').replace(' ,', ',');
}

/** The year-dummy range of a sample: its years without the first (no lag) and the second (base). */
export function dummyYears(panel: Panel): [number, number] | null {
  const years = [...new Set(panel.time)].sort((a, b) => a - b);
  return years.length >= 3 ? [years[2], years[years.length - 1]] : null;
}

/**
 * A command template of the study config with its placeholders filled: {y}, {core}, {controls} and
 * {dummies} (the year-dummy range of the column's sample).
 */
export function fillTemplate(template: string, id: string, v: StudyVariables, core: string[], years: [number, number] | null): string {
  const values: Record<string, string> = {
    y: v.y,
    core: core.join(' '),
    controls: v.controls.map((c) => c.name).join(' '),
    dummies: years === null ? '' : years[0] === years[1] ? `yr${years[0]}` : `yr${years[0]}-yr${years[1]}`,
  };
  return template.replace(/\{([^}]*)\}/g, (_, name: string) => {
    if (!(name in values)) throw new SpecError(`study config 'commands.${id}': unknown placeholder {${name}}; use {y}, {core}, {controls} or {dummies}`, `commands.${id}`);
    return values[name];
  });
}

/** Every model of T2–T6, in table and column order. */
export function planModels(s: StudySamples, v: StudyVariables, cfg: StudyConfig): ModelRun[] {
  const g: GmmChoice = { lagMin: cfg.gmm.lagMin, lagMax: cfg.gmm.lagMax, collapse: cfg.gmm.collapse, lags: cfg.gmm.lags, yearDummies: cfg.yearDummies };
  const core = [v.ca, v.eff, v.caEff];
  const runs: ModelRun[] = [];
  const add = (table: TableId, label: string, estimator: Estimator, panel: Panel, coreVars: string[], choice = g, levelOnly: string[] = []) => {
    const n = runs.filter((r) => r.table === table).length + 1;
    const id = `${table}.${n}`;
    const template = cfg.commands[id];
    const gmm = estimator === 'difference' || estimator === 'system';
    if (template !== undefined && !gmm)
      throw new SpecError(`study config 'commands.${id}': column ${id} (${label}) is not a GMM column; command templates apply to GMM columns`, `commands.${id}`);
    const full =
      template !== undefined
        ? checkedTemplate(fillTemplate(template, id, v, coreVars, dummyYears(panel)), id, panel)
        : gmmCommand(v, coreVars, choice, estimator === 'difference' ? 'difference' : 'system', dummyYears(panel), levelOnly);
    // OLS and within read the variable list only (ols.ts), so that is their command.
    const command = gmm ? full : full.split(',')[0].trim();
    runs.push({ id, table, label, estimator, panel, command, core: coreVars });
  };
  add('T2', 'Pooled OLS', 'ols', s.full, core);
  add('T2', 'Fixed effects', 'within', s.full, core);
  add('T2', 'Diff-GMM', 'difference', s.full, core);
  add('T2', 'Sys-GMM', 'system', s.full, [v.ca, v.eff]);
  add('T2', 'Sys-GMM', 'system', s.full, core);
  for (const p of s.periods) add('T3', p.label, 'system', p.panel, core);
  add('T3', 'Period interactions', 'system', s.full, [...core, ...v.periods.flatMap((p) => [p.ca, p.eff, p.caEff])]);
  add('T4', 'Coastal', 'system', s.coastal, core);
  add('T4', 'Inland', 'system', s.inland, core);
  // The interactions are CA·inland etc. with uncentred CA, so without the inland dummy CA × Inland
  // would also carry the inland shift in the level of PM2.5 that the dummy stands for.
  add('T4', 'Inland interactions', 'system', s.full, [...core, v.inland.ca, v.inland.eff, v.inland.caEff], g, [v.inland.dummy]);
  for (const seg of s.segments) add('T5', seg.label, 'system', seg.panel, core);
  add('T6', s.altIndex.label, 'system', s.altIndex.panel, core);
  add('T6', s.altEfficiency.label, 'system', s.altEfficiency.panel, core);
  // The instrument-set robustness column: collapse switched, every upper lag limit capped.
  const cap = (l: [number, number]): [number, number] => [l[0], Math.max(l[0], Math.min(l[1], cfg.gmm.robustnessLagMax))];
  const flipped: GmmChoice = {
    ...g,
    lagMax: cfg.gmm.robustnessLagMax,
    collapse: !cfg.gmm.collapse,
    lags: Object.fromEntries(Object.entries(cfg.gmm.lags).map(([k, l]) => [k, cap(l)])),
  };
  add('T6', flipped.collapse ? 'Collapsed instruments' : 'Uncollapsed instruments', 'system', s.full, core, flipped);
  if (s.noMunicipalities) add('T6', 'No municipalities', 'system', s.noMunicipalities.panel, core);
  const unknown = Object.keys(cfg.commands).filter((id) => !runs.some((r) => r.id === id));
  if (unknown.length)
    throw new SpecError(
      `study config 'commands': no column ${unknown.join(', ')}; the GMM columns are ${runs.filter((r) => r.estimator === 'system' || r.estimator === 'difference').map((r) => r.id).join(', ')}`,
      `commands.${unknown[0]}`,
    );
  return runs;
}

/** A filled template must parse against the column's data (errors name the config key). */
function checkedTemplate(command: string, id: string, panel: Panel): string {
  try {
    const spec = parseXtabond2(command, panel.variables());
    // The tables' stars, the bootstrap brackets and the effects are at fixed levels (95%).
    if (spec.level !== undefined) throw new SpecError('level(): the study\'s tables print 95% intervals and stars at 10/5/1%; leave level() out', 'level');
  } catch (e) {
    if (e instanceof SpecError) throw new SpecError(`study config 'commands.${id}': ${e.message} (in '${command}')`, `commands.${id}`);
    throw e;
  }
  return command.replace(/^\s*xtabond2\s+/, '');
}

/** What the pairs bootstrap of the GMM columns resamples: cities, or the variable of a column's
 *  cluster() (the bootstrap resamples the clusters of the fit). */
export function bootstrapResamples(runs: readonly ModelRun[]): string {
  const other = new Map<string, string[]>();
  for (const r of runs) {
    if (r.estimator !== 'system' && r.estimator !== 'difference') continue;
    const c = parseXtabond2(r.command, r.panel.variables()).cluster;
    const name = c?.join(' ');
    if (name !== undefined && name !== r.panel.idName) other.set(name, [...(other.get(name) ?? []), r.id]);
  }
  if (other.size === 0) return 'pairs (city) bootstrap';
  return `pairs (cluster) bootstrap of cities, and of the clusters of ${[...other].map(([v, ids]) => `${v} in ${ids.join(', ')}`).join('; ')}`;
}

/** The result with its lagged-dependent-variable coefficient named "L.y", so table rows line up. */
export function canonicalLagName(result: GmmResult, y: string): GmmResult {
  return { ...result, coefficients: result.coefficients.map((c) => (c.name === `L1.${y}` ? { ...c, name: `L.${y}` } : c)) };
}

export interface FittedRun extends ModelRun {
  result: GmmResult;
  bootstrap?: BootstrapInterval[];
  /** Bootstrap replications that failed (singular or non-finite) and were left out. */
  bootstrapFailed?: number;
}

/**
 * The bootstrap note of a table: resampling, B, seed, and the replications that failed in each
 * GMM column (a column where all failed has no interval, printed [., .]).
 */
export function bootstrapNote(runs: readonly FittedRun[], reps: number, seed: number): string {
  const failed = runs.flatMap((r, k) => (r.bootstrapFailed ? [`(${k + 1}) ${r.bootstrapFailed} of ${reps}${r.bootstrapFailed === reps ? ', so no interval: [., .]' : ''}`] : []));
  const left = failed.length ? `; replications that failed (singular or non-finite) and were left out: ${failed.join('; ')}` : '';
  return `Bootstrap: ${bootstrapResamples(runs)}, B = ${reps}, seed ${seed}, 95% percentile intervals in brackets${left}.`;
}

/** The tests of T4 that inland and coastal coefficients differ. */
export interface RegionTests {
  /** Two-sample z per core coefficient: inland − coastal, samples of disjoint cities. */
  differences: DerivedEffect[];
  /** Joint Wald test that the three core × inland interactions are zero in the pooled model. */
  wald: TestStat;
}

export function regionTests(runs: FittedRun[], v: StudyVariables, coreLabels: Record<string, string>): RegionTests {
  const [coastal, inland, pooled] = runs.filter((r) => r.table === 'T4');
  return {
    differences: [v.ca, v.eff, v.caEff].map((k) => sampleDifference(inland.result, coastal.result, k, `${coreLabels[k]}: inland − coastal`)),
    wald: waldZero(pooled.result, [v.inland.ca, v.inland.eff, v.inland.caEff]),
  };
}

const TITLES: Record<TableId, string> = {
  T2: 'Baseline estimates: co-agglomeration, manufacturing efficiency and haze',
  T3: 'Over time: sub-periods and period interactions',
  T4: 'Coastal and inland cities',
  T5: 'Producer-service segments',
  T6: 'Robustness',
};

/** Journal-table inputs for T2–T6 from the fitted runs. */
export function assembleTables(
  runs: FittedRun[],
  v: StudyVariables,
  cfg: StudyConfig,
  tests: RegionTests,
  labels: { index: string; efficiency: string },
  segments: { label: string; name: string }[],
): JournalTableInput[] {
  const lag = { name: `L.${v.y}`, label: `L.${v.yLabel}` };
  // T2–T4 name the measures in the row labels; T5 and T6 change them by column, so there the rows say CA and EFF.
  const coreRows = [
    lag,
    { name: v.ca, label: `CA (${labels.index})` },
    { name: v.eff, label: `EFF (${labels.efficiency})` },
    { name: v.caEff, label: 'CA × EFF' },
  ];
  const genericRows = [lag, { name: v.ca, label: 'CA' }, { name: v.eff, label: 'EFF' }, { name: v.caEff, label: 'CA × EFF' }];
  const measures = `CA = ${labels.index} and EFF = ${labels.efficiency} unless the column says otherwise.`;
  const controlRows = v.controls.map((c) => ({ name: c.name, label: c.label }));
  const column = (r: FittedRun): JournalColumn => ({ label: r.label, result: r.result, ...(r.bootstrap ? { bootstrap: r.bootstrap } : {}) });
  const of = (t: TableId) => runs.filter((r) => r.table === t);
  const yesRow = (t: TableId, label: string) => ({ label, values: of(t).map(() => 'Yes') });
  const centring = cfg.centre
    ? 'CA × EFF is the product of mean-centred CA and EFF (means over the baseline estimation sample), so CA and EFF are effects at the mean of the other.'
    : 'CA × EFF is the product of CA and EFF (not centred).';
  // Sub-samples keep the pooled centring, so their main effects are at the pooled mean of the other.
  const subSampleCentring = cfg.centre
    ? 'The sub-sample columns keep the full sample\'s centring constants (CA and EFF means over the baseline estimation sample), so their CA and EFF are effects at the pooled mean of the other, not at the sub-sample\'s own mean. '
    : '';
  const coreLabel: Record<string, string> = { [v.ca]: 'CA', [v.eff]: 'EFF', [v.caEff]: 'CA×EFF' };
  const groupsText = gmmGroups(v, [v.y, v.ca, v.eff, v.caEff], { lagMin: cfg.gmm.lagMin, lagMax: cfg.gmm.lagMax, collapse: cfg.gmm.collapse, lags: cfg.gmm.lags })
    .map((x) => `gmm(${x.vars.map((n) => coreLabel[n] ?? n).join(' ')}, lag(${x.lags[0]} ${x.lags[1]})${cfg.gmm.collapse ? ' collapse' : ''})`)
    .join(' ');
  const templated = Object.keys(cfg.commands);
  const dummyIv = cfg.yearDummies === 'level' ? 'iv(levels)' : 'iv(both equations)';
  // Difference GMM (T2's column) has no levels equation and so no constant: dummyYears() leaves out
  // the first two years, and those are the years its first differences of the lag lose.
  const gmmNote = (t: TableId) => {
    const diff = of(t).flatMap((r, k) => (r.estimator === 'difference' ? [String(k + 1)] : []));
    const dummies = diff.length
      ? `year dummies: system GMM ${dummyIv}, the first year lost to the lag and the second the base year; difference GMM (column ${diff.join(', ')}) iv(differenced equation), the first two years lost to the lag and its first difference, every later year with its dummy (the differenced equation has no constant)`
      : `year dummies ${dummyIv}; the first year is lost to the lag and the second is the base year`;
    return `GMM columns: two-step, Windmeijer-corrected robust errors; ${groupsText}, iv(controls), ${dummies}.${
      templated.length ? ` ${templated.length === 1 ? 'Column' : 'Columns'} ${templated.join(', ')} ${templated.length === 1 ? 'uses' : 'use'} the study config's own command${templated.length === 1 ? '' : 's'} (models.json lists every command).` : ''
    }`;
  };
  const tables: JournalTableInput[] = [];
  const t2 = of('T2');
  tables.push({
    id: 'T2',
    title: TITLES.T2,
    columns: t2.map(column),
    rows: [...coreRows, ...controlRows],
    extraRows: [yesRow('T2', 'Year dummies'), { label: 'Estimator', values: t2.map((r) => estimatorLabel(r)) }],
    notes: [
      `Dependent variable: ${v.yLabel}. ${gmmNote('T2')} OLS and fixed effects: standard errors clustered by city.`,
      centring,
    ],
    digits: cfg.digits,
  });
  const periodRows = v.periods.flatMap((p) => [
    { name: p.ca, label: `CA × ${p.label}` },
    { name: p.eff, label: `EFF × ${p.label}` },
    { name: p.caEff, label: `CA × EFF × ${p.label}` },
  ]);
  tables.push({
    id: 'T3',
    title: TITLES.T3,
    columns: of('T3').map(column),
    rows: [...coreRows, ...periodRows],
    extraRows: [yesRow('T3', 'Controls'), yesRow('T3', 'Year dummies')],
    notes: [
      `Sub-period columns are estimated on the years of each period only (lags do not reach back across the split). The interaction column adds core × period dummies on the full sample; the period dummy itself is the sum of its years' dummies, which the model has. ${subSampleCentring}${gmmNote('T3')}`,
    ],
    digits: cfg.digits,
  });
  const t4 = of('T4');
  const diffRow = (d: DerivedEffect) => ({ label: `${d.label} (z p)`, values: t4.map((_, i) => (i === 1 ? `${fixed(d.estimate, cfg.digits)} (${fixed(d.p, 3)})` : '')) });
  tables.push({
    id: 'T4',
    title: TITLES.T4,
    columns: t4.map(column),
    rows: [
      ...coreRows,
      { name: v.inland.ca, label: 'CA × Inland' },
      { name: v.inland.eff, label: 'EFF × Inland' },
      { name: v.inland.caEff, label: 'CA × EFF × Inland' },
      { name: v.inland.dummy, label: 'Inland' },
    ],
    extraRows: [
      yesRow('T4', 'Controls'),
      yesRow('T4', 'Year dummies'),
      ...tests.differences.map(diffRow),
      {
        label: `Core × Inland = 0 (Wald χ²(${tests.wald.df}) p)`,
        values: t4.map((_, i) => (i === 2 ? `${fixed(tests.wald.chi2, 2)} (${fixed(tests.wald.p, 3)})` : '')),
      },
    ],
    notes: [
      `Difference tests: (a) per coefficient, inland − coastal from the two sub-sample columns, z = Δ/√(SE²_inland + SE²_coastal), valid because the samples share no city; (b) jointly, a Wald test that the three core × inland interactions are zero in the pooled column (3). Column (3) also has the inland dummy, instrumented by itself in the levels equation (iv(inland, eq(level))): constant within a city, it drops out of the differenced equation, but system GMM's levels equation, whose instruments are assumed orthogonal to the city effect, identifies it (Arellano & Bover 1995; Roodman 2009). The interactions multiply the inland dummy by uncentred CA and EFF, so without it CA × Inland and EFF × Inland would also carry the inland shift in the level of the outcome. ${subSampleCentring}`.trim(),
      gmmNote('T4'),
    ],
    digits: cfg.digits,
  });
  tables.push({
    id: 'T5',
    title: TITLES.T5,
    columns: of('T5').map(column),
    rows: genericRows,
    extraRows: [yesRow('T5', 'Controls'), yesRow('T5', 'Year dummies')],
    notes: [
      `Each column measures CA (${labels.index}) from one producer-service segment's employment against manufacturing; EFF = ${labels.efficiency}; CA × EFF uses that segment's CA. Segments: ${segments.map((s) => (s.label === s.name ? s.name : `${s.label} = ${s.name}`)).join('; ')}.`,
      gmmNote('T5'),
    ],
    digits: cfg.digits,
  });
  const t6 = of('T6');
  tables.push({
    id: 'T6',
    title: TITLES.T6,
    columns: t6.map(column),
    rows: genericRows,
    extraRows: [yesRow('T6', 'Controls'), yesRow('T6', 'Year dummies'), { label: 'GMM instrument lags', values: t6.map((r) => gmmLagText(r.command)) }],
    notes: [
      `${measures} (1) CA measured by the other index; (2) EFF measured by the other efficiency measure; (3) the instrument set with collapse switched and upper lag limits capped at ${cfg.gmm.robustnessLagMax}${municipalityNote(cfg, municipalityDrop(runs))}. ${gmmNote('T6')}`,
    ],
    digits: cfg.digits,
  });
  return tables;
}

/** Units the municipality column drops: the full sample's less those left in its column. */
function municipalityDrop(runs: FittedRun[]): number | undefined {
  const muni = runs.find((r) => r.table === 'T6' && r.label === 'No municipalities');
  return muni ? runs[0].panel.nunits - muni.panel.nunits : undefined;
}

/** "; (4) dropping the 4 units whose city_name is Beijing, Tianjin, Shanghai or Chongqing". */
function municipalityNote(cfg: StudyConfig, dropped: number | undefined): string {
  const m = cfg.municipalities;
  if (!m || dropped === undefined) return '';
  const values = m.values.length > 1 ? `${m.values.slice(0, -1).join(', ')} or ${m.values.at(-1)}` : m.values[0];
  return `; (4) dropping the ${dropped} unit${dropped === 1 ? '' : 's'} whose ${m.column} is ${values}`;
}

function estimatorLabel(r: ModelRun): string {
  return r.estimator === 'ols' ? 'OLS' : r.estimator === 'within' ? 'FE' : r.estimator === 'difference' ? 'Diff-GMM 2s' : 'Sys-GMM 2s';
}

/** "lag(2 4) collapse" from a command's gmm() option. */
function gmmLagText(command: string): string {
  const m = /gmm\([^,]*,\s*([^)]*\))([^)]*)\)/.exec(command);
  return m ? `${m[1]}${m[2]}`.trim() : '';
}
