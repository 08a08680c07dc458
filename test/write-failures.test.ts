// A write that fails part way (a full disk, a file-size limit, a quota): Node's error names no file,
// so writeFileAtomic names the target (and the option when given), removes its temporary file and
// leaves the old target as it was. Folders are made one at a time, so a folder that cannot be made
// is reported with the file system's own reason.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../src/data/write-atomic.ts';
import { makeFolder, missingFolders, removeEmptyFolders } from '../src/data/make-folder.ts';
import { fileErrorMessage } from '../src/file-errors.ts';

// The writes pass through unless a test makes one fail.
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return { ...real, writeFile: vi.fn(real.writeFile) };
});
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, writeFileSync: vi.fn(real.writeFileSync) };
});

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-write-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.mocked(fsp.writeFile).mockClear());

/** Node's error for a write(2) that failed: a code and the syscall, no path. */
const writeError = (code: string) => Object.assign(new Error(`${code}: write failed, write`), { code, syscall: 'write', errno: -28 });

describe('a write that fails part way', () => {
  it('writeFileAtomic: the error names the target, the temporary file is gone, the old file kept', async () => {
    const target = join(dir, 'r.json');
    writeFileSync(target, 'old');
    // Half the bytes reach the temporary file, then the disk is full.
    vi.mocked(fsp.writeFile).mockImplementationOnce(async (file, data) => {
      fs.writeFileSync(file as string, String(data).slice(0, 2));
      throw writeError('ENOSPC');
    });
    const err = await writeFileAtomic(target, 'new!').catch((e: unknown) => e);
    expect(fileErrorMessage(err)).toBe(`cannot write ${target}: no space left on the device`);
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // With the option that named the file, the message is that option's fault.
    for (const [code, reason] of [['EFBIG', 'file too large'], ['EDQUOT', 'disk quota exceeded'], ['EIO', 'input/output error on the device']]) {
      vi.mocked(fsp.writeFile).mockRejectedValueOnce(writeError(code));
      await expect(writeFileAtomic(target, 'new!', '--save')).rejects.toThrow(`--save: cannot write ${target}: ${reason}`);
    }
  });

  it('writeFileAtomicSync: the same', () => {
    const target = join(dir, 'sim.csv');
    vi.mocked(fs.writeFileSync).mockImplementationOnce(() => {
      throw writeError('EFBIG');
    });
    expect(() => writeFileAtomicSync(target, 'a,b\n', '--out')).toThrow(`--out: cannot write ${target}: file too large`);
    expect(readdirSync(dir)).not.toContain('sim.csv');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an error that is not the file system\'s passes unchanged', async () => {
    const bug = new TypeError('not a file error');
    vi.mocked(fsp.writeFile).mockRejectedValueOnce(bug);
    await expect(writeFileAtomic(join(dir, 'x.json'), 'x', '--save')).rejects.toBe(bug);
  });
});

describe('makeFolder', () => {
  it('makes the missing folders and says which; a folder that is there is left as it is', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    expect(missingFolders(deep)).toEqual([deep, join(dir, 'a', 'b'), join(dir, 'a')]);
    expect(await makeFolder(deep)).toEqual([deep, join(dir, 'a', 'b'), join(dir, 'a')]);
    expect(await makeFolder(deep)).toEqual([]);
    writeFileSync(join(dir, 'a', 'kept'), '');
    await removeEmptyFolders([deep, join(dir, 'a', 'b'), join(dir, 'a')]);
    // The folders emptied of nothing are gone; the one holding a file stays.
    expect(readdirSync(join(dir, 'a'))).toEqual(['kept']);
  });

  it('a file in the way: the parent a regular file (ENOTDIR), the folder a file or a dangling link (EEXIST)', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const notDir = await makeFolder(join(file, 'figs', 'deeper')).catch((e: unknown) => e);
    expect(fileErrorMessage(notDir)).toBe(`cannot create the folder ${join(file, 'figs', 'deeper')}: a file is in the way`);
    expect(fileErrorMessage(await makeFolder(file).catch((e: unknown) => e))).toBe(`cannot create the folder ${file}: a file is in the way`);
    // Node's recursive mkdir calls this "no such file or folder".
    const link = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere', 'target'), link);
    expect(fileErrorMessage(await makeFolder(link).catch((e: unknown) => e))).toBe(`cannot create the folder ${link}: a file is in the way`);
  });

  it('concurrent calls for the same folders both succeed', async () => {
    const deep = join(dir, 'same', 'x', 'y');
    await Promise.all([makeFolder(deep), makeFolder(deep), makeFolder(join(dir, 'same', 'x'))]);
    mkdirSync(join(deep, 'ok'));
    expect(readdirSync(deep)).toEqual(['ok']);
  });
});
