// Hard inputs to the readers (issue 14): one small fixture per class of file, written here, each
// checked for the table it gives or for a DataError that names the file and the fault.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Field, Float64, makeData, RecordBatch, Schema, Struct, Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import ExcelJS from 'exceljs';
import { Table as WasmTable, writeParquet } from 'parquet-wasm';
import { readTable } from '../src/data/read.ts';
import { readCsv } from '../src/data/csv.ts';
import { Panel } from '../src/panel/panel.ts';
import { describePanel } from '../src/panel/describe.ts';
import { descriptionNotes, formatDescription } from '../src/report/describe-table.ts';
import { evalExpression } from '../src/panel/expression.ts';
import { DataError } from '../src/errors.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { tempFiles } from './helpers/temp-files.ts';

const { dir, file } = tempFiles('sysgmm-hard-');
const rows = (t: Table): unknown[] => t.toArray().map((r) => ({ ...r.toJSON() }));

describe('CSV line ends and delimiters', () => {
  const expected = [
    { id: 1, year: 2000, x: 1 },
    { id: 1, year: 2001, x: 2 },
    { id: 2, year: 2000, x: 3 },
  ];
  it('reads LF, CRLF, CR-only and mixed line ends alike, at any chunk size', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = ['id,year,x', '1,2000,1', '1,2001,2', '2,2000,3'].join(eol) + eol;
      for (const chunkBytes of [7, 1 << 16]) expect(rows(readCsv(file(text), { chunkBytes }))).toEqual(expected);
    }
    // A header ending in a lone CR no longer swallows the first data row.
    expect(rows(readCsv(file('id,year,x\r1,2000,1\n1,2001,2\r\n2,2000,3\n')))).toEqual(expected);
  });
  it('detects ; tab and | from the header line; --delimiter overrides', () => {
    expect(rows(readCsv(file('id;year;x\n1;2000;1\n1;2001;2\n2;2000;3\n')))).toEqual(expected);
    expect(rows(readCsv(file('id\tyear\tx\n1\t2000\t1\n1\t2001\t2\n2\t2000\t3\n')))).toEqual(expected);
    expect(rows(readCsv(file('"i|d"|year|x\n1|2000|1\n1|2001|2\n2|2000|3\n'))).map((r) => Object.keys(r as object))[0]).toEqual(['i|d', 'year', 'x']);
    // A comma-decimal file: ';' splits the header, and '1,5' then is text (named by describe).
    const t = readCsv(file('id;year;x\n1;2000;1,5\n'));
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Float64', 'year:Float64', 'x:Utf8']);
    expect(readCsv(file('a;b,c\n1;2,3\n'), { delimiter: ';' }).schema.fields.map((f) => f.name)).toEqual(['a', 'b,c']);
  });
  it('names UTF-16 text and binary files given as CSV', async () => {
    const u16 = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,year\n1,2000\n', 'utf16le')]));
    await expect(readTable(u16)).rejects.toThrow(`${u16}: the file is UTF-16 text; save it as UTF-8`);
    const pq = file(Buffer.from('PAR1\x15\x04\x15\x00', 'latin1'));
    await expect(readTable(pq)).rejects.toThrow(`${pq}: not a CSV file: it is a Parquet file; give the right extension or --input-format`);
    const gz = file(gzipSync('id,year\n1,2000\n'));
    await expect(readTable(gz)).rejects.toThrow(`${gz}: not a CSV file: it is gzip-compressed; decompress it first (gunzip -k '${gz}')`);
    const bin = file(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 10]));
    await expect(readTable(bin)).rejects.toThrow(`${bin}: not a CSV file: it holds binary data (NUL bytes)`);
  });
});

describe('non-finite and wide numbers', () => {
  it('a CSV value beyond float64 range is an error naming row, line, column and value', () => {
    const p = file('id,year,w\n1,2000,1\n1,2001,-1e400\n');
    expect(() => readCsv(p)).toThrow(DataError);
    expect(() => readCsv(p)).toThrow(`${p}: row 2 (line 3), column 'w': '-1e400' is beyond the range of a float64 number`);
  });
  it('Infinity in an Arrow or Parquet file is an error naming row and column', async () => {
    const t = tableFromArrays({ id: Float64Array.from([1, 1]), year: Float64Array.from([2000, 2001]), w: Float64Array.from([1, Infinity]) });
    const a = file(tableToIPC(t, 'file'), 'arrow');
    await expect(readTable(a)).rejects.toThrow(`${a}: row 2, column 'w': Infinity is not a finite number`);
    const q = file(writeParquet(WasmTable.fromIPCStream(tableToIPC(t, 'stream'))), 'parquet');
    await expect(readTable(q)).rejects.toThrow(`${q}: row 2, column 'w': Infinity is not a finite number`);
  });
  it('an undeclared column of integers wider than 2^53 stays exact text, with the reason', () => {
    const t = readCsv(file('id,year\n123456789012345678,1\n123456789012345679,1\n7,1\n'));
    expect([...t.getChild('id')!]).toEqual(['123456789012345678', '123456789012345679', '7']);
    expect(t.schema.fields[0].metadata.get('sysgmm.not_numeric')).toBe("row 1 (line 2) has '123456789012345678' (an integer too wide for float64, kept exact as text)");
    const p = Panel.fromTable(t, { id: 'id', time: 'year' });
    expect(p.units).toEqual(['7', '123456789012345678', '123456789012345679']);
  });
});

