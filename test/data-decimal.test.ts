// The CSV reader's exact decimal conversion (src/data/decimal.ts and its use in src/data/csv.ts):
// every value must be bitwise the double Number() gives for the same text.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../src/data/csv.ts';
import { decimalToDouble } from '../src/data/decimal.ts';
import { mulberry32 } from './helpers/mulberry32.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-decimal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** A double from its two 32-bit words. */
function fromWords(high: number, low: number): number {
  u32[1] = high;
  u32[0] = low;
  return f64[0];
}
/** Bit pattern, so that -0 and 0 (and NaN payloads) differ. */
function bitsOf(x: number): string {
  f64[0] = x;
  return `${u32[1].toString(16)}:${u32[0].toString(16)}`;
}

/** Split a decimal text (no sign) as the CSV reader does: first 15 significant digits, the rest, exponent. */
function parts(text: string): [number, number, number, number] {
  const [mantissa, exp = '0'] = text.toLowerCase().split('e');
  const [int, frac = ''] = mantissa.split('.');
  const digits = (int + frac).replace(/^0+/, '');
  const hi = digits.slice(0, 15);
  const lo = digits.slice(15);
  return [Number(hi || '0'), Number(lo || '0'), lo.length, Number(exp) - frac.length];
}

/** Texts whose conversion by decimalToDouble differs from Number() (NaN = undecided is allowed). */
function mismatches(texts: string[]): string[] {
  const bad: string[] = [];
  for (const t of texts) {
    const v = decimalToDouble(...parts(t));
    if (v === v && bitsOf(v) !== bitsOf(Number(t))) bad.push(`${t}: ${v} instead of ${Number(t)}`);
  }
  return bad;
}

/** Read the texts as one CSV column (the reader's whole path, fast or not) and list the values that differ from Number(). */
function csvMismatches(texts: string[], name: string): string[] {
  const p = join(dir, `${name}.csv`);
  writeFileSync(p, 'v\n' + texts.join('\n') + '\n');
  const got = readCsv(p, { numeric: ['v'] }).getChild('v')!.toArray() as Float64Array;
  expect(got.length).toBe(texts.length);
  const bad: string[] = [];
  texts.forEach((t, i) => {
    if (bitsOf(got[i]) !== bitsOf(Number(t))) bad.push(`${t}: ${got[i]} instead of ${Number(t)}`);
  });
  return bad;
}

/** Shortest round-trip decimals of random doubles with binary exponents in [lo, hi], both signs. */
function randomShortest(n: number, seed: number, lo: number, hi: number): string[] {
  const next = mulberry32(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = lo + (next() % (hi - lo + 1));
    const high = ((next() & 0x800fffff) | ((e + 1023) << 20)) >>> 0;
    out.push(String(fromWords(high, next())));
  }
  return out;
}

/** Random decimals of 1–19 significant digits, a random point and often an exponent, e.g. 0.00123, -4.5e-7, 123456789012345678.9. */
function randomDecimals(n: number, seed: number): string[] {
  const next = mulberry32(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const nd = 1 + (next() % 19);
    let digits = String(1 + (next() % 9));
    for (let k = 1; k < nd; k++) digits += String(next() % 10);
    const point = next() % (nd + 3);
    let text = point === 0 ? `0.${'0'.repeat(next() % 4)}${digits}` : point > nd ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
    if (next() % 2) text += `e${(next() % 61) - 30}`;
    out.push(next() % 2 ? `-${text}` : text);
  }
  return out;
}

/** Exact midpoints between adjacent doubles in [2^50, 2^63) that have at most 19 significant digits, each followed by its neighbours one unit of the last digit away. */
function midpoints(n: number, seed: number): string[] {
  const next = mulberry32(seed);
  const out: string[] = [];
  // Integers get an exponent so that the reader takes them as numbers, not as integers to keep exact.
  const write = (digits: bigint, places: number): string => {
    const s = digits.toString();
    return places === 0 ? `${s}e0` : `${s.slice(0, s.length - places)}.${s.slice(s.length - places)}`;
  };
  while (out.length < n) {
    const e = 50 + (next() % 13); // x in [2^e, 2^(e+1)), below 2^63 (19 digits): half an ulp is 2^k, k = e − 53
    const x = fromWords(((e + 1023) << 20) | (next() & 0xfffff), next());
    const k = e - 53;
    const odd = k >= 0 ? BigInt(x) / 2n ** BigInt(k) + 1n : BigInt(x * 2 ** -k) + 1n; // (x + 2^k) / 2^k
    const digits = k >= 0 ? odd * 2n ** BigInt(k) : odd * 5n ** BigInt(-k); // the midpoint times 10^max(0, −k)
    const places = Math.max(0, -k);
    if (digits.toString().replace(/0+$/, '').length > 19) continue;
    out.push(write(digits, places), write(digits - 1n, places), write(digits + 1n, places));
  }
  return out;
}

