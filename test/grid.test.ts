// Robustness grids, in process: template expansion and its errors, sample conditions (through the
// project's expression code, never eval), every specification equal to the direct fit of its
// expanded command on its sample, Roodman's flags, the stability summary by hand, and the spec curve.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { readTable } from '../src/data/read.ts';
import { Panel } from '../src/panel/panel.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { coefficientName } from '../src/spec/coefficient-name.ts';
import { expandTemplate, parseGrid } from '../src/workloads/grid-spec.ts';
import { selectSample } from '../src/workloads/condition.ts';
import { gridTask, type GridConfig } from '../src/workloads/grid-task.ts';
import { dataSha256 } from '../src/data/checksum.ts';
import { stability, specCurveSpec, writeGridTables } from '../src/workloads/grid-report.ts';
import { renderSvg } from '../src/report/figures.ts';
import type { RunManifest } from '../src/run/run-dir.ts';

const DATA = 'data/abdata.csv';
const GRID = {
  template: 'xtabond2 n L.n w k yr*, gmm(L.n, {lags} {collapse}) iv(w k yr*) {steps} robust',
  axes: { lags: ['lag(1 .)', 'lag(1 2)'], collapse: ['', 'collapse'], steps: ['twostep'] },
  samples: { all: null, early: 'year <= 1981' },
  focus: ['L.n', 'w'],
};

async function abdata() {
  const table = await readTable(DATA);
  return { panel: Panel.fromTable(table, { id: 'id', time: 'year', source: DATA }), columns: table.schema.fields.map((f) => f.name) };
}

