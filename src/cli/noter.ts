// Notes for the user on standard error. --quiet hides them, but not a warning: what went wrong and is
// being mended (a corrupt result recomputed, a task run again), which the run's executor marks so.

/** A note for the user on stderr, unless --quiet; a warning always. */
export function noter(opts: { quiet?: boolean }): (message: string, warning?: boolean) => void {
  return (m, warning) => void (opts.quiet && !warning ? undefined : process.stderr.write(`${m}\n`));
}
