// The study configuration (study.json): which columns hold what, and the modelling choices. Every
// key is optional; what is left out takes the default, which fits the bundled city panel
// (data/city_panel.csv). Unknown keys and wrong types are SpecErrors naming the key; a column the
// data lacks is a DataError naming the column and the key that asked for it.
import { DataError, SpecError } from '../errors.ts';
import type { Panel } from '../panel/panel.ts';
import { closeMatches } from '../close-matches.ts';
import { EFFICIENCY_MEASURES, needsCapital, type EfficiencyMeasure } from './efficiency.ts';
import { DEFAULT_SECTOR_MAPPING, parseSectorMapping, type SectorMapping } from './sectors.ts';


export interface ControlVariable {
  /** Column name the control gets in the model (a Stata-style name). */
  name: string;
  /** Expression over data columns, e.g. "log(gdppc)", "log(gdppc)^2", "fdi". */
  expr: string;
  /** Label printed in tables. */
  label: string;
}

export interface StudyConfig {
  /** Data file; relative paths are taken from the directory of the config file (or the working directory for the defaults). */
  data: string;
  id: string;
  time: string;
  /** 0/1 column: 1 = coastal city. */
  coastal: string;
  /** Units dropped in the "without municipalities" robustness column (T6): the units whose `column`
   *  (in their first row) is one of `values` (numbers are compared as written, e.g. 1 for a 0/1 flag).
   *  null leaves that column out. */
  municipalities: { column: string; values: string[] } | null;
  /** Outcome column; `log` takes its natural log (ln PM2.5). */
  pollution: { column: string; log: boolean; label: string };
  /** Sector employment columns and groups (as `sysgmm indices --sectors`). */
  sectors: SectorMapping;
  /** Co-agglomeration index of the baseline, and of the robustness column. */
  index: 'CA1' | 'CA2';
  robustnessIndex: 'CA1' | 'CA2';
  efficiency: {
    measure: EfficiencyMeasure;
    robustness: EfficiencyMeasure;
    capital: string;
    labour: string;
    output: string;
  };
  /** Year dummies: iv(yr…, eq(level)) in the level equation only, or iv(yr…) in both equations. */
  yearDummies: 'level' | 'both';
  /** Build the interaction from mean-centred CA and EFF (means over the estimation sample). */
  centre: boolean;
  controls: ControlVariable[];
  gmm: {
    /** Lag limits of gmm(y ca eff ca×eff) instruments. */
    lagMin: number;
    lagMax: number;
    /** Lag limits per variable, overriding lagMin/lagMax: keys y, ca, eff, ca_eff (or core for the
     *  three); variables with the same limits share one gmm() group. */
    lags: Partial<Record<LagKey, [number, number]>>;
    collapse: boolean;
    /** Lag limit of the robustness column that flips `collapse` (uncollapsed sets grow fast). */
    robustnessLagMax: number;
  };
  /** Sub-periods for T3 (inclusive year ranges); the period interaction uses the start of the second. */
  periods: [number, number][];
  /** Points on the marginal-effect curve. */
  gridPoints: number;
  /** Seed of the bootstrap draws. */
  seed: number;
  /** Decimals in the tables. */
  digits: number;
  /** Full xtabond2 command templates for GMM columns by id ("T2.5", "T6.3", …), with {y}, {core},
   *  {controls} and {dummies} standing for the column's variables; they replace the built command. */
  commands: Record<string, string>;
}

/** Variables of the study's gmm() instruments that can have lag limits of their own. */
export const LAG_KEYS = ['y', 'ca', 'eff', 'ca_eff'] as const;
export type LagKey = (typeof LAG_KEYS)[number];

