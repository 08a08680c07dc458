import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Int32, Utf8, tableFromArrays, tableToIPC, vectorFromArray, Table } from 'apache-arrow';
import ExcelJS from 'exceljs';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { readTable, formatOf } from '../src/data/read.ts';
import { Panel } from '../src/panel/panel.ts';
import { DataError } from '../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const values = (t: Table, name: string): unknown[] => [...t.getChild(name)!];

// A small unbalanced panel with a string id, a gap, nulls in a float and an int column.
function sample(): Table {
  return new Table({
    firm: vectorFromArray(['b', 'a', 'a', 'b', 'c', null], new Utf8()),
    year: vectorFromArray([2001, 2001, 2003, 2002, 2001, 2001], new Int32()),
    x: vectorFromArray([2.5, 1, null, -3, 4.25, 9], new Float64()),
    k: vectorFromArray([1, null, 3, 4, 5, 6], new Int32()),
  });
}

describe('format from the extension', () => {
  it('maps extensions and leaves unknown ones undefined', () => {
    expect(['a.csv', 'a.TSV', 'a.arrow', 'a.feather', 'a.parquet', 'a.dta', 'a.xlsx', 'a.sav'].map(formatOf)).toEqual([
      'csv',
      'csv',
      'arrow',
      'arrow',
      'parquet',
      'dta',
      'xlsx',
      undefined,
    ]);
  });
});

describe('readTable errors', () => {
  it('names a missing file', async () => {
    await expect(readTable(join(dir, 'nope.csv'))).rejects.toThrow(`file not found: ${join(dir, 'nope.csv')}`);
    await expect(readTable(join(dir, 'nope.csv'))).rejects.toBeInstanceOf(DataError);
  });
  it('names an empty file', async () => {
    const p = join(dir, 'empty.parquet');
    writeFileSync(p, '');
    await expect(readTable(p)).rejects.toThrow(`${p}: the file is empty`);
  });
  it('asks for a format when the extension is unknown, and honours the override', async () => {
    const p = join(dir, 'panel.dat');
    writeFileSync(p, 'id,year\n1,2000\n');
    await expect(readTable(p)).rejects.toThrow("unknown file type '.dat'; name the format (csv, arrow, parquet, dta, xlsx)");
    expect((await readTable(p, { format: 'csv' })).numRows).toBe(1);
  });
  it('names a file that is not of the format given', async () => {
    const p = join(dir, 'bad.arrow');
    writeFileSync(p, 'id,year\n1,2000\n');
    await expect(readTable(p)).rejects.toThrow(`${p}: not a readable Arrow IPC file`);
    const q = join(dir, 'bad.parquet');
    writeFileSync(q, 'id,year\n1,2000\n');
    await expect(readTable(q)).rejects.toThrow(`${q}: not a readable Parquet file`);
  });
});

describe('Arrow IPC', () => {
  it('reads the file and stream formats under .arrow and .feather, and streams under .arrows', async () => {
    const t = sample();
    for (const [name, kind] of [['s.arrow', 'file'], ['s.feather', 'file'], ['t.arrow', 'stream'], ['t.arrows', 'stream']] as const) {
      const p = join(dir, name);
      writeFileSync(p, tableToIPC(t, kind));
      const back = await readTable(p);
      expect(values(back, 'firm')).toEqual(['b', 'a', 'a', 'b', 'c', null]);
      expect(values(back, 'x')).toEqual([2.5, 1, null, -3, 4.25, 9]);
      expect(values(back, 'k')).toEqual([1, null, 3, 4, 5, 6]);
    }
  });
  it('builds a panel: sorted, nulls as NaN, the row without a unit counted', async () => {
    const p = join(dir, 'panel.arrow');
    writeFileSync(p, tableToIPC(sample(), 'file'));
    const panel = Panel.fromTable(await readTable(p), { id: 'firm', time: 'year', source: p });
    expect(panel.units).toEqual(['a', 'b', 'c']);
    expect([...panel.time]).toEqual([2001, 2003, 2001, 2002, 2001]);
    expect([...panel.column('x')]).toEqual([1, NaN, 2.5, -3, 4.25]);
    expect([...panel.column('k')]).toEqual([NaN, 3, 1, 4, 5]);
    expect(panel.exclusions).toEqual({ missingUnit: 1, missingTime: 0 });
  });
});

