// One Monte Carlo task: replications [first, last) of one design. Replication r of design d simulates
// its panel from the stream keyed by (seed, d, r) and fits every estimator of the plan to it; a fit
// that fails is recorded with its reason, never dropped. Each replication carries the estimate under
// both VCEs of its estimator (one-step: non-robust and robust; two-step: uncorrected and
// Windmeijer-corrected): a robust fit reports the other VCE too (GmmResult.otherSe), a non-robust
// one is fitted again with `robust`; with "bootstrap": B the
// GMM rows also get a bootstrap-t interval (pairs bootstrap, B replications, keyed by (seed, d, r, e)).
import type { Panel } from '../panel/panel.ts';
import type { GmmResult } from '../gmm/result.ts';
import { fitGmm } from '../gmm/fit.ts';
import { SINGULAR_MOMENTS, unidentifiedNames } from '../gmm/inference.ts';
import { fitLinear } from '../gmm/ols.ts';
import { bootstrapGmm } from '../bootstrap/run.ts';
import { defaultFloat64Backend, getBackend } from '../kernels/registry.ts';
import type { KernelBackend } from '../kernels/types.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import type { ModelSpec } from '../spec/types.ts';
import type { RunManifest } from '../run/run-dir.ts';
import { simulatePanel, truth } from './dgp.ts';
import { iteratedGmm } from './iterated.ts';
import type { EstimatorDef, Plan } from './plan.ts';
import { keyedRng, keyedSeed } from '../stats/streams.ts';

/** One estimator on one replication. Numbers are null where not available (JSON has no NaN). */
export interface EstimateRecord {
  failure: string | null;
  /** Per parameter of the DGP (truth order). */
  estimate: (number | null)[];
  /** Per VCE name, per parameter. */
  se: Record<string, (number | null)[]>;
  /** Bootstrap-t interval per parameter (at 1 − level), when the plan asks for a bootstrap. */
  boot: ([number, number] | null)[] | null;
  /** Bootstrap replications that failed (singular or non-finite: left out of the interval), when the
   *  plan asks for a bootstrap; absent from records of an older version, where it is unknown. */
  bootFailed?: number | null;
  hansenP: number | null;
  sarganP: number | null;
  ar2P: number | null;
  instruments: number | null;
  /** The fit's moment covariance was singular, so a generalized inverse gave its two-step weight (or
   *  the Hansen test's), as xtabond2 does; the record is kept. For iterated GMM, of the two-step fit it
   *  starts from. Null for OLS and within; absent from records of an older version. */
  ginverse?: boolean | null;
}

export interface McTaskPayload {
  design: number;
  first: number;
  /** reps[j][estimator] is replication first + j. */
  reps: Record<string, EstimateRecord>[];
}

export interface McConfig {
  plan: Plan;
}

/** Tasks per design and the replications of task i. */
export function taskLayout(plan: Plan): { perDesign: number; tasks: number } {
  const perDesign = Math.ceil(plan.reps / plan.repsPerTask);
  return { perDesign, tasks: perDesign * plan.designs.length };
}

export function taskReplications(plan: Plan, index: number): { design: number; first: number; last: number } {
  const { perDesign } = taskLayout(plan);
  const design = Math.floor(index / perDesign);
  const first = (index % perDesign) * plan.repsPerTask;
  return { design, first, last: Math.min(plan.reps, first + plan.repsPerTask) };
}

/** Whether task i's payload holds its design's replications first … last − 1 (taskReplications): null if it does, else what is wrong. */
export function montecarloMisfit(plan: Plan, p: unknown, index: number): string | null {
  const { design, first, last } = taskReplications(plan, index);
  const x = p as Partial<McTaskPayload> | null;
  if (typeof x !== 'object' || x === null || !Array.isArray(x.reps)) return 'not a set of replications';
  if (x.design !== design || x.first !== first || x.reps.length !== last - first)
    return `design ${x.design}, replications ${x.first} to ${Number(x.first) + x.reps.length - 1} where task ${index} holds design ${design}, replications ${first} to ${last - 1}`;
  return null;
}

/** The failure of a replication whose parameters of interest `names` xtabond2's invsym leaves
 *  unidentified (reported as 0 with SE 0). */
export function notIdentified(names: readonly string[]): string {
  return `not identified: ${names.join(', ')} (X'ZWZ'X singular)`;
}

/** VCE name of a fit: what its standard errors are. */
function vceName(spec: ModelSpec, kind: EstimatorDef['kind']): string {
  if (kind === 'ols' || kind === 'within') return 'cluster';
  const robust = spec.robust || spec.cluster !== null;
  return spec.twostep ? (robust ? 'windmeijer' : 'uncorrected') : robust ? 'robust' : 'onestep';
}

const pValue = (t: { p: number } | null | undefined): number | null => (t && Number.isFinite(t.p) ? t.p : null);

function pick(result: GmmResult, names: string[], field: 'estimate' | 'se'): (number | null)[] {
  return names.map((n) => {
    const c = result.coefficients.find((x) => x.name === n);
    return c && Number.isFinite(c[field]) ? c[field] : null;
  });
}

