// The size of the regular file at `path`, or undefined: not a file, or any error reaching it (a missing
// file, a path through a file, no permission). The start-up choices (huge-pages.mjs,
// early-csv-worker.mjs) look at the arguments before the CLI parses them; the CLI itself then names
// whatever is wrong with a path.
import { statSync } from 'node:fs';

export function fileSize(path) {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st?.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}
