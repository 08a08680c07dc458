// The fixtures are written by pandas 1.5.3 (test/fixtures/make-dta.py), not by our code.
import { describe, expect, it } from 'vitest';
import { readDta } from '../src/data/dta.ts';
import { readTable } from '../src/data/read.ts';
import { Panel } from '../src/panel/panel.ts';
import { DataError } from '../src/errors.ts';

const fixture = (name: string): string => `test/fixtures/${name}.dta`;
const values = (t: ReturnType<typeof readDta>, name: string): unknown[] => [...t.getChild(name)!];

describe.each([
  ['panel-117', 117, 'plain ascii'],
  ['panel-118', 118, 'ünïcode ✓'],
  ['panel-118-msf', 118, null],
  ['panel-119', 119, 'ünïcode ✓'],
])('Stata .dta %s', (name, release, row4note) => {
  const t = readDta(fixture(name));

  it('keeps names, storage types and the header', () => {
    const fields = t.schema.fields.map((f) => `${f.name}:${f.type}:${f.metadata.get('stata.type')}`);
    expect(fields.slice(0, 6)).toEqual(['firm:Utf8:str3', 'year:Int16:int', 'grp:Int8:byte', 'big:Int32:long', 'f32:Float32:float', 'x:Float64:double']);
    expect(t.schema.metadata.get('stata.release')).toBe(String(release));
    expect(t.schema.metadata.get('stata.data_label')).toBe('sysgmm fixture');
    expect(t.numRows).toBe(5);
  });

  it('reads numbers with ".", ".a" and ".z" as nulls', () => {
    expect(values(t, 'firm')).toEqual(['a01', 'a01', 'b02', 'b02', 'c03']);
    expect(values(t, 'year')).toEqual([2001, 2002, 2001, 2003, 2002]);
    expect(values(t, 'grp')).toEqual([1, 1, null, 2, 1]); // row 3 is .a
    expect(values(t, 'big')).toEqual([100000, -5, 7, 2147483000, 0]);
    expect(values(t, 'f32')).toEqual([1.5, null, -0.25, 3, null]); // row 5 is .z
    expect(values(t, 'x')).toEqual([1.25, 2.5, null, -4, 1e300]);
  });

  it('keeps variable labels and value labels as metadata', () => {
    const x = t.schema.fields.find((f) => f.name === 'x')!;
    expect(x.metadata.get('stata.label')).toBe('log output');
    const grp = t.schema.fields.find((f) => f.name === 'grp')!;
    expect(grp.metadata.get('stata.value_label')).toBe('grp');
    expect(JSON.parse(grp.metadata.get('stata.value_labels')!)).toEqual({ 1: 'manufacturing', 2: 'services' });
    expect(JSON.parse(t.schema.metadata.get('stata.value_labels')!)).toEqual({ grp: { 1: 'manufacturing', 2: 'services' } });
  });

  it.runIf(row4note !== null)('reads strL values (long, shared, empty, UTF-8)', () => {
    const note = values(t, 'note') as (string | null)[];
    expect(note[0]).toBe('short');
    expect(note[1]).toBe('x'.repeat(3000));
    expect(note[2]).toBeNull();
    expect(note[3]).toBe(row4note);
    expect(note[4]).toBe('short');
  });

  it('builds a panel (string unit ids, Int16 time)', () => {
    const p = Panel.fromTable(t, { id: 'firm', time: 'year', source: name });
    expect(p.units).toEqual(['a01', 'b02', 'c03']);
    expect([...p.time]).toEqual([2001, 2002, 2001, 2003, 2002]);
    expect([...p.column('grp')]).toEqual([1, 1, NaN, 2, 1]);
    expect([...p.column('f32')]).toEqual([1.5, NaN, -0.25, 3, NaN]);
  });
});

describe('readDta errors', () => {
  it('refuses a file that is not a .dta, naming it', () => {
    expect(() => readDta('data/abdata.csv')).toThrow(DataError);
    expect(() => readDta('data/abdata.csv')).toThrow('data/abdata.csv: not a valid Stata .dta file (expected <stata_dta> at byte 0)');
  });
  it('a declared-numeric text column is named', async () => {
    await expect(readTable(fixture('panel-118'), { numeric: ['firm'] })).rejects.toThrow("column 'firm' is Utf8, not numeric");
  });
});
