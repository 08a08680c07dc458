// `sysgmm montecarlo`: a plan's designs × replications as tasks of a run directory, then the
// summaries, tables, per-replication Parquet and figures written into the same folder.
import { readFile } from 'node:fs/promises';
import { SpecError } from '../errors.ts';
import { readFailure } from '../file-errors.ts';
import { parsePlan, type Plan } from './plan.ts';
import { montecarloMisfit, taskLayout, type McConfig, type McTaskPayload } from './montecarlo-task.ts';
import { summarise, type McRow } from './mc-summary.ts';
import { writeFigures, writeReplications, writeSummary } from './mc-report.ts';
import { runWorkload, type WorkloadOptions } from './run-workload.ts';
import { tooFewReplications } from '../bootstrap/intervals.ts';
import { parseXtabond2 } from '../spec/parse.ts';

export async function readPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SpecError(readFailure(path, err), 'plan');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`${path}: not valid JSON (${(err as Error).message})`, 'plan');
  }
  try {
    return parsePlan(raw);
  } catch (err) {
    if (err instanceof SpecError) throw new SpecError(`${path}: ${err.message}`, err.option);
    throw err;
  }
}

export interface MontecarloResult {
  plan: Plan;
  rows: McRow[];
  markdown: string;
  figures: string[];
  tasks: number;
  ran: number;
  /** Bootstrap replications too few for the plan's level; designs × estimators whose bootstraps had failed replications. */
  warnings: string[];
}

/** The results, or null when opts.prepare only wrote the run directory. */
export async function runMontecarlo(plan: Plan, out: string, opts: WorkloadOptions): Promise<MontecarloResult | null> {
  const config: McConfig = { plan };
  const run = await runWorkload(out, { kind: 'montecarlo', tasks: taskLayout(plan).tasks, config, check: (p, i) => montecarloMisfit(plan, p, i) }, opts);
  if (!run) return null;
  const { payloads, tasks, ran } = run;
  const results = payloads as McTaskPayload[];
  const rows = summarise(plan, results);
  const warnings = montecarloWarnings(plan, rows);
  const markdown = await writeSummary(out, plan, rows, warnings);
  await writeReplications(out, plan, results);
  const figures = await writeFigures(out, plan, rows, results);
  return { plan, rows, markdown, figures, tasks, ran, warnings };
}

/** The run's warnings: B too few for the plan's level, `pca` estimators' components held fixed in the
 *  bootstrap (as bootstrapGmm says of one fit), design × estimator pairs with failed bootstrap
 *  replications, and those with replications whose moment covariance was singular. */
export function montecarloWarnings(plan: Plan, rows: McRow[]): string[] {
  // The rows repeat a design × estimator's counts for each parameter: one row of each pair holds them.
  const pairs = [...new Map(rows.map((r) => [`${r.designIndex}\u0000${r.estimator}`, r])).values()];
  const warnings: string[] = [];
  if (plan.bootstrap > 0) {
    const tooFew = tooFewReplications(plan.bootstrap, 1 - plan.level);
    if (tooFew) warnings.push(tooFew);
    const pca = plan.estimators.filter((e) => e.def.kind === 'xtabond2' && parseXtabond2(e.def.command, ['id', 't', 'y', 'x']).pca).map((e) => e.name);
    if (pca.length)
      warnings.push(`pca (${pca.join(', ')}): each replication's bootstrap keeps the principal components of that replication's sample (not chosen again on each resample); its bootstrap-t intervals are conditional on them`);
    const failed = pairs.filter((r) => r.bootFailures?.count);
    if (failed.length)
      warnings.push(
        `bootstrap replications failed, left out of the bootstrap-t intervals (boot_failed in summary.csv and replications.parquet): ` +
          failed.map((r) => `${r.design}, ${r.estimator}: ${r.bootFailures!.count} of ${r.bootFailures!.of}`).join('; '),
      );
  }
  const singular = pairs.filter((r) => r.ginverse?.count);
  if (singular.length)
    warnings.push(
      'replications whose moment covariance was singular, so that a generalized inverse gave the two-step weight or the Hansen test (as in xtabond2), ' +
        `kept in the statistics (ginverse in summary.csv and replications.parquet): ${singular.map((r) => `${r.design}, ${r.estimator}: ${r.ginverse!.count} of ${r.ginverse!.of}`).join('; ')}`,
    );
  return warnings;
}
