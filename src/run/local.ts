// The local executor: worker processes on this machine, each running `sysgmm task <dir> <i> <j> ...`
// over a batch of tasks (so the process start is paid once per batch, not once per task). A batch
// whose process fails or is killed leaves its unfinished tasks to be retried in a later batch, up to
// `retries` times each; results already written stay.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { taskCommand } from './entry.ts';
import { linkRefused, logDir, readResult, readTaskError, type RunManifest } from './run-dir.ts';
import type { ExecutorOptions } from './executor.ts';
import { TaskFailure, taskUserError } from './task-failure.ts';
import { signalExit, STOP_SIGNALS } from './signal-exit.ts';

export async function runLocal(dir: string, pending: number[], manifest: RunManifest, opts: ExecutorOptions): Promise<void> {
  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  const retries = opts.retries ?? 2;
  // About two batches per process: small enough to balance the load, large enough to amortise starts.
  const batchSize = Math.max(1, Math.ceil(pending.length / (2 * jobs)));
  const queue = [...pending];
  const attempts = new Map<number, number>();
  const running = new Set<ChildProcess>();
  const failures: { index: number; log: string }[] = [];
  let batchNo = 0;
  let done = 0;
  let interrupted: NodeJS.Signals | null = null;
  // The first task stopped by an error in the user's data or options: no task is started after it.
  let userError: TaskFailure | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    for (const child of running) child.kill('SIGTERM');
  };
  for (const s of STOP_SIGNALS) process.once(s, onSignal);

  const runBatch = (indices: number[]): Promise<void> =>
    new Promise((resolveBatch) => {
      const log = join(logDir(dir), `local-${String(batchNo++).padStart(4, '0')}-tasks-${indices[0]}-${indices[indices.length - 1]}.log`);
      const fd = openLog(log);
      const { file, args } = taskCommand(dir, indices, manifest.id);
      const child = spawn(file, args, { stdio: ['ignore', fd, fd] });
      running.add(child);
      let finished = false;
      const finish = async (how: string) => {
        if (finished) return;
        finished = true;
        running.delete(child);
        closeSync(fd);
        const again: number[] = [];
        for (const i of indices) {
          if ((await readResult(dir, i, manifest.id)).state === 'ok') {
            done++;
            continue;
          }
          const message = await readTaskError(dir, i, manifest.id);
          if (message !== null) {
            userError ??= taskUserError(dir, i, message, log);
            continue;
          }
          const tries = (attempts.get(i) ?? 0) + 1;
          attempts.set(i, tries);
          if (tries > retries || interrupted) failures.push({ index: i, log });
          else again.push(i);
        }
        if (again.length && !interrupted && !userError) opts.onNote?.(`task(s) ${again.join(', ')}: the worker process ${how} without a result (log ${log}); running again`, true);
        queue.push(...again);
        resolveBatch();
      };
      child.on('error', (e) => void finish(`could not start (${e.message})`));
      child.on('exit', (code, signal) => void finish(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    });

  const worker = async (): Promise<void> => {
    while (queue.length && !interrupted && !userError) await runBatch(queue.splice(0, batchSize));
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, queue.length)) }, worker));
  } finally {
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
  }
  if (interrupted) throw new TaskFailure(interruptedMessage(dir, pending.length - done), [], signalExit(interrupted));
  if (userError) throw userError;
  if (failures.length) throw new TaskFailure(`${failures.length} task(s) failed after ${retries} retries`, failures);
}

/** Open a worker's log for appending (a resumed run's batches reuse the names). A symbolic link
 *  there is refused, as run-dir.ts refuses linked folders: the log is written only inside the run. */
function openLog(path: string): number {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw linkRefused(path);
    throw err;
  }
}

/** What a signal that stopped the workers left: tasks, or, when every task was done (a signal
 *  between the last task and the end of the stage), what follows the tasks of this run folder: a
 *  sharded estimate's next stage, a workload's outputs. */
export function interruptedMessage(dir: string, left: number): string {
  return left > 0
    ? `interrupted: ${left} task(s) left; continue with --resume`
    : `interrupted once every task in ${dir} was done; what follows them (the next stage, the outputs) is left: continue with --resume`;
}
