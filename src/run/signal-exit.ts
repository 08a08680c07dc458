// How a run ends on a signal. The executors (local.ts, slurm.ts) watch for SIGINT and SIGTERM while
// tasks run; between a run's stages nobody does, and Node would end the process without a word.

/** The exit status of a process ended by `signal`, as a shell reports it (128 + the signal's number). */
export function signalExit(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/**
 * Run `work` with a SIGINT/SIGTERM handler for the time between stages: a signal that no executor
 * takes (an executor registers its own while its tasks run, after this one, so this one sees it among
 * the listeners and leaves the report to it) ends the process with a line saying how to go on.
 */
export async function noteInterrupts<T>(work: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    process.stderr.write('sysgmm: interrupted between stages; continue with --resume\n');
    process.exit(signalExit(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
