// Forward orthogonal deviations with interior gaps and if/in, as xtabond2 places them: the deviation
// of period t is stored at row t+1. Which rows enter changed between releases:
// - The 2009 release (--conventions 2009) kept row t+1 only if period t+1 was itself in the estimation
//   sample, and took the forward means over rows inside the if/in. Reference: its output posted on
//   Statalist (2009) for Stata's Grunfeld data (test/fixtures/grunfeld.md):
//     webuse grunfeld
//     replace kstock = . in 1(25)200
//     xtabond2 invest mvalue kstock, iv(mvalue kstock) nolevel orthogonal small
//   prints 176 observations, mvalue .1137694 (.0120434), kstock .3126414 (.0173844).
// - The current release's source (xtabond2 3.7.0, 2020: `_lag(touse, 1)`, and `Complete` built from
//   every row of the sample's units) keeps row t+1 whenever period t is in the sample, and takes the
//   forward means over every complete row, inside the if/in or not. No printed log of it is at hand:
//   the numbers below come from an independent re-implementation of that source in numpy (a tester's,
//   thirteenth session), which also gives the 2009 rule's numbers when given that rule.
import { beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../src/data/read.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import type { Conventions } from '../src/spec/types.ts';

const COMMAND = 'xtabond2 invest mvalue kstock, iv(mvalue kstock) nolevel orthogonal small';
const spec = (command: string, columns: string[], conventions: Conventions) => ({ ...parseXtabond2(command, columns), conventions });

/** |actual − printed| within half a unit of the last printed decimal. */
function expectPrinted(actual: number, printed: number, decimals: number): void {
  expect(Math.abs(actual - printed)).toBeLessThanOrEqual(0.5 * 10 ** -decimals * (1 + 1e-9));
}

describe('orthogonal deviations with gaps (Grunfeld, xtabond2 on Statalist)', () => {
  let panel: Panel;
  let columns: string[];
  beforeAll(async () => {
    const path = new URL('./fixtures/grunfeld.csv', import.meta.url).pathname;
    const table = await readTable(path);
    columns = table.schema.fields.map((f) => f.name);
    const full = Panel.fromTable(table, { id: 'company', time: 'year', source: path });
    // replace kstock = . in 1(25)200: rows 1, 26, …, 176 of the file, which is sorted as the panel is.
    const kstock = full.column('kstock').slice();
    expect(kstock.length).toBe(200);
    for (let r = 0; r < 200; r += 25) kstock[r] = NaN;
    panel = full.withColumn('kstock', kstock);
  });

  it('reproduces every printed digit of the 2009 release', async () => {
    const r = await fitGmm(panel, spec(COMMAND, columns, '2009'), COMMAND);
    expect(r.nobs).toBe(176);
    expect(r.ngroups).toBe(10);
    expect(r.coefficients.map((c) => c.name)).toEqual(['mvalue', 'kstock']);
    const printed: [number, number][] = [
      [0.1137694, 0.0120434],
      [0.3126414, 0.0173844],
    ];
    r.coefficients.forEach((c, j) => {
      expectPrinted(c.estimate, printed[j][0], 7);
      expectPrinted(c.se, printed[j][1], 7);
    });
  });

  it('counts the rows the 2009 release leaves out because the next period is outside the sample under their own reason', async () => {
    const r = await fitGmm(panel, spec(COMMAND, columns, '2009'));
    // 200 rows = 176 used + 8 missing kstock + 10 last years + 6 periods just before an interior gap
    // (firms 2, 3, 4, 7, 8, 9; firms 1 and 6 miss their first year, which leaves no gap).
    expect(r.excluded).toEqual([
      { reason: 'missing value in the dependent variable or a regressor', count: 8 },
      { reason: 'no forward orthogonal deviation (no later complete period of the unit)', count: 10 },
      { reason: 'forward orthogonal deviation not kept: the next period, whose row holds it in xtabond2, is not in the sample', count: 6 },
    ]);
  });

  it('the current release keeps the deviation before a gap: 182 observations, none left out for the next period', async () => {
    const r = await fitGmm(panel, spec(COMMAND, columns, 'current'));
    expect(r.nobs).toBe(182);
    expect(r.excluded).toEqual([
      { reason: 'missing value in the dependent variable or a regressor', count: 8 },
      { reason: 'no forward orthogonal deviation (no later complete period of the unit)', count: 10 },
    ]);
  });

  it('first differences count a row whose previous period lacks a regressor under "no first difference", and the reason says so (a tester: it named only first periods and gaps)', async () => {
    const cmd = 'xtabond2 invest mvalue kstock, iv(mvalue kstock) nolevel small';
    const r = await fitGmm(panel, spec(cmd, columns, 'current'), cmd);
    // 200 rows = 176 used + 8 missing kstock + 8 first years (firms 1 and 6 lack kstock there) + the
    // 8 rows after a missing kstock, whose first difference needs it: none is a first period or after a gap.
    expect(r.nobs).toBe(176);
    expect(r.excluded).toEqual([
      { reason: 'missing value in the dependent variable or a regressor', count: 8 },
      { reason: 'no first difference (first period of the unit, a gap before it, or the dependent variable or a regressor missing in the period before)', count: 16 },
    ]);
  });

  it('the current release on abdata with an if condition and with a gap: the re-implementation of its source to 5 decimals', async () => {
    const ab = Panel.fromTable(await readTable('data/abdata.csv'), { id: 'id', time: 'year' });
    const abColumns = ab.names();
    const close = (r: { nobs: number; coefficients: { estimate: number }[] }, nobs: number, b: number[]) => {
      expect(r.nobs).toBe(nobs);
      r.coefficients.forEach((c, j) => expect(Math.abs(c.estimate - b[j])).toBeLessThanOrEqual(5e-6));
    };
    // The forward means run over 1982–1984 too, and the deviation of 1981 (row 1982) enters.
    close(await fitGmm(ab, spec('n L.n w k if year<=1981, gmm(L.n) iv(w k) nolevel orthogonal', abColumns, 'current')), 638, [0.49768, -0.45439, 0.39635]);
    close(await fitGmm(ab, spec('n L.n w k if year<=1981, gmm(L.n) iv(w k) orthogonal', abColumns, 'current')), 638, [0.74637, -0.14464, 0.2085, 0.78296]);
    // Firm 1 without its 1979 row: its 1978 deviation (row 1979) still enters.
    const gap = ab.selectRows((r) => !(ab.units[ab.unitOf[r]] === 1 && ab.time[r] === 1979));
    close(await fitGmm(gap, spec('n L.n w k, gmm(L.n) iv(w k) nolevel orthogonal', abColumns, 'current')), 749, [0.48607, -0.50845, 0.39065]);
    // The AR test's first differences run over every row of the units too (3.7.0's _ARTests differences
    // Y0 − X0·b over all of them): pinned values of this engine, the 2009 rule's beside them; without
    // the if the two agree.
    const ar = async (command: string, conventions: Conventions) => (await fitGmm(ab, spec(command, abColumns, conventions))).ar.map((a) => a.z);
    const twostep = 'n L.n w k if year<=1981, gmm(L.n) iv(w k) nolevel orthogonal twostep robust';
    expect((await ar(twostep, 'current')).map((z) => z.toFixed(6))).toEqual(['-1.442704', '-0.530677']);
    expect((await ar(twostep, '2009')).map((z) => z.toFixed(6))).toEqual(['-0.632918', '1.142592']);
    const all = 'n L.n w k, gmm(L.n) iv(w k) nolevel orthogonal twostep robust';
    expect(await ar(all, 'current')).toEqual(await ar(all, '2009'));
    // The 2009 rule on the same data: one observation fewer per firm under the if, and the gap's.
    expect((await fitGmm(ab, spec('n L.n w k if year<=1981, gmm(L.n) iv(w k) nolevel orthogonal', abColumns, '2009'))).nobs).toBe(498);
    expect((await fitGmm(gap, spec('n L.n w k, gmm(L.n) iv(w k) nolevel orthogonal', abColumns, '2009'))).nobs).toBe(748);
  });

  it('without gaps every deviation is kept (190 = 10 firms × 19)', async () => {
    const path = new URL('./fixtures/grunfeld.csv', import.meta.url).pathname;
    const full = Panel.fromTable(await readTable(path), { id: 'company', time: 'year' });
    const r = await fitGmm(full, parseXtabond2(COMMAND, columns));
    expect(r.nobs).toBe(190);
  });
});
