// README "Data files and errors": every command that reads a data file takes --delimiter and
// --input-format (src/cli/data-options.ts dataReadOptions). Each command here reads a colon-separated
// copy of a bundled file: ':' is not among the delimiters detected (, ; tab |), so without the option
// the file is one column; with it, the results equal those on the comma-separated original.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataSha256 } from '../src/data/checksum.ts';
import { gridTask } from '../src/workloads/grid-task.ts';
import { parseGrid } from '../src/workloads/grid-spec.ts';
import { runIndices } from '../src/cli/commands/indices.ts';
import { partition } from '../src/scale/partition.ts';

const work = mkdtempSync(join(tmpdir(), 'sysgmm-read-options-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A colon-separated copy of a bundled CSV (neither holds quotes or colons). */
function colons(from: string, to: string): string {
  writeFileSync(to, readFileSync(from, 'utf8').replaceAll(',', ':'));
  return to;
}

function sysgmm(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--delimiter and --input-format reach the reader', () => {
  it('grid: the tasks read the colon-separated file as the original', async () => {
    const data = colons('data/abdata.csv', join(work, 'abdata-colon.txt'));
    const raw = { template: 'xtabond2 n L.n w k, gmm(L.n, {lags} collapse) iv(w k) twostep robust', axes: { lags: ['lag(1 .)', 'lag(1 2)'] }, samples: { all: null }, focus: ['L.n'] };
    const gridFile = join(work, 'grid.json');
    writeFileSync(gridFile, JSON.stringify(raw));
    const args = ['grid', data, '--id', 'id', '--time', 'year', '--grid', gridFile, '--jobs', '1'];
    const without = sysgmm(...args, '--out', join(work, 'grid-detected'));
    expect(without.code).toBe(2);
    expect(without.stderr).toContain("--id column 'id' not found in " + data + '; columns are: id:year:ind:'); // one column
    const r = sysgmm(...args, '--out', join(work, 'grid-colon'), '--delimiter', ':');
    expect(r.code, r.stderr).toBe(0);
    const grid = parseGrid(raw, readFileSync('data/abdata.csv', 'utf8').split('\n')[0]!.split(','));
    const config = { data: { path: 'data/abdata.csv', sha256: await dataSha256('data/abdata.csv'), id: 'id', time: 'year' }, grid, bootstrap: 0, seed: 1, perTask: 10 };
    const expected = await gridTask({ format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' }, 0);
    expect(expected.map((s) => s.failure)).toEqual([null, null]);
    expect(JSON.parse(readFileSync(join(work, 'grid-colon', 'grid.json'), 'utf8')).specifications).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('indices: a file of no known extension, named csv by --input-format, split by --delimiter', async () => {
    const data = colons('data/city_panel.csv', join(work, 'city.dat'));
    const reference = join(work, 'indices-reference.csv');
    await runIndices('data/city_panel.csv', { id: 'city', time: 'year', reference: 'sample', out: reference });
    const out = join(work, 'indices-colon.csv');
    const r = sysgmm('indices', data, '--id', 'city', '--time', 'year', '--input-format', 'csv', '--delimiter', ':', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(reference, 'utf8'));
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(3991); // the header and every city-year
  });

  it('partition: the shards of the colon-separated file are those of the original', async () => {
    const data = colons('data/abdata.csv', join(work, 'abdata-colon.csv'));
    const reference = await partition('data/abdata.csv', { id: 'id', time: 'year', shards: 3, out: join(work, 'part-reference') });
    const r = sysgmm('partition', data, '--id', 'id', '--time', 'year', '--shards', '3', '--delimiter', ':', '--out', join(work, 'part-colon'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1031 rows of 140 units, year 1976..1984, in 3 shards');
    const manifest = JSON.parse(readFileSync(join(work, 'part-colon', 'manifest.json'), 'utf8'));
    expect(manifest.shards).toEqual(reference.shards); // rows, units, periods and each shard's SHA-256
    expect(manifest.columns).toEqual(reference.columns);
  });
});
