// The one-pass scans of a panel and a design (src/panel/panel.ts fromTable on rows already in order,
// src/gmm/design.ts sampleRowMask, src/panel/time-span.ts checkTimeSpan), each checked against the
// plain definition it replaced, on generated panels with gaps, missing values, leads and lags.
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { sampleRowMask } from '../src/gmm/design.ts';
import { lagRow, type LaggedColumn } from '../src/panel/operators.ts';
import { Panel } from '../src/panel/panel.ts';
import { checkTimeSpan } from '../src/panel/time-span.ts';
import { mulberry32 } from './helpers/mulberry32.ts';

/** Rows of `units` units in (id, time) order: ids 10, 13, 16, ... (not codes), 1 to 8 periods each from
 *  a start in 2000..2003, a period left out now and then (a gap), x missing now and then. */
function rowsInOrder(units: number, seed: number) {
  const next = mulberry32(seed);
  const id: number[] = [];
  const year: number[] = [];
  const x: number[] = [];
  for (let i = 0; i < units; i++) {
    const start = 2000 + (next() % 4);
    const len = 1 + (next() % 8);
    for (let t = start; t < start + len; t++) {
      if (len > 2 && next() % 7 === 0) continue;
      id.push(10 + 3 * i);
      year.push(t);
      x.push(next() % 11 === 0 ? NaN : (next() % 1000) / 10);
    }
  }
  return { id: Float64Array.from(id), year: Float64Array.from(year), x: Float64Array.from(x) };
}

/** The row-by-row definition of the sample mask: if/in passed and every column present at its lag. */
function maskByRows(p: Panel, columns: LaggedColumn[], qualified: Uint8Array | null): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.nunits; i++) {
    const lo = p.offsets[i];
    const hi = p.offsets[i + 1];
    for (let r = lo; r < hi; r++) {
      let ok = !qualified || qualified[r] === 1;
      for (const c of columns) {
        const at = c.lag === 0 ? r : lagRow(p.time, lo, hi, r, c.lag);
        ok &&= at >= 0 && !Number.isNaN(c.values[at]);
      }
      out.push(ok ? 1 : 0);
    }
  }
  return out;
}

describe('Panel.fromTable on rows already in (id, time) order', () => {
  it('gives the panel that sorting the same rows shuffled gives: labels, offsets, codes, times, columns', () => {
    const rows = rowsInOrder(400, 7);
    const inOrder = Panel.fromTable(tableFromArrays(rows), { id: 'id', time: 'year' });
    // The same rows reversed take the sorting path.
    const rev = (a: Float64Array) => Float64Array.from(a).reverse();
    const sorted = Panel.fromTable(tableFromArrays({ id: rev(rows.id), year: rev(rows.year), x: rev(rows.x) }), { id: 'id', time: 'year' });
    expect(inOrder.nunits).toBe(400);
    expect(inOrder.units).toEqual(sorted.units);
    expect(inOrder.units.slice(0, 3)).toEqual([10, 13, 16]);
    expect([...inOrder.offsets]).toEqual([...sorted.offsets]);
    expect([...inOrder.unitOf]).toEqual([...sorted.unitOf]);
    expect([...inOrder.time]).toEqual([...sorted.time]);
    expect([...inOrder.column('x')]).toEqual([...sorted.column('x')]);
    expect([...inOrder.column('id')]).toEqual([...rows.id]);
    expect(inOrder.textColumn('id')).toEqual(Array.from(rows.id, String));
    expect(inOrder.isNumeric('id')).toBe(true);
  });

  it('keeps numeric labels typed through withColumn and a thread wire, and omits them from a wire on request', () => {
    const p = Panel.fromTable(tableFromArrays(rowsInOrder(50, 3)), { id: 'id', time: 'year' });
    const wired = Panel.fromWire(structuredClone(p.withColumn('z', new Float64Array(p.nrows)).toWire(['z'])));
    expect(wired.units).toEqual(p.units);
    expect(wired.nunits).toBe(50);
    const bare = Panel.fromWire(structuredClone(p.toWire([], { labels: false })));
    expect(bare.nunits).toBe(50);
    expect(bare.units[0]).toBeUndefined();
  });
});

describe('sampleRowMask', () => {
  it('equals the row-by-row definition: lags, leads, gaps, missing values, an if/in mask', () => {
    const p = Panel.fromTable(tableFromArrays(rowsInOrder(300, 11)), { id: 'id', time: 'year' });
    const x = p.column('x');
    const next = mulberry32(5);
    const y = Float64Array.from(x, () => (next() % 9 === 0 ? NaN : next() % 100));
    const qualified = Uint8Array.from(x, () => (next() % 5 === 0 ? 0 : 1));
    // A column without missing values takes another path (only the lag's reach decides).
    const full = Float64Array.from(x, (v) => (v !== v ? 0.5 : v));
    const columns: LaggedColumn[] = [
      { values: y, lag: 0 },
      { values: y, lag: 1 },
      { values: x, lag: 2 },
      { values: x, lag: -1 },
      { values: full, lag: 3 },
      { values: full, lag: -2 },
      { values: full, lag: 0 },
    ];
    for (const q of [null, qualified])
      for (const cols of [columns, ...columns.map((c) => [c])]) {
        const mask = [...sampleRowMask(p, cols, q)];
        expect(mask).toEqual(maskByRows(p, cols, q));
        expect(mask.includes(1)).toBe(true);
        // Every row kept only by the column without missing values at lag 0, without an if/in.
        expect(mask.includes(0)).toBe(!(q === null && cols.length === 1 && cols[0] === columns[6]));
      }
  });
});

describe('checkTimeSpan', () => {
  it('counts times that are not whole periods apart (a panel built in code) by value', () => {
    // Times 1, 1.5 and 900: 900 periods of which 3 hold rows; 900 lies farthest from the rest.
    const p = new Panel('id', 't', [7, 8], Int32Array.from([0, 2, 3]), Int32Array.from([0, 0, 1]), Float64Array.from([1, 1.5, 900]), new Map(), new Map());
    expect(() => checkTimeSpan(p, [0, 1])).toThrow(/^time span 1-900 is 900 periods, of which 3 hold observations: t 900 \(id 8\) lies 898\.5 periods from 1\.5/);
    const whole = new Panel('id', 't', [7, 8], Int32Array.from([0, 2, 3]), Int32Array.from([0, 0, 1]), Float64Array.from([1, 3, 900]), new Map(), new Map());
    expect(() => checkTimeSpan(whole, [0, 1])).toThrow(/^time span 1-900 is 900 periods, of which 3 hold observations: t 900 \(id 8\) lies 897 periods from 3/);
  });
});
