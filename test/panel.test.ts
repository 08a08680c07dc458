import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { Panel } from '../src/panel/panel.ts';
import { diff, forwardOrthogonal, lag, within } from '../src/panel/operators.ts';
import { DataError } from '../src/errors.ts';

// Unit 1 has a gap (no 2003); unit 2 is given out of order.
function small(): Panel {
  const table = tableFromArrays({
    id: Float64Array.from([2, 1, 1, 2, 1, 2]),
    year: Float64Array.from([2002, 2001, 2002, 2001, 2004, 2003]),
    x: Float64Array.from([20, 1, 2, 10, 4, 30]),
  });
  return Panel.fromTable(table, { id: 'id', time: 'year' });
}

describe('Panel.fromTable', () => {
  it('sorts by (unit, time) with per-unit offsets', () => {
    const p = small();
    expect(p.units).toEqual([1, 2]);
    expect([...p.offsets]).toEqual([0, 3, 6]);
    expect([...p.time]).toEqual([2001, 2002, 2004, 2001, 2002, 2003]);
    expect([...p.column('x')]).toEqual([1, 2, 4, 10, 20, 30]);
  });
  it('refuses duplicate (unit, time) pairs, naming them', () => {
    const t = tableFromArrays({ id: Float64Array.from([1, 1]), year: Float64Array.from([2000, 2000]), x: Float64Array.from([1, 2]) });
    expect(() => Panel.fromTable(t, { id: 'id', time: 'year', source: 'f.csv' })).toThrow(/duplicate.*id=1, year=2000.*rows 1 and 2.*|1 duplicate \(id, year\) pair\(s\) in f.csv: \(id=1, year=2000\) at rows 1 and 2/);
  });
  it('refuses a non-integer time, naming the row', () => {
    const t = tableFromArrays({ id: Float64Array.from([1, 1]), year: Float64Array.from([2000, 2000.5]) });
    expect(() => Panel.fromTable(t, { id: 'id', time: 'year' })).toThrow("time column 'year' must be integer-valued: row 2 has 2000.5");
  });
  it('counts rows with missing unit or time', () => {
    const t = tableFromArrays({ id: Float64Array.from([1, NaN, 1, 2]), year: Float64Array.from([2000, 2001, NaN, 2000]) });
    const p = Panel.fromTable(t, { id: 'id', time: 'year' });
    expect(p.exclusions).toEqual({ missingUnit: 1, missingTime: 1 });
    expect(p.nrows).toBe(2);
  });
  it('input already in (id, time) order: units, offsets and codes as sorted, columns shared; a row dropped mid-way or a repeated pair found', () => {
    const t = tableFromArrays({ id: Float64Array.from([1, 1, 2, 2, 3]), year: Float64Array.from([2000, 2001, 2000, 2001, 2000]), x: Float64Array.from([1, 2, 3, 4, 5]) });
    const p = Panel.fromTable(t, { id: 'id', time: 'year' });
    expect(p.units).toEqual([1, 2, 3]);
    expect([...p.offsets]).toEqual([0, 2, 4, 5]);
    expect([...p.unitOf]).toEqual([0, 0, 1, 1, 2]);
    expect(p.column('x').buffer).toBe((t.getChild('x')!.data[0].values as Float64Array).buffer);
    const dropped = tableFromArrays({ id: Float64Array.from([1, 1, NaN, 2, 3]), year: Float64Array.from([2000, 2001, 2000, 2001, NaN]), x: Float64Array.from([1, 2, 3, 4, 5]) });
    const q = Panel.fromTable(dropped, { id: 'id', time: 'year' });
    expect(q.exclusions).toEqual({ missingUnit: 1, missingTime: 1 });
    expect([q.units, [...q.offsets], [...q.time], [...q.column('x')]]).toEqual([[1, 2], [0, 2, 3], [2000, 2001, 2001], [1, 2, 4]]);
    // Ids in order, the last unit's times not: the rows are sorted after all.
    const late = tableFromArrays({ id: Float64Array.from([1, 1, 2, 2]), year: Float64Array.from([2000, 2001, 2001, 2000]), x: Float64Array.from([1, 2, 3, 4]) });
    const l = Panel.fromTable(late, { id: 'id', time: 'year' });
    expect([l.units, [...l.offsets], [...l.unitOf], [...l.time], [...l.column('x')]]).toEqual([[1, 2], [0, 2, 4], [0, 0, 1, 1], [2000, 2001, 2000, 2001], [1, 2, 4, 3]]);
    const repeated = tableFromArrays({ id: Float64Array.from([1, 2, 2]), year: Float64Array.from([2000, 2001, 2001]) });
    expect(() => Panel.fromTable(repeated, { id: 'id', time: 'year' })).toThrow('1 duplicate (id, year) pair(s): (id=2, year=2001) at rows 2 and 3');
  });
  it('names an unknown id column', () => {
    const t = tableFromArrays({ id: Float64Array.from([1]) });
    expect(() => Panel.fromTable(t, { id: 'firm', time: 'id' })).toThrow(DataError);
    expect(() => Panel.fromTable(t, { id: 'firm', time: 'id' })).toThrow("--id column 'firm' not found");
  });
});

