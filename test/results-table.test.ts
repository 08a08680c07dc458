// `sysgmm table`: saved results read back (NaN written as null included) and laid out esttab-style;
// `estimate --save` writes the --json object that it reads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { estimate } from '../src/index.ts';
import { formatResultsTable, readSavedResult, resultsTable } from '../src/report/results-table.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const AT = { id: 'id', time: 'year' };
const DIFF = 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust';
const SYS = 'n L.n L(0/1).(w k) yr*, gmm(L.(n w k), collapse) iv(yr*, eq(level)) twostep robust';

describe('sysgmm table', async () => {
  const diff = await estimate('data/abdata.csv', DIFF, AT);
  const sys = await estimate('data/abdata.csv', SYS, AT);
  writeFileSync(join(dir, 'diff.json'), JSON.stringify(diff));
  writeFileSync(join(dir, 'sys.json'), JSON.stringify(sys));
  const files = [join(dir, 'diff.json'), join(dir, 'sys.json')];

  it('lays out coefficients with stars and SEs, and the tests and counts of each model', async () => {
    const results = await Promise.all(files.map(readSavedResult));
    const t = resultsTable(files, results, { keep: ['L1.n', 'L2.n', 'w'] });
    expect(t.header).toEqual(['diff', 'sys']);
    expect(t.title).toBe('Dependent variable: n');
    const row = (label: string, kind = 'coef') => t.rows.find((r) => r.label === label && r.kind === kind)?.cells;
    // Log 1 of Roodman (2009) prints L1.n .6862261 (SE .1445943, p 0.000) and L2.n −.0853582 (p 0.128).
    expect(row('L1.n')).toEqual(['0.686***', '0.918***']);
    expect(row('L2.n')).toEqual(['-0.085', '']);
    expect(t.rows[t.rows.findIndex((r) => r.label === 'L1.n') + 1]?.cells).toEqual(['(0.145)', '(0.068)']);
    expect(row('AR(2) p', 'stat')).toEqual(['0.606', sys.ar[1]!.p.toFixed(3)]);
    expect(row('Hansen p', 'stat')).toEqual(['0.177', sys.hansen!.p.toFixed(3)]);
    expect(row('Instruments', 'stat')).toEqual(['41', String(sys.ninstruments)]);
    expect(row('Observations', 'stat')).toEqual(['611', '891']);
    expect(formatResultsTable(t, 'csv').split('\n')[0]).toContain('diff');
  });

  it("reads null (a NaN written as JSON) as Stata's missing '.', and a count left out as an empty cell; refuses what is not a result, and unknown --keep names", async () => {
    const copy = JSON.parse(JSON.stringify(diff)) as { coefficients: { se: number | null }[]; ninstruments?: number };
    copy.coefficients[0]!.se = null;
    delete copy.ninstruments;
    writeFileSync(join(dir, 'nan.json'), JSON.stringify(copy));
    const t = resultsTable(['nan.json'], [await readSavedResult(join(dir, 'nan.json'))], { keep: ['L1.n'] });
    // A tester's hand-made result printed "()" and "Instruments   undefined".
    expect(t.rows[1]?.cells).toEqual(['(.)']);
    expect(t.rows.find((r) => r.label === 'Instruments')?.cells).toEqual(['']);
    writeFileSync(join(dir, 'other.json'), '{"a": 1}');
    await expect(readSavedResult(join(dir, 'other.json'))).rejects.toThrow(/is not a saved sysgmm result \(no estimator, coefficients, nobs, ngroups\)/);
    await expect(readSavedResult(join(dir, 'missing.json'))).rejects.toThrow(/file not found/);
    expect(() => resultsTable(files, [diff, sys], { keep: ['nope'] })).toThrow(/^--keep: unknown coefficient 'nope'; coefficients are: L1\.n, L2\.n, w, L1\.w, k, /);
    expect(() => resultsTable(files, [diff, sys], { keep: ['L.n', 'L3.n'] })).toThrow(/^--keep: unknown coefficient 'L3\.n'; coefficients are: L1\.n, L2\.n, w, /);
  });

  it('--keep reads names as Stata does: L.n is the row L1.n', async () => {
    const results = await Promise.all(files.map(readSavedResult));
    const stata = resultsTable(files, results, { keep: ['L.n', 'L2.n', 'w', 'l.w', 'L.k'] });
    const labels = resultsTable(files, results, { keep: ['L1.n', 'L2.n', 'w', 'L1.w', 'L1.k'] });
    expect(stata.rows).toEqual(labels.rows);
    // Two spellings of one coefficient make one row (a tester's L.n,L1.n printed L1.n twice).
    expect(resultsTable(files, results, { keep: ['L.n', 'L1.n', 'L2.n', 'w', 'l.w', 'L1.w', 'L.k'] }).rows).toEqual(labels.rows);
    const row = (label: string) => stata.rows.find((r) => r.label === label && r.kind === 'coef')?.cells;
    expect(row('L1.n')).toEqual(['0.686***', '0.918***']);
    expect(row('L1.w')).toEqual(['0.393**', '0.665**']);
    // The command line too: `sysgmm table ... --keep L.n,w`.
    const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'table', ...files, '--keep', 'L.n,w'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('L1.n           0.686***   0.918***\n                (0.145)    (0.068)\nw             -0.608***  -0.841***\n');
    expect(r.stdout).not.toContain('L2.n');
    // --out's extension names the format when --format is not given; an explicit --format wins.
    const tex = join(dir, 't.tex');
    const viaOut = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'table', ...files, '--keep', 'L.n,w', '--out', tex], { encoding: 'utf8' });
    expect(viaOut.status, viaOut.stderr).toBe(0);
    const latex = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'table', ...files, '--keep', 'L.n,w', '--format', 'latex'], { encoding: 'utf8' });
    expect(readFileSync(tex, 'utf8')).toBe(latex.stdout);
    expect(latex.stdout).toContain('\\begin{tabular}');
    spawnSync('npx', ['tsx', 'src/cli/main.ts', 'table', ...files, '--keep', 'L.n,w', '--format', 'text', '--out', tex], { encoding: 'utf8' });
    expect(readFileSync(tex, 'utf8')).toBe(r.stdout);
  });

  it('estimate --save writes the --json object', () => {
    const saved = join(dir, 'saved.json');
    const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', SYS, '--save', saved], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual(JSON.parse(JSON.stringify(sys)));
  });

  it('--format csv prints what --save FILE.csv writes', () => {
    const saved = join(dir, 'saved.csv');
    const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', SYS, '--format', 'csv', '--save', saved], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('name,estimate,se,stat,p,ciLow,ciHigh,level');
    expect(r.stdout).toBe(readFileSync(saved, 'utf8'));
    // A tester's report: csv (and latex) output never said what was dropped or excluded. Standard error does.
    expect(r.stderr.split('\n')).toEqual(expect.arrayContaining(['yr1976 dropped due to collinearity', '(140 observations excluded: missing value in the dependent variable or a regressor)']));
    const latex = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', SYS, '--format', 'latex'], { encoding: 'utf8' });
    expect(latex.stderr).toContain('(140 observations excluded: missing value in the dependent variable or a regressor)');
    const described = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'describe', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--format', 'csv'], { encoding: 'utf8' });
    expect(described.stderr).toBe('Rows excluded: 0 with missing id, 0 with missing year (id present)\n');
  });
});