describe('grid specification', () => {
  it('crosses samples and axes into expanded commands, samples slowest', async () => {
    const { columns } = await abdata();
    const g = parseGrid(GRID, columns);
    expect(g.specs).toHaveLength(8);
    expect(g.focus).toEqual(['L1.n', 'w']);
    expect(g.specs[0].command).toBe('xtabond2 n L.n w k yr*, gmm(L.n, lag(1 .)) iv(w k yr*) twostep robust');
    expect(g.specs[3]).toMatchObject({ sample: 'all', axes: { lags: 'lag(1 2)', collapse: 'collapse', steps: 'twostep' } });
    expect(g.specs[3].command).toBe('xtabond2 n L.n w k yr*, gmm(L.n, lag(1 2) collapse) iv(w k yr*) twostep robust');
    expect(g.specs[4]).toMatchObject({ sample: 'early', condition: 'year <= 1981' });
    expect(expandTemplate('a {x}  b ( {y} )', { x: '', y: 'z' })).toBe('a b ( z)');
    expect(coefficientName('LD.w')).toBe('L1D1.w');
  });

  it('names the fault: a placeholder without an axis, an unused axis, a command that does not parse', async () => {
    const { columns } = await abdata();
    expect(() => parseGrid({ ...GRID, axes: { lags: ['lag(1 .)'], collapse: [''] } }, columns)).toThrow(/placeholder \{steps\} has no axis/);
    expect(() => parseGrid({ ...GRID, axes: { ...GRID.axes, extra: ['a'] } }, columns)).toThrow(/axes.extra: the template has no \{extra\}/);
    // Names an object has from its prototype are names like any other (a tester's "__proto__" axis was
    // dropped in silence; a {constructor} placeholder passed the check and expanded to a function's text).
    expect(() => parseGrid({ ...GRID, axes: JSON.parse(`{"lags": ["lag(1 .)"], "collapse": [""], "steps": ["twostep"], "__proto__": ["a"]}`) }, columns)).toThrow(/axes.__proto__: the template has no \{__proto__\}/);
    expect(() => parseGrid({ ...GRID, template: `${GRID.template} {constructor}` }, columns)).toThrow(/placeholder \{constructor\} has no axis/);
    expect(() => parseGrid({ ...GRID, axes: { ...GRID.axes, steps: ['twostep', 'nosuchoption'] } }, columns)).toThrow(/specification 1 \(.*nosuchoption.*\)/);
    // The grid labels every interval 95% and counts significance at 5%: a row at level(90) was mislabelled.
    expect(() => parseGrid({ ...GRID, axes: { ...GRID.axes, steps: ['twostep', 'twostep level(90)'] } }, columns)).toThrow(
      /specification 1 \(.*level\(90\).*\): level\(\): the grid reports 95% intervals and significance at 5% for every specification; leave level\(\) out/,
    );
    expect(() => parseGrid({ ...GRID, focus: ['L.n', 'zz'] }, columns)).toThrow(/grid: focus: no specification has the coefficient 'zz'; they have L1.n, w, k, yr1976, .*, _cons/);
    expect(parseGrid({ ...GRID, focus: ['_cons', 'yr1980'] }, columns).focus).toEqual(['_cons', 'yr1980']);
    // An i. term's levels are named from the data, at estimation: a level of its variable is taken.
    const fv = { ...GRID, template: 'xtabond2 n L.n w k c.w#c.k i.year, gmm(L.n, {lags} {collapse}) iv(w k c.w#c.k i.year) {steps}' };
    expect(parseGrid({ ...fv, focus: ['1980.year', 'c.w#c.k'] }, [...columns, 'year']).focus).toEqual(['1980.year', 'c.w#c.k']);
    expect(() => parseGrid({ ...fv, focus: ['1980.ind'] }, [...columns, 'year'])).toThrow(/no specification has the coefficient '1980\.ind'; they have L1\.n, w, k, c\.w#c\.k, _cons/);
    expect(() => parseGrid({ ...fv, focus: ['1976b.year'] }, [...columns, 'year'])).toThrow(/focus: 1976b\.year is a base level, which has no coefficient/);
    // So are the cells of an interaction with an i. part ("1980.year#c.w").
    const cells = { ...GRID, template: 'xtabond2 n L.n w k i.year#c.w, gmm(L.n, {lags} {collapse}) iv(w k i.year#c.w) {steps}' };
    expect(parseGrid({ ...cells, focus: ['1980.year#c.w', 'w'] }, [...columns, 'year']).focus).toEqual(['1980.year#c.w', 'w']);
    expect(parseGrid({ ...cells, focus: ['c.w#1980.year'] }, [...columns, 'year']).focus).toEqual(['1980.year#c.w']);
    // Only cells of an interaction some specification has (a reviewer: each of these was taken, and the
    // grid ran with an empty focus column).
    for (const bad of ['1980.ind#c.w', '1980.year#c.k', '1980.year#cL.w', '5.w', '1980.year#2.ind#c.w'])
      expect(() => parseGrid({ ...cells, focus: [bad] }, [...columns, 'year', 'ind'])).toThrow(/no specification has the coefficient/);
    expect(() => parseGrid({ ...cells, focus: ['1976b.year#co.w'] }, [...columns, 'year'])).toThrow(/focus: 1976b\.year#co\.w is an omitted cell, which has no coefficient/);
    // A cell written out in the template, marks and all, is its own coefficient (a reviewer: refused).
    const explicit = { ...GRID, template: 'xtabond2 n L.n w k 1976b.year#c.w 1978.year#c.w, gmm(L.n, {lags} {collapse}) iv(w k) {steps}' };
    expect(parseGrid({ ...explicit, focus: ['1976b.year#c.w', '1976.year#c.w'] }, [...columns, 'year']).focus).toEqual(['1976.year#c.w', '1976.year#c.w']);
  });
});

describe('sample conditions', () => {
  it('evaluate comparisons, &, |, ! and parentheses over expressions as Stata `if` does (missing is larger than every number)', async () => {
    const { panel } = await abdata();
    const year = panel.column('year');
    const k = panel.column('k');
    const count = (f: (r: number) => boolean) => Array.from({ length: panel.nrows }, (_, r) => r).filter(f).length;
    expect(selectSample(panel, 'year <= 1981').rows.kept).toBe(count((r) => year[r] <= 1981));
    expect(selectSample(panel, 'year >= 1979 & (k > 0 | year == 1984)').rows.kept).toBe(count((r) => year[r] >= 1979 && (k[r] > 0 || year[r] === 1984)));
    expect(selectSample(panel, '!(year < 1980)').rows.kept).toBe(count((r) => !(year[r] < 1980)));
    // L.k is missing in each unit's first year: there the difference is missing, so "> 0.1" holds.
    const hasLag = (r: number) => r > 0 && panel.time[r] - 1 === panel.time[r - 1] && panel.unitOf[r] === panel.unitOf[r - 1];
    const kept = count((r) => !hasLag(r) || k[r] - k[r - 1] > 0.1);
    expect(selectSample(panel, 'k - L.k > 0.05 * 2').rows).toEqual({ kept, excluded: panel.nrows - kept, missingId: 0, missingTime: 0 });
    expect(selectSample(panel, 'year').rows.kept).toBe(panel.nrows); // a bare expression: non-zero holds
    expect(() => selectSample(panel, 'year < 1980 < 1990')).toThrow(/chained comparisons/);
    expect(() => selectSample(panel, 'process.exit() == 1')).toThrow();
    expect(() => selectSample(panel, 'year > 3000')).toThrow(/keeps no row/);
  });

  it('count the rows without a unit id or a time among the rows left out', async () => {
    // abdata's 1,031 rows with 3 ids and 2 years blanked: 1,026 rows reach the panel.
    const table = await readTable(DATA);
    const id = Float64Array.from(table.getChild('id')!.toArray() as ArrayLike<number>);
    const year = Float64Array.from(table.getChild('year')!.toArray() as ArrayLike<number>);
    for (const r of [5, 100, 200]) id[r] = NaN;
    for (const r of [300, 400]) year[r] = NaN;
    const columns = Object.fromEntries(table.schema.fields.map((f) => [f.name, Float64Array.from(table.getChild(f.name)!.toArray() as ArrayLike<number>)]));
    const panel = Panel.fromTable(tableFromArrays({ ...columns, id, year }), { id: 'id', time: 'year' });
    expect(panel.nrows).toBe(1026);
    expect(selectSample(panel, null).rows).toEqual({ kept: 1026, excluded: 5, missingId: 3, missingTime: 2 });
    const early = Array.from(panel.time).filter((t) => t <= 1981).length;
    expect(selectSample(panel, 'year <= 1981').rows).toEqual({ kept: early, excluded: 1031 - early, missingId: 3, missingTime: 2 });
  });
});

describe('grid tasks', () => {
  it("a focus on ibn.'s first level is the coefficient fvexpand names with bn (a reviewer's silently empty column)", async () => {
    const { columns } = await abdata();
    const grid = parseGrid({ template: 'xtabond2 n L.n w k ibn.ind, gmm(L.n, collapse {lags}) iv(w k ibn.ind) nocons', axes: { lags: ['lag(1 2)'] }, samples: { all: null }, focus: ['1.ind', '1bn.ind', 'w'] }, [...columns, 'year']);
    const config: GridConfig = { data: { path: DATA, sha256: await dataSha256(DATA), id: 'id', time: 'year' }, grid, bootstrap: 0, seed: 1, perTask: 8 };
    const [row] = await gridTask({ format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' }, 0);
    expect(row.failure).toBeNull();
    expect(grid.focus).toEqual(['1.ind', '1.ind', 'w']);
    expect(row.focus['1.ind']?.estimate).toEqual(expect.any(Number));
  });

  it('with --bootstrap, a specification whose clusters the bootstrap cannot resample keeps its estimate, without intervals', async () => {
    const { columns } = await abdata();
    const grid = parseGrid({ template: 'xtabond2 n L.n w k, gmm(L.n, collapse lag(1 2)) iv(w k) twostep {cl}', axes: { cl: ['cluster(ind)', 'cluster(id year)'] }, samples: { all: null }, focus: ['w'] }, [...columns, 'year']);
    const config: GridConfig = { data: { path: DATA, sha256: await dataSha256(DATA), id: 'id', time: 'year' }, grid, bootstrap: 9, seed: 1, perTask: 8 };
    const rows = await gridTask({ format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' }, 0);
    expect(rows.map((r) => r.failure)).toEqual([null, null]);
    const [one, two] = grid.specs.map((s) => rows[s.index]);
    expect(one.focus.w!.boot).not.toBeNull();
    expect(two.focus.w!.estimate).toEqual(expect.any(Number));
    expect(two.focus.w!.boot).toBeNull();
    expect(two.warnings!.at(-1)).toMatch(/^no bootstrap intervals: cluster\(id year\)/);
  });

  it('each specification equals the direct fit of its command on its sample; flags and stability follow', async () => {
    const { panel, columns } = await abdata();
    const grid = parseGrid(GRID, columns);
    const config: GridConfig = { data: { path: DATA, sha256: await dataSha256(DATA), id: 'id', time: 'year' }, grid, bootstrap: 0, seed: 1, perTask: 8 };
    const manifest: RunManifest = { format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' };
    const rows = await gridTask(manifest, 0);
    expect(rows.map((r) => r.failure)).toEqual(new Array(8).fill(null));
    for (const s of [grid.specs[2], grid.specs[7]]) {
      const sample = s.condition ? panel.selectRows((r) => panel.time[r] <= 1981) : panel;
      const fit = await fitGmm(sample, parseXtabond2(s.command, columns), s.command);
      const row = rows[s.index];
      for (const f of ['L1.n', 'w']) {
        const c = fit.coefficients.find((x) => x.name === f)!;
        expect(row.focus[f]).toMatchObject({ estimate: c.estimate, se: c.se, ciLow: c.ciLow, ciHigh: c.ciHigh, p: c.p });
      }
      expect([row.nobs, row.groups, row.instruments, row.hansenP, row.ar2P]).toEqual([fit.nobs, fit.ngroups, fit.ninstruments, fit.hansen!.p, fit.ar[1].p]);
      expect(row.flags.instrumentsAboveGroups).toBe(fit.ninstruments > fit.ngroups);
    }
    const early = Array.from(panel.time).filter((t) => t <= 1981).length;
    expect(rows[4].sampleRows).toEqual({ kept: early, excluded: panel.nrows - early, missingId: 0, missingTime: 0 });
    expect(rows[0].sampleRows).toEqual({ kept: panel.nrows, excluded: 0, missingId: 0, missingTime: 0 });
    const [st] = stability(grid, rows);
    const est = rows.map((r) => r.focus['L1.n']!.estimate);
    expect(st.specs).toBe(8);
    expect(st.min).toBe(Math.min(...est));
    expect(st.max).toBe(Math.max(...est));
    expect(st.significant).toBe(rows.filter((r) => r.focus['L1.n']!.p < 0.05).length / 8);
    const mean = (f: (i: number) => boolean) => est.filter((_, i) => f(i)).reduce((a, b) => a + b, 0) / est.filter((_, i) => f(i)).length;
    expect(st.axisSpread.sample).toBeCloseTo(Math.abs(mean((i) => i < 4) - mean((i) => i >= 4)), 14);
    expect(st.axisSpread.collapse).toBeCloseTo(Math.abs(mean((i) => i % 2 === 0) - mean((i) => i % 2 === 1)), 14);
    expect(Object.keys(st.axisSpread)).toEqual(['sample', 'lags', 'collapse']);
    const svg = await renderSvg(specCurveSpec(grid, rows, 'L1.n'));
    expect(svg).toContain('collapse: (none)');
    expect(svg).toContain('sample: early');
    // The title on two lines keeps the figure about as wide as its plot (one long title made it 853 px).
    expect(svg).toContain('8 specifications sorted by estimate (95% intervals)');
    expect(Number(/^<svg[^>]* width="(\d+)"/.exec(svg)?.[1])).toBeLessThan(700);
  });

  it('with a bootstrap, each specification gets intervals from its own keyed draws', async () => {
    const { columns } = await abdata();
    const grid = parseGrid({ ...GRID, axes: { lags: ['lag(1 2)'], collapse: ['collapse'], steps: ['twostep'] }, samples: { all: null } }, columns);
    const config: GridConfig = { data: { path: DATA, sha256: await dataSha256(DATA), id: 'id', time: 'year' }, grid, bootstrap: 49, seed: 3, perTask: 1 };
    const manifest: RunManifest = { format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' };
    const [a] = await gridTask(manifest, 0);
    const [b] = await gridTask(manifest, 0);
    const boot = a.focus['L1.n']!.boot!;
    expect(boot.percentile[0]).toBeLessThan(a.focus['L1.n']!.estimate);
    expect(boot.percentile[1]).toBeGreaterThan(a.focus['L1.n']!.estimate);
    expect(boot.studentized).not.toBeNull();
    expect(b).toEqual(a);
    // grid.csv carries every bootstrap figure of grid.json, its p-value too.
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-grid-boot-p-'));
    await writeGridTables(dir, grid, [a], stability(grid, [a]), {});
    const csv = await readTable(join(dir, 'grid.csv'));
    expect(['L1.n_boot_se', 'L1.n_boot_t_low', 'L1.n_boot_p'].map((c) => csv.getChild(c)?.get(0))).toEqual([boot.se, boot.studentized![0], boot.p]);
  });

  // A focus coefficient that xtabond2's invsym leaves unidentified (0 with SE 0) entered the stability
  // table and the curves as an estimate of 0; the fit's warnings were not kept.
  it("a focus coefficient the fit leaves unidentified is no estimate: left out of the stability table and warned of, the fit's warnings kept", async () => {
    const { columns } = await abdata();
    // Clustered by industry: 9 clusters against 107 instruments leave w, ys and _cons unidentified.
    const grid = parseGrid({ template: 'xtabond2 n L.n w k ys, {g} twostep {v}', axes: { g: ['gmm(L.(n w k)) iv(ys)'], v: ['cluster(ind)', 'robust'] }, samples: { all: null }, focus: ['L.n', 'w'] }, columns);
    const config: GridConfig = { data: { path: DATA, sha256: await dataSha256(DATA), id: 'id', time: 'year' }, grid, bootstrap: 0, seed: 1, perTask: 2 };
    const rows = await gridTask({ format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' }, 0);
    expect(rows.map((r) => [r.failure, r.unidentified])).toEqual([[null, ['w', 'ys', '_cons']], [null, []]]);
    expect(rows[0].focus.w).toBeNull();
    expect(rows[0].focus['L1.n']!.se).toBeGreaterThan(0);
    expect(rows[1].focus.w!.se).toBeGreaterThan(0);
    expect(rows[0].warnings).toContain("w, ys, _cons not identified: X'ZWZ'X is singular, and its generalized inverse (xtabond2's invsym) sets their estimates and standard errors to 0 (the moment covariance has rank at most the number of clusters, 9, against 107 instruments)");
    expect(stability(grid, rows).map((s) => [s.coefficient, s.specs])).toEqual([['L1.n', 2], ['w', 1]]);
    const { gridWarnings, withUnidentified } = await import('../src/workloads/grid.ts');
    // A row of a resumed run from before: no unidentified, w kept as 0 with SE 0.
    const old = { ...rows[0], focus: { ...rows[0].focus, w: { estimate: 0, se: 0, ciLow: 0, ciHigh: 0, p: NaN, boot: null } } };
    delete old.unidentified;
    expect(withUnidentified(old)).toMatchObject({ unidentified: ['w'], focus: { w: null } });
    expect(withUnidentified(rows[1])).toBe(rows[1]);
    expect(gridWarnings(grid.focus, 0, rows)).toEqual([
      "focus coefficients not identified (X'ZWZ'X singular: xtabond2 reports them as 0 with SE 0), left out of the tables' statistics and the curves: #0 w",
    ]);
  });

  it('counts the bootstrap replications used and failed per specification in grid.json, grid.csv and the Flags column; rows of an older version (no counts) still load', async () => {
    const { columns } = await abdata();
    // Uncollapsed, 113 instruments against about 89 distinct units in a resample of 140: many replications fail.
    const grid = parseGrid({ template: 'xtabond2 n L.n L(0/1).(w k) yr*, gmm(L.(n w k) {c}) iv(yr*, eq(level)) twostep robust', axes: { c: ['', ', collapse'] }, samples: { all: null }, focus: ['L.n'] }, columns);
    const config: GridConfig = { data: { path: DATA, sha256: await dataSha256(DATA), id: 'id', time: 'year' }, grid, bootstrap: 19, seed: 1, perTask: 2 };
    const rows = await gridTask({ format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' }, 0);
    expect(rows[0].bootstrap).toMatchObject({ used: 14, failed: { singular: 5, nonFinite: 0 } });
    expect(rows[1].bootstrap).toEqual({ used: 19, failed: { singular: 0, nonFinite: 0 }, warnings: [] });
    // The bootstrap's own warning, kept with the row (not the one on B, which the run gives once).
    expect(rows[0].bootstrap!.warnings).toEqual([expect.stringMatching(/^\d+ of 19 replications used a generalized inverse of a singular moment covariance and 5 failed .*113 instruments against about 89 distinct clusters/)]);
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-grid-boot-'));
    const old = { ...rows[1] };
    delete old.bootstrap;
    const md = await writeGridTables(dir, grid, [rows[0], old], stability(grid, rows), {});
    expect(md).toMatch(/^\| 0 \|.*\| boot: 5 of 19 failed \|$/m);
    expect(JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8')).specifications[0].bootstrap).toEqual(rows[0].bootstrap);
    const csv = await readTable(join(dir, 'grid.csv'));
    expect(['boot_used', 'boot_failed_singular', 'boot_failed_nonfinite'].map((c) => [...csv.getChild(c)!])).toEqual([[14, null], [5, null], [0, null]]);
  });
});
