// What every workload command shares: open (or resume) its run directory, run the pending tasks on
// the executor, and read back every task's payload.
import { SpecError } from '../errors.ts';
import { executeRun, withProgress, type ExecutorOptions } from '../run/executor.ts';
import { allResults, openRunDir, resultsPresent } from '../run/run-dir.ts';

export interface WorkloadOptions extends ExecutorOptions {
  resume?: boolean;
  /** Only write the run directory (for another array scheduler to run `sysgmm task`); run nothing. */
  prepare?: boolean;
  /** Tasks done of all tasks (those already done on resume included). */
  onTasks?: (done: number, total: number) => void;
}

export interface WorkloadRun {
  payloads: unknown[];
  tasks: number;
  /** Tasks computed by this call (the others were complete already). */
  ran: number;
}

export async function runWorkload(out: string, run: { kind: string; tasks: number; config: unknown }, opts: WorkloadOptions): Promise<WorkloadRun | null> {
  if (run.tasks === 0) throw new SpecError(`${run.kind}: nothing to run (no tasks)`);
  const manifest = await openRunDir(out, run, opts.resume ?? false);
  if (opts.prepare) return null;
  const before = await resultsPresent(out);
  opts.onTasks?.(before, run.tasks);
  const ran = await withProgress(out, (n) => opts.onTasks?.(Math.min(n, run.tasks), run.tasks), () => executeRun(out, manifest, opts));
  opts.onTasks?.(run.tasks, run.tasks);
  return { payloads: await allResults(out, run.tasks), tasks: run.tasks, ran };
}
