// The instrument matrix of one unit, laid out as xtabond2 lays it out (src/gmm/instruments.ts),
// checked entry by entry against hand-written matrices on a unit with y_t = 1, 2, 4, 8, 16
// (so every lag and difference is recognisable): Δy_t = 1, 2, 4, 8 for t = 1..4.
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { prepareGmm } from '../src/gmm/fit.ts';
import { UnitRows } from '../src/gmm/design.ts';
import { InstrumentRows } from '../src/gmm/instruments.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';

// Two units so the model is estimable; the first is the one inspected.
const panel = Panel.fromTable(
  tableFromArrays({
    id: Float64Array.of(1, 1, 1, 1, 1, 2, 2, 2, 2, 2),
    t: Float64Array.of(2001, 2002, 2003, 2004, 2005, 2001, 2002, 2003, 2004, 2005),
    y: Float64Array.of(1, 2, 4, 8, 16, 3, 1, 4, 1, 5),
  }),
  { id: 'id', time: 't' },
);

/** Z of unit 0 as a dense (rows × L) array: transformed rows t = 0..T−1, then level rows. */
function denseZ(command: string): { z: number[][]; L: number; T: number; consCol: number } {
  const prep = prepareGmm(panel, parseXtabond2(command, panel.names()));
  const rows = new UnitRows(prep.design);
  rows.load(prep.design.units[0]);
  const zr = new InstrumentRows(prep.plan, prep.design);
  zr.fill(rows);
  const L = prep.plan.L;
  const z = Array.from({ length: zr.nrows }, (_, r) => {
    const row = new Array<number>(L).fill(0);
    for (let p = zr.start[r]; p < zr.start[r + 1]; p++) row[zr.col[p]] = zr.val[p];
    return row;
  });
  return { z, L, T: prep.design.T, consCol: prep.plan.consCol };
}

describe('instrument layout of one unit', () => {
  it('gmm(y, lag(2 4) collapse), difference GMM: one column per lag, lags ascending, missing lags zero', () => {
    const { z, L, T } = denseZ('y L.y, gmm(y, lag(2 4) collapse) nolevel');
    expect(T).toBe(5);
    expect(L).toBe(3);
    // ΔL.y needs y_{t−2}: differenced rows t = 2, 3, 4 enter; rows 0 and 1 are empty.
    expect(z).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [1, 0, 0],
      [2, 1, 0],
      [4, 2, 1],
    ]);
  });

  it('gmm(y, lag(2 .)), uncollapsed: each (period, lag) its own column, so no column serves two rows', () => {
    const { z, L } = denseZ('y L.y, gmm(y, lag(2 .)) nolevel');
    const rowValues = z.map((row) => row.filter((x) => x !== 0).sort((a, b) => a - b));
    // Row t holds y_{t−2}, …, y_0.
    expect(rowValues).toEqual([[], [], [1], [1, 2], [1, 2, 4]]);
    for (let c = 0; c < L; c++) expect(z.filter((row) => row[c] !== 0).length).toBeLessThanOrEqual(1);
    // Within a row, deeper lags sit in later columns (lags ascending).
    const row4 = z[4];
    const colOf = (v: number) => row4.indexOf(v);
    expect(colOf(4)).toBeLessThan(colOf(2));
    expect(colOf(2)).toBeLessThan(colOf(1));
  });

  it('gmm(y, lag(2 3) eq(level) collapse), system GMM: Δy_{t−2}, Δy_{t−3} in level rows only, the constant first', () => {
    const { z, L, T, consCol } = denseZ('y L.y, gmm(y, lag(2 3) eq(level) collapse)');
    expect(consCol).toBe(0);
    expect(L).toBe(3);
    // Differenced rows carry no instrument of this group; level rows t (y_t and y_{t−1} present: t ≥ 1).
    for (let t = 0; t < T; t++) expect(z[t]).toEqual([0, 0, 0]);
    expect(z.slice(T)).toEqual([
      [0, 0, 0], // t = 0: no L.y, not in the sample
      [1, 0, 0], // t = 1: the constant; Δy_{−1}, Δy_{−2} do not exist
      [1, 0, 0], // t = 2: Δy_0 and Δy_{−1} do not exist
      [1, 1, 0], // t = 3: Δy_1 = 1; Δy_0 does not exist
      [1, 2, 1], // t = 4: Δy_2 = 2, Δy_1 = 1
    ]);
  });

  it('gmm(y, lag(2 .)) in system GMM adds one level column per period: Δy_{t−1}', () => {
    const { z, T } = denseZ('y L.y, gmm(y, lag(2 .))');
    const level = z.slice(T).map((row) => row.filter((x, c) => c !== 0 && x !== 0));
    // Level row t: Δy_{t−1} (lag a − 1 = 1 of the difference), uncollapsed: one value, its own column
    // (t = 0 is outside the sample, t = 1 would need Δy_0).
    expect(level).toEqual([[], [], [1], [2], [4]]);
  });
});
