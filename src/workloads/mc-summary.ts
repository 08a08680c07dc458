// Monte Carlo summaries per design × estimator × parameter, each with its Monte Carlo standard error
// (the standard error of the figure over replications; normal-theory formulas where noted):
//   mean, bias: sd/√R;  median: √(π/2)·sd/√R (normal);  sd: sd/√(2(R − 1)) (normal);
//   rmse: se(MSE)/(2·rmse) with se(MSE) = sd(e²)/√R (delta method);  mae: sd(|e|)/√R;
//   a rate p over m replications (size, coverage, Hansen/Sargan/AR(2) rejection): √(p(1 − p)/m).
// Size at level a rejects the true value when |β̂ − β|/se > z_{1−a/2} (normal critical value for every
// VCE); coverage is the share of the intervals β̂ ± z·se holding β (the bootstrap-t interval for
// "bootstrap-t"). Statistics use the replications where the estimator succeeded; failures are counted
// with their reasons.
import { normalQuantileOf } from '../stats/distributions.ts';
import { quantileSorted } from '../bootstrap/intervals.ts';
import { truth, type Design } from './dgp.ts';
import { designLabel, type Plan } from './plan.ts';
import { notIdentified, type EstimateRecord, type McTaskPayload } from './montecarlo-task.ts';

export interface McRow {
  design: string;
  designIndex: number;
  dgp: Record<string, number | string>;
  estimator: string;
  parameter: string;
  truth: number;
  /** Replications with a finite estimate. */
  reps: number;
  mean: number;
  bias: number;
  median: number;
  medianBias: number;
  sd: number;
  rmse: number;
  mae: number;
  /** Rejection rate of the true value at the plan's level, per VCE. */
  size: Record<string, number>;
  coverage: Record<string, number>;
  hansenRejection: number;
  sarganRejection: number;
  ar2Rejection: number;
  instruments: number;
  failures: { count: number; reasons: Record<string, number> };
  /** Bootstrap replications that failed, of all those run, over the replications of this design ×
   *  estimator; null without a bootstrap (or where only records of an older version hold none). */
  bootFailures: { count: number; of: number } | null;
  /** Replications of this design × estimator whose moment covariance was singular (a generalized
   *  inverse weighted the two-step estimate or the Hansen test), among those kept in the statistics
   *  whose records say (GMM estimators); null where none do. */
  ginverse: { count: number; of: number } | null;
  mcse: {
    mean: number;
    bias: number;
    median: number;
    sd: number;
    rmse: number;
    mae: number;
    size: Record<string, number>;
    coverage: Record<string, number>;
    hansenRejection: number;
    sarganRejection: number;
    ar2Rejection: number;
    instruments: number;
  };
}

const num = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);

function meanSd(x: number[]): { mean: number; sd: number } {
  const n = x.length;
  if (n === 0) return { mean: NaN, sd: NaN };
  let m = 0;
  for (const v of x) m += v;
  m /= n;
  let ss = 0;
  for (const v of x) ss += (v - m) ** 2;
  return { mean: m, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN };
}

function rate(hits: number, m: number): { p: number; se: number } {
  if (m === 0) return { p: NaN, se: NaN };
  const p = hits / m;
  return { p, se: Math.sqrt((p * (1 - p)) / m) };
}

function rejection(ps: (number | null)[], level: number): { p: number; se: number } {
  const got = ps.filter((p): p is number => p !== null);
  return rate(got.filter((p) => p < level).length, got.length);
}

/** A record's failure. Records written before `ginverse` existed kept a parameter that xtabond2's
 *  invsym leaves unidentified as an estimate of 0 with SE 0 (montecarlo-task.ts now fails them): a
 *  resumed run counts those as failed too. */
function failureOf(r: EstimateRecord, params: string[]): string | null {
  if (r.failure || 'ginverse' in r) return r.failure;
  const ses = Object.values(r.se);
  const zero = params.filter((_, k) => r.estimate[k] === 0 && ses.length > 0 && ses.every((s) => s[k] === 0));
  return zero.length ? notIdentified(zero) : null;
}

