import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable } from '../src/data/read.ts';
import { Panel } from '../src/panel/panel.ts';
import { describePanel, summarize } from '../src/panel/describe.ts';
import { formatDescription } from '../src/report/describe-table.ts';

// Reference values computed independently with numpy 1.24 from data/abdata.csv:
//   x = np.array(column); x.mean(), x.std(ddof=1), x.min(), x.max()
//   T = [rows per id]; L.n and D.w by looking up (id, year − 1).
const ABDATA = {
  n: [1031, 1.0560023337342912, 1.3415064754633377, -2.26336431503296, 4.68732118606567],
  w: [1031, 3.1429879105750156, 0.2630080819975481, 2.08157682418823, 3.81180047988892],
  k: [1031, -0.441577532895329, 1.5141317106876535, -4.43121671676636, 3.85244059562683],
  ys: [1031, 4.638014935383394, 0.09396114770048712, 4.46475791931152, 4.85487985610962],
  'log(emp)': [1031, 1.0560023315848002, 1.3415064735082096],
  'L.n': [891, 1.0835180180003567, 1.3384687947415457],
  'D.w': [891, 0.005541812958808345, 0.0879148465662439],
} as const;

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-describe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('describePanel on the Arellano–Bond panel', async () => {
  const panel = Panel.fromTable(await readTable('data/abdata.csv'), { id: 'id', time: 'year', source: 'data/abdata.csv' });
  const d = describePanel(panel, Object.keys(ABDATA));

  it('panel shape: 140 firms, 1976–1984, 7 to 9 years each, unbalanced, no gaps', () => {
    expect(d.units).toBe(140);
    expect(d.periods).toBe(9);
    expect([d.timeMin, d.timeMax]).toEqual([1976, 1984]);
    expect(d.observations).toBe(1031);
    expect(d.obsPerUnit.min).toBe(7);
    expect(d.obsPerUnit.max).toBe(9);
    expect(d.obsPerUnit.mean).toBeCloseTo(7.364285714285714, 14);
    expect(d.balanced).toBe(false);
    expect(d.unitsWithGaps.count).toBe(0);
    expect(d.excluded).toEqual({ missingUnit: 0, missingTime: 0 });
  });

  it('per-variable statistics match numpy', () => {
    for (const v of d.variables) {
      const [count, mean, sd, min, max] = ABDATA[v.name as keyof typeof ABDATA] as readonly number[];
      expect(v.count).toBe(count);
      expect(v.missing).toBe(1031 - count);
      expect(v.mean).toBeCloseTo(mean, 13);
      expect(v.sd).toBeCloseTo(sd, 13);
      if (min !== undefined) expect(v.min).toBe(min);
      if (max !== undefined) expect(v.max).toBe(max);
    }
  });

  it('formats text, Markdown, LaTeX and CSV', () => {
    const d4 = describePanel(panel, ['n', 'w']);
    const text = formatDescription(d4, 'text');
    expect(text).toContain('Units: 140   Periods: 9 (1976-1984)   Observations: 1031');
    // A tester's negative years printed "(-2999--2990)".
    const shifted = describePanel(new Panel(panel.idName, panel.timeName, panel.units, panel.offsets, panel.unitOf, panel.time.map((t) => t - 4000), new Map([['n', panel.column('n')]]), new Map()), ['n']);
    expect(formatDescription(shifted, 'text')).toContain('Units: 140   Periods: 9 (-2024 to -2016)   Observations: 1031');
    expect(text).toMatch(/^n\s+\|\s+1031\s+0\s+1\.056002\s+1\.341506\s+-2\.263364\s+4\.687321$/m);
    expect(formatDescription(d4, 'markdown')).toContain('| `n` | 1031 | 0 | 1.056002 | 1.341506 | -2.263364 | 4.687321 |');
    expect(formatDescription(d4, 'latex')).toContain('n & 1031 & 0 & 1.056002 & 1.341506 & -2.263364 & 4.687321 \\\\');
    const csv = formatDescription(d4, 'csv').trim().split('\n');
    expect(csv[0]).toBe('name,count,missing,mean,sd,min,max');
    expect(csv[1].split(',').map(Number).slice(1)).toEqual([1031, 0, d4.variables[0].mean, d4.variables[0].sd, -2.26336431503296, 4.68732118606567]);
  });
});

