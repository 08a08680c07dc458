// What every workload command (montecarlo, grid) does around its run: the executor options, notes
// on stderr, a progress bar of tasks on a terminal, and a line for an interrupt between stages. A task
// failure reaches main.ts, which prints it with its exit code.
import { parseExecutorOptions, type ExecutorCliOptions } from '../run/executor.ts';
import { noteInterrupts } from '../run/signal-exit.ts';
import type { WorkloadOptions } from '../workloads/run-workload.ts';
import { noter } from './noter.ts';
import { progressBar, type Progress } from './progress.ts';

/** Run a workload with the command line's executor options and a progress bar labelled `label`. */
export async function runWorkloadCli<T>(opts: ExecutorCliOptions, label: string, run: (exec: WorkloadOptions) => Promise<T>): Promise<T> {
  const exec = parseExecutorOptions(opts);
  let bar: Progress | null = null;
  try {
    return await noteInterrupts(() => run({
      ...exec,
      resume: opts.resume,
      prepare: opts.prepare,
      onNote: noter(opts),
      onTasks: (done, total) => {
        bar ??= progressBar(label, total, opts.quiet);
        bar.update(done);
      },
    }));
  } finally {
    (bar as Progress | null)?.stop();
  }
}