/** Rows in plan order: designs, then estimators, then parameters. */
export function summarise(plan: Plan, payloads: McTaskPayload[]): McRow[] {
  const byDesign = plan.designs.map(() => [] as McTaskPayload['reps']);
  for (const p of [...payloads].sort((a, b) => a.design - b.design || a.first - b.first)) byDesign[p.design].push(...p.reps);
  const z = normalQuantileOf(1 - plan.level / 2);
  const rows: McRow[] = [];
  plan.designs.forEach((design: Design, d) => {
    const dgp = Object.fromEntries(plan.varying.map((k) => [k, design[k as keyof Design]]));
    const truths = truth(design);
    for (const { name } of plan.estimators) {
      const recs = byDesign[d].map((r) => r[name]);
      const failure = recs.map((r) => failureOf(r, Object.keys(truths)));
      const reasons: Record<string, number> = {};
      for (const f of failure) if (f) reasons[f] = (reasons[f] ?? 0) + 1;
      const ok = recs.filter((_, j) => !failure[j]);
      const failures = { count: recs.length - ok.length, reasons };
      const bootRuns = recs.map((r) => r.bootFailed).filter((n): n is number => typeof n === 'number');
      const bootFailures = bootRuns.length ? { count: bootRuns.reduce((a, b) => a + b, 0), of: bootRuns.length * plan.bootstrap } : null;
      const said = ok.filter((r) => typeof r.ginverse === 'boolean');
      const ginverse = said.length ? { count: said.filter((r) => r.ginverse).length, of: said.length } : null;
      Object.entries(truths).forEach(([parameter, beta], k) => {
        const est = ok.map((r) => num(r.estimate[k])).filter(Number.isFinite);
        const { mean, sd } = meanSd(est);
        const sorted = Float64Array.from(est).sort();
        const median = quantileSorted(sorted, 0.5);
        const sq = meanSd(est.map((e) => (e - beta) ** 2));
        const abs = meanSd(est.map((e) => Math.abs(e - beta)));
        const rmse = Math.sqrt(sq.mean);
        const R = est.length;
        const size: Record<string, number> = {};
        const coverage: Record<string, number> = {};
        const sizeSe: Record<string, number> = {};
        const coverageSe: Record<string, number> = {};
        const vces = [...new Set(ok.flatMap((r) => Object.keys(r.se)))];
        for (const v of vces) {
          let m = 0;
          let hits = 0;
          for (const r of ok) {
            const e = num(r.estimate[k]);
            const se = num(r.se[v]?.[k]);
            if (!Number.isFinite(e) || !(se > 0)) continue;
            m++;
            if (Math.abs(e - beta) / se > z) hits++;
          }
          const s = rate(hits, m);
          size[v] = s.p;
          sizeSe[v] = s.se;
          coverage[v] = 1 - s.p;
          coverageSe[v] = s.se;
        }
        const boots = ok.map((r) => r.boot?.[k] ?? null).filter((b): b is [number, number] => b !== null);
        if (plan.bootstrap > 0) {
          const s = rate(boots.filter(([lo, hi]) => !(beta >= lo && beta <= hi)).length, boots.length);
          size['bootstrap-t'] = s.p;
          sizeSe['bootstrap-t'] = s.se;
          coverage['bootstrap-t'] = 1 - s.p;
          coverageSe['bootstrap-t'] = s.se;
        }
        const hansen = rejection(ok.map((r) => r.hansenP), plan.level);
        const sargan = rejection(ok.map((r) => r.sarganP), plan.level);
        const ar2 = rejection(ok.map((r) => r.ar2P), plan.level);
        const inst = meanSd(ok.map((r) => r.instruments).filter((v): v is number => v !== null));
        rows.push({
          design: designLabel(plan, d),
          designIndex: d,
          dgp,
          estimator: name,
          parameter,
          truth: beta,
          reps: R,
          mean,
          bias: mean - beta,
          median,
          medianBias: median - beta,
          sd,
          rmse,
          mae: abs.mean,
          size,
          coverage,
          hansenRejection: hansen.p,
          sarganRejection: sargan.p,
          ar2Rejection: ar2.p,
          instruments: inst.mean,
          failures,
          bootFailures,
          ginverse,
          mcse: {
            mean: sd / Math.sqrt(R),
            bias: sd / Math.sqrt(R),
            median: (Math.sqrt(Math.PI / 2) * sd) / Math.sqrt(R),
            sd: sd / Math.sqrt(2 * (R - 1)),
            rmse: sq.sd / Math.sqrt(R) / (2 * rmse),
            mae: abs.sd / Math.sqrt(R),
            size: sizeSe,
            coverage: coverageSe,
            hansenRejection: hansen.se,
            sarganRejection: sargan.se,
            ar2Rejection: ar2.se,
            instruments: inst.sd / Math.sqrt(Math.max(1, ok.length)),
          },
        });
      });
    }
  });
  return rows;
}