export const DEFAULT_CONFIG: StudyConfig = {
  data: 'data/city_panel.csv',
  id: 'city',
  time: 'year',
  coastal: 'coastal',
  municipalities: { column: 'city_name', values: ['Beijing', 'Tianjin', 'Shanghai', 'Chongqing'] },
  pollution: { column: 'pm25', log: true, label: 'ln PM2.5' },
  sectors: DEFAULT_SECTOR_MAPPING,
  index: 'CA1',
  robustnessIndex: 'CA2',
  efficiency: { measure: 'dea-ccr-in', robustness: 'dea-bcc-in', capital: 'manuf_capital', labour: 'manuf_labour', output: 'manuf_output' },
  yearDummies: 'level',
  centre: true,
  controls: [
    { name: 'lngdppc', expr: 'log(gdppc)', label: 'ln GDP per capita' },
    { name: 'lngdppc2', expr: 'log(gdppc)^2', label: '(ln GDP per capita)²' },
    { name: 'lnpopden', expr: 'log(popden)', label: 'ln population density' },
    { name: 'secondary', expr: 'secondary', label: 'Secondary-industry share' },
    { name: 'fdi', expr: 'fdi', label: 'FDI share' },
    { name: 'tech', expr: 'tech', label: 'Technology' },
    { name: 'envreg', expr: 'envreg', label: 'Environmental regulation' },
  ],
  gmm: { lagMin: 2, lagMax: 4, lags: {}, collapse: true, robustnessLagMax: 3 },
  periods: [
    [2003, 2009],
    [2010, 2016],
  ],
  gridPoints: 41,
  seed: 1,
  digits: 3,
  commands: {},
};

const TOP_KEYS = Object.keys(DEFAULT_CONFIG);

type Json = Record<string, unknown>;

class Reader {
  constructor(readonly source: string) {}
  fail(key: string, msg: string): never {
    throw new SpecError(`${this.source}: '${key}' ${msg}`, key);
  }
  object(v: unknown, key: string, allowed: string[]): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'must be a JSON object');
    for (const k of Object.keys(v as Json))
      if (!allowed.includes(k)) throw new SpecError(`${this.source}: unknown key '${key ? `${key}.` : ''}${k}' (allowed: ${allowed.join(', ')})`, key ? `${key}.${k}` : k);
    return v as Json;
  }
  string(v: unknown, key: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(key, 'must be a non-empty string');
    return v as string;
  }
  name(v: unknown, key: string): string {
    const s = this.string(v, key);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) this.fail(key, `must be a variable name (letters, digits, _), not '${s}'`);
    return s;
  }
  bool(v: unknown, key: string): boolean {
    if (typeof v !== 'boolean') this.fail(key, 'must be true or false');
    return v as boolean;
  }
  int(v: unknown, key: string, min: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(key, `must be an integer >= ${min}`);
    return v as number;
  }
  oneOf<T extends string>(v: unknown, key: string, options: readonly T[]): T {
    if (typeof v !== 'string' || !options.includes(v as T)) this.fail(key, `must be one of ${options.join(', ')}`);
    return v as T;
  }
}

