// A module of the installed package that Node could not load (ERR_MODULE_NOT_FOUND at a dynamic import,
// e.g. the figure code's vega and d3 modules). Either the install is incomplete, or the process hit its
// open-file limit: Node's module loader reads a graph's files concurrently and reports a file it could
// not open as missing (seen under `ulimit -n 100` with `bootstrap --svg`, `grid`, `montecarlo`).
import { readFileSync } from 'node:fs';

/** The one-line message for a module that could not be loaded, and its exit status (2 for the
 *  open-file limit, as for a file that cannot be opened; 1 for a broken install); null when `err` is not that. */
export function moduleLoadFailure(err: unknown, limit: number | 'exhausted' | null = openFileLimit()): { message: string; code: number } | null {
  if (!(err instanceof Error) || (err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') return null;
  const first = err.message.split('\n')[0];
  const what = `cannot load a module of the installed package (${first})`;
  // Where the limit cannot be read (no /proc: macOS, whose default limit is 256), either may be the cause.
  if (limit === null) return { message: `${what}; if the open-file limit is low (ulimit -n), raise it (e.g. ulimit -n 4096) and run it again; otherwise reinstall the package (npm ci)`, code: 1 };
  if (limit === 'exhausted' || limit <= LOW_LIMIT) {
    const why = limit === 'exhausted' ? 'the process ran out of file handles' : `the process may open only ${limit} files`;
    return { message: `${what}; ${why} (ulimit -n) while Node loaded the modules: raise the limit (e.g. ulimit -n 4096) and run it again`, code: 2 };
  }
  return { message: `${what}; the installation looks incomplete: reinstall the package (npm ci)`, code: 1 };
}

/** Up to this many open files the module graphs this package loads can fail (150 was enough in tests). */
const LOW_LIMIT = 256;

/** The soft limit on open files (Linux /proc/self/limits); 'exhausted' when reading it fails for want of
 *  a file handle (the loader still holds them); null where it cannot be read. */
function openFileLimit(): number | 'exhausted' | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EMFILE' ? 'exhausted' : null;
  }
}
