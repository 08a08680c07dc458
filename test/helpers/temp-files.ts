// A test file's scratch folder, removed after its tests: numbered files written in it, and numbered
// paths for outputs a command makes there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function tempFiles(prefix: string): {
  dir: string;
  /** Writes `content` to a new file `f<n>.<ext>` and returns its path. */
  file: (content: string | Uint8Array, ext?: string) => string;
  /** A new path `<stem><n>` in the folder, not created. */
  fresh: (stem: string) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let serial = 0;
  const fresh = (stem: string) => join(dir, `${stem}${serial++}`);
  const file = (content: string | Uint8Array, ext = 'csv'): string => {
    const p = `${fresh('f')}.${ext}`;
    writeFileSync(p, content);
    return p;
  };
  return { dir, file, fresh };
}
