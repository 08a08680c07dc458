// Globs over files: `*`, `?` and `[…]` within a path segment, `**` for any depth of folders. Used to
// expand a dataset glob (dataset.ts) and to keep outputs out of the files a glob reads
// (write-atomic.ts checkOutputFile); pure path work, no reading of data.
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A path with a wildcard: `*`, `?` or a `[…]` class. */
export const GLOB = /[*?[]/;

/** The folders of `pattern` before its first segment with a wildcard ('.' or '/' when there are none). */
export function globRoot(pattern: string): string {
  const parts = pattern.split(/[\\/]/);
  const first = parts.findIndex((p) => GLOB.test(p));
  return parts.slice(0, first).join(sep) || (pattern.startsWith('/') ? '/' : '.');
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

/** Whether `path` (existing or not) is one of the files `pattern` would read. */
export function globMatches(pattern: string, path: string): boolean {
  const rel = relative(resolve(globRoot(pattern)), resolve(path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return false;
  const parts = pattern.split(/[\\/]/);
  const pat = parts.slice(parts.findIndex((p) => GLOB.test(p)));
  const seg = rel.split(sep);
  const match = (i: number, j: number): boolean => {
    if (i === pat.length) return j === seg.length;
    if (pat[i] === '**') return match(i + 1, j) || (j < seg.length && match(i, j + 1));
    return j < seg.length && segmentRegex(pat[i]!).test(seg[j]!) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