describe('column names', () => {
  it('an Arrow file with two columns of one name is refused', async () => {
    const a = makeData({ type: new Float64(), length: 1, data: Float64Array.from([1]) });
    const fields = [new Field('x', new Float64()), new Field('x', new Float64())];
    const schema = new Schema(fields);
    const t = new Table(schema, new RecordBatch(schema, makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: [a, a] })));
    const p = file(tableToIPC(t, 'file'), 'arrow');
    await expect(readTable(p)).rejects.toThrow(`${p}: two columns are named 'x'; rename one`);
  });
});

describe('damaged Arrow files', () => {
  it('a truncated file and one with a damaged message are refused by name, without hanging', async () => {
    const t = tableFromArrays({ id: Float64Array.from([1, 2, 3]), year: Float64Array.from([1, 1, 1]) });
    const bytes = tableToIPC(t, 'file');
    const cut = file(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'arrow');
    await expect(readTable(cut)).rejects.toThrow(`${cut}: not a readable Arrow IPC file (its footer or schema is damaged, or the file is truncated)`);
    const hit = Buffer.from(bytes);
    for (let i = 20; i < 60; i++) hit[i] = 0xab; // apache-arrow's own reader loops forever on this one
    const p = file(hit, 'arrow');
    await expect(readTable(p)).rejects.toThrow(`${p}: not a readable Arrow IPC file (record batch 1 of 1 is damaged)`);
  });
});

describe('xlsx', () => {
  it('a formula without a saved result is an error naming its cell', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('data');
    ws.addRow(['id', 'year', 'x']);
    ws.addRow([1, 2000, 1]);
    ws.addRow([1, 2001, { formula: 'C2*2' }]);
    const p = join(dir, 'formula.xlsx');
    await wb.xlsx.writeFile(p);
    await expect(readTable(p)).rejects.toThrow(`${p} [data]: cell C3 holds the formula =C2*2 without a saved result`);
  });
  it('a value right of the header is an error naming its cell, as a CSV row with more fields than its header (a tester: it was dropped)', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('data');
    ws.addRow(['id', 'year', 'x']);
    ws.addRow([1, 2000, 1]);
    ws.addRow([1, 2001, 2, 99]);
    const p = join(dir, 'wide-row.xlsx');
    await wb.xlsx.writeFile(p);
    await expect(readTable(p)).rejects.toThrow(`${p} [data]: sheet row 3 has a value in cell D3, right of the header's 3 columns; give that column a header or remove the value`);
  });
  it('a text column records its first non-number, which describe shows, as for CSV (a tester: xlsx gave none)', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('data');
    ws.addRow(['id', 'year', 'x']);
    ws.addRow([1, 2000, 1]);
    ws.addRow([1, 2001, 'abc']);
    const p = join(dir, 'text-col.xlsx');
    await wb.xlsx.writeFile(p);
    const { NOT_NUMERIC } = await import('../src/data/build.ts');
    expect((await readTable(p)).schema.fields.find((f) => f.name === 'x')!.metadata.get(NOT_NUMERIC)).toBe("row 2 (sheet row 3) has 'abc'");
  });
});

/** A .dta file of format 113, 114 or 115 written byte by byte from "help dta_115" (little-endian). */
function oldDta(release: 113 | 114 | 115): Buffer {
  const K = 4;
  const N = 3;
  const parts: Buffer[] = [];
  const fixed = (s: string, n: number): Buffer => {
    const b = Buffer.alloc(n);
    b.write(s, 'latin1');
    return b;
  };
  const head = Buffer.alloc(10);
  head.writeUInt8(release, 0);
  head.writeUInt8(2, 1); // LOHI
  head.writeUInt8(1, 2);
  head.writeUInt16LE(K, 4);
  head.writeUInt32LE(N, 6);
  parts.push(head, fixed('old panel', 81), fixed('06 Dec 2026 03:00', 18));
  parts.push(Buffer.from([253, 252, 255, 5])); // long, int, double, str5
  parts.push(...['id', 'year', 'x', 'name'].map((n) => fixed(n, 33)));
  parts.push(Buffer.alloc(2 * (K + 1)));
  parts.push(...['%9.0g', '%8.0g', '%10.0g', '%9s'].map((f) => fixed(f, release === 113 ? 12 : 49)));
  parts.push(...['', '', '', ''].map((l) => fixed(l, 33)));
  parts.push(...['firm', '', 'log output', ''].map((l) => fixed(l, 81)));
  parts.push(Buffer.from([1, 5, 0, 0, 0]), fixed('abcde', 5)); // one expansion field, then the end marker
  parts.push(Buffer.alloc(5));
  const data = [
    [7, 2000, 1.5, 'ab'],
    [7, 2001, 2 ** 1023, 'müß'],
    [9, 2000, -0.25, ''],
  ] as const;
  for (const [id, year, x, name] of data) {
    const row = Buffer.alloc(4 + 2 + 8 + 5);
    row.writeInt32LE(id, 0);
    row.writeInt16LE(year, 4);
    row.writeDoubleLE(x, 6);
    row.write(name, 14, 'latin1');
    parts.push(row);
  }
  return Buffer.concat(parts);
}

