// Running the tasks of a run directory that have no valid result yet, on the executor asked for:
// local worker processes, or a Slurm job array. Shared by every workload command.
import type { Command } from 'commander';
import { SpecError } from '../errors.ts';
import { wholeNumber } from '../whole-number.ts';
import { pendingTasks, resultsPresent, type PayloadCheck, type RunManifest } from './run-dir.ts';
import { runLocal } from './local.ts';
import { runSlurm, splitArguments } from './slurm.ts';
import { EXECUTORS, type ExecutorName } from './executor-names.ts';


export interface ExecutorOptions {
  executor?: ExecutorName;
  /** Local: worker processes (default: one per core). Slurm: array tasks running at once (`--array=...%J`; default: no limit). */
  jobs?: number;
  /** Times a failed task is tried again before the run fails (default 2). */
  retries?: number;
  /** Extra sbatch options, already split into arguments. */
  slurm?: string[];
  /** Notes for the user: jobs submitted; with `warning`, what went wrong and is being mended (a corrupt
   *  result recomputed, a task run again), which --quiet does not hide. */
  onNote?: (message: string, warning?: boolean) => void;
}

/** Run every task without a valid result of this run (a corrupt one, another run's, or one whose
 *  payload fails the workload's `check` is removed and recomputed, with a warning); returns how many ran. */
export async function executeRun(dir: string, manifest: RunManifest, opts: ExecutorOptions, check?: PayloadCheck): Promise<number> {
  const pending = await pendingTasks(dir, manifest, (i, why) => opts.onNote?.(`task ${i}: ${why}; recomputing`, true), check);
  if (pending.length === 0) return 0;
  if ((opts.executor ?? 'local') === 'slurm') await runSlurm(dir, pending, manifest, opts);
  else await runLocal(dir, pending, manifest, opts);
  return pending.length;
}

/** Progress in tasks: the count of result files, polled while the executor runs. */
export async function withProgress<T>(dir: string, update: (done: number) => void, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void resultsPresent(dir).then(update), 500);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export interface ExecutorCliOptions {
  executor: string;
  jobs?: string;
  retries: string;
  slurm?: string;
  resume?: boolean;
  prepare?: boolean;
  quiet?: boolean;
}

/** What to tell the user after --prepare. */
export function preparedMessage(out: string, tasks: number): string {
  return (
    `prepared ${tasks} task(s) in ${out}; run \`sysgmm task ${out} <i>\` for i = 0..${tasks - 1} (or without <i> under an array scheduler: ` +
    `SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX), then run this command again with --resume to collect the results\n`
  );
}

/** The executor options every workload command takes. */
export function executorCliOptions(cmd: Command): Command {
  return cmd
    .option('--executor <name>', `where the tasks run: ${EXECUTORS.join('|')}`, 'local')
    .option('--jobs <J>', 'local: worker processes (default one per core); slurm: array tasks running at once (default no limit)')
    .option('--retries <n>', 'times a failed task is retried before the run fails', '2')
    .option('--slurm <options>', 'extra sbatch options, e.g. "--partition=short --time=00:30:00 --mem=2G" (split like a shell would, never run by one; long options with a value as --opt=value)')
    .option('--resume', 'continue the run in --out: tasks with a complete, valid result are kept, the others (missing, corrupt) computed')
    .option('--prepare', 'only write the run directory, for another array scheduler to run `sysgmm task <dir>`; collect the results with --resume')
    .option('--quiet', 'no progress bar and no notes (warnings still shown)');
}

export function parseExecutorOptions(o: ExecutorCliOptions): ExecutorOptions {
  if (!EXECUTORS.includes(o.executor as ExecutorName)) throw new SpecError(`--executor must be one of ${EXECUTORS.join(', ')}, got '${o.executor}'`, '--executor');
  if (o.slurm !== undefined && o.executor !== 'slurm') throw new SpecError('--slurm applies only with --executor slurm', '--slurm');
  return {
    executor: o.executor as ExecutorName,
    jobs: o.jobs === undefined ? undefined : wholeNumber(o.jobs, '--jobs', 1),
    retries: wholeNumber(o.retries, '--retries', 0),
    slurm: o.slurm === undefined ? [] : splitArguments(o.slurm, '--slurm'),
  };
}
