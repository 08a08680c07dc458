import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { Panel } from '../src/panel/panel.ts';
import { coagglomerationIndices, indexColumnNames, panelIndices, withIndices } from '../src/study/indices.ts';
import { DEFAULT_SECTOR_MAPPING, GBT4754_2002, parseSectorMapping, type SectorGroups } from '../src/study/sectors.ts';
import { DataError, SpecError } from '../src/errors.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable } from '../src/data/read.ts';
import { runIndices } from '../src/cli/commands/indices.ts';

// Three cities, two years; sectors C (manufacturing), F (transport), J (finance), X (everything else).
//   2010: a C=40 F=10 J=10 X=40 (total 100); b C=10 F=20 J=20 X=50 (100); c C=50 F=10 J=30 X=110 (200)
//   2011: a C=30 F=20 J=0  X=50 (100);      b C=20 F=NaN J=10 X=70 (NaN); c C=60 F=20 J=40 X=80 (200)
const GROUPS: SectorGroups = {
  manufacturing: ['C'],
  segments: [
    { key: 'transport', name: 'Transport', codes: ['F'] },
    { key: 'finance', name: 'Finance', codes: ['J'] },
  ],
};
const DATA = {
  city: ['a', 'b', 'c', 'a', 'b', 'c'],
  year: [2010, 2010, 2010, 2011, 2011, 2011],
  employment: {
    C: [40, 10, 50, 30, 20, 60],
    F: [10, 20, 10, 20, NaN, 20],
    J: [10, 20, 30, 0, 10, 40],
    X: [40, 50, 110, 50, 70, 80],
  },
};
const N = NaN;

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i])) expect(actual[i], `row ${i}`).toBeNaN();
    else expect(Math.abs(actual[i] - expected[i]), `row ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}

describe('location quotients and co-agglomeration (sample reference)', () => {
  const res = coagglomerationIndices(DATA, GROUPS);

  it('names the columns: whole producer services, then each segment', () => {
    expect(res.names).toEqual(['LQm', 'LQs', 'CA1', 'CA2', 'LQs_transport', 'CA1_transport', 'CA2_transport', 'LQs_finance', 'CA1_finance', 'CA2_finance']);
    expect(indexColumnNames(GROUPS)).toEqual(res.names);
  });

  it('LQ = (e_ij/e_j)/(e_i/e) with the sample sums per year', () => {
    // 2010 shares of the sample: C 100/400, F+J 100/400, F 40/400, J 60/400.
    // 2011, over the cities reporting the group and their total (b's total is missing):
    //   C: (30+60)/300; F+J: (20+60)/300; F: (20+20)/300; J: a's zero is "not reported" → 40/200.
    expectClose(res.columns.LQm, [0.4 / 0.25, 0.1 / 0.25, 0.25 / 0.25, 0.3 / 0.3, N, 0.3 / 0.3]);
    expectClose(res.columns.LQs, [0.2 / 0.25, 0.4 / 0.25, 0.2 / 0.25, 0.2 / (80 / 300), N, 0.3 / (80 / 300)]);
    expectClose(res.columns.LQs_transport, [0.1 / 0.1, 0.2 / 0.1, 0.05 / 0.1, 0.2 / (40 / 300), N, 0.1 / (40 / 300)]);
    expectClose(res.columns.LQs_finance, [0.1 / 0.15, 0.2 / 0.15, 0.15 / 0.15, N, N, 0.2 / 0.2]);
  });

  it('CA1 = 1 − |LQs − LQm|/(LQs + LQm) and CA2 = CA1 + LQs + LQm', () => {
    // 2010: a (LQs .8, LQm 1.6) → 1 − .8/2.4 = 2/3; b (1.6, .4) → 1 − 1.2/2 = .4; c (.8, 1) → 1 − .2/1.8.
    // 2011: a (.75, 1) → 1 − .25/1.75 = 6/7; c (1.125, 1) → 1 − .125/2.125 = 16/17.
    expectClose(res.columns.CA1, [2 / 3, 0.4, 1 - 0.2 / 1.8, 6 / 7, N, 16 / 17]);
    expectClose(res.columns.CA2, [2 / 3 + 2.4, 0.4 + 2, 1 - 0.2 / 1.8 + 1.8, 6 / 7 + 1.75, N, 16 / 17 + 2.125]);
    // Finance 2010: a (2/3, 1.6) → 1 − (1.6 − 2/3)/(1.6 + 2/3) = 1 − 14/34 = 10/17.
    expect(res.columns.CA1_finance[0]).toBeCloseTo(10 / 17, 14);
    expect(res.columns.CA2_finance[0]).toBeCloseTo(10 / 17 + 1.6 + 2 / 3, 14);
    // Transport 2011, c: (0.75, 1) → 6/7.
    expect(res.columns.CA1_transport[5]).toBeCloseTo(6 / 7, 14);
  });

  it('counts missing and zero employment per index', () => {
    const byMeasure = Object.fromEntries(res.warnings.map((w) => [w.measure, w]));
    expect(Object.keys(byMeasure)).toEqual(res.names);
    expect(byMeasure.LQm.reasons).toEqual({ 'missing employment': 1 });
    expect(byMeasure.CA2_transport.reasons).toEqual({ 'missing employment': 1 });
    expect(byMeasure.LQs_finance.reasons).toEqual({ 'missing employment': 1, 'zero employment': 1 });
    expect(byMeasure.CA1_finance).toEqual({
      measure: 'CA1_finance',
      cityYears: 2,
      reasons: { 'missing employment': 1, 'zero employment': 1 },
      message: 'CA1_finance missing for 2 city-year(s) (1 missing employment, 1 zero employment)',
    });
  });

  it('zero manufacturing makes LQm and every CA missing; a zero city total makes everything missing', () => {
    // a: C=0 (total 10); b: C=10, F+J=10 (total 30). Sample shares: C 10/30 (b only), F+J 20/40.
    const d = { city: ['a', 'b'], year: [2010, 2010], employment: { C: [0, 10], F: [5, 5], J: [5, 5], X: [0, 10] } };
    const r = coagglomerationIndices(d, GROUPS);
    expectClose(r.columns.LQm, [N, 1]);
    expectClose(r.columns.LQs, [2, 2 / 3]);
    expectClose(r.columns.CA1, [N, 1 - (1 / 3) / (5 / 3)]);
    expectClose(r.columns.CA2, [N, 0.8 + 5 / 3]);
    expect(r.warnings.find((w) => w.measure === 'CA1')!.reasons).toEqual({ 'zero employment': 1 });
    expect(r.warnings.find((w) => w.measure === 'LQs')).toBeUndefined();
    const allZero = coagglomerationIndices({ city: ['a'], year: [2010], employment: { C: [0], F: [0], J: [0], X: [0] } }, GROUPS);
    expect(allZero.warnings.map((w) => w.measure)).toEqual(allZero.names);
    expect(allZero.warnings.every((w) => w.cityYears === 1 && w.reasons['zero employment'] === 1)).toBe(true);
  });

  it('a separately supplied city total replaces the sum of the sector columns', () => {
    const r = coagglomerationIndices({ city: ['a', 'b'], year: [2010, 2010], employment: { C: [10, 30], F: [10, 10], J: [10, 10] }, total: [100, 100] }, GROUPS);
    // Shares: C 40/200, F+J 40/200. a: LQm = 0.1/0.2 = 0.5, LQs = 0.2/0.2 = 1.
    expectClose(r.columns.LQm, [0.5, 1.5]);
    expectClose(r.columns.LQs, [1, 1]);
  });
});

describe('national reference totals', () => {
  it('uses the supplied national totals per year (grand total = sum of sectors, or the given total)', () => {
    const national = { kind: 'national' as const, year: [2011, 2010], employment: { C: [0, 1000], F: [0, 500], J: [0, 500], X: [0, 3000] } };
    national.employment.C[0] = 2000;
    national.employment.F[0] = 1000;
    national.employment.J[0] = 1000;
    national.employment.X[0] = 6000;
    const r = coagglomerationIndices(DATA, GROUPS, national);
    // 2010 national shares: C 0.2, F+J 0.2, F 0.1, J 0.1; 2011 the same (all doubled).
    expectClose(r.columns.LQm, [0.4 / 0.2, 0.1 / 0.2, 0.25 / 0.2, 0.3 / 0.2, N, 0.3 / 0.2]);
    expectClose(r.columns.LQs_finance, [1, 2, 1.5, N, N, 2]);
    const withTotal = coagglomerationIndices(DATA, GROUPS, { ...national, total: [20000, 10000] });
    expectClose(withTotal.columns.LQm, [0.4 / 0.1, 0.1 / 0.1, 0.25 / 0.1, 0.3 / 0.1, N, 0.3 / 0.1]);
  });

  it('refuses a year or a sector the national totals lack', () => {
    expect(() => coagglomerationIndices(DATA, GROUPS, { kind: 'national', year: [2010], employment: { C: [1], F: [1], J: [1] } })).toThrow(/national totals: no row for year 2011/);
    expect(() => coagglomerationIndices(DATA, GROUPS, { kind: 'national', year: [2010], employment: { C: [1], F: [1], J: [1] }, source: 'nat.csv' })).toThrow('national totals nat.csv: no row for year 2011');
    expect(() => coagglomerationIndices(DATA, GROUPS, { kind: 'national', year: [2010, 2011], employment: { C: [1, 1], F: [1, 1] } })).toThrow(/national totals: sector 'J'/);
    expect(() => coagglomerationIndices(DATA, GROUPS, { kind: 'national', year: [2010, 2011], employment: { C: [1, NaN], F: [1, 1], J: [1, 1] } })).toThrow(/sector C, Manufacturing for year 2011 is missing/);
  });
});

describe('input checks', () => {
  it('refuses negative employment, duplicate city-years and groups naming absent sectors', () => {
    const neg = { ...DATA, employment: { ...DATA.employment, J: [10, 20, 30, -1, 10, 40] } };
    expect(() => coagglomerationIndices(neg, GROUPS)).toThrow(DataError);
    expect(() => coagglomerationIndices(neg, GROUPS)).toThrow(/negative employment -1 in sector J, Financial intermediation for city a, year 2011/);
    const dup = { ...DATA, city: ['a', 'b', 'c', 'a', 'b', 'b'] };
    expect(() => coagglomerationIndices(dup, GROUPS)).toThrow(/duplicate city-year \(city b, year 2011\) at row 6/);
    expect(() => coagglomerationIndices(DATA, { ...GROUPS, manufacturing: ['Q'] })).toThrow(SpecError);
  });
});

describe('sector mapping', () => {
  it('has the 19 GB/T 4754-2002 door categories A–S and the default study groups', () => {
    expect(GBT4754_2002.map((s) => s.code).join('')).toBe('ABCDEFGHIJKLMNOPQRS');
    expect(new Set(GBT4754_2002.map((s) => s.key)).size).toBe(19);
    expect(DEFAULT_SECTOR_MAPPING.manufacturing).toEqual(['C']);
    expect(DEFAULT_SECTOR_MAPPING.segments.map((s) => [s.key, s.codes.join('')])).toEqual([
      ['transport', 'F'],
      ['ict', 'G'],
      ['finance', 'J'],
      ['leasing', 'L'],
      ['research', 'M'],
    ]);
    expect(DEFAULT_SECTOR_MAPPING.columns.J).toBe('emp_finance');
  });

  it('parses a config, merging columns over the defaults, and rejects bad ones', () => {
    const m = parseSectorMapping({ columns: { J: 'fin' }, segments: [{ key: 'kibs', codes: ['G', 'J', 'M'] }], total: 'emp_total' });
    expect(m.columns.J).toBe('fin');
    expect(m.columns.A).toBe('emp_agri');
    expect(m.segments).toEqual([{ key: 'kibs', name: 'kibs', codes: ['G', 'J', 'M'] }]);
    expect(m.total).toBe('emp_total');
    expect(() => parseSectorMapping({ segment: [] }, 'my.json')).toThrow(/my.json: unknown key 'segment'/);
    expect(() => parseSectorMapping({ manufacturing: ['C', 'F'] })).toThrow(/F are both manufacturing and producer services/);
    expect(() => parseSectorMapping({ segments: [{ key: 'x', codes: ['Z'] }] })).toThrow(/sector 'Z' is used in a group but has no employment column/);
  });
});

describe('panel adapter', () => {
  // Two cities × two years with all 19 default columns; sector k employs (k+1)·(city) people in
  // 2010 and twice that in 2011 (so shares, and hence every LQ, are the same in both years).
  function panel(drop?: string): Panel {
    const cols: Record<string, Float64Array> = { city: Float64Array.from([1, 2, 1, 2]), year: Float64Array.from([2010, 2010, 2011, 2011]) };
    GBT4754_2002.forEach((s, k) => {
      const name = `emp_${s.key}`;
      if (name === drop) return;
      // City 2 has double manufacturing.
      const c2 = s.code === 'C' ? 2 : 1;
      cols[name] = Float64Array.from([k + 1, (k + 1) * c2, 2 * (k + 1), 2 * (k + 1) * c2]);
    });
    return Panel.fromTable(tableFromArrays(cols), { id: 'city', time: 'year', source: 'cities.csv' });
  }

  it('matches the array computation and adds the columns to the panel', () => {
    const p = panel();
    const r = panelIndices(p);
    // Totals: city 1: Σ(k+1) = 190; city 2: 190 + 3 = 193. Manufacturing (k=2): 3 and 6.
    // Sample share of C: 9/383. LQm city 1 = (3/190)/(9/383).
    // Panel rows are sorted by (city, year): (1,2010), (1,2011), (2,2010), (2,2011).
    const m1 = 3 / 190 / (9 / 383);
    const m2 = 6 / 193 / (9 / 383);
    expectClose(r.columns.LQm, [m1, m1, m2, m2], 1e-14);
    // Finance (J, k=9): 10 in both cities → share 20/383.
    const f1 = 10 / 190 / (20 / 383);
    const f2 = 10 / 193 / (20 / 383);
    expectClose(r.columns.LQs_finance, [f1, f1, f2, f2], 1e-14);
    expect(r.warnings).toEqual([]);
    const { panel: q } = withIndices(p);
    expect(q.has('CA2_research')).toBe(true);
    expectClose(q.column('CA1'), Array.from(r.columns.CA1));
  });

  it('names a missing employment column and its sector, and a negative value with its column, file, city and year', () => {
    expect(() => panelIndices(panel('emp_agri'))).toThrow(/employment column 'emp_agri' \(sector A, Agriculture, forestry, animal husbandry and fishery\) not found in cities.csv/);
    const p = panel();
    const neg = p.withColumn('emp_manuf', Float64Array.from([3, -3, 6, 12]));
    expect(() => panelIndices(neg)).toThrow("negative employment -3 in column 'emp_manuf' (sector C, Manufacturing) of cities.csv (city 1, year 2011)");
  });
});

describe('sysgmm indices (command)', () => {
  // City-year CSV with all 19 default employment columns and manufacturing inputs/output.
  function writeData(dir: string): string {
    const header = ['city', 'year', ...GBT4754_2002.map((s) => `emp_${s.key}`), 'k', 'l', 'y'];
    const rows: string[] = [header.join(',')];
    const cities = ['Beijing', 'Tianjin', 'Shijiazhuang'];
    cities.forEach((c, i) => {
      for (const year of [2010, 2011]) {
        const emp = GBT4754_2002.map((s, k) => (s.code === 'J' && c === 'Tianjin' && year === 2011 ? '' : String((k + 1) * (i + 1) + (s.code === 'C' ? 10 * i : 0))));
        rows.push([c, year, ...emp, 2 * (5 + i), 5 + i, year === 2010 ? 3 + i : 4 + 2 * i].join(','));
      }
    });
    const path = join(dir, 'cities.csv');
    writeFileSync(path, rows.join('\n') + '\n');
    return path;
  }

  it('writes id, year, the index columns and the efficiency columns, with the values of the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-indices-'));
    const file = writeData(dir);
    const out = join(dir, 'out.csv');
    const res = await runIndices(file, { id: 'city', time: 'year', reference: 'sample', efficiency: 'labour-productivity,dea-ccr-in', capital: 'k', labour: 'l', output: 'y', out });
    expect(res.rows).toBe(6);
    expect(res.columns).toEqual(['city', 'year', ...indexColumnNames(), 'lprod', 'dea_ccr_in']);
    // Tianjin 2011 lacks finance employment: its city total is unknown, so all its indices are missing.
    expect(res.warnings.find((w) => w.measure === 'CA1')!.reasons).toEqual({ 'missing employment': 1 });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(res.columns.join(','));
    expect(lines).toHaveLength(7);
    const cells = lines.slice(1).map((l) => l.split(','));
    // Rows sorted by city name then year: Beijing, Shijiazhuang, Tianjin.
    expect(cells.map((c) => `${c[0]} ${c[1]}`)).toEqual(['Beijing 2010', 'Beijing 2011', 'Shijiazhuang 2010', 'Shijiazhuang 2011', 'Tianjin 2010', 'Tianjin 2011']);
    const panel = Panel.fromTable(await readTable(file), { id: 'city', time: 'year' });
    const api = panelIndices(panel);
    const col = (name: string) => cells.map((c) => (c[res.columns.indexOf(name)] === '' ? NaN : Number(c[res.columns.indexOf(name)])));
    for (const name of api.names) expectClose(col(name), Array.from(api.columns[name]), 0);
    expect(col('CA1')[5]).toBeNaN();
    expectClose(col('lprod'), [3 / 5, 4 / 5, 5 / 7, 8 / 7, 4 / 6, 6 / 6], 1e-15);
    // Capital is twice labour everywhere, so CCR = (y/l)/max(y/l) per year; 2010: Beijing 3/5,
    // Shijiazhuang 5/7 (best), Tianjin 4/6.
    expectClose(col('dea_ccr_in').filter((_, r) => r % 2 === 0), [(3 / 5) / (5 / 7), 1, (4 / 6) / (5 / 7)], 1e-7);
  });

  it('writes the id as the file has it: 01503 keeps its leading zero; plain integer ids stay numbers, sorted 9 before 10 (a tester: 01503 came out as 1503)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-indices-'));
    const text = readFileSync(writeData(dir), 'utf8');
    const run = async (ids: string[]) => {
      const file = join(dir, `ids-${ids.join('-')}.csv`);
      writeFileSync(file, ['Beijing', 'Tianjin', 'Shijiazhuang'].reduce((t, c, i) => t.replaceAll(`${c},`, `${ids[i]},`), text));
      const out = join(dir, `out-${ids.join('-')}.csv`);
      await runIndices(file, { id: 'city', time: 'year', reference: 'sample', out });
      return readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join(','));
    };
    // Beijing's LQm 2010: C = 3 of its 190 against 3 + 16 + 29 = 48 of 190 + 390 + 590 = 1170.
    expect((await run(['01503', '9', '10']))[0]).toBe(`01503,2010,${(3 / 190) / (48 / 1170)}`);
    expect((await run(['01503', '9', '10'])).map((l) => l.split(',')[0])).toEqual(['01503', '01503', '10', '10', '9', '9']);
    expect((await run(['1503', '9', '10'])).map((l) => l.split(',')[0])).toEqual(['9', '9', '10', '10', '1503', '1503']);
  });

  it('--append writes the file\'s columns as written, its rows in its order, with the computed columns after them; a row without a year keeps its place, empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-indices-'));
    const lines = readFileSync(writeData(dir), 'utf8').trim().split('\n');
    // Rows out of order, an id with a leading zero, a number written "7.50", and a row without a year.
    const rows = [lines[0] + ',note', ...[6, 1, 4, 2, 5, 3].map((i) => lines[i].replace('Shijiazhuang,', '0311,') + ',"a, b"'), lines[1].replace(',2010,', ',,') + ',x'];
    rows[2] = rows[2].replace(/,5,3,"a, b"$/, ',5,3.0,"a, b"');
    const file = join(dir, 'unsorted.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const out = join(dir, 'appended.csv');
    const res = await runIndices(file, { id: 'city', time: 'year', reference: 'sample', efficiency: 'labour-productivity', labour: 'l', output: 'y', out, append: true });
    expect(res.rows).toBe(7);
    expect(res.warnings[0].message).toBe(`1 row(s) of ${file} dropped (0 without city, 1 without year)`);
    const written = readFileSync(out, 'utf8').trim().split('\n');
    const header = written[0].split(',');
    expect(header).toEqual([...lines[0].split(','), 'note', ...indexColumnNames(), 'lprod']);
    // Each line starts with the file's own line, as written.
    written.slice(1).forEach((l, k) => expect(l.startsWith(rows[k + 1] + ',')).toBe(true));
    const lprod = written.slice(1).map((l) => l.split(',').at(-1));
    // File order: Shijiazhuang (0311) 2011 y 4 + 2·2 = 8 over l 7, Beijing 2010 3/5 (its y written
    // 3.0), Tianjin 2011 6/6, Beijing 2011 4/5, Shijiazhuang 2010 5/7, Tianjin 2010 4/6; no year: empty.
    expect(lprod).toEqual([String(8 / 7), String(3 / 5), String(6 / 6), String(4 / 5), String(5 / 7), String(4 / 6), '']);
    // The same values as without --append, city-year by city-year.
    const sorted = join(dir, 'sorted.csv');
    await runIndices(file, { id: 'city', time: 'year', reference: 'sample', efficiency: 'labour-productivity', labour: 'l', output: 'y', out: sorted });
    const byKey = new Map(readFileSync(sorted, 'utf8').trim().split('\n').slice(1).map((l) => [l.split(',').slice(0, 2).join(','), l.split(',').slice(2).join(',')]));
    const first = header.indexOf('LQm');
    for (const l of written.slice(1, -1)) {
      const cells = l.replace('"a, b"', 'ab').split(',');
      expect(cells.slice(first).join(',')).toBe(byKey.get(`${cells[0]},${cells[1]}`));
    }
    await expect(runIndices(out, { id: 'city', time: 'year', reference: 'sample', out: join(dir, 'again.csv'), append: true })).rejects.toThrow(
      `--append: ${out} already has the columns LQm, LQs, CA1, CA2,`,
    );
  });

  it('names the national totals\' year column as --time names it (a tester\'s file had "yr" for --time year)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-indices-'));
    const file = writeData(dir);
    const nat = join(dir, 'national.csv');
    writeFileSync(nat, ['yr,' + GBT4754_2002.map((s) => `emp_${s.key}`).join(','), '2010,' + GBT4754_2002.map(() => 100).join(',')].join('\n') + '\n');
    await expect(runIndices(file, { id: 'city', time: 'year', reference: `national:${nat}`, out: join(dir, 'out.csv') })).rejects.toThrow(
      `national totals ${nat}: no year (named as --time) column 'year'; columns are: yr, emp_agri,`,
    );
  });

  it('reads national reference totals from a file with the same column names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-indices-'));
    const file = writeData(dir);
    const nat = join(dir, 'national.csv');
    const cols = GBT4754_2002.map((s) => `emp_${s.key}`);
    // Every sector 100, manufacturing 200 → e = 2000, share of C = 0.1, of finance = 0.05.
    writeFileSync(nat, ['year,' + cols.join(','), ...[2010, 2011].map((y) => `${y},` + GBT4754_2002.map((s) => (s.code === 'C' ? 200 : 100)).join(','))].join('\n') + '\n');
    const out = join(dir, 'out.csv');
    await runIndices(file, { id: 'city', time: 'year', reference: `national:${nat}`, out });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const beijing2010 = lines[1].split(',');
    // Beijing: sector k employs k+1 (total 190); C = 3 → LQm = (3/190)/0.1; J = 10 → LQs_finance = (10/190)/0.05.
    expect(Number(beijing2010[header.indexOf('LQm')])).toBeCloseTo(3 / 190 / 0.1, 14);
    expect(Number(beijing2010[header.indexOf('LQs_finance')])).toBeCloseTo(10 / 190 / 0.05, 14);
  });

  it('refuses --efficiency without the input/output columns, and an unknown --reference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-indices-'));
    const file = writeData(dir);
    const out = join(dir, 'out.csv');
    await expect(runIndices(file, { id: 'city', time: 'year', reference: 'sample', efficiency: 'dea-bcc-out', capital: 'k', out })).rejects.toThrow(/--efficiency needs --labour, --output/);
    await expect(runIndices(file, { id: 'city', time: 'year', reference: 'census', out })).rejects.toThrow(/--reference must be 'sample' or 'national:<file>'/);
    await expect(runIndices(file, { id: 'city', time: 'year', reference: 'sample', efficiency: 'dea-ccr-in', capital: 'kk', labour: 'l', output: 'y', out })).rejects.toThrow(/--capital column 'kk' not found/);
    // An --out that cannot be written is refused before the data is read (here a file that does not exist).
    const nowhere = join(dir, 'no-such-folder', 'out.csv');
    await expect(runIndices(join(dir, 'missing.csv'), { id: 'city', time: 'year', reference: 'sample', out: nowhere })).rejects.toThrow(`--out: cannot write ${nowhere}: no such file or folder`);
  });
});
