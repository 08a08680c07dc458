// Output folders made as `mkdir -p` does, one folder at a time. Node's recursive mkdir reports a
// folder it cannot make on a full or read-only file system as "no such file or folder" (ENOENT), and
// loops forever where mkdir answers ENOENT under a folder that is there (/proc); one mkdir per folder
// gives the file system's own reason.
import { statSync } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

function isMissing(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (err) {
    // ENOTDIR: a file where a parent folder should be; mkdir then names it.
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

/** The folders of `path` that are not there, deepest first: `path` itself, then its missing parents. */
export function missingFolders(path: string): string[] {
  const missing: string[] = [];
  for (let at = path; isMissing(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  return missing;
}

/** Make the folder `path` and its missing parents; resolves to those it made, deepest first. A failure
 *  is mkdir's error on the first folder that could not be made (a file in the way is EEXIST or ENOTDIR),
 *  on `path`, the folder asked for. */
export async function makeFolder(path: string): Promise<string[]> {
  const missing = missingFolders(path);
  if (missing.length === 0) {
    if ((await stat(path)).isDirectory()) return [];
    throw Object.assign(new Error(`EEXIST: cannot create the folder ${path}`), { code: 'EEXIST', syscall: 'mkdir', path });
  }
  const made: string[] = [];
  for (const dir of [...missing].reverse()) {
    try {
      await mkdir(dir);
      made.unshift(dir);
    } catch (err) {
      // Made meanwhile by another process (the workers of a run make the same folders).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await stat(dir).catch(() => null))?.isDirectory()) throw Object.assign(err as Error, { path });
    }
  }
  return made;
}

/** Remove the folders of `folders` (deepest first, as makeFolder gives them) while they are empty: a
 *  command that fails before writing into the folders it made leaves none of them behind. */
export async function removeEmptyFolders(folders: readonly string[]): Promise<void> {
  for (const dir of folders) if (!(await rmdir(dir).then(() => true, () => false))) return;
}
