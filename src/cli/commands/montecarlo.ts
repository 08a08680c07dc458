// `sysgmm montecarlo <plan.json> --out <dir>`: Monte Carlo comparison of estimators over the plan's
// designs, as tasks of a resumable run directory on the local or Slurm executor.
import type { Command } from 'commander';
import { executorCliOptions, parseExecutorOptions, preparedMessage, TaskFailure, type ExecutorCliOptions } from '../../run/executor.ts';
import { readManifest } from '../../run/run-dir.ts';
import { readPlan, runMontecarlo } from '../../workloads/montecarlo.ts';
import { progressBar } from '../progress.ts';

interface MontecarloCliOptions extends ExecutorCliOptions {
  out: string;
}

/** Print a task failure and exit with its code (1, or 130 when interrupted). */
export function exitOnTaskFailure(err: unknown): never {
  if (err instanceof TaskFailure) {
    process.stderr.write(`sysgmm: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  throw err;
}

export function register(program: Command): void {
  executorCliOptions(
    program
      .command('montecarlo')
      .description('Monte Carlo benchmark of estimators: bias, RMSE, size, coverage and test rejection rates over the designs of a plan')
      .argument('<plan>', 'the plan (JSON): dgp (lists are crossed into designs), estimators, reps, seed, alpha_level, bootstrap, repsPerTask')
      .requiredOption('--out <dir>', 'run directory: task results, summary.json/md/tex/csv, replications.parquet, figures/'),
  ).action(async (planFile: string, opts: MontecarloCliOptions) => {
    const exec = parseExecutorOptions(opts);
    const plan = await readPlan(planFile);
    let bar: ReturnType<typeof progressBar> | null = null;
    const note = (m: string) => (opts.quiet ? undefined : process.stderr.write(`${m}\n`));
    const result = await runMontecarlo(plan, opts.out, {
      ...exec,
      resume: opts.resume,
      prepare: opts.prepare,
      onNote: note,
      onTasks: (done, total) => {
        bar ??= progressBar('montecarlo tasks', total, opts.quiet);
        bar.update(done);
      },
    }).catch(exitOnTaskFailure);
    (bar as ReturnType<typeof progressBar> | null)?.stop();
    if (!result) return void process.stderr.write(preparedMessage(opts.out, (await readManifest(opts.out)).tasks));
    process.stdout.write(result.markdown);
    note(
      `${plan.designs.length} design(s) × ${plan.estimators.length} estimator(s) × ${plan.reps} replications in ${result.tasks} task(s) (${result.ran} computed now); ` +
        `wrote summary.json/md/tex/csv, replications.parquet and ${result.figures.length} figures (SVG, PNG) to ${opts.out}`,
    );
  });
}
