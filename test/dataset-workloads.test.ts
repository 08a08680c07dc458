// The run-directory commands (grid, bootstrap --shards) on a dataset folder and a glob, as README
// "Data files and errors" promises for every command that takes a file: the run keys the data by a
// checksum over the dataset's files (src/data/checksum.ts), its tasks read the same dataset and refuse
// it once changed, and the results equal those on the single file the dataset was split from.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataSha256 } from '../src/data/checksum.ts';
import { gridTask } from '../src/workloads/grid-task.ts';

const work = mkdtempSync(join(tmpdir(), 'sysgmm-dataset-workloads-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const GRID = {
  template: 'xtabond2 n L.n w k, gmm(L.n, {lags} collapse) iv(w k) twostep robust',
  axes: { lags: ['lag(1 .)', 'lag(1 2)'] },
  samples: { all: null, late: 'year >= 1978' },
  focus: ['L.n'],
};
const gridFile = join(work, 'grid-spec.json');
writeFileSync(gridFile, JSON.stringify(GRID));

/** abdata.csv split into year=YYYY/part-0.csv folders, the year column moved into the folder name. */
function hive(root: string): void {
  const [head, ...lines] = readFileSync('data/abdata.csv', 'utf8').trim().split('\n');
  const yi = head!.split(',').indexOf('year');
  const drop = (l: string) => l.split(',').filter((_, i) => i !== yi).join(',');
  const byYear = new Map<string, string[]>();
  for (const l of lines) byYear.set(l.split(',')[yi]!, [...(byYear.get(l.split(',')[yi]!) ?? []), drop(l)]);
  for (const [y, rows] of byYear) {
    mkdirSync(join(root, `year=${y}`), { recursive: true });
    writeFileSync(join(root, `year=${y}`, 'part-0.csv'), [drop(head!), ...rows].join('\n') + '\n');
  }
  writeFileSync(join(root, '_SUCCESS'), '');
}

function sysgmm(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const specifications = (dir: string) => JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8')).specifications;

describe('dataset checksum', () => {
  it('is the file bytes for a file; over a folder or glob it follows every file, its name and its bytes', async () => {
    const root = join(work, 'sums');
    hive(root);
    const folder = await dataSha256(root);
    expect(await dataSha256(join(root, '*', '*.csv'))).toBe(folder); // the same files, named from the same root
    expect(await dataSha256('data/abdata.csv')).toBe((await import('node:crypto')).createHash('sha256').update(readFileSync('data/abdata.csv')).digest('hex'));
    writeFileSync(join(root, '_SUCCESS'), 'skipped, as the reader skips it');
    expect(await dataSha256(root)).toBe(folder);
    renameSync(join(root, 'year=1984'), join(root, 'year=1985'));
    const renamed = await dataSha256(root);
    expect(renamed).not.toBe(folder);
    renameSync(join(root, 'year=1985'), join(root, 'year=1984'));
    expect(await dataSha256(root)).toBe(folder);
    appendFileSync(join(root, 'year=1984', 'part-0.csv'), '');
    mkdirSync(join(root, 'year=1985'));
    writeFileSync(join(root, 'year=1985', 'part-0.csv'), 'id,n\n');
    expect(await dataSha256(root)).not.toBe(folder);
    await expect(dataSha256('-')).rejects.toThrow(/standard input \(-\) cannot be read again by the run's tasks/);
  });
});

describe('grid on a dataset', () => {
  const ref = join(work, 'grid-file');
  const data = join(work, 'hive');
  hive(data);

  it('a hive folder and a glob give the results of the file they were split from', () => {
    const r = sysgmm('grid', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--grid', gridFile, '--out', ref, '--per-task', '2', '--jobs', '1');
    expect(r.stderr).toContain('4 specification(s) in 2 task(s) (2 computed now)');
    expect(r.code).toBe(0);
    const expected = specifications(ref);
    expect(expected[3]).toMatchObject({ sample: 'late', failure: null });
    for (const [name, path] of [
      ['folder', data],
      ['glob', join(data, '*', '*.csv')],
    ]) {
      const dir = join(work, `grid-${name}`);
      const g = sysgmm('grid', path!, '--id', 'id', '--time', 'year', '--grid', gridFile, '--out', dir, '--per-task', '2', '--jobs', '1');
      expect(g.stderr, name).toContain('4 specification(s) in 2 task(s) (2 computed now)');
      expect(g.code).toBe(0);
      expect(specifications(dir)).toEqual(expected);
    }
  });

  it('a task refuses the dataset once a file of it changed; standard input is refused up front', async () => {
    const config = JSON.parse(readFileSync(join(work, 'grid-folder', 'run.json'), 'utf8')).config;
    const manifest = { format: 'sysgmm-run/1' as const, kind: 'grid', tasks: 2, config, created: '', id: 'test' };
    expect((await gridTask(manifest, 1)).map((r) => r.failure)).toEqual([null, null]);
    appendFileSync(join(data, 'year=1984', 'part-0.csv'), readFileSync(join(data, 'year=1984', 'part-0.csv'), 'utf8').split('\n')[1] + '\n');
    await expect(gridTask(manifest, 1)).rejects.toThrow(/hive changed since the run started \(checksum differs\)/);
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'grid', '-', '--input-format', 'csv', '--id', 'id', '--time', 'year', '--grid', gridFile, '--out', join(work, 'grid-stdin')], {
      encoding: 'utf8',
      input: readFileSync('data/abdata.csv'),
    });
    expect(r.stderr).toContain("sysgmm: standard input (-) cannot be read again by the run's tasks");
    expect(r.status).toBe(2);
    // Said before standard input is read, so also when it is empty.
    const empty = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'grid', '-', '--input-format', 'csv', '--id', 'id', '--time', 'year', '--grid', gridFile, '--out', join(work, 'grid-empty')], { encoding: 'utf8', input: '' });
    expect([empty.status, empty.stderr]).toEqual([2, expect.stringContaining("standard input (-) cannot be read again by the run's tasks")]);
  });
});

describe('bootstrap --shards on a dataset', () => {
  it('a glob gives the replications of the unsplit bootstrap on the file', () => {
    const data = join(work, 'boot-hive');
    hive(data);
    const model = ['--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust', '--reps', '20', '--seed', '5', '--backend', 'float64-wasm', '--json', '--quiet'];
    const single = sysgmm('bootstrap', 'data/abdata.csv', ...model);
    expect(single.code, single.stderr).toBe(0);
    const sharded = sysgmm('bootstrap', join(data, '*', '*.csv'), ...model, '--shards', '2', '--jobs', '1', '--out', join(work, 'boot-run'));
    expect(sharded.code, sharded.stderr).toBe(0);
    const coefs = (s: string) => JSON.parse(s).coefficients;
    expect(coefs(sharded.stdout)).toEqual(coefs(single.stdout));
    expect(coefs(single.stdout)[0].bootSe).toBeGreaterThan(0);
  });
});