describe('Parquet (written by parquet-wasm, the Rust parquet writer)', () => {
  it('reads several row groups with strings and nulls into one table', async () => {
    const n = 2500;
    const t = tableFromArrays({
      id: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 10)),
      year: Int32Array.from({ length: n }, (_, i) => 1990 + (i % 10)),
      y: Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? NaN : i * 0.5)),
    });
    const withText = t.assign(new Table({ s: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `u${i % 3}`)), new Utf8()) }));
    const props = new WriterPropertiesBuilder().setMaxRowGroupSize(1000).build();
    const p = join(dir, 'panel.parquet');
    writeFileSync(p, writeParquet(WasmTable.fromIPCStream(tableToIPC(withText, 'stream')), props));
    const back = await readTable(p);
    expect(back.numRows).toBe(n);
    expect(back.batches.length).toBeGreaterThanOrEqual(3);
    const y = values(back, 'y') as number[];
    expect(y[3]).toBe(1.5);
    expect(Number.isNaN(y[7])).toBe(true); // NaN is a value in Parquet, not a null
    expect((values(back, 's') as (string | null)[]).slice(0, 6)).toEqual([null, 'u1', 'u2', 'u0', 'u1', null]);
    const panel = Panel.fromTable(back, { id: 'id', time: 'year' });
    expect(panel.nunits).toBe(250);
    expect(panel.column('y')[2498]).toBe(1249);
    expect(panel.column('y')[2499]).toBeNaN();
    expect(panel.textColumn('s')[1]).toBe('u1');
  });
});

describe('xlsx (workbooks written by exceljs)', () => {
  async function workbook(path: string): Promise<void> {
    const wb = new ExcelJS.Workbook();
    const first = wb.addWorksheet('notes');
    first.addRow(['just a note']);
    const ws = wb.addWorksheet('panel');
    ws.addRow(['firm', 'year', 'x', 'label']);
    ws.addRow(['a', 2001, 1.5, 'one']);
    ws.addRow(['a', 2002, { formula: '1+1', result: 2 }, 'two']);
    ws.addRow(['b', 2001, 'NA', null]);
    ws.addRow([]);
    ws.addRow(['b', 2002, '7.25', 'four']);
    const bad = wb.addWorksheet('bad');
    bad.addRow(['firm', 'year', 'x']);
    bad.addRow(['a', 2001, 1]);
    bad.addRow(['a', 2002, 'n/a']);
    await wb.xlsx.writeFile(path);
  }
  const p = join(dir, 'book.xlsx');

  it('reads a named sheet: numbers, formula results, numeric text, missing; skips blank rows', async () => {
    await workbook(p);
    const t = await readTable(p, { sheet: 'panel' });
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['firm:Utf8', 'year:Float64', 'x:Float64', 'label:Utf8']);
    expect(values(t, 'x')).toEqual([1.5, 2, null, 7.25]);
    expect(values(t, 'label')).toEqual(['one', 'two', null, 'four']);
  });
  it('reads the first sheet by default and names an unknown sheet', async () => {
    await workbook(p);
    expect(values(await readTable(p), 'just a note')).toEqual([]);
    await expect(readTable(p, { sheet: 'nope' })).rejects.toThrow(`${p}: no sheet named 'nope'; sheets are: notes, panel, bad`);
  });
  it('names sheet, row, column and value for text in a declared numeric column', async () => {
    await workbook(p);
    await expect(readTable(p, { sheet: 'bad', numeric: ['x'] })).rejects.toThrow(`${p} [bad]: row 2 (sheet row 3), column 'x': 'n/a' is not a number`);
  });
});

describe('CSV through readTable', () => {
  it('reads .tsv with tabs', async () => {
    const sub = join(dir, 'tsv');
    mkdirSync(sub);
    const p = join(sub, 'a.tsv');
    writeFileSync(p, 'id\tyear\n1\t2000\n');
    expect(values(await readTable(p), 'year')).toEqual([2000]);
  });
  it('reads the bundled panel', async () => {
    copyFileSync('data/abdata.csv', join(dir, 'ab.csv'));
    const t = await readTable(join(dir, 'ab.csv'));
    expect(t.numRows).toBe(1031);
    expect(t.numCols).toBe(20);
  });
});
