// The CSV reader's plain records on WebAssembly (src/data/csv-fast.ts, kernel csvrecords in
// src/kernels/wasm/kernels.wat): the table, the errors and their row and line numbers are those of the
// TypeScript parser alone, bit for bit, whichever records the kernel leaves to it; and the kernel does
// read the plain records (otherwise the equality would prove nothing).
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { readCsv, type CsvOptions } from '../src/data/csv.ts';
import { countLines } from '../src/data/csv-parse.ts';
import { FastRecords, countLineFeedsIn, useWasmCsv } from '../src/data/csv-fast.ts';
import { mulberry32 } from './helpers/mulberry32.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-csv-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  useWasmCsv(true);
  vi.restoreAllMocks();
});

/** Deterministic generator in [0, 1). */
function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 2 ** 32;
}

/** A number as data files write them (shortest round trips, fixed decimals, integers, exponents, signs),
 *  of at most 19 significant digits and magnitudes 1e-6..1e9: the kernel's own, no Number() needed. */
function numberText(u: () => number): string {
  const form = Math.floor(u() * 9);
  const sign = u() < 0.3 ? '-' : u() < 0.05 ? '+' : '';
  const x = (1 + 9 * u()) * 10 ** Math.floor(u() * 15 - 6);
  switch (form) {
    case 0:
      return sign + String(Math.floor(u() * 1e6));
    case 1:
      return sign + x.toFixed(Math.floor(u() * 8));
    case 2:
      return sign + x.toExponential(Math.floor(u() * 17));
    case 3:
      return sign + `${Math.floor(u() * 1e9)}.${String(Math.floor(u() * 1e10)).padStart(10, '0')}`; // 19 digits
    case 4:
      return sign + String(Math.floor(u() * 2 ** 53)); // up to 16-digit integers below 2^53
    case 5:
      return sign + `.${Math.floor(u() * 1000)}`;
    case 6:
      return sign + `${Math.floor(u() * 100)}.`;
    case 7:
      return sign + `${(1 + 9 * u()).toPrecision(17)}E${Math.floor(u() * 12 - 6)}`;
    default:
      return sign + String(x);
  }
}

/** The bits of every value of every column (text columns as their strings), and the column types. */
function content(t: Table): string[] {
  return t.schema.fields.map((f, c) => {
    const col = t.getChildAt(c)!;
    if (String(f.type) !== 'Float64') return `${f.name}:${String(f.type)}:${JSON.stringify([...col])}`;
    const v = col.toArray() as Float64Array;
    return `${f.name}:Float64:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}`;
  });
}

/** readCsv of `text` with the WebAssembly reader and without it: both tables, and the records the reader read. */
function bothWays(name: string, text: string, opts: CsvOptions = {}): { fast: Table; plain: Table; byKernel: number } {
  const p = join(dir, `${name}.csv`);
  writeFileSync(p, text);
  const read = vi.spyOn(FastRecords.prototype, 'read');
  useWasmCsv(true);
  const fast = readCsv(p, opts);
  const byKernel = read.mock.results.reduce((s, r) => s + (r.value as number), 0);
  read.mockRestore();
  useWasmCsv(false);
  const plain = readCsv(p, opts);
  return { fast, plain, byKernel };
}

/** The error message of readCsv on `text`, with the WebAssembly reader and without it. */
function errorsBothWays(name: string, text: string, opts: CsvOptions = {}): [string, string] {
  const p = join(dir, `${name}.csv`);
  writeFileSync(p, text);
  const message = (on: boolean): string => {
    useWasmCsv(on);
    try {
      readCsv(p, opts);
      return 'no error';
    } catch (err) {
      return (err as Error).message;
    }
  };
  return [message(true), message(false)];
}