/** Read a parsed study.json over the defaults. */
export function parseStudyConfig(json: unknown, source = 'study config'): StudyConfig {
  const r = new Reader(source);
  const o = r.object(json, '', TOP_KEYS);
  const d = DEFAULT_CONFIG;
  const cfg: StudyConfig = structuredClone(d);
  const has = (k: string) => o[k] !== undefined;
  if (has('data')) cfg.data = r.string(o.data, 'data');
  for (const k of ['id', 'time', 'coastal'] as const) if (has(k)) cfg[k] = r.string(o[k], k);
  if (o.municipalities === null) cfg.municipalities = null;
  else if (has('municipalities')) {
    const m = r.object(o.municipalities, 'municipalities', ['column', 'values']);
    const muni = cfg.municipalities!;
    if (m.column !== undefined) muni.column = r.string(m.column, 'municipalities.column');
    if (m.values !== undefined) {
      if (!Array.isArray(m.values) || m.values.length === 0) r.fail('municipalities.values', 'must be a non-empty array of values (strings or numbers)');
      muni.values = (m.values as unknown[]).map((v, i) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : r.string(v, `municipalities.values[${i}]`)));
    }
  }
  if (has('yearDummies')) cfg.yearDummies = r.oneOf(o.yearDummies, 'yearDummies', ['level', 'both'] as const);
  if (has('pollution')) {
    const p = r.object(o.pollution, 'pollution', ['column', 'log', 'label']);
    if (p.column !== undefined) cfg.pollution.column = r.string(p.column, 'pollution.column');
    if (p.log !== undefined) cfg.pollution.log = r.bool(p.log, 'pollution.log');
    cfg.pollution.label = p.label !== undefined ? r.string(p.label, 'pollution.label') : cfg.pollution.log ? `ln ${cfg.pollution.column}` : cfg.pollution.column;
  }
  if (has('sectors')) cfg.sectors = parseSectorMapping(o.sectors, `${source}: 'sectors'`);
  if (has('index')) cfg.index = r.oneOf(o.index, 'index', ['CA1', 'CA2'] as const);
  if (has('robustnessIndex')) cfg.robustnessIndex = r.oneOf(o.robustnessIndex, 'robustnessIndex', ['CA1', 'CA2'] as const);
  if (has('efficiency')) {
    const e = r.object(o.efficiency, 'efficiency', Object.keys(d.efficiency));
    if (e.measure !== undefined) cfg.efficiency.measure = r.oneOf(e.measure, 'efficiency.measure', EFFICIENCY_MEASURES);
    if (e.robustness !== undefined) cfg.efficiency.robustness = r.oneOf(e.robustness, 'efficiency.robustness', EFFICIENCY_MEASURES);
    for (const k of ['capital', 'labour', 'output'] as const) if (e[k] !== undefined) cfg.efficiency[k] = r.string(e[k], `efficiency.${k}`);
  }
  if (has('centre')) cfg.centre = r.bool(o.centre, 'centre');
  if (has('controls')) {
    if (!Array.isArray(o.controls)) r.fail('controls', 'must be an array of expressions or {name, expr, label} objects');
    cfg.controls = (o.controls as unknown[]).map((c, i) => {
      const key = `controls[${i}]`;
      if (typeof c === 'string') {
        const expr = r.string(c, key);
        return { name: nameOfExpression(expr), expr, label: expr };
      }
      const obj = r.object(c, key, ['name', 'expr', 'label']);
      const expr = r.string(obj.expr, `${key}.expr`);
      return {
        name: obj.name !== undefined ? r.name(obj.name, `${key}.name`) : nameOfExpression(expr),
        expr,
        label: obj.label !== undefined ? r.string(obj.label, `${key}.label`) : expr,
      };
    });
    const names = cfg.controls.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) r.fail('controls', `has two controls named '${dup}' (give one a "name")`);
  }
  if (has('gmm')) {
    const g = r.object(o.gmm, 'gmm', Object.keys(d.gmm));
    if (g.lagMin !== undefined) cfg.gmm.lagMin = r.int(g.lagMin, 'gmm.lagMin', 1);
    if (g.lagMax !== undefined) cfg.gmm.lagMax = r.int(g.lagMax, 'gmm.lagMax', 1);
    if (g.lags !== undefined) {
      const l = r.object(g.lags, 'gmm.lags', [...LAG_KEYS, 'core']);
      const range = (v: unknown, key: string): [number, number] => {
        if (!Array.isArray(v) || v.length !== 2) r.fail(key, 'must be [first lag, last lag], e.g. [2, 4]');
        const [a, b] = [r.int((v as unknown[])[0], `${key}[0]`, 1), r.int((v as unknown[])[1], `${key}[1]`, 1)];
        if (b < a) r.fail(key, `ends (${b}) before it starts (${a})`);
        return [a, b];
      };
      if (l.core !== undefined) for (const k of ['ca', 'eff', 'ca_eff'] as const) cfg.gmm.lags[k] = range(l.core, 'gmm.lags.core');
      for (const k of LAG_KEYS) if (l[k] !== undefined) cfg.gmm.lags[k] = range(l[k], `gmm.lags.${k}`);
    }
    if (g.collapse !== undefined) cfg.gmm.collapse = r.bool(g.collapse, 'gmm.collapse');
    if (g.robustnessLagMax !== undefined) cfg.gmm.robustnessLagMax = r.int(g.robustnessLagMax, 'gmm.robustnessLagMax', 1);
    if (cfg.gmm.lagMax < cfg.gmm.lagMin) r.fail('gmm.lagMax', `(${cfg.gmm.lagMax}) is below gmm.lagMin (${cfg.gmm.lagMin})`);
    if (cfg.gmm.robustnessLagMax < cfg.gmm.lagMin) r.fail('gmm.robustnessLagMax', `(${cfg.gmm.robustnessLagMax}) is below gmm.lagMin (${cfg.gmm.lagMin})`);
  }
  if (has('periods')) {
    if (!Array.isArray(o.periods) || o.periods.length < 2) r.fail('periods', 'must be an array of at least two [first, last] year ranges');
    cfg.periods = (o.periods as unknown[]).map((p, i) => {
      const key = `periods[${i}]`;
      if (!Array.isArray(p) || p.length !== 2) r.fail(key, 'must be [first year, last year]');
      const [a, b] = [r.int((p as unknown[])[0], `${key}[0]`, -1e9), r.int((p as unknown[])[1], `${key}[1]`, -1e9)];
      if (b < a) r.fail(key, `ends (${b}) before it starts (${a})`);
      return [a, b] as [number, number];
    });
    for (let i = 1; i < cfg.periods.length; i++)
      if (cfg.periods[i][0] <= cfg.periods[i - 1][1]) r.fail(`periods[${i}]`, 'must start after the previous period ends');
  }
  if (has('gridPoints')) cfg.gridPoints = r.int(o.gridPoints, 'gridPoints', 2);
  if (has('seed')) cfg.seed = r.int(o.seed, 'seed', 0);
  if (has('digits')) cfg.digits = r.int(o.digits, 'digits', 1);
  if (has('commands')) {
    const c = r.object(o.commands, 'commands', Object.keys(o.commands as Json));
    for (const [id, text] of Object.entries(c)) {
      if (!/^T[2-6]\.\d+$/.test(id)) r.fail(`commands.${id}`, 'is not a table column id such as "T2.5" or "T6.3"');
      cfg.commands[id] = r.string(text, `commands.${id}`);
    }
  }
  return cfg;
}