const HARD = [
  // 2^53 and its neighbours, as fractions (exact halfway points at 2^53 ± 1 and 2^53 + 3).
  '9007199254740991.0', '9007199254740992.0', '9007199254740993.0', '9007199254740994.0', '9007199254740995.0', '9007199254740993.5',
  '4503599627370495.5', '4503599627370496.5', '4503599627370497.5', '2251799813685248.25', '2251799813685248.75', '1125899906842624.125',
  // Powers of two and their 17-digit neighbours (a lopsided rounding interval).
  '9007199254740992e1', '1.4411518807585587e17', '0.5000000000000001', '0.49999999999999994', '1.0000000000000002', '0.9999999999999999',
  '18014398509481984.0', '18014398509481985.0', '18014398509481986.0', '18014398509481987.0',
  // 17–19 digits.
  '1.7976931348623157', '12345678901234567.8', '1234567890123456789', '0.1234567890123456789', '9999999999999999999', '9.999999999999999999e22',
  '1.0000000000000000001', '0.30000000000000004', '2.2250738585072014', '4.9406564584124654',
  // Subnormals, the smallest normal, the largest finite (outside decimalToDouble's exponent range: Number() takes them).
  '4.9406564584124654e-324', '5e-324', '2.2250738585072009e-308', '2.2250738585072014e-308', '2.225073858507201e-308', '1.7976931348623157e308', '1.7976931348623157e+308',
  // Exponents at the edges of the exact range.
  '1.2345678901234567e-6', '12345678901234567e-22', '12345678901234567e-23', '12345678901234567e22', '12345678901234567e23', '1e22', '1e23', '8.98846567431158e307',
];

describe('decimalToDouble', () => {
  it('is bitwise Number() on 1 million shortest decimals of random doubles (binary exponents −60..80)', () => {
    expect(mismatches(randomShortest(1_000_000, 1, -60, 80).map((t) => t.replace('-', '')))).toEqual([]);
  });

  it('is bitwise Number() on 500,000 random decimals of 1–19 digits with exponents', () => {
    expect(mismatches(randomDecimals(500_000, 2).map((t) => t.replace('-', '')))).toEqual([]);
  });

  it('declines (NaN) every exact midpoint between two doubles, and converts their neighbours exactly', () => {
    const texts = midpoints(20_000, 3);
    expect(mismatches(texts)).toEqual([]);
    const mids = texts.filter((_, i) => i % 3 === 0);
    expect(mids.filter((t) => decimalToDouble(...parts(t)) === decimalToDouble(...parts(t)))).toEqual([]);
    // Not everything falls back: the neighbours are decided by the fast method.
    const decided = texts.filter((t, i) => i % 3 !== 0 && decimalToDouble(...parts(t)) === Number(t)).length;
    expect(decided).toBeGreaterThan(0.99 * (texts.length - mids.length));
  });

  it('decides almost every 16–17-digit decimal itself, and the hard cases either exactly or not at all', () => {
    const texts = randomShortest(100_000, 4, -20, 20).map((t) => t.replace('-', ''));
    const undecided = texts.filter((t) => Number.isNaN(decimalToDouble(...parts(t))));
    expect(undecided.length).toBeLessThan(10);
    expect(mismatches(HARD)).toEqual([]);
    expect(decimalToDouble(...parts('9007199254740993.0'))).toBeNaN(); // the midpoint of 2^53 and 2^53 + 2
    expect(decimalToDouble(...parts('9007199254740994.0'))).toBe(9007199254740994);
    expect(decimalToDouble(...parts('1.2345678901234567e-23'))).toBeNaN(); // 10^39 is not exact: outside the method
  });
});

describe('readCsv numbers', () => {
  it('are bitwise Number() on 1 million shortest decimals of random doubles of every magnitude and sign', () => {
    expect(csvMismatches([...randomShortest(500_000, 5, -1023, 1023), ...randomShortest(500_000, 6, -40, 60)], 'shortest')).toEqual([]);
  });

  it('are bitwise Number() on random decimals of 1–19 digits, on midpoints and their neighbours, and on the hard cases', () => {
    const texts = [...randomDecimals(300_000, 7), ...midpoints(3_000, 8), ...HARD, ...HARD.map((t) => `-${t}`), '-0.0', '-0', '0.000', '+1.25', '-.5', '7.'];
    expect(csvMismatches(texts, 'decimals')).toEqual([]);
  });

  it('still refuses a value that overflows, naming row and column', () => {
    const p = join(dir, 'overflow.csv');
    writeFileSync(p, 'v,w\n1,1.7976931348623157e308\n2,1.7976931348623159e308\n');
    expect(() => readCsv(p)).toThrow(`${p}: row 2 (line 3), column 'w': '1.7976931348623159e308' is beyond the range of a float64 number`);
  });

  it('keeps integers of 2^53 and more exact as text, and reads 16–19-digit integers below 2^53 as numbers', () => {
    const p = join(dir, 'wide.csv');
    writeFileSync(p, 'a,b\n9007199254740991,1234567890123456789\n1234567890123456,2\n');
    const t = readCsv(p);
    expect(Array.from(t.getChild('a')!.toArray() as Float64Array)).toEqual([9007199254740991, 1234567890123456]);
    expect(String(t.schema.fields[1].type)).toBe('Utf8');
    expect([...t.getChild('b')!]).toEqual(['1234567890123456789', '2']);
  });
});