describe('the WebAssembly reader of plain CSV records', () => {
  it('reads 60,000 records of every number form to the bit of the TypeScript parser, across chunk ends', () => {
    const u = rng(1);
    const rows = Array.from({ length: 60_000 }, () => Array.from({ length: 5 }, () => numberText(u)).join(','));
    const { fast, plain, byKernel } = bothWays('forms', 'a,b,c,d,e\n' + rows.join('\n') + '\n', { chunkBytes: 1 << 14 });
    expect(fast.numRows).toBe(60_000);
    expect(content(fast)).toEqual(content(plain));
    expect(byKernel).toBe(60_000);
    // The values themselves are Number()'s (the TypeScript parser's own reference).
    const e = fast.getChild('e')!.toArray() as Float64Array;
    expect(rows.every((r, i) => Object.is(e[i], Number(r.split(',')[4])))).toBe(true);
  });

  it('reads long runs of digits (eight at a time) to the bit of Number(), up to the end of a chunk', () => {
    const u = rng(11);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(u() * 10)).join('');
    const long = (): string => {
      switch (Math.floor(u() * 6)) {
        case 0:
          return String((u() < 0.5 ? -1 : 1) * (1 + 9 * u()) * 10 ** Math.floor(u() * 12 - 4)); // shortest round trips: 16–17 digits
        case 1: {
          // 19 significant digits split anywhere, the last not 0 or 5: W·10^-k is then no dyadic rational, so
          // never a midpoint between two doubles (which the kernel leaves to Number()).
          const i = 1 + Math.floor(u() * 18);
          return `${1 + Math.floor(u() * 9)}${digits(i - 1)}.${digits(18 - i)}${'12346789'[Math.floor(u() * 8)]}`;
        }
        case 2:
          return `0.${'0'.repeat(Math.floor(u() * 4))}${1 + Math.floor(u() * 9)}${digits(15 + Math.floor(u() * 4))}`; // leading zeros, 10^-22 at the least
        case 3:
          return u() < 0.5
            ? `${1 + Math.floor(u() * 8)}${digits(15)}` // integers of 16 digits below 2^53 (the fast path)
            : `${1 + Math.floor(u() * 3)}${digits(15)}.${digits(1)}`; // W of 17 digits, never a midpoint (ulp ≤ 0.5)
        case 4:
          return `${digits(8)}.${digits(8)}e${Math.floor(u() * 22 - 14)}`; // W·10^-22..W·10^-1
        default:
          return `-${1 + Math.floor(u() * 9)}${digits(7)}.${digits(Math.floor(u() * 12))}`;
      }
    };
    const rows = Array.from({ length: 30_000 }, () => `${long()},${long()}`);
    const { fast, plain, byKernel } = bothWays('long', 'a,b\n' + rows.join('\n') + '\n', { chunkBytes: 1 << 12 });
    expect(content(fast)).toEqual(content(plain));
    const b = fast.getChild('b')!.toArray() as Float64Array;
    expect(rows.every((r, i) => Object.is(b[i], Number(r.split(',')[1])))).toBe(true);
    // Every record (none has a twentieth significant digit, a power of ten beyond 10^±22 or a decimal near a midpoint).
    expect(byKernel).toBe(30_000);
    // A twentieth significant digit goes to the TypeScript (Number()): one by one, eight at a time after
    // twelve single digits (whose 20 digits would not fit 64 bits), and 22 digits.
    const wide = bothWays('twenty', 'a\n1.2345678901234567891\n999999999999.99999999\n123456789012345678901.5\n2.5\n');
    expect(content(wide.fast)).toEqual(content(wide.plain));
    expect([...(wide.fast.getChild('a')!.toArray() as Float64Array)]).toEqual([1.2345678901234567891, 999999999999.99999999, 123456789012345678901.5, 2.5]);
    expect(wide.byKernel).toBe(1);
  });

  it('takes no byte next to the digits in an eight-byte window for a digit (/ : ; < = > ? and non-ASCII)', () => {
    for (const c of ['/', ':', ';', '<', '=', '>', '?', '\u00fa', '\u00ff']) {
      for (const field of [`1234567${c}`, `${c}2345678`, `12${c}45678.5`, `0.1234567${c}9`, `1234${c}678901234`]) {
        const { fast, plain } = bothWays('window', `a,b\n1,${field}\n2,3\n`);
        expect(content(fast)).toEqual(content(plain));
        expect(String(fast.schema.fields[1]!.type)).toBe('Utf8');
      }
    }
  });

  it('leaves each record that is not plain to the TypeScript parser and reads on after it', () => {
    const u = rng(2);
    // Each needs the TypeScript: missing, quoted, blank, CR, Number() (a huge exponent, 21 digits, a
    // midpoint, |e| > 22 with 17 digits), a blank before a number, and a record after a blank line.
    const odd = ['NA,1,2', '"3.5",4,5', '', '7,8,9\r', '1e-400000,1,1', '12345678901234567890.5,1,2', '9007199254740993.0,1,1', '1.2345678901234567e-25,1,1', ' 6,7,8', '.,1,2', '4,5,6'];
    const lines: string[] = [];
    let oddCount = 0;
    for (let i = 0; i < 20_000; i++) {
      if (i % 97 === 0) {
        const line = odd[(i / 97) % odd.length]!;
        lines.push(line);
        if (line !== '' && line !== '4,5,6') oddCount++;
      } else lines.push([numberText(u), numberText(u), numberText(u)].join(','));
    }
    const { fast, plain, byKernel } = bothWays('mixed', 'x,y,z\n' + lines.join('\n') + '\n');
    expect(content(fast)).toEqual(content(plain));
    expect(fast.numRows).toBe(lines.filter((l) => l !== '').length);
    // Every plain record but those the TypeScript read right after a record it took over.
    expect(byKernel).toBeGreaterThan(fast.numRows - 2 * oddCount - 1);
    expect(byKernel).toBeLessThan(fast.numRows - oddCount + 1);
  });

  it('gives a file up to the TypeScript parser when record after record is not plain', () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => (i % 2 ? `${i},NA` : `${i},${i / 8}`));
    const { fast, plain, byKernel } = bothWays('missing', 'a,b\n' + lines.join('\n') + '\n');
    expect(content(fast)).toEqual(content(plain));
    expect(byKernel).toBeLessThan(200);
  });

  it('hands over a column that turns to text, and reads the rest in TypeScript', () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => `${i},${i === 2_500 ? 'abc' : (i * 0.37).toFixed(3)}`);
    const { fast, plain, byKernel } = bothWays('late-text', 'a,b\n' + lines.join('\n') + '\n');
    expect(content(fast)).toEqual(content(plain));
    expect(String(fast.schema.fields[1]!.type)).toBe('Utf8');
    expect(byKernel).toBe(2_500);
  });

  it('leaves an integer of 2^53 or more to the TypeScript, which keeps the column exact as text', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${i},${i + 0.5}`);
    lines.push('9007199254740993,1.5', '12,13');
    const { fast, plain, byKernel } = bothWays('wide', 'a,b\n' + lines.join('\n') + '\n');
    expect(content(fast)).toEqual(content(plain));
    expect(String(fast.schema.fields[0]!.type)).toBe('Utf8');
    expect(byKernel).toBe(100);
  });

  it('reads canonical integer ids and leaves an id written otherwise to the TypeScript, which keeps the ids as text', () => {
    // The id is the third column of five (its flag is neither the first nor the last byte), past a
    // column index of 8 in a second file (the flags take a second 8-byte word).
    const plainIds = (i: number): string => String(i % 7 === 0 ? -(i + 1) : i === 5 ? 0 : i + 1);
    const canonical = Array.from({ length: 300 }, (_, i) => `${i * 0.5},${i},${plainIds(i)},${2000 + (i % 10)},1`);
    const ok = bothWays('ids-canonical', 'y,x,id,year,w\n' + canonical.join('\n') + '\n', { ids: ['id'] });
    expect(content(ok.fast)).toEqual(content(ok.plain));
    expect(String(ok.fast.getChild('id')!.type)).toBe('Float64');
    expect(ok.byKernel).toBe(300);
    for (const odd of ['007', '+7', '7.0', '7.', '7e0', '-0', '-07', '00']) {
      const { fast, plain, byKernel } = bothWays('ids-odd', 'y,x,id,year,w\n' + [...canonical, `1,2,${odd},2001,1`, '1,2,7,2002,1'].join('\n') + '\n', { ids: ['id'] });
      expect(content(fast)).toEqual(content(plain));
      expect(String(fast.getChild('id')!.type)).toBe('Utf8');
      expect(fast.getChild('id')!.get(300)).toBe(odd);
      expect(byKernel).toBe(300);
    }
    const wide = 'a,b,c,d,e,f,g,h,i,id\n' + Array.from({ length: 50 }, (_, i) => `1,2,3,4,5,6,7,8,9,${i + 1}`).join('\n') + '\n1,2,3,4,5,6,7,8,9,01\n';
    const w = bothWays('ids-wide', wide, { ids: ['id'] });
    expect(content(w.fast)).toEqual(content(w.plain));
    expect(w.fast.getChild('id')!.get(50)).toBe('01');
    expect(w.byKernel).toBe(50);
    // Without the ids option "007" is the number 7, read by the kernel.
    const num = bothWays('ids-none', 'y,x,id\n' + canonical.map((l) => l.split(',').slice(0, 3).join(',')).join('\n') + '\n1,2,007\n');
    expect(num.fast.getChild('id')!.get(300)).toBe(7);
    expect(num.byKernel).toBe(301);
  });

  it('reads ; and tab separated records, and a last record without a line feed', () => {
    for (const [name, d] of [['semicolon', ';'], ['tab', '\t']] as const) {
      const u = rng(3);
      const text = `a${d}b\n` + Array.from({ length: 1_000 }, () => numberText(u) + d + numberText(u)).join('\n');
      const { fast, plain, byKernel } = bothWays(name, text);
      expect(content(fast)).toEqual(content(plain));
      expect(byKernel).toBe(1_000);
    }
  });

  it('leaves a chunk its memory cannot hold to the TypeScript parser', () => {
    const grow = vi.spyOn(WebAssembly.Memory.prototype, 'grow').mockImplementation(() => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    });
    const lines = Array.from({ length: 400_000 }, (_, i) => `${i},${i * 0.5}`);
    const { fast, plain, byKernel } = bothWays('no-memory', 'a,b\n' + lines.join('\n') + '\n', { chunkBytes: 1 << 23 });
    expect(grow).toHaveBeenCalled();
    expect(byKernel).toBe(0);
    expect(content(fast)).toEqual(content(plain));
  });

  it('reports the same errors, at the same rows and lines', () => {
    const plainRows = Array.from({ length: 4_000 }, (_, i) => `${i},${i * 2}`).join('\n');
    const cases: [string, string, CsvOptions][] = [
      ['fields', `a,b\n${plainRows}\n1,2,3\n`, {}],
      ['too-few', `a,b\n${plainRows}\n\n7\n`, {}],
      ['declared', `a,b\n${plainRows}\n1,x\n`, { numeric: ['b'] }],
      ['overflow', `a,b\n${plainRows}\n1,1e400\n`, {}],
      ['quote', `a,b\n${plainRows}\n1,"2\n`, {}],
    ];
    for (const [name, text, opts] of cases) {
      const [fast, plain] = errorsBothWays(name, text, opts);
      expect(fast).toBe(plain);
      expect(fast).toMatch(/row 400[12] \(line 400[23]\)|never closed/);
    }
  });
});

