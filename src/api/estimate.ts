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

/** Refuse an option `fn` does not take, saying where a model option belongs. */
function refuseUnknownOptions(fn: string, options: object, keys: readonly string[]): void {
  for (const k of Object.keys(options)) {
    if (keys.includes(k)) continue;
    const model = ['level', 'small', 'robust', 'twostep', 'cluster', 'noconstant'].includes(k) ? `; write ${k === 'level' || k === 'cluster' ? `${k}(…)` : k} in the xtabond2 command` : '';
    throw new SpecError(`${fn}: options.${k} is not an option of ${fn} (it takes ${keys.join(', ')})${model}`, k);
  }
}

function isTable(x: unknown): x is Table {
  return typeof x === 'object' && x !== null && 'schema' in x && typeof (x as Table).getChild === 'function';
}

/** The panel of a source: a file is read (numeric columns as float64), a Table sorted by (id, time). */
export async function loadPanel(source: DataSource, options: PanelOptions): Promise<Panel> {
  refuseUnknownOptions('loadPanel', options, PANEL_KEYS);
  if (source instanceof Panel) {
    for (const [opt, name, has] of [['id', options.id, source.idName], ['time', options.time, source.timeName]] as const)
      if (name !== undefined && name !== has) throw new SpecError(`the Panel's ${opt} column is '${has}', not '${name}' (options.${opt})`, opt);
    return source;
  }
  if (isTable(source)) return Panel.fromTable(source, { id: options.id, time: options.time });
  if (typeof source !== 'string') throw new SpecError('the data source must be a file path, an Arrow Table or a Panel', 'source');
  const table = await readTable(source, { format: options.inputFormat, sheet: options.sheet, delimiter: options.delimiter, numeric: [options.time] });
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

export async function estimate(source: DataSource, command: string, options: EstimateRunOptions): Promise<EstimateResult> {
  refuseUnknownOptions('estimate', options, [...PANEL_KEYS, 'conventions']);
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
    predict: (opts: { difference?: boolean } = {}) => predictGmm(panel, spec, fit, opts),
    test: (restrictions: string) => waldTest(fit, restrictions),
    lincom: (expression: string, level?: number) => lincom(fit, expression, level),
  };
  // The methods are not enumerable: JSON.stringify(result) is the --json object.
  const out = toJsonObject(fit) as EstimateResult;
  for (const [name, value] of Object.entries(methods)) Object.defineProperty(out, name, { value, enumerable: false });
  return out;
}

export type BootstrapRunOptions = PanelOptions & BootstrapOptions;

/** What `sysgmm bootstrap --json` prints: the result without the replication draws, the fit summarised. */
export type BootstrapSummary = Omit<BootstrapResult, 'draws' | 'fit'> & { fit: Pick<GmmResult, 'estimator' | 'steps' | 'vce' | 'nobs' | 'ngroups' | 'ninstruments'> };

/** The pairs bootstrap (and wild score tests), as `sysgmm bootstrap --json` reports it. */
export async function bootstrap(source: DataSource, command: string, options: BootstrapRunOptions): Promise<BootstrapSummary> {
  refuseUnknownOptions('bootstrap', options, [...PANEL_KEYS, ...BOOTSTRAP_KEYS]);
  const { panel, spec } = await model(source, command, options);
  return bootstrapJson(await bootstrapGmm(panel, spec, options, command)) as BootstrapSummary;
}

/** Units, periods, gaps and statistics of variables or expressions (all numeric columns by default), as `sysgmm describe --json`. */
export async function describe(source: DataSource, options: PanelOptions & { vars?: string[] }): Promise<PanelDescription> {
  refuseUnknownOptions('describe', options, [...PANEL_KEYS, 'vars']);
  return describePanel(await loadPanel(source, panelOptions(options)), options.vars);
}