describe('Stata .dta formats 113-115', () => {
  it('reads each, with missing values, strings and labels', async () => {
    for (const release of [113, 114, 115] as const) {
      const t = await readTable(file(oldDta(release), 'dta'));
      expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Int32', 'year:Int16', 'x:Float64', 'name:Utf8']);
      expect(rows(t)).toEqual([
        { id: 7, year: 2000, x: 1.5, name: 'ab' },
        { id: 7, year: 2001, x: null, name: 'müß' },
        { id: 9, year: 2000, x: -0.25, name: null },
      ]);
      expect(t.schema.fields[2].metadata.get('stata.label')).toBe('log output');
      expect(t.schema.metadata.get('stata.release')).toBe(String(release));
    }
  });
  it('names older formats as unsupported', async () => {
    const b = oldDta(114);
    b[0] = 110;
    const p = file(b, 'dta');
    await expect(readTable(p)).rejects.toThrow(`${p}: Stata .dta format 110 (Stata 8 or older) is not supported; formats 113 to 119 are`);
  });
});

describe('describe and expressions on text columns', () => {
  const csv = 'id,year,x,name\n1,2000,1,a\n1,2001,2,b\n2,2000,N/A,c\n';
  it('lists text columns, naming the first non-number of a column of numbers', async () => {
    const p = file(csv);
    const panel = Panel.fromTable(await readTable(p), { id: 'id', time: 'year', source: p });
    const d = describePanel(panel);
    expect(d.textColumns).toEqual([
      { name: 'x', firstNonNumber: "row 3 (line 4) has 'N/A'" },
      { name: 'name', firstNonNumber: "row 1 (line 2) has 'a'" },
    ]);
    expect(formatDescription(d, 'text')).toContain("Text columns, not described: x (first non-number: row 3 (line 4) has 'N/A'); name (first non-number: row 1 (line 2) has 'a')\n");
    // csv and latex have no place for it: the lines the CLI writes to standard error name them too.
    expect(formatDescription(d, 'csv')).toBe('name,count,missing,mean,sd,min,max\n');
    expect(descriptionNotes(d)).toEqual([
      'Rows excluded: 0 with missing id, 0 with missing year (id present)',
      "Text columns, not described: x (first non-number: row 3 (line 4) has 'N/A'); name (first non-number: row 1 (line 2) has 'a')",
    ]);
  });
  it('an operator on a text column says why it is text; a numeric id can be described', async () => {
    const p = file(csv);
    const panel = Panel.fromTable(await readTable(p), { id: 'id', time: 'year', source: p });
    expect(() => evalExpression(panel, 'L.x')).toThrow(`expression 'L.x': 'x' is text, not numeric (first non-number: row 3 (line 4) has 'N/A') in ${p}; numeric columns are: id, year`);
    expect(describePanel(panel, ['id']).variables[0]).toMatchObject({ name: 'id', count: 3, min: 1, max: 2 });
  });
  it('a text time (as .dta stores it) is read as integers', async () => {
    const p = file('id,year,x\n1,"2000",1\n1,"2001",2\n');
    const panel = Panel.fromTable(await readTable(p, { text: ['year'] }), { id: 'id', time: 'year' });
    expect([...panel.time]).toEqual([2000, 2001]);
  });
});

describe('non-ASCII variable names', () => {
  it('are read by the xtabond2 parser and by expressions', async () => {
    const spec = parseXtabond2('y L.größe 人口, gmm(L.größe) iv(人口)', ['y', 'größe', '人口']);
    expect(spec.regressors.map((t) => t.name)).toEqual(['L1.größe', '人口']);
    const p = file('id,year,größe\n1,2000,1\n1,2001,2\n');
    const panel = Panel.fromTable(await readTable(p), { id: 'id', time: 'year' });
    expect([...evalExpression(panel, 'L.größe*2')]).toEqual([NaN, 2]);
  });
});
