// The library's functions: each takes a data source (a file path, an Arrow Table or a Panel) and the
// options the matching CLI command takes, and returns what its --json output holds.
import type { Table } from 'apache-arrow';
import { SpecError } from '../errors.ts';
import { readTable, type DataFormat } from '../data/read.ts';
import { Panel } from '../panel/panel.ts';
import { describePanel, type PanelDescription } from '../panel/describe.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import { conventionsOf, type Conventions, type ModelSpec } from '../spec/types.ts';
import { lookupCoefficient } from '../spec/coefficient-name.ts';
import { fitGmm } from '../gmm/fit.ts';
import type { GmmResult } from '../gmm/result.ts';
import { toJsonObject } from '../report/json.ts';
import { bootstrapGmm, type BootstrapOptions, type BootstrapResult } from '../bootstrap/run.ts';
import { bootstrapJson } from '../report/bootstrap.ts';
import { WILD_WEIGHTS, type WildWeights } from '../bootstrap/draws.ts';
import { loadModel } from '../input/load-model.ts';
import { lincom, waldTest, type LinearCombination, type WaldTest } from './postestimation.ts';
import { predictGmm, type Predictions } from './predict.ts';

/**
 * An Arrow Table made by another copy of apache-arrow (a version installed beside sysgmm's own): a
 * different class to TypeScript, the same columnar layout at run time, which is all that is read.
 */
export interface ForeignTable {
  readonly schema: { readonly fields: readonly { readonly name: string }[] };
  readonly numRows: number;
  getChild(name: string): unknown;
}

/** A data file (csv, arrow, parquet, dta, xlsx), an Arrow Table (of any apache-arrow version), or a Panel. */
export type DataSource = string | Table | ForeignTable | Panel;

export interface PanelOptions {
  /** Unit (panel) identifier column. */
  id: string;
  /** Integer time column. */
  time: string;
  /** Read a file as this format whatever its extension. */
  inputFormat?: DataFormat;
  /** Worksheet of an .xlsx file. */
  sheet?: string;
  /** CSV field separator (default: detected from the header line among , ; tab |). */
  delimiter?: string;
}

/** The option names each function takes (TypeScript checks an object literal; plain JavaScript, or an
 *  object built elsewhere, does not: an option a function does not take would be ignored silently). */
const PANEL_KEYS: readonly string[] = ['id', 'time', 'inputFormat', 'sheet', 'delimiter'] satisfies (keyof PanelOptions)[];
const BOOTSTRAP_KEYS: readonly string[] = ['reps', 'seed', 'backend', 'recentre', 'level', 'tests', 'weights', 'pairs', 'threads', 'onProgress', 'replications'] satisfies (keyof BootstrapOptions)[];

const isString = (v: unknown) => typeof v === 'string' && v !== '';
const isWhole = (min: number) => (v: unknown) => Number.isSafeInteger(v) && (v as number) >= min;
/** What each option must be, as the CLI checks its flags (TypeScript checks the types of a literal;
 *  plain JavaScript passes anything, which would otherwise fail deep inside, or be taken as something else). */
const OPTION_RULES: Record<string, [(v: unknown) => boolean, string]> = {
  id: [isString, 'a column name'],
  time: [isString, 'a column name'],
  inputFormat: [isString, 'a format name'],
  sheet: [isString, 'a worksheet name'],
  delimiter: [isString, 'a delimiter (e.g. ";")'],
  conventions: [isString, "'current' or '2009'"],
  reps: [isWhole(2), 'an integer of at least 2'],
  seed: [isWhole(0), 'an integer of at least 0'],
  backend: [(v) => isString(v) || (typeof v === 'object' && v !== null), 'a backend name or an opened backend'],
  recentre: [(v) => typeof v === 'boolean', 'true or false'],
  pairs: [(v) => typeof v === 'boolean', 'true or false'],
  level: [(v) => typeof v === 'number', 'a number (95, or 0.95)'],
  tests: [(v) => Array.isArray(v) && v.every(isString), 'an array of restrictions, e.g. ["w = 0"]'],
  weights: [(v) => WILD_WEIGHTS.includes(v as WildWeights), `one of ${WILD_WEIGHTS.join(', ')}`],
  threads: [isWhole(1), 'an integer of at least 1'],
  onProgress: [(v) => typeof v === 'function', 'a function'],
  replications: [(v) => typeof v === 'function', 'a function'],
  vars: [(v) => Array.isArray(v) && v.every(isString), 'an array of variable names or expressions'],
};

/** What a required option is, as its error says. */
const REQUIRED: Record<string, string> = { id: 'the unit column', time: 'the time column', reps: 'the number of replications', seed: 'the seed of the draws' };

/**
 * Refuse what `fn` cannot take: no options object, an option it does not take (saying where a model
 * option belongs), a value of the wrong kind (OPTION_RULES), a missing required option (REQUIRED; id
 * and time except for a Panel, which has its own), and the reading options (inputFormat, sheet,
 * delimiter) for a source that is not a file. Returns the options (an empty object for a Panel that
 * needs none).
 */