describe('operators', () => {
  it('lag looks at t−k, so a gap gives missing', () => {
    const p = small();
    const l1 = lag(p, p.column('x'), 1);
    expect([...l1]).toEqual([NaN, 1, NaN, NaN, 10, 20]);
    const l2 = lag(p, p.column('x'), 2);
    expect([...l2]).toEqual([NaN, NaN, 2, NaN, NaN, 10]);
    const f1 = lag(p, p.column('x'), -1);
    expect([...f1]).toEqual([2, NaN, NaN, 20, 30, NaN]);
  });
  it('D.x and D2.x', () => {
    const p = small();
    expect([...diff(p, p.column('x'))]).toEqual([NaN, 1, NaN, NaN, 10, 10]);
    expect([...diff(p, p.column('x'), 2)]).toEqual([NaN, NaN, NaN, NaN, NaN, 0]);
  });
  it('forward orthogonal deviations by hand', () => {
    const p = small();
    const f = forwardOrthogonal(p, p.column('x'));
    // unit 1: x = 1, 2, 4 → sqrt(2/3)(1 − 3), sqrt(1/2)(2 − 4)
    expect(f[0]).toBeCloseTo(Math.sqrt(2 / 3) * -2, 14);
    expect(f[1]).toBeCloseTo(Math.sqrt(1 / 2) * -2, 14);
    expect(f[2]).toBeNaN();
    expect(f[3]).toBeCloseTo(Math.sqrt(2 / 3) * (10 - 25), 14);
  });
  it('within subtracts the unit mean', () => {
    const p = small();
    const w = within(p, p.column('x'));
    expect(w[0]).toBeCloseTo(1 - 7 / 3, 14);
    expect(w[5]).toBeCloseTo(10, 14);
  });
});

describe('unitOrder', () => {
  it('orders labels gathered from several panels as one Panel.fromTable orders them', async () => {
    const { unitOrder } = await import('../src/panel/ids.ts');
    const sorted = (labels: (string | number)[]) => [...labels].sort(unitOrder(labels));
    expect(sorted([10, 9, -1])).toEqual([-1, 9, 10]);
    // Text ids that are all whole numbers sort as numbers (beyond 2^53 too); any other text by code units.
    expect(sorted(['9007199254740993', '1000000000000000000000', '12'])).toEqual(['12', '9007199254740993', '1000000000000000000000']);
    expect(sorted(['10', '9', 'f1'])).toEqual(['10', '9', 'f1']);
    expect(sorted(['010', '9'])).toEqual(['010', '9']);
  });
});