/** The lag limits of a study gmm() variable (y, or a core variable named ca…, eff…, ca_eff…). */
export function lagsOf(cfg: StudyConfig, key: LagKey): [number, number] {
  return cfg.gmm.lags[key] ?? [cfg.gmm.lagMin, cfg.gmm.lagMax];
}

/** Modelling choices the config allows but that are probably mistakes. */
export function configWarnings(cfg: StudyConfig): string[] {
  const out: string[] = [];
  const [a] = lagsOf(cfg, 'y');
  if (a < 2)
    out.push(
      `study config: the dependent variable's gmm() instruments start at lag ${a}: its level at t−1 is correlated with the differenced error Δe_t, so it is not a valid instrument for the differenced equation (use lag 2 or deeper: "gmm": {"lags": {"y": [2, 4]}})`,
    );
  return out;
}

/** A model variable name for an expression: "log(gdppc)^2" → "log_gdppc_2". */
export function nameOfExpression(expr: string): string {
  const s = expr.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z_]/.test(s) ? s : `v_${s}`;
}

const FUNCTIONS = new Set(['log', 'ln', 'exp', 'sqrt', 'abs', 'fod', 'within']);

/** Data columns an expression refers to (identifiers that are not function names). */
export function expressionColumns(expr: string): string[] {
  const out: string[] = [];
  // A name may carry time-series operators (L.x, L2D.x): the column is the part after the dot.
  for (const m of expr.matchAll(/(?<![0-9.])(?:[A-Za-z0-9_]+\.)?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const after = expr.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') && FUNCTIONS.has(m[0])) continue;
    if (!out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** Every column the config needs, with the key that names it and whether it must be numeric. */
export function configColumns(cfg: StudyConfig): { key: string; column: string; numeric: boolean }[] {
  const cols: { key: string; column: string; numeric: boolean }[] = [
    { key: 'coastal', column: cfg.coastal, numeric: true },
    ...(cfg.municipalities ? [{ key: 'municipalities.column', column: cfg.municipalities.column, numeric: false }] : []),
    { key: 'pollution.column', column: cfg.pollution.column, numeric: true },
  ];
  const sectorCodes = cfg.sectors.total
    ? [...new Set([...cfg.sectors.manufacturing, ...cfg.sectors.segments.flatMap((s) => s.codes)])]
    : Object.keys(cfg.sectors.columns);
  for (const code of sectorCodes) cols.push({ key: `sectors.columns.${code}`, column: cfg.sectors.columns[code], numeric: true });
  if (cfg.sectors.total) cols.push({ key: 'sectors.total', column: cfg.sectors.total, numeric: true });
  const dea = [cfg.efficiency.measure, cfg.efficiency.robustness].some(needsCapital);
  if (dea) cols.push({ key: 'efficiency.capital', column: cfg.efficiency.capital, numeric: true });
  cols.push({ key: 'efficiency.labour', column: cfg.efficiency.labour, numeric: true });
  cols.push({ key: 'efficiency.output', column: cfg.efficiency.output, numeric: true });
  cfg.controls.forEach((c, i) => {
    for (const column of expressionColumns(c.expr)) cols.push({ key: `controls[${i}]`, column, numeric: true });
  });
  return cols;
}

/**
 * Check that the data has every column the config names (and numbers where numbers are needed);
 * every problem is reported at once, each with the key that names the column and a suggestion.
 */
export function checkConfigColumns(cfg: StudyConfig, panel: Panel): void {
  const where = panel.source ? ` in ${panel.source}` : '';
  const all = panel.variables();
  const problems: { column: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const { key, column, numeric } of configColumns(cfg)) {
    if (seen.has(`${key} ${column}`)) continue;
    seen.add(`${key} ${column}`);
    if (!panel.has(column)) problems.push({ column, message: missingColumn(column, key, all, where) });
    else if (numeric && !panel.isNumeric(column)) {
      const text = panel.textColumn(column);
      const r = text.findIndex((s) => s !== null && s.trim() !== '' && !Number.isFinite(Number(s)));
      const at = r >= 0 ? `: ${panel.idName} ${panel.units[panel.unitOf[r]]}, ${panel.timeName} ${panel.time[r]} has '${text[r]}'` : '';
      problems.push({ column, message: `column '${column}' (study config '${key}') is not numeric${where}${at}` });
    }
  }
  throwColumnProblems(problems, where, panel.source, all);
}

/** "column 'x' (study config 'k') not found in f; did you mean 'y'?" */
export function missingColumn(column: string, key: string, all: string[], where: string): string {
  const near = closeMatches(column, all);
  return `column '${column}' (study config '${key}') not found${where}${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''}`;
}

/** One DataError for every column problem: a single one as it is, several one per line; the data's
 *  columns are listed when some missing column has no close match. */
export function throwColumnProblems(problems: { column: string; message: string }[], where: string, file: string, columns: string[]): void {
  if (!problems.length) return;
  const listAll = problems.some((p) => p.message.includes(' not found') && !p.message.includes('did you mean'));
  const columnsAre = listAll ? `columns are: ${columns.join(', ')}` : '';
  const text =
    problems.length === 1
      ? `${problems[0].message}${columnsAre ? `; ${columnsAre}` : ''}`
      : `${problems.length} columns the study config names are not usable${where}:\n${problems.map((p) => `  ${p.message}`).join('\n')}${columnsAre ? `\n  (${columnsAre})` : ''}`;
  throw new DataError(text, { file, column: problems[0].column });
}