describe('the WebAssembly line count of the threaded reader', () => {
  /** countLines of bytes [from, to) of `text`'s file, with the kernel and without it (the error's message where one is thrown). */
  const counts = (name: string, text: string, from: number, to: number): [number | string, number | string] => {
    const p = join(dir, `${name}.csv`);
    writeFileSync(p, text);
    const count = (on: boolean): number | string => {
      useWasmCsv(on);
      try {
        return countLines(p, from, to);
      } catch (err) {
        return `${(err as Error).constructor.name}: ${(err as Error).message}`;
      }
    };
    return [count(true), count(false)];
  };

  it('counts the line feeds of any range, across its 1 MiB chunks and in the last 15 bytes', () => {
    const u = rng(4);
    const text = Array.from({ length: 150_000 }, () => 'x'.repeat(Math.floor(u() * 20))).join('\n');
    const size = Buffer.byteLength(text);
    expect(size).toBeGreaterThan(1 << 20);
    for (const [from, to] of [[0, size], [1, size - 1], [17, 33], [5, 20], [1_048_570, 1_048_600], [123, 1_500_001]] as const) {
      const truth = text.slice(from, to).split('\n').length - 1;
      expect(counts('lines', text, from, to)).toEqual([truth, truth]);
    }
  });

  it('refuses a quote or a carriage return wherever it is, and a file shorter than the range', () => {
    const body = 'a,b\n'.repeat(50_000);
    for (const at of [3, 100, 199_990, body.length - 2]) {
      for (const c of ['"', '\r']) {
        const text = body.slice(0, at) + c + body.slice(at + 1);
        const [fast, plain] = counts('odd', text, 0, text.length);
        expect(fast).toBe(plain);
        expect(fast).toBe(`NotPlain: a quote or a carriage return`);
      }
    }
    expect(counts('short', body, 0, body.length + 10)).toEqual(['NotPlain: the file is shorter than when it was split', 'NotPlain: the file is shorter than when it was split']);
  });
});

describe('the first chunk\'s line count, from which the reader sizes its columns', () => {
  it('counts the line feeds of a buffer of any length, and gives null for a quote, a carriage return or no kernel', () => {
    useWasmCsv(true);
    const u = rng(9);
    const text = Array.from({ length: 40_000 }, () => 'y'.repeat(Math.floor(u() * 40))).join('\n');
    const bytes = Buffer.from(text);
    for (const [from, to] of [[0, bytes.length], [3, 3], [0, 15], [1, 17], [7, bytes.length - 5]] as const)
      expect(countLineFeedsIn(bytes.subarray(from, to))).toBe(text.slice(from, to).split('\n').length - 1);
    for (const c of ['"', '\r']) expect(countLineFeedsIn(Buffer.from(`a\nb${c}\nc\n`))).toBeNull();
    useWasmCsv(false);
    expect(countLineFeedsIn(bytes)).toBeNull();
    useWasmCsv(true);
  });
});
