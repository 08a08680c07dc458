// How a run's tasks fail, for the executors (local.ts, slurm.ts) and the commands that report it.
/** Tasks that did not produce a valid result; `failed` names each with its log, or, with none (a
 *  Slurm element cancelled before it started, whose log Slurm never made), says it never ran. */
export class TaskFailure extends Error {
  constructor(message: string, readonly failed: { index: number; log: string | null }[], readonly exitCode = 1) {
    super(failed.length ? `${message}: ${failed.map((f) => `task ${f.index} (${f.log === null ? 'never ran: no log' : `log ${f.log}`})`).join(', ')}` : message);
    this.name = 'TaskFailure';
  }
}

/** A task stopped on an error in the user's data or options: its own message (file, row, column),
 *  where it happened, and exit status 2, as for the same error in the command itself. */
export function taskUserError(dir: string, index: number, message: string, log: string): TaskFailure {
  return new TaskFailure(`${message} (task ${index} of the run in ${dir}; log ${log})`, [], 2);
}