function checkOptions<T extends object>(fn: string, source: unknown, options: T | undefined, keys: readonly string[], required: readonly string[] = ['id', 'time']): T {
  const needed = source instanceof Panel ? required.filter((k) => k !== 'id' && k !== 'time') : required;
  if (options === undefined && needed.length === 0) return {} as T;
  if (typeof options !== 'object' || options === null) throw new SpecError(`${fn}: the options ({ id, time, … }) are missing`, 'options');
  for (const [k, v] of Object.entries(options)) {
    if (!keys.includes(k)) {
      const model = ['level', 'small', 'robust', 'twostep', 'cluster', 'noconstant'].includes(k) ? `; write ${k === 'level' || k === 'cluster' ? `${k}(…)` : k} in the xtabond2 command` : '';
      throw new SpecError(`${fn}: options.${k} is not an option of ${fn} (it takes ${keys.join(', ')})${model}`, k);
    }
    if (v === undefined) continue;
    const [ok, what] = OPTION_RULES[k]!;
    if (!ok(v)) throw new SpecError(`${fn}: options.${k} must be ${what}, got ${shown(v)}`, k);
    if ((k === 'inputFormat' || k === 'sheet' || k === 'delimiter') && typeof source !== 'string')
      throw new SpecError(`${fn}: options.${k} says how to read a file, and the source is ${source instanceof Panel ? 'a Panel' : 'an Arrow Table'}`, k);
  }
  for (const k of needed) if ((options as Record<string, unknown>)[k] === undefined) throw new SpecError(`${fn}: options.${k} (${REQUIRED[k]}) is required`, k);
  return options;
}

/** A value as an error message quotes it (an object that JSON cannot write by its type). */
function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v !== 'object' || v === null) return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return Array.isArray(v) ? 'an array' : 'an object';
  }
}

function checkCommand(fn: string, command: unknown): void {
  if (typeof command !== 'string') throw new SpecError(`${fn}: the command must be text (an xtabond2 command such as 'n L.n w k, gmm(L.n)'), got ${typeof command}`, 'command');
}

function isTable(x: unknown): x is Table {
  return typeof x === 'object' && x !== null && 'schema' in x && typeof (x as Table).getChild === 'function';
}

/** The panel of a source: a file is read (numeric columns as float64), a Table sorted by (id, time). */
export async function loadPanel(source: DataSource, options0: PanelOptions): Promise<Panel> {
  const options = checkOptions('loadPanel', source, options0, PANEL_KEYS);
  if (source instanceof Panel) {
    for (const [opt, name, has] of [['id', options.id, source.idName], ['time', options.time, source.timeName]] as const)
      if (name !== undefined && name !== has) throw new SpecError(`the Panel's ${opt} column is '${has}', not '${name}' (options.${opt})`, opt);
    return source;
  }
  if (isTable(source)) return Panel.fromTable(source, { id: options.id, time: options.time });
  if (typeof source !== 'string') throw new SpecError('the data source must be a file path, an Arrow Table or a Panel', 'source');
  const table = await readTable(source, { format: options.inputFormat, sheet: options.sheet, delimiter: options.delimiter, numeric: [options.time], ids: options.id === undefined ? undefined : [options.id] });
  return Panel.fromTable(table, { id: options.id, time: options.time, source });
}

/** The panel options among a function's options (checked by that function). */
function panelOptions(options: PanelOptions): PanelOptions {
  return Object.fromEntries(Object.entries(options).filter(([k]) => PANEL_KEYS.includes(k))) as unknown as PanelOptions;
}

async function model(source: DataSource, command: string, options: PanelOptions): Promise<{ panel: Panel; spec: ModelSpec }> {
  if (typeof source === 'string') return loadModel(source, { ...panelOptions(options), xtabond2: command }, { fit: true });
  const panel = await loadPanel(source, panelOptions(options));
  // The id and time columns are variables too, as in a file's columns.
  return { panel, spec: parseXtabond2(command, panel.variables()) };
}

/** A coefficient covariance matrix with its names on both axes. */
export interface NamedMatrix {
  names: string[];
  /** rows[i][j] = cov(names[i], names[j]). */
  rows: number[][];
  /** The entry for two coefficient names. */
  get(row: string, column: string): number;
}

/**
 * The result of `estimate`: the fields of `sysgmm estimate --json` (JSON.stringify gives exactly that
 * object), and methods for what comes after an estimate.
 */
export type EstimateResult = GmmResult & {
    /** The covariance matrix with the coefficient names on both axes. */
    vcovMatrix(): NamedMatrix;
    /** Fitted values xb, residuals e and unit effects u (xtabond2's `predict`; difference: in first differences). */
    predict(options?: { difference?: boolean }): Predictions;
    /** Wald test of linear restrictions, e.g. "w = 0, k = 0" (as Stata's `test`; "L.w" and "L1.w" alike). */
    test(restrictions: string): WaldTest;
    /** A linear combination of coefficients with its SE, p-value and interval, e.g. "L.w + w" (as Stata's `lincom`). */
    lincom(expression: string, level?: number): LinearCombination;
  };

