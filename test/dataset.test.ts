// Data in and out: dataset folders, globs and hive key=value folders read as one table; standard input;
// tables written as CSV, Arrow IPC, Parquet and JSON and read back.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { readTable } from '../src/data/read.ts';
import { coefficientTable, drawsTable, variablesTable, writeTableFile } from '../src/data/write-table.ts';
import { describe as describePanel, estimate } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const AT = { id: 'id', time: 'year' };
const MODEL = 'n L.n L(0/1).(w k) yr*, gmm(L.(n w k), collapse) iv(yr*, eq(level)) twostep robust';

/** abdata.csv split into year=YYYY/part.csv folders, the year column moved into the folder name. */
function hive(root: string): void {
  const [head, ...lines] = readFileSync('data/abdata.csv', 'utf8').trim().split('\n');
  const cols = head!.split(',');
  const yi = cols.indexOf('year');
  const drop = (l: string) => l.split(',').filter((_, i) => i !== yi).join(',');
  const byYear = new Map<string, string[]>();
  for (const l of lines) {
    const y = l.split(',')[yi]!;
    byYear.set(y, [...(byYear.get(y) ?? []), drop(l)]);
  }
  for (const [y, rows] of byYear) {
    mkdirSync(join(root, `year=${y}`), { recursive: true });
    writeFileSync(join(root, `year=${y}`, 'part-0.csv'), [drop(head!), ...rows].join('\n') + '\n');
  }
  writeFileSync(join(root, '_SUCCESS'), '');
}

