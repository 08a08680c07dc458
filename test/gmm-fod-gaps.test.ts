// Forward orthogonal deviations with interior gaps, as xtabond2 places them: the deviation of period
// t is stored at row t+1 and kept only if period t+1 is itself in the estimation sample. Reference:
// xtabond2's output posted on Statalist (2009) for Stata's Grunfeld data (test/fixtures/grunfeld.md):
//   webuse grunfeld
//   replace kstock = . in 1(25)200
//   xtabond2 invest mvalue kstock, iv(mvalue kstock) nolevel orthogonal small
// prints 176 observations, mvalue .1137694 (.0120434), kstock .3126414 (.0173844).
import { beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../src/data/read.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';

const COMMAND = 'xtabond2 invest mvalue kstock, iv(mvalue kstock) nolevel orthogonal small';

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

  it('reproduces every printed digit', async () => {
    const r = await fitGmm(panel, parseXtabond2(COMMAND, columns), COMMAND);
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

  it('counts the rows left out because the next period is outside the sample under their own reason', async () => {
    const r = await fitGmm(panel, parseXtabond2(COMMAND, columns));
    // 200 rows = 176 used + 8 missing kstock + 10 last years + 6 periods just before an interior gap
    // (firms 2, 3, 4, 7, 8, 9; firms 1 and 6 miss their first year, which leaves no gap).
    expect(r.excluded).toEqual([
      { reason: 'missing value in the dependent variable or a regressor', count: 8 },
      { reason: 'no forward orthogonal deviation (no later complete period of the unit)', count: 10 },
      { reason: 'forward orthogonal deviation not kept: the next period, whose row holds it in xtabond2, is not in the sample', count: 6 },
    ]);
  });

  it('without gaps every deviation is kept (190 = 10 firms × 19)', async () => {
    const path = new URL('./fixtures/grunfeld.csv', import.meta.url).pathname;
    const full = Panel.fromTable(await readTable(path), { id: 'company', time: 'year' });
    const r = await fitGmm(full, parseXtabond2(COMMAND, columns));
    expect(r.nobs).toBe(190);
  });
});