/** Fit difference or system GMM written as an xtabond2 command, e.g. "n L.n w k, gmm(L.n) iv(w k) twostep robust". */
export interface EstimateRunOptions extends PanelOptions {
  /** Which xtabond2 release's conventions decide the last digits ('current', the default, or '2009': the
   *  release of Roodman 2009's printed logs), as `sysgmm estimate --conventions`. */
  conventions?: Conventions;
}

export async function estimate(source: DataSource, command: string, options0: EstimateRunOptions): Promise<EstimateResult> {
  checkCommand('estimate', command);
  const options = checkOptions('estimate', source, options0, [...PANEL_KEYS, 'conventions']);
  if (options.conventions !== undefined) conventionsOf(options.conventions, 'estimate: options.conventions', 'conventions');
  const loaded = await model(source, command, options);
  const panel = loaded.panel;
  const spec = options.conventions ? { ...loaded.spec, conventions: options.conventions } : loaded.spec;
  const fit = await fitGmm(panel, spec, command);
  const methods = {
    vcovMatrix(): NamedMatrix {
      const names = fit.coefficients.map((c) => c.name);
      const K = names.length;
      const rows = names.map((_, i) => fit.vcov.slice(i * K, (i + 1) * K));
      return {
        names,
        rows,
        get(row: string, column: string): number {
          // Spelt as Stata reads them: get('L.w', 'w') is get('L1.w', 'w') (src/spec/coefficient-name.ts).
          const at = (spelling: string): number => {
            const found = lookupCoefficient(spelling, names);
            if (found.error !== undefined) throw new SpecError(`vcov: ${found.error}`, 'vcov');
            return names.indexOf(found.name);
          };
          return rows[at(row)][at(column)];
        },
      };
    },
    predict: (opts: { difference?: boolean } = {}) => {
      if (typeof opts !== 'object' || opts === null) throw new SpecError(`predict: the options must be an object ({ difference: true }), got ${opts === null ? 'null' : typeof opts}`, 'predict');
      for (const [k, v] of Object.entries(opts))
        if (k !== 'difference' || (v !== undefined && typeof v !== 'boolean'))
          throw new SpecError(k !== 'difference' ? `predict: options.${k} is not an option of predict (it takes difference)` : `predict: options.difference must be true or false, got ${JSON.stringify(v)}`, k);
      return predictGmm(panel, spec, fit, opts);
    },
    test: (restrictions: string) => waldTest(fit, restrictions),
    lincom: (expression: string, level?: number) => lincom(fit, expression, level),
  };
  // The methods are not enumerable: JSON.stringify(result) is the --json object. The object is a copy:
  // the methods read the fit, which changing the result's fields does not alter.
  const out = structuredClone(toJsonObject(fit)) as EstimateResult;
  for (const [name, value] of Object.entries(methods)) Object.defineProperty(out, name, { value, enumerable: false });
  return out;
}

export type BootstrapRunOptions = PanelOptions & BootstrapOptions;

/** What `sysgmm bootstrap --json` prints: the result without the replication draws, the fit summarised. */
export type BootstrapSummary = Omit<BootstrapResult, 'draws' | 'fit'> & { fit: Pick<GmmResult, 'estimator' | 'steps' | 'vce' | 'nobs' | 'ngroups' | 'ninstruments' | 'excluded' | 'weights'> };

/** The pairs bootstrap (and wild score tests), as `sysgmm bootstrap --json` reports it. */
export async function bootstrap(source: DataSource, command: string, options0: BootstrapRunOptions): Promise<BootstrapSummary> {
  checkCommand('bootstrap', command);
  const options = checkOptions('bootstrap', source, options0, [...PANEL_KEYS, ...BOOTSTRAP_KEYS], ['id', 'time', 'reps', 'seed']);
  if (options.pairs === false && !options.tests?.length) throw new SpecError('bootstrap: options.pairs false (the wild score tests only) needs at least one restriction in options.tests', 'tests');
  if (options.weights !== undefined && !options.tests?.length) throw new SpecError('bootstrap: options.weights applies to the wild score tests of options.tests, and there are none', 'weights');
  const { panel, spec } = await model(source, command, options);
  return bootstrapJson(await bootstrapGmm(panel, spec, options, command)) as BootstrapSummary;
}

/** Units, periods, gaps and statistics of variables or expressions (all numeric columns by default), as `sysgmm describe --json`. */
export async function describe(source: DataSource, options0: PanelOptions & { vars?: string[] }): Promise<PanelDescription> {
  const options = checkOptions('describe', source, options0, [...PANEL_KEYS, 'vars']);
  return describePanel(await loadPanel(source, panelOptions(options)), options.vars);
}
