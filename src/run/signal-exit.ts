// How a run ends on a signal. The executors (local.ts, slurm.ts) watch for SIGINT, SIGTERM and SIGHUP
// while tasks run; between a run's stages nobody does, and Node would end the process without a word.

/** The signals that stop a run, each the same way (the workers stopped or the Slurm jobs cancelled,
 *  the run folder's lock given back, a line saying what is left): Ctrl-C, a `kill`, and the hang-up a
 *  dropped SSH session or a closed terminal sends, which ended a driver on a login node without a
 *  word, its Slurm array left running and its lock left behind. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The exit status of a process ended by `signal`, as a shell reports it (128 + the signal's number). */
export function signalExit(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130;
}

/**
 * Run `work` with a SIGINT/SIGTERM/SIGHUP handler for the time between stages: a signal that no executor
 * takes (an executor registers its own while its tasks run, after this one, so this one sees it among
 * the listeners and leaves the report to it) ends the process with a line saying how to go on.
 */
export async function noteInterrupts<T>(work: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    process.stderr.write('sysgmm: interrupted between stages; continue with --resume\n');
    process.exit(signalExit(signal));
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    return await work();
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}
