// Globs over files: `*`, `?` and `[…]` within a path segment, `**` for any depth of folders. Used to
// expand a dataset glob (dataset.ts) and to keep outputs out of the files a glob reads
// (write-atomic.ts checkOutputFile); pure path work, no reading of data.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A path with a wildcard: `*`, `?` or a `[…]` class. */
export const GLOB = /[*?[]/;

/** Whether `path` is a glob to expand: one with a wildcard that names no file or folder as it is.
 *  A path that exists is that file or folder (`panel[1].csv`, `what?.csv`, `g=a[1]/`), never a
 *  pattern: as one it would read other files (panel1.csv), or itself again for ever. */
export function isGlob(path: string): boolean {
  return GLOB.test(path) && !existsSync(path);
}

/** The segments of `pattern`, the first with a wildcard, and the folder the segments before it make
 *  ('.' or '/' when there are none): where expanding or matching the glob starts. */
export function globParts(pattern: string): { root: string; parts: string[]; first: number } {
  const parts = pattern.split(/[\\/]/);
  const first = parts.findIndex((p) => GLOB.test(p));
  return { root: parts.slice(0, first).join(sep) || (pattern.startsWith('/') ? '/' : '.'), parts, first };
}

/** One path segment's pattern as a regular expression (`[!…]` negates a class). */
export function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = segment.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** `path` relative to `folder` when it lies inside it (not the folder itself), else null. */
export function pathBelow(folder: string, path: string): string | null {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? null : rel;
}

/** `path` made absolute with the symbolic links of its existing part resolved: the real path of its
 *  nearest existing ancestor, then the rest as given. Two names of one folder (a link to it, `..`
 *  through a link) then compare equal, which strings alone do not. */
export function realPathOf(path: string): string {
  const rest: string[] = [];
  for (let at = resolve(path); ; ) {
    try {
      return join(realpathSync(at), ...rest.reverse());
    } catch {
      const up = dirname(at);
      if (up === at) return resolve(path);
      rest.push(basename(at));
      at = up;
    }
  }
}

/** Whether `path` (existing or not) is one of the files `pattern` would read; with `below`, whether
 *  the glob could read a file inside the folder `path` (or `path` itself), e.g. a run directory's. */
export function globMatches(pattern: string, path: string, below = false): boolean {
  const { root, parts, first } = globParts(pattern);
  return globMatchesIn(root, parts.slice(first), path, below) || globMatchesIn(realPathOf(root), parts.slice(first), realPathOf(path), below);
}

function globMatchesIn(root: string, pat: string[], path: string, below: boolean): boolean {
  const rel = pathBelow(root, path);
  if (rel === null) return below && relative(resolve(root), resolve(path)) === '';
  const seg = rel.split(sep);
  const match = (i: number, j: number): boolean => {
    if (below && j === seg.length) return true; // the rest of the pattern can match below the folder
    if (i === pat.length) return j === seg.length;
    if (pat[i] === '**') return match(i + 1, j) || (j < seg.length && match(i, j + 1));
    return j < seg.length && segmentRegex(pat[i]!).test(seg[j]!) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
