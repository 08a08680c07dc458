// `estimate` starts the threaded CSV reader's first worker as the process starts
// (bin/early-csv-worker.mjs) when the reader will use threads: the decision, and the compiled bin with
// the early worker used and left unused (a file the reader sends to one thread).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript module of the bin, without types
import { earlyCsvWorkerWanted, PARALLEL_CSV_BYTES } from '../bin/early-csv-worker.mjs';
import { PARALLEL_CSV_BYTES as READER_BYTES } from '../src/data/csv.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-early-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CSV reader worker started with the process', () => {
  it('is wanted for a .csv or .tsv file the reader parses on threads: by SYSGMM_CSV_THREADS, or by size on two cores', () => {
    const sparse = (name: string, size: number): string => {
      const p = join(dir, name);
      writeFileSync(p, '');
      truncateSync(p, size); // sparse: no disk written
      return p;
    };
    const big = sparse('big.csv', PARALLEL_CSV_BYTES);
    const bigTsv = sparse('big.TSV', PARALLEL_CSV_BYTES);
    const bigParquet = sparse('big.parquet', PARALLEL_CSV_BYTES);
    const small = sparse('small.csv', PARALLEL_CSV_BYTES - 1);
    const empty = sparse('empty.csv', 0);
    mkdirSync(join(dir, 'folder.csv'));
    const want = (args: string[], env: Record<string, string> = {}, cores = 2): boolean => earlyCsvWorkerWanted(args, { env, cores });
    expect(PARALLEL_CSV_BYTES).toBe(READER_BYTES);
    // The worker the bin starts is the reader's bundled one (the other test's bin runs use it).
    expect(existsSync(new URL('../dist/bin/csv-worker.js', new URL('../bin/early-csv-worker.mjs', import.meta.url)))).toBe(true);
    expect(want([big, '--id', 'id', '--xtabond2', 'y L.y, gmm(y)'])).toBe(true);
    expect(want([bigTsv])).toBe(true);
    expect(want([bigParquet])).toBe(false);
    expect(want([small])).toBe(false);
    expect(want([big], {}, 1)).toBe(false);
    expect(want([join(dir, 'folder.csv')])).toBe(false);
    expect(want(['-'])).toBe(false);
    expect(want([join(dir, 'missing.csv')])).toBe(false);
    expect(want([join(big, 'x.csv')], { SYSGMM_CSV_THREADS: '2' })).toBe(false); // a path through a file
    expect(want([small], { SYSGMM_CSV_THREADS: '2' }, 1)).toBe(true);
    expect(want([empty], { SYSGMM_CSV_THREADS: '2' })).toBe(false);
    expect(want([big], { SYSGMM_CSV_THREADS: '1' })).toBe(false);
    expect(want([big], { SYSGMM_CSV_THREADS: 'two' })).toBe(false); // the reader names the bad value
    expect(want([big], { SYSGMM_CSV_THREADS: '' })).toBe(true);
  });

  it('the compiled bin prints what one thread prints, with the early worker used or left unused', () => {
    const lines = ['id,year,y,x'];
    let s = 7;
    const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
    for (let i = 1; i <= 300; i++) for (let t = 2001; t <= 2010; t++) lines.push(`${i},${t},${rnd() * 4 - 2},${rnd()}`);
    const plain = join(dir, 'plain.csv');
    writeFileSync(plain, lines.join('\n') + '\n');
    // A quoted header: the reader sends the file to one thread, and the early worker is not used.
    const quoted = join(dir, 'quoted.csv');
    writeFileSync(quoted, ['"id","year","y","x"', ...lines.slice(1)].join('\n') + '\n');
    const run = (file: string, threads: string) =>
      spawnSync(process.execPath, ['bin/sysgmm.mjs', 'estimate', file, '--id', 'id', '--time', 'year', '--xtabond2', 'y L.y x, gmm(y x, lag(2 4) collapse) twostep robust'], {
        encoding: 'utf8',
        env: { ...process.env, SYSGMM_CSV_THREADS: threads },
        timeout: 60_000,
      });
    const one = run(plain, '1');
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/L1\. \| +-?\.\d+ /);
    for (const file of [plain, quoted]) {
      const two = run(file, '2');
      expect(two.status, two.stderr).toBe(0);
      expect(two.stdout.replaceAll(quoted, plain)).toBe(one.stdout);
    }
  });
});