describe('datasets', async () => {
  const full = await readTable('data/abdata.csv');
  const reference = await estimate('data/abdata.csv', MODEL, AT);

  it('a hive-partitioned folder is one table: the partition key becomes a numeric column, the estimate is unchanged', async () => {
    hive(join(dir, 'hive'));
    const t = await readTable(join(dir, 'hive'));
    expect(t.numRows).toBe(full.numRows);
    expect(String(t.schema.fields.find((f) => f.name === 'year')?.type)).toBe('Float64');
    // A partition key declared numeric (as describe declares --time) is not looked for inside the files.
    expect((await readTable(join(dir, 'hive'), { numeric: ['year', 'n'] })).numRows).toBe(full.numRows);
    const r = await estimate(join(dir, 'hive'), MODEL, AT);
    expect(r.coefficients).toEqual(reference.coefficients);
    expect(r.hansen).toEqual(reference.hansen);
  });

  it('a glob of Arrow files keeps their record batches (no copy) and their rows in order', async () => {
    writeFileSync(join(dir, 'a.arrow'), tableToIPC(full.slice(0, 400), 'file'));
    writeFileSync(join(dir, 'b.arrow'), tableToIPC(full.slice(400), 'file'));
    const t = await readTable(join(dir, '*.arrow'));
    expect(t.batches.length).toBe(2);
    expect(t.numRows).toBe(full.numRows);
    expect(Array.from(t.getChild('n')!.toArray() as Float64Array)).toEqual(Array.from(full.getChild('n')!.toArray() as Float64Array));
  });

  it('a Parquet dataset folder, written by writeTableFile', async () => {
    mkdirSync(join(dir, 'pq'));
    await writeTableFile(join(dir, 'pq', 'part-1.parquet'), full.slice(0, 500));
    await writeTableFile(join(dir, 'pq', 'part-2.parquet'), full.slice(500));
    const t = await readTable(join(dir, 'pq'));
    expect(t.numRows).toBe(full.numRows);
    expect(t.getChild('w')!.get(700)).toBe(full.getChild('w')!.get(700));
  });

  it('refuses files that disagree, an empty match and a key that is also a column, naming them', async () => {
    mkdirSync(join(dir, 'mixed'));
    writeFileSync(join(dir, 'mixed', 'a.csv'), 'id,year,x\n1,2000,1\n');
    writeFileSync(join(dir, 'mixed', 'b.csv'), 'id,year,y\n1,2001,1\n');
    await expect(readTable(join(dir, 'mixed'))).rejects.toThrow(/b\.csv: its columns \(id: Float64, year: Float64, y: Float64\) differ from those of .*a\.csv/);
    // A cell that makes a column text in one file: that cell (a tester saw only the differing types).
    mkdirSync(join(dir, 'oops'));
    writeFileSync(join(dir, 'oops', 'a.csv'), 'id,year,n\n1,2000,1\n');
    writeFileSync(join(dir, 'oops', 'b.csv'), 'id,year,n\n1,2001,2\n2,2001,oops\n');
    await expect(readTable(join(dir, 'oops'))).rejects.toThrow(`${join(dir, 'oops', 'b.csv')}: column 'n' is not numeric there (first non-number: row 2 (line 3) has 'oops') but numbers in ${join(dir, 'oops', 'a.csv')}`);
    await expect(readTable(join(dir, 'nothing-*.csv'))).rejects.toThrow(/no data files match/);
    await expect(readTable(join(dir, 'mixed', '{a,b}*.csv'))).rejects.toThrow(`${join(dir, 'mixed', '{a,b}*.csv')}: no data files match (braces {a,b} are not expanded in a glob: use a [ab] class, or a wider pattern and an if condition)`);
    mkdirSync(join(dir, 'clash', 'x=1'), { recursive: true });
    writeFileSync(join(dir, 'clash', 'x=1', 'a.csv'), 'id,year,x\n1,2000,1\n');
    await expect(readTable(join(dir, 'clash'))).rejects.toThrow(/partition key 'x' is also a column/);
  });

  // A tester's report: duplicates across a dataset's files were placed by row of the whole ("rows 1 and 1032").
  it('a duplicate (id, time) pair names each row by its file', async () => {
    mkdirSync(join(dir, 'dup'));
    writeFileSync(join(dir, 'dup', 'a.csv'), 'id,year,x\n1,2000,1\n1,2001,2\n');
    writeFileSync(join(dir, 'dup', 'b.csv'), 'id,year,x\n2,2000,3\n1,2001,4\n');
    await expect(describePanel(join(dir, 'dup'), AT)).rejects.toThrow(`(id=1, year=2001) at row 2 of ${join(dir, 'dup', 'a.csv')} and row 2 of ${join(dir, 'dup', 'b.csv')}`);
  });

  it('reads standard input (-) with --input-format, and asks for it without', () => {
    const csv = readFileSync('data/abdata.csv');
    const run = (...args: string[]) => spawnSync('npx', ['tsx', 'src/cli/main.ts', 'describe', ...args, '--id', 'id', '--time', 'year', '--vars', 'n,w'], { input: csv, encoding: 'utf8' });
    const piped = run('-', '--input-format', 'csv');
    expect(piped.status).toBe(0);
    expect(piped.stdout).toContain('Units: 140   Periods: 9 (1976-1984)   Observations: 1031');
    const bare = run('-');
    expect(bare.status).toBe(2);
    expect(bare.stderr).toBe('sysgmm: reading standard input (-) needs --input-format (csv, arrow, parquet, dta or xlsx)\n');
    // A bad value in it was reported in a temporary copy's name, gone once the command ended (a tester).
    const bad = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'estimate', '-', '--input-format', 'csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n)'], { input: 'id,year,n,w,k\n1,2000,1,2,inf\n', encoding: 'utf8' });
    expect([bad.status, bad.stderr]).toEqual([2, "sysgmm: standard input (-): row 1 (line 2), column 'k': 'inf' is not a number\n"]);
    // A delimiter the file does not use: the header is one column, which the message shows (a tester read "'id' not found; columns are: id,year,…").
    const semi = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'describe', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--delimiter', ';'], { encoding: 'utf8' });
    expect([semi.status, semi.stderr]).toEqual([2, `sysgmm: --id column 'id' not found in data/abdata.csv: the header was read as one column, '${readFileSync('data/abdata.csv', 'utf8').split('\n')[0]}'; is the delimiter right? (--delimiter, or leave it out to detect it)\n`]);
    const two = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'describe', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--delimiter', ';;'], { encoding: 'utf8' });
    expect([two.status, two.stderr]).toEqual([2, "sysgmm: --delimiter: a CSV delimiter is one byte, got ';;'\n"]);
  });
});