/** The named coefficients' SEs under the fit's other VCE (GmmResult.otherSe). */
function pickOther(result: GmmResult, names: string[]): (number | null)[] {
  const se = result.otherSe!.se;
  return names.map((n) => {
    const k = result.coefficients.findIndex((x) => x.name === n);
    return k >= 0 && Number.isFinite(se[k]) ? se[k] : null;
  });
}

async function fitOne(
  panel: Panel,
  def: EstimatorDef,
  spec: ModelSpec,
  params: string[],
  bootstrap: { reps: number; seed: number; level: number; backend: KernelBackend } | null,
): Promise<EstimateRecord> {
  const record: EstimateRecord = { failure: null, estimate: params.map(() => null), se: {}, boot: null, bootFailed: null, hansenP: null, sarganP: null, ar2P: null, instruments: null, ginverse: null };
  try {
    if (def.kind === 'ols' || def.kind === 'within') {
      const r = await fitLinear(panel, spec, def.kind, def.command);
      record.estimate = pick(r, params, 'estimate');
      record.se.cluster = pick(r, params, 'se');
    } else {
      const main = await fitGmm(panel, spec, def.command);
      // A parameter xtabond2's invsym leaves unidentified is reported as 0 with SE 0: a failure, not
      // an estimate of 0 in the bias and the coverage.
      const unidentified = unidentifiedNames(main.coefficients).filter((n) => params.includes(n));
      if (unidentified.length) throw new Error(notIdentified(unidentified));
      record.ginverse = main.warnings.some((w) => w.startsWith(SINGULAR_MOMENTS));
      record.estimate = pick(main, params, 'estimate');
      record.se[vceName(spec, def.kind)] = pick(main, params, 'se');
      if (spec.cluster === null) {
        // The other VCE: from the same fit where it formed both (a robust fit), else by a second fit.
        const altSpec = { ...spec, robust: !spec.robust };
        record.se[vceName(altSpec, def.kind)] = main.otherSe ? pickOther(main, params) : pick(await fitGmm(panel, altSpec, def.command), params, 'se');
      }
      record.hansenP = pValue(main.hansen);
      record.sarganP = pValue(main.sargan);
      record.ar2P = pValue(main.ar.find((a) => a.order === 2));
      record.instruments = main.ninstruments;
      if (def.kind === 'xtabond2' && def.iterate) {
        const it = iteratedGmm(
          panel,
          spec,
          { names: main.coefficients.map((c) => c.name), beta: main.coefficients.map((c) => c.estimate), hansenDf: main.hansen?.df ?? main.sargan?.df ?? 0 },
          def.maxIter,
          def.tol,
        );
        if (!it.converged) throw new Error(`iterated GMM did not converge in ${def.maxIter} iterations`);
        record.estimate = params.map((p) => (it.names.includes(p) ? it.beta[it.names.indexOf(p)] : null));
        record.se = { iterated: params.map((p) => (it.names.includes(p) ? it.se[it.names.indexOf(p)] : null)) };
        record.hansenP = it.hansen.p;
        record.ar2P = null;
        record.sarganP = null;
      }
      if (bootstrap) {
        const b = await bootstrapGmm(panel, spec, { reps: bootstrap.reps, seed: bootstrap.seed, level: 1 - bootstrap.level, threads: 1, backend: bootstrap.backend });
        record.boot = params.map((p) => {
          const s = b.coefficients.find((c) => c.name === p)?.studentized;
          return s && Number.isFinite(s.low) && Number.isFinite(s.high) ? [s.low, s.high] : null;
        });
        record.bootFailed = b.failed.singular + b.failed.nonFinite;
      }
    }
    const missing = params.filter((_, k) => record.estimate[k] === null);
    if (missing.length) record.failure = `no finite estimate of ${missing.join(', ')}`;
  } catch (err) {
    record.failure = err instanceof Error ? err.message : String(err);
  }
  return record;
}

export async function montecarloTask(manifest: RunManifest, index: number): Promise<McTaskPayload> {
  const { plan } = manifest.config as McConfig;
  const { design: d, first, last } = taskReplications(plan, index);
  const design = plan.designs[d];
  const params = Object.keys(truth(design));
  const columns = design.model === 'ar1x' ? ['id', 't', 'y', 'x'] : ['id', 't', 'y'];
  const specs = plan.estimators.map((e) => parseXtabond2(e.def.command, columns));
  const backend = plan.bootstrap > 0 ? await getBackend(defaultFloat64Backend(), { precision: 'float32', workload: 'bootstrap' }) : null;
  try {
    const reps: Record<string, EstimateRecord>[] = [];
    for (let r = first; r < last; r++) {
      const panel = simulatePanel(design, keyedRng(plan.seed, d, r));
      const out: Record<string, EstimateRecord> = Object.create(null); // keyed by the user's estimator names
      for (const [e, { name, def }] of plan.estimators.entries()) {
        const boot = backend && def.kind !== 'ols' && def.kind !== 'within' ? { reps: plan.bootstrap, seed: keyedSeed(plan.seed, d, r, e), level: plan.level, backend } : null;
        out[name] = await fitOne(panel, def, specs[e], params, boot);
      }
      reps.push(out);
    }
    return { design: d, first, reps };
  } finally {
    await backend?.dispose();
  }
}
