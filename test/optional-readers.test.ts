// A reader whose package is an optional peer (exceljs for .xlsx): when it is missing, the error says
// the exact command that adds it, at the version package.json declares.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.ts';
import { loadOptional, OPTIONAL_READERS } from '../src/data/optional.ts';

describe('optional readers', () => {
  it('a missing exceljs is a DataError naming the file and the npm command', async () => {
    const missing = Object.assign(new Error("Cannot find package 'exceljs' imported from /x/xlsx.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const err = await loadOptional('exceljs', 'data/a.xlsx (.xlsx)', () => Promise.reject(missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toBe('reading data/a.xlsx (.xlsx) needs the optional package exceljs, which is not installed: npm i exceljs@4.4.0');
  });

  it('other errors pass through; the version is the declared peer range', async () => {
    const other = new Error('boom');
    await expect(loadOptional('exceljs', 'x', () => Promise.reject(other))).rejects.toBe(other);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { peerDependencies: Record<string, string> };
    expect(pkg.peerDependencies.exceljs).toBe(`^${OPTIONAL_READERS.exceljs}`);
  });
});
