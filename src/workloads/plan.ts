// A Monte Carlo plan (JSON): the DGP with lists crossed into designs, the estimators, replications,
// seed and level. Validated here, with the key at fault named; the parsed plan is what run.json keeps.
import { SpecError } from '../errors.ts';
import { digitsGrouped } from '../whole-number.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import { truth, type Design } from './dgp.ts';

/** An estimator of the plan: an xtabond2 command (optionally iterated to convergence), or a comparison row. */
export type EstimatorDef =
  | { kind: 'xtabond2'; command: string; iterate: boolean; maxIter: number; tol: number }
  | { kind: 'ols' | 'within' | 'ah'; varlist: string; command: string };

export interface Plan {
  designs: Design[];
  /** The DGP keys given as lists (they label the designs), in plan order. */
  varying: string[];
  estimators: { name: string; def: EstimatorDef }[];
  reps: number;
  seed: number;
  level: number;
  bootstrap: number;
  repsPerTask: number;
}

const DEFAULTS: Design = {
  model: 'ar1',
  alpha: 0.5,
  beta: 1,
  N: 100,
  T: 4,
  sigmaEta: 1,
  sigmaV: 1,
  initial: 'stationary',
  kappa: 0.5,
  x: 'exogenous',
  rhoX: 0.5,
  tau: 0.25,
  theta: -0.1,
  sigmaE: 0.4,
  hetero: 0,
  gaps: 0,
  lateEntry: 0,
  burnIn: 50,
};

const CHOICES: Partial<Record<keyof Design, readonly string[]>> = {
  model: ['ar1', 'ar1x'],
  initial: ['stationary', 'nonstationary'],
  x: ['exogenous', 'predetermined', 'endogenous'],
};

/** The plan keys (also accepted in snake_case where the issue's example writes them so). */
const PLAN_KEYS = ['dgp', 'estimators', 'reps', 'seed', 'alpha_level', 'bootstrap', 'repsPerTask'];

function fail(key: string, message: string): never {
  throw new SpecError(`plan: ${key}: ${message}`, key);
}

