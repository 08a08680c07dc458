// `sysgmm montecarlo <plan.json> --out <dir>`: Monte Carlo comparison of estimators over the plan's
// designs, as tasks of a resumable run directory on the local or Slurm executor.
import type { Command } from 'commander';
import { executorCliOptions, parseExecutorOptions, preparedMessage, type ExecutorCliOptions } from '../../run/executor.ts';
import { readManifest } from '../../run/run-dir.ts';
import { readPlan, runMontecarlo } from '../../workloads/montecarlo.ts';
import { noter } from '../noter.ts';
import { runWorkloadCli } from '../workload-run.ts';

interface MontecarloCliOptions extends ExecutorCliOptions {
  out: string;
}

export function register(program: Command): void {
  executorCliOptions(
    program
      .command('montecarlo')
      .description('Monte Carlo benchmark of estimators: bias, RMSE, size, coverage and test rejection rates over the designs of a plan')
      .argument('<plan>', 'the plan (JSON): dgp (lists are crossed into designs), estimators, reps, seed, alpha_level, bootstrap, repsPerTask')
      .requiredOption('--out <dir>', 'run directory: task results, summary.json/md/tex/csv, replications.parquet, figures/'),
  ).action(async (planFile: string, opts: MontecarloCliOptions) => {
    parseExecutorOptions(opts); // refuse bad executor options before reading the plan
    const plan = await readPlan(planFile);
    const note = noter(opts);
    const result = await runWorkloadCli(opts, 'montecarlo tasks', (exec) => runMontecarlo(plan, opts.out, exec));
    if (!result) return void process.stderr.write(preparedMessage(opts.out, (await readManifest(opts.out)).tasks));
    process.stdout.write(result.markdown);
    for (const w of result.warnings) note(`warning: ${w}`, true);
    note(
      `${plan.designs.length} design(s) × ${plan.estimators.length} estimator(s) × ${plan.reps} replications in ${result.tasks} task(s) (${result.ran} computed now); ` +
        `wrote summary.json/md/tex/csv, replications.parquet and ${result.figures.length} figures (SVG, PNG) to ${opts.out}`,
    );
  });
}
