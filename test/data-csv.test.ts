import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { readCsv } from '../src/data/csv.ts';
import { DataError } from '../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;
function file(text: string | Buffer): string {
  const p = join(dir, `f${serial++}.csv`);
  writeFileSync(p, text);
  return p;
}
const col = (t: Table, name: string): number[] => Array.from(t.getChild(name)!.toArray() as Float64Array);
const values = (t: Table, name: string): unknown[] => [...t.getChild(name)!].map((v) => v);

describe('readCsv', () => {
  it('types columns: numbers as Float64 with nulls for missing, other columns as text', () => {
    const t = readCsv(file('id,year,x,name\nA1,2001,1.5,foo\nA1,2002,NA,bar\nB2,2001,.,\nB2,2002,-2e3,"baz"\nB3,2001,NaN,NA\nB3,2002,,x\n'));
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Utf8', 'year:Float64', 'x:Float64', 'name:Utf8']);
    expect(values(t, 'id')).toEqual(['A1', 'A1', 'B2', 'B2', 'B3', 'B3']);
    expect(values(t, 'x')).toEqual([1.5, null, null, -2000, null, null]);
    expect(t.getChild('x')!.nullCount).toBe(4);
    expect(values(t, 'name')).toEqual(['foo', 'bar', null, 'baz', null, 'x']);
  });

  it('handles quotes, escaped quotes, embedded delimiters and newlines, CRLF and a BOM', () => {
    const text = '\uFEFFid,"note, long",v\r\n1,"a ""quoted"" word",1\r\n2,"two\nlines, and a comma",2\r\n3,plain,"3.25"\r\n';
    const t = readCsv(file(text));
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'note, long', 'v']);
    expect(values(t, 'note, long')).toEqual(['a "quoted" word', 'two\nlines, and a comma', 'plain']);
    expect(values(t, 'v')).toEqual([1, 2, 3.25]);
  });

  it('gives the same table whatever the chunk size (records and quoted fields cut at chunk ends)', () => {
    const lines = ['id,t,x,s'];
    for (let i = 0; i < 300; i++) lines.push(`${i % 17},${i},${(i * 0.37 - 20).toFixed(4)},"q${i}\n""z"", ${i}"`);
    const p = file(lines.join('\n'));
    const big = readCsv(p);
    for (const chunk of [7, 64, 1000]) {
      const small = readCsv(p, { chunkBytes: chunk });
      expect(small.numRows).toBe(300);
      for (const name of ['id', 't', 'x', 's']) expect(values(small, name)).toEqual(values(big, name));
    }
    expect(values(big, 's')[5]).toBe('q5\n"z", 5');
    expect(values(big, 'x')[299]).toBeCloseTo(299 * 0.37 - 20, 10);
  });

  it('agrees with a character-level reference parser on random quoted text at random chunk sizes', () => {
    // Reference: RFC 4180 over the whole string (no typing, no streaming).
    const reference = (text: string): string[][] => {
      const rows: string[][] = [];
      let row: string[] = [];
      let f = '';
      let q = false;
      for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (q) {
          if (ch === '"' && text[i + 1] === '"') (f += '"'), i++;
          else if (ch === '"') q = false;
          else f += ch;
        } else if (ch === '"') q = true;
        else if (ch === ',') row.push(f), (f = '');
        else if (ch === '\n') row.push(f), rows.push(row), (row = []), (f = '');
        else f += ch;
      }
      return rows;
    };
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const alphabet = ['a', 'b', ',', '"', '\n', ' ', 'é', 'x'];
    const lines = ['k,s,n'];
    for (let r = 0; r < 200; r++) {
      let text = '';
      for (let i = rnd(12); i > 0; i--) text += alphabet[rnd(alphabet.length)];
      const quoted = `"${text.replaceAll('"', '""')}"`;
      lines.push(`${r},${text === '' || /[",\n]/.test(text) || rnd(2) ? quoted : text},${rnd(1000) / 8}`);
    }
    const text = lines.join('\n') + '\n';
    const want = reference(text).slice(1);
    const p = file(text);
    for (const chunk of [5, 13, 97, 4096]) {
      const t = readCsv(p, { chunkBytes: chunk, text: ['s'] });
      expect(values(t, 's')).toEqual(want.map((w) => (w[1].trim() === '' ? null : w[1])));
      expect(values(t, 'n')).toEqual(want.map((w) => Number(w[2])));
    }
  });

  it('converts every number in the bundled data exactly as Number() does', () => {
    for (const name of ['data/abdata.csv', 'data/emplUK.csv']) {
      const lines = readFileSync(name, 'utf8').trim().split('\n');
      const header = lines[0].split(',');
      const t = readCsv(name, { chunkBytes: 4096 });
      expect(t.numRows).toBe(lines.length - 1);
      header.forEach((h, j) => {
        const got = col(t, h);
        const want = lines.slice(1).map((l) => Number(l.split(',')[j]));
        expect(got).toEqual(want);
      });
    }
  });

  it('long mantissas and large exponents take the exact slow path', () => {
    const toks = ['0.1', '1.6176044552631597', '9007199254740993', '123456789012345678901234', '1e-300', '-2.5E+10', '5.', '.5', '+7'];
    // Declared numeric: integers wider than 2^53 are read as the nearest float64 (undeclared, they keep the column as text).
    const t = readCsv(file(`x\n${toks.join('\n')}\n`), { numeric: ['x'] });
    expect(col(t, 'x')).toEqual(toks.map(Number));
  });

  it('turns a column into text at its first non-number and re-reads the earlier rows verbatim', () => {
    const rows = ['code,x'];
    for (let i = 0; i < 50; i++) rows.push(`${String(i).padStart(3, '0')},${i}`);
    rows.push('X99,50', '', 'NA,51');
    const t = readCsv(file(rows.join('\n') + '\n'), { chunkBytes: 64 });
    expect(String(t.schema.fields[0].type)).toBe('Utf8');
    const code = values(t, 'code');
    expect(code.slice(0, 3)).toEqual(['000', '001', '002']);
    expect(code.slice(48)).toEqual(['048', '049', 'X99', null]);
    expect(values(t, 'x')[51]).toBe(51);
  });

  it('keeps declared text columns as text', () => {
    const t = readCsv(file('zip,v\n01234,1\n00007,2\n'), { text: ['zip'] });
    expect(values(t, 'zip')).toEqual(['01234', '00007']);
  });

  it('names file, row, line, column and value for a non-number in a declared numeric column', () => {
    const p = file('id,year,x\n1,2001,1\n1,"2002\nb",2\n1,2003,oops\n');
    expect(() => readCsv(p, { numeric: ['x'] })).toThrow(`${p}: row 3 (line 5), column 'x': 'oops' is not a number`);
    try {
      readCsv(p, { numeric: ['x'] });
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).where).toEqual({ file: p, row: 3, column: 'x' });
    }
  });

  it('refuses rows with the wrong number of fields, naming row and line', () => {
    const p = file('a,b,c\n1,2,3\n\n4,5\n');
    expect(() => readCsv(p)).toThrow(`${p}: row 2 (line 4) has 2 fields; the header has 3`);
    const q = file('a,b\n1,2,3\n');
    expect(() => readCsv(q)).toThrow('row 1 (line 2) has 3 fields; the header has 2');
  });

  it('refuses empty files, duplicate header names, unclosed quotes and unknown declared columns', () => {
    const empty = file('\n \n');
    expect(() => readCsv(empty)).toThrow(`${empty}: the file is empty (no header row)`);
    expect(() => readCsv(file('a,b,a\n1,2,3\n'))).toThrow("duplicate column name 'a'");
    expect(() => readCsv(file('a,b\n1,"x\n'))).toThrow('row 1 (line 2): a quoted field is never closed');
    expect(() => readCsv(file('a,b\n1,2\n'), { numeric: ['zz'] })).toThrow("unknown column 'zz'; columns are: a, b");
  });

  it('reads a header-only file as zero rows and a file without a final newline', () => {
    expect(readCsv(file('a,b\n')).numRows).toBe(0);
    const t = readCsv(file('a,b\n1,2\n3,4'));
    expect(values(t, 'b')).toEqual([2, 4]);
  });

  it('reads other delimiters', () => {
    const t = readCsv(file('a;b\n1,5;x\n'), { delimiter: ';' });
    expect(values(t, 'a')).toEqual(['1,5']);
    expect(values(t, 'b')).toEqual(['x']);
  });
});