function checkDesign(d: Design, at: string): void {
  const num = (k: keyof Design, ok: (v: number) => boolean, what: string) => {
    if (typeof d[k] !== 'number' || !ok(d[k] as number)) fail(`dgp.${k}`, `must be ${what}, got ${JSON.stringify(d[k])}${at}`);
  };
  num('alpha', (v) => Math.abs(v) < 1, 'a number with |alpha| < 1: both initial conditions, "stationary" and "nonstationary", start from the stationary AR(1)\'s mean η/(1 − alpha)');
  num('beta', Number.isFinite, 'a number');
  num('N', (v) => Number.isInteger(v) && v >= 2, 'an integer of at least 2');
  num('T', (v) => Number.isInteger(v) && v >= 3, 'an integer of at least 3');
  num('sigmaEta', (v) => v >= 0, 'a non-negative number');
  num('sigmaV', (v) => v > 0, 'a positive number');
  num('kappa', Number.isFinite, 'a number');
  num('rhoX', (v) => Math.abs(v) < 1, 'a number with |rhoX| < 1');
  num('tau', Number.isFinite, 'a number');
  num('theta', Number.isFinite, 'a number');
  num('sigmaE', (v) => v >= 0, 'a non-negative number');
  num('hetero', (v) => v >= 0 && v < 1, 'in [0, 1)');
  num('gaps', (v) => v >= 0 && v < 1, 'in [0, 1)');
  // A panel's rows are indexed by 32-bit integers (Int32Array offsets and unit codes).
  if (d.N * d.T > 2 ** 31 - 1) fail('dgp.N, dgp.T', `N × T = ${d.N * d.T} rows a replication, beyond the 2,147,483,647 rows a panel holds${at}`);
  num('lateEntry', (v) => Number.isInteger(v) && v >= 0 && v <= d.T - 3, `an integer from 0 to T − 3`);
  num('burnIn', (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  for (const [k, choices] of Object.entries(CHOICES)) {
    const v = d[k as keyof Design];
    if (!choices!.includes(v as string)) fail(`dgp.${k}`, `must be one of ${choices!.join(', ')}, got ${JSON.stringify(v)}${at}`);
  }
}

/** Anderson–Hsiao (1981) IV as an xtabond2 command: first differences, each lag k of the dependent
 *  variable instrumented by its level at lag k + 1 (one collapsed column), the other regressors by
 *  their own differences; exactly identified, so the one-step estimate is the IV estimate. */
export function andersonHsiaoCommand(varlist: string, columns: readonly string[]): string {
  const spec = parseXtabond2(`xtabond2 ${varlist}`, columns);
  const gmm: string[] = [];
  const iv: string[] = [];
  for (const r of spec.regressors) {
    if (r.base === spec.depvar.base && r.diff === 0 && r.lag > 0) gmm.push(`gmm(${r.base}, lag(${r.lag + 1} ${r.lag + 1}) collapse eq(diff))`);
    else iv.push(r.name);
  }
  return `xtabond2 ${varlist}, ${gmm.join(' ')}${iv.length ? ` iv(${iv.join(' ')}, eq(diff))` : ''} nolevel robust`;
}

/** The options pooled OLS and within read (gmm/ols.ts fitLinear): if/in, cluster(), timedummies, and
 *  noconstant for OLS (robust and small are what they always are). Any other (gmm(), twostep, pca, ...)
 *  would be parsed and then not used. */
function checkLinearOptions(at: string, kind: 'ols' | 'within', command: string, columns: readonly string[]): void {
  if (!command.includes(',')) return;
  const read = (text: string) => {
    try {
      return parseXtabond2(`xtabond2 ${text}`, columns);
    } catch (err) {
      if (err instanceof SpecError) fail(at, err.message);
      throw err;
    }
  };
  const given = read(command);
  const bare = read(command.slice(0, command.indexOf(',')));
  // (robust and small describe what these fits always are: cluster-robust errors, t and F tests.)
  const taken = ['depvar', 'regressors', 'condition', 'inRange', 'cluster', 'timeDummies', 'robust', 'small', ...(kind === 'ols' ? ['constant'] : [])];
  const differs = (Object.keys(given) as (keyof typeof given)[]).filter((k) => !taken.includes(k) && JSON.stringify(given[k]) !== JSON.stringify(bare[k]));
  if (!given.constant && kind === 'within') differs.unshift('constant');
  if (differs.length)
    fail(at, `an "${kind}" estimator takes a variable list with if/in and the options cluster(), timedummies${kind === 'ols' ? ', noconstant' : ''} (robust, small); '${command}' also sets ${differs.map((k) => (k === 'constant' ? 'noconstant' : k)).join(', ')}`);
}

function estimatorDef(name: string, raw: unknown, columns: readonly string[]): EstimatorDef {
  // A name is a row label of summary.md's table and of the results: a newline or other control
  // character broke the table (and reached the terminal raw).
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name))
    fail(`estimators.${JSON.stringify(name).slice(1, -1)}`, 'an estimator name may not hold control characters (a newline, a tab, an escape); rename it');
  // The figures' grouping (vega) keys groups by name in plain objects, where this name is the prototype.
  if (name === '__proto__') fail('estimators.__proto__', 'an estimator may not be named __proto__; rename it');
  const at = `estimators.${name}`;
  let def: EstimatorDef;
  if (typeof raw === 'string') def = { kind: 'xtabond2', command: raw, iterate: false, maxIter: 100, tol: 1e-9 };
  else if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    const kinds = ['xtabond2', 'ols', 'within', 'ah'].filter((k) => typeof o[k] === 'string');
    if (kinds.length !== 1) fail(at, 'must be an xtabond2 command, or an object with exactly one of "xtabond2", "ols", "within", "ah" (a command or varlist)');
    const kind = kinds[0] as EstimatorDef['kind'];
    const allowed = kind === 'xtabond2' ? ['xtabond2', 'iterate', 'maxIter', 'tol'] : [kind];
    for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${at}.${k}`, `unknown key; an "${kind}" estimator takes ${allowed.map((a) => `"${a}"`).join(', ')}`);
    if (o.iterate !== undefined && typeof o.iterate !== 'boolean') fail(`${at}.iterate`, `must be true or false, got ${JSON.stringify(o.iterate)}`);
    if (kind === 'xtabond2') {
      const maxIter = o.maxIter ?? 100;
      const tol = o.tol ?? 1e-9;
      if (!Number.isInteger(maxIter) || (maxIter as number) < 1) fail(`${at}.maxIter`, 'must be a positive integer');
      if (typeof tol !== 'number' || !(tol > 0)) fail(`${at}.tol`, 'must be a positive number');
      def = { kind, command: o.xtabond2 as string, iterate: o.iterate === true, maxIter: maxIter as number, tol };
    } else {
      const varlist = String(o[kind]).replace(/^\s*xtabond2\s+/, '');
      // Anderson–Hsiao builds its own command from the variable list: options after a comma have no place.
      if (kind === 'ah' && varlist.includes(',')) fail(`${at}.ah`, `an "ah" estimator takes a variable list (with an optional if condition), no options: '${varlist}'`);
      if (kind !== 'ah') checkLinearOptions(`${at}.${kind}`, kind, varlist, columns);
      def = { kind, varlist, command: kind === 'ah' ? andersonHsiaoCommand(varlist, columns) : `xtabond2 ${varlist}` };
    }
  } else fail(at, 'must be an xtabond2 command or an object');
  let spec: ReturnType<typeof parseXtabond2>;
  try {
    spec = parseXtabond2(def.command, columns);
  } catch (err) {
    if (err instanceof SpecError) fail(at, err.message);
    throw err;
  }
  // Coverage and size are judged at the plan's alpha_level; a command's own level() would change nothing.
  if (spec.level !== undefined) fail(at, 'level(): coverage and size use the plan\'s alpha_level; leave level() out of the command');
  // The simulated panels (workloads/dgp.ts) hold no weights.
  if (spec.weight) fail(at, `[${spec.weight.kind}=${spec.weight.variable}]: a Monte Carlo study's simulated panels have no observation weights; leave the weights out of the command`);
  if (def.kind === 'xtabond2' && def.iterate && spec.cluster) fail(at, 'iterate: cluster() is not supported with iterated GMM');
  if (def.kind === 'xtabond2' && def.iterate && spec.small) fail(at, 'iterate: small is not supported with iterated GMM (its standard errors do not take it)');
  if (def.kind === 'xtabond2' && def.iterate && !spec.twostep) fail(at, 'iterate: needs a twostep command (the iteration continues the two-step weight update)');
  return def;
}

