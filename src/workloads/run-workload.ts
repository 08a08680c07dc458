// What every workload command shares: open (or resume) its run directory, run the pending tasks on
// the executor, and read back every task's payload.
import { SpecError } from '../errors.ts';
import { executeRun, withProgress, type ExecutorOptions } from '../run/executor.ts';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { allResults, discardRunDir, nothingRan, openRunDir, resultsPresent, type PayloadCheck, type RunSpec } from '../run/run-dir.ts';
import { lockRunDir } from '../run/run-lock.ts';

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

/** `run.check`: the workload's check that a result's payload is its task's (run-dir.ts PayloadCheck);
 *  one that fails it is recomputed on --resume. */
export async function runWorkload(out: string, run: RunSpec & { check?: PayloadCheck }, opts: WorkloadOptions): Promise<WorkloadRun | null> {
  if (run.tasks === 0) throw new SpecError(`${run.kind}: nothing to run (no tasks)`);
  const folderExisted = (await stat(out).catch(() => null)) !== null;
  const fresh = (await stat(join(out, 'run.json')).catch(() => null)) === null;
  // One driver at a time (run-lock.ts): a second --resume of a running folder stops here, before
  // openRunDir may write run.json (an identity for an older run, the data's path as given now).
  let release = folderExisted && !opts.prepare ? await lockRunDir(out, '--out', opts.onNote) : null;
  let manifest;
  try {
    manifest = await openRunDir(out, run, opts.resume ?? false);
  } catch (err) {
    await release?.();
    throw err;
  }
  if (opts.prepare) return null;
  release ??= await lockRunDir(out, '--out', opts.onNote);
  let ran: number;
  try {
    const before = await resultsPresent(out);
    opts.onTasks?.(before, run.tasks);
    ran = await withProgress(out, (n) => opts.onTasks?.(Math.min(n, run.tasks), run.tasks), () => executeRun(out, manifest, opts, run.check));
  } catch (err) {
    await release();
    // A submission refused before any task ran (no sbatch, a partition sbatch rejects): the run
    // folder this call made goes, so that the same command can be given again without --resume.
    if (fresh && err instanceof SpecError && (await nothingRan(out))) await discardRunDir(out, folderExisted);
    throw err;
  }
  await release();
  opts.onTasks?.(run.tasks, run.tasks);
  return { payloads: await allResults(out, manifest, run.check), tasks: run.tasks, ran };
}