describe('describePanel on a small panel with gaps and missing rows', () => {
  it('counts gaps, balance, missing values and excluded rows', async () => {
    const p = file('gappy.csv', 'id,t,x\nA,1,1\nA,2,\nA,4,3\nB,1,4\nB,2,5\nB,3,NA\n,3,9\nC,,1\nC,1,2\n');
    const panel = Panel.fromTable(await readTable(p), { id: 'id', time: 't', source: p });
    const d = describePanel(panel);
    expect(d.units).toBe(3);
    expect(d.periods).toBe(4);
    expect(d.obsPerUnit).toEqual({ min: 1, mean: 7 / 3, max: 3 });
    expect(d.balanced).toBe(false);
    expect(d.unitsWithGaps).toEqual({ count: 1, first: ['A'] });
    expect(d.excluded).toEqual({ missingUnit: 1, missingTime: 1 });
    expect(d.variables).toEqual([summarize('x', Float64Array.from([1, NaN, 3, 4, 5, NaN, 2]))]);
    expect(d.variables[0]).toMatchObject({ count: 5, missing: 2, mean: 3, min: 1, max: 5 });
    expect(d.variables[0].sd).toBeCloseTo(Math.sqrt(2.5), 15);
  });

  it('values near the float64 limit give their finite mean and standard deviation (1e308 gave Infinity)', () => {
    // x = 1e308 · (1, -1, 0.5, 0): mean 1e308 · 0.125, sd 1e308 · sqrt(2.1875 / 3) (the sums alone overflow).
    const s = summarize('x', Float64Array.from([1e308, -1e308, 5e307, 0, NaN]));
    expect(s).toMatchObject({ count: 4, missing: 1, min: -1e308, max: 1e308 });
    expect(s.mean / 1e308).toBeCloseTo(0.125, 15);
    expect(s.sd / 1e308).toBeCloseTo(Math.sqrt(2.1875 / 3), 15);
    // Ordinary values are summed as before, unscaled, to the last bit.
    expect(summarize('y', Float64Array.from([0.1, 0.2, 0.3])).mean).toBe((0.1 + 0.2 + 0.3) / 3);
  });
});

describe.concurrent('sysgmm describe (CLI)', () => {
  // As `npx tsx src/cli/main.ts`, without npx's start-up.
  const cli = (...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'describe', ...args]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('prints the table and exits 0', async () => {
    const r = await cli('data/abdata.csv', '--id', 'id', '--time', 'year', '--vars', 'n,w,k,ys');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Units: 140   Periods: 9 (1976-1984)   Observations: 1031');
    expect(r.stdout).toMatch(/^ys\s+\|\s+1031\s+0\s+4\.638015\s+0\.09396115\s+4\.464758\s+4\.85488$/m);
  });
  it('--json gives the description object', async () => {
    const r = await cli('data/emplUK.csv', '--id', 'firm', '--time', 'year', '--vars', 'n,log(emp)', '--json');
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ units: 140, periods: 9, observations: 1031, balanced: false, excluded: { missingUnit: 0, missingTime: 0 } });
    expect(d.variables.map((v: { name: string }) => v.name)).toEqual(['n', 'log(emp)']);
    expect(d.variables[1].mean).toBeCloseTo(d.variables[0].mean, 7);
  });

  const bad: Array<[string, () => string[], RegExp]> = [
    ['a missing file', () => [join(dir, 'none.csv'), '--id', 'id', '--time', 'year'], /^sysgmm: file not found: .*none\.csv$/m],
    ['an empty file', () => [file('empty.csv', ''), '--id', 'id', '--time', 'year'], /^sysgmm: .*empty\.csv: the file is empty$/m],
    ['an unknown id column', () => [file('u.csv', 'id,year\n1,2000\n'), '--id', 'firm', '--time', 'year'], /--id column 'firm' not found in .*u\.csv; columns are: id, year/],
    ['an unknown variable', () => [file('v.csv', 'id,year,x\n1,2000,1\n'), '--id', 'id', '--time', 'year', '--vars', 'x,y'], /v\.csv: unknown column 'y'; columns are: id, year, x/],
    [
      'duplicate (unit, time) pairs, listing them',
      () => [file('d.csv', 'id,year\n1,2000\n1,2000\n2,2001\n2,2001\n2,2002\n'), '--id', 'id', '--time', 'year'],
      /2 duplicate \(id, year\) pair\(s\) in .*d\.csv: \(id=1, year=2000\) at rows 1 and 2; \(id=2, year=2001\) at rows 3 and 4/,
    ],
    [
      'a non-numeric value in a numeric column',
      () => [file('n.csv', 'id,year,x\n1,2000,1\n1,2001,abc\n'), '--id', 'id', '--time', 'year', '--vars', 'x'],
      /n\.csv: row 2 \(line 3\), column 'x': 'abc' is not a number/,
    ],
    ['a non-integer time', () => [file('t.csv', 'id,year\n1,2000\n1,2000.5\n'), '--id', 'id', '--time', 'year'], /time column 'year' must be integer-valued: row 2 has 2000\.5/],
    ['a bad --format', () => ['data/abdata.csv', '--id', 'id', '--time', 'year', '--format', 'html'], /--format must be one of text, markdown, latex, csv, got 'html'/],
  ];
  it.each(bad)('exits 2 naming %s', async (_what, args, message) => {
    const r = await cli(...args());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('reports rows with missing unit or time, a row missing both once, as a missing id', async () => {
    const r = await cli(file('m.csv', 'id,year,x\n1,2000,1\n,2001,2\n1,,3\n,,5\n1,2002,4\n'), '--id', 'id', '--time', 'year');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Rows excluded: 2 with missing id, 1 with missing year (id present)\n');
    expect(r.stdout).toContain('Units with gaps: 1 (id 1)');
  });
});