export function parsePlan(raw: unknown): Plan {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('plan', 'must be a JSON object');
  const p = raw as Record<string, unknown>;
  // "level" elsewhere is a confidence level (level(95)); here it would read as a test level.
  if ('level' in p) fail('level', 'not a plan key: size and coverage are judged at alpha_level, a test level such as 0.05 (intervals at 1 − alpha_level)');
  for (const k of Object.keys(p)) if (!PLAN_KEYS.includes(k)) fail(k, `unknown key; plan keys are ${PLAN_KEYS.join(', ')}`);
  const dgp = p.dgp as Record<string, unknown> | undefined;
  if (!dgp || typeof dgp !== 'object') fail('dgp', 'missing (an object with the model and its parameters)');
  for (const k of Object.keys(dgp)) if (!(k in DEFAULTS)) fail(`dgp.${k}`, `unknown parameter; DGP parameters are ${Object.keys(DEFAULTS).join(', ')}`);
  const varying = Object.keys(dgp).filter((k) => Array.isArray(dgp[k]));
  for (const k of varying) if ((dgp[k] as unknown[]).length === 0) fail(`dgp.${k}`, 'an empty list gives no designs');
  // Cross the lists: the first list varies slowest.
  let designs: Design[] = [{ ...DEFAULTS, ...Object.fromEntries(Object.entries(dgp).filter(([k]) => !varying.includes(k))) } as Design];
  for (const k of varying) designs = designs.flatMap((d) => (dgp[k] as unknown[]).map((v) => ({ ...d, [k]: v }) as Design));
  designs.forEach((d) => checkDesign(d, varying.length ? ` (design ${varying.map((k) => `${k}=${d[k as keyof Design]}`).join(' ')})` : ''));
  // The regressor's parameters given for a model without it (dgp.ts: "ar1" has no x) would be ignored.
  const xOnly = ['beta', 'x', 'rhoX', 'tau', 'theta', 'sigmaE'].filter((k) => k in dgp);
  if (xOnly.length && designs.every((d) => d.model === 'ar1'))
    fail(`dgp.${xOnly[0]}`, `is a parameter of the regressor x, which model "ar1" does not have; use model "ar1x" or leave ${xOnly.join(', ')} out`);
  const columns = designs.some((d) => d.model === 'ar1x') ? ['id', 't', 'y', 'x'] : ['id', 't', 'y'];
  const est = p.estimators as Record<string, unknown> | undefined;
  if (!est || typeof est !== 'object' || Object.keys(est).length === 0) fail('estimators', 'missing (an object: name → xtabond2 command or comparison row)');
  const estimators = Object.entries(est).map(([name, v]) => ({ name, def: estimatorDef(name, v, columns) }));
  const int = (k: string, dflt: number, min: number): number => {
    const v = p[k] ?? dflt;
    if (!Number.isSafeInteger(v) || (v as number) < min) fail(k, `must be an integer of at least ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const level = (p.alpha_level ?? 0.05) as number;
  if (typeof level !== 'number' || !(level > 0 && level < 0.5)) fail('alpha_level', `must be a test level in (0, 0.5), got ${JSON.stringify(level)}`);
  const bootstrap = int('bootstrap', 0, 0);
  if (bootstrap === 1) fail('bootstrap', 'must be 0 (none) or at least 2 replications');
  const reps = int('reps', 100, 2);
  const repsPerTask = int('repsPerTask', 50, 1);
  // A run writes one result file a task and one replications row per design, estimator and replication.
  const tasks = designs.length * Math.ceil(reps / repsPerTask);
  if (tasks > MAX_TASKS) fail('reps', `${designs.length} design(s) × ${reps} replications in tasks of ${repsPerTask} make ${tasks} tasks, beyond the ${digitsGrouped(MAX_TASKS)} result files a run folder takes; raise repsPerTask or lower reps`);
  // replications.parquet has a row per design, replication, estimator and parameter (mc-report.ts).
  const rows = designs.reduce((n, d) => n + Object.keys(truth(d)).length, 0) * estimators.length * reps;
  if (rows > 2 ** 31 - 1)
    fail('reps', `${designs.length} design(s) × ${estimators.length} estimator(s) × ${reps} replications × their parameters make ${rows} rows, beyond the 2,147,483,647 rows replications.parquet holds`);
  return { designs, varying, estimators, reps, seed: int('seed', 1, 0), level, bootstrap, repsPerTask };
}

/** The most tasks (result files) a Monte Carlo run may have. */
const MAX_TASKS = 1_000_000;

/** "alpha=0.5 N=100 T=4": the varying keys of a design (or "base" when nothing varies). */
export function designLabel(plan: Plan, d: number): string {
  const design = plan.designs[d];
  return plan.varying.length ? plan.varying.map((k) => `${k}=${design[k as keyof Design]}`).join(' ') : 'base';
}