describe('tables written as CSV, Arrow, Parquet, JSON', async () => {
  const r = await estimate('data/abdata.csv', MODEL, AT);

  it('the coefficient table round-trips through every format', async () => {
    const table = coefficientTable(r);
    for (const ext of ['csv', 'arrow', 'parquet']) {
      const path = join(dir, `coef.${ext}`);
      await writeTableFile(path, table);
      const back = await readTable(path);
      expect(back.getChild('name')!.toArray()).toEqual(r.coefficients.map((c) => c.name));
      expect(Array.from(back.getChild('se')!.toArray() as Float64Array)).toEqual(r.coefficients.map((c) => c.se));
      expect(Array.from(back.getChild('level')!.toArray() as Float64Array)).toEqual(r.coefficients.map(() => 95));
    }
    await writeTableFile(join(dir, 'coef.json'), table);
    expect((JSON.parse(readFileSync(join(dir, 'coef.json'), 'utf8')) as { ciHigh: number }[])[0]?.ciHigh).toBe(r.coefficients[0]!.ciHigh);
    await expect(writeTableFile(join(dir, 'coef.txt'), table, '--save')).rejects.toThrow("--save: '" + join(dir, 'coef.txt') + "' must end in .csv, .arrow");
  });

  it('draws and variables tables have one row per replication and per variable', () => {
    const d = drawsTable(['a', 'b'], { reps: 3, K: 2, beta: Float64Array.of(1, 2, 3, 4, 5, 6), se: Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6), hansen: Float64Array.of(3.5, 7, 2.25), status: Uint8Array.of(0, 1, 0) });
    expect(d.schema.fields.map((f) => f.name)).toEqual(['rep', 'status', 'b_a', 'b_b', 'se_a', 'se_b', 'hansen']);
    // A failed replication's estimates are missing (null), not the values its slots held; the last
    // column is each replication's Hansen J* (a tester's request).
    expect(d.get(1)!.toJSON()).toEqual({ rep: 2, status: 'singular', b_a: null, b_b: null, se_a: null, se_b: null, hansen: null });
    expect(d.get(2)!.toJSON()).toEqual({ rep: 3, status: 'ok', b_a: 5, b_b: 6, se_a: 0.5, se_b: 0.6, hansen: 2.25 });
    expect(d.get(0)!.toJSON().hansen).toBe(3.5);
    const v = variablesTable([{ name: 'n', count: 3, missing: 1, mean: 2, sd: 1, min: 1, max: 3 }]);
    expect(v.get(0)!.toJSON()).toEqual({ name: 'n', count: 3, missing: 1, mean: 2, sd: 1, min: 1, max: 3 });
  });

  /** The file's table as written (readTable reads numbers as Float64). */
  async function rawTable(path: string): Promise<Table> {
    if (path.endsWith('.arrow')) return tableFromIPC(readFileSync(path));
    const { readParquet } = await import('parquet-wasm');
    return tableFromIPC(readParquet(readFileSync(path)).intoIPCStream());
  }

  // Counts and replication numbers were written as Float64 (1.0 in Arrow and Parquet readers).
  it('writes the replication number and the counts as integers (Int32), in Arrow and Parquet alike', async () => {
    const d = drawsTable(['a'], { reps: 2, K: 1, beta: Float64Array.of(1, 2), se: Float64Array.of(0.1, 0.2), hansen: Float64Array.of(1, 2), status: Uint8Array.of(0, 0) });
    const v = variablesTable([{ name: 'n', count: 3, missing: 1, mean: 2, sd: 1, min: 1, max: 3 }]);
    for (const ext of ['arrow', 'parquet']) {
      await writeTableFile(join(dir, `draws.${ext}`), d);
      await writeTableFile(join(dir, `vars.${ext}`), v);
      const draws = await rawTable(join(dir, `draws.${ext}`));
      const vars = await rawTable(join(dir, `vars.${ext}`));
      expect(String(draws.schema.fields.find((f) => f.name === 'rep')!.type)).toBe('Int32');
      expect(vars.schema.fields.filter((f) => String(f.type) === 'Int32').map((f) => f.name)).toEqual(['count', 'missing']);
      expect(Array.from(draws.getChild('rep')!.toArray() as Int32Array)).toEqual([1, 2]);
    }
  });
});

describe('globMatches', () => {
  it('tells whether a path is one of the files a glob reads, existing or not', async () => {
    const { globMatches } = await import('../src/data/glob.ts');
    expect(globMatches('d/*.parquet', 'd/x.parquet')).toBe(true);
    expect(globMatches('d/*.parquet', 'd/x.csv')).toBe(false);
    expect(globMatches('d/*.parquet', 'd/sub/x.parquet')).toBe(false);
    expect(globMatches('d/**/*.parquet', 'd/a/b/x.parquet')).toBe(true);
    expect(globMatches('d/**/*.parquet', 'd/x.parquet')).toBe(true);
    expect(globMatches('d/y=[!2]*/*.csv', 'd/y=1999/p.csv')).toBe(true);
    expect(globMatches('d/y=[!2]*/*.csv', 'd/y=2001/p.csv')).toBe(false);
    expect(globMatches('d/*.parquet', 'e/x.parquet')).toBe(false);
  });
});

// A tester's `describe 'panel[1].csv'` read panel1.csv, and 'what?.csv', a folder holding part?.csv or
// a*b.csv, or a hive folder g=a[1] crashed (RangeError: each file read was expanded as a glob again)
// or found "no data files". A path that exists is that file or folder; only a missing one is a glob.
describe('names with glob characters', () => {
  const at = join(dir, 'glob-names');
  const csv = (path: string, x: number) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `id,year,x\n1,2000,${x}\n1,2001,${x}\n`);
  };
  const xs = (t: Table) => [...t.getChild('x')!.toArray()].map(Number);

  it('a file that exists is read as it is, not as a pattern', async () => {
    csv(join(at, 'panel[1].csv'), 1);
    csv(join(at, 'panel1.csv'), 2);
    csv(join(at, 'what?.csv'), 3);
    csv(join(at, 'whatX.csv'), 4);
    expect(xs(await readTable(join(at, 'panel[1].csv')))).toEqual([1, 1]);
    expect(xs(await readTable(join(at, 'what?.csv')))).toEqual([3, 3]);
    // A missing path with a wildcard is still a glob.
    expect(xs(await readTable(join(at, 'panel[0-9].csv')))).toEqual([2, 2]);
    expect(xs(await readTable(join(at, 'what[A-Z].csv')))).toEqual([4, 4]);
    // Through the CLI: the file's own rows, no stack.
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'describe', join(at, 'what?.csv'), '--id', 'id', '--time', 'year'], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('Units: 1   Periods: 2 (2000-2001)   Observations: 2');
  });

  it('files inside a dataset folder are never expanded as patterns; a hive value may hold them', async () => {
    const folder = join(at, 'folder');
    csv(join(folder, 'part?.csv'), 5);
    csv(join(folder, 'a*b.csv'), 6);
    const t = await readTable(folder);
    expect(xs(t).sort()).toEqual([5, 5, 6, 6]);
    const hive = join(at, 'hive');
    csv(join(hive, 'g=a[1]', 'x.csv'), 7);
    csv(join(hive, 'g=b', 'x.csv'), 8);
    const h = await readTable(hive);
    expect(xs(h)).toEqual([7, 7, 8, 8]);
    expect([...h.getChild('g')!.toArray()]).toEqual(['a[1]', 'a[1]', 'b', 'b']);
  });
});
