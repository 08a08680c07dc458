// Unit ids read exactly, whatever their width: float64 ids only within ±2^53 (where every integer
// is exact), 64-bit integer ids as BigInt, text ids as written (integer-looking text sorts as numbers).
import { DataType, type Vector } from '../data/arrow-core.ts';
import { isNumericType, toFloat64 } from '../data/columns.ts';
import { DataError } from '../errors.ts';

/** Largest magnitude below which every integer is exact in float64. */
export const EXACT_INTEGER = 2 ** 53;

/** A sortable key per row (null = missing) and the label a key is shown and kept as. */
export interface UnitIds {
  key(row: number): string | number | bigint | null;
  label(key: string | number | bigint): string | number;
  /** Leading/trailing blanks in text ids: how many rows, and the first one (0-based). */
  blanks: { count: number; firstRow: number };
  /** Numeric ids: the keys themselves (NaN = missing), for typed scans. */
  numbers?: Float64Array;
}

/** Canonical integers written as text: "0", "17", "-3" (not "007", "+1" or "1.0"). */
const CANONICAL_INTEGER = /^(0|-?[1-9][0-9]*)$/;

function is64(t: DataType): boolean {
  return DataType.isInt(t) && (t as { bitWidth: number }).bitWidth === 64;
}

export function unitIds(vec: Vector, name: string, at: string, source: string): UnitIds {
  const none = { count: 0, firstRow: -1 };
  if (is64(vec.type)) {
    const big: (bigint | null)[] = new Array(vec.length);
    let wide = false;
    for (let r = 0; r < vec.length; r++) {
      const v = vec.get(r) as bigint | null;
      big[r] = v ?? null;
      if (v !== null && (v > BigInt(EXACT_INTEGER) || v < -BigInt(EXACT_INTEGER))) wide = true;
    }
    if (wide) return { key: (r) => big[r], label: (k) => String(k), blanks: none };
  }
  if (isNumericType(vec.type)) {
    const x = toFloat64(vec);
    for (let r = 0; r < x.length; r++) {
      const v = x[r];
      if (v !== v) continue;
      if (!Number.isFinite(v) || Math.abs(v) > EXACT_INTEGER)
        throw new DataError(
          `id column '${name}' has ${v} at row ${r + 1}${at}: beyond ±2^53 a number stored as float64 is not exact, so distinct ids could merge; store the ids as text or 64-bit integers`,
          { file: source, row: r + 1, column: name },
        );
    }
    return { key: (r) => (x[r] !== x[r] ? null : x[r]), label: (k) => k as number, blanks: none, numbers: x };
  }
  const text: (string | null)[] = new Array(vec.length);
  let r = 0;
  let integers = true;
  const blanks = { count: 0, firstRow: -1 };
  for (const v of vec) {
    const s = v === null || v === undefined || v === '' ? null : String(v);
    text[r] = s;
    if (s !== null) {
      if (integers && !CANONICAL_INTEGER.test(s)) integers = false;
      if (s !== s.trim()) {
        if (blanks.count++ === 0) blanks.firstRow = r;
      }
    }
    r++;
  }
  if (integers) {
    const big = text.map((s) => (s === null ? null : BigInt(s)));
    return { key: (i) => big[i], label: (k) => String(k), blanks };
  }
  return { key: (i) => text[i], label: (k) => k as string, blanks };
}

/**
 * The order Panel.fromTable gives units with these labels (unitIds' keys): numbers by value; text by
 * value when every label is a canonical integer (as unitIds reads them, BigInt), else by code units.
 * For labels gathered from several panels, e.g. the shards of a partition.
 */
export function unitOrder(labels: readonly (string | number)[]): (a: string | number, b: string | number) => number {
  const byValue = labels.every((l) => typeof l === 'number') || labels.every((l) => typeof l === 'string' && CANONICAL_INTEGER.test(l));
  const key = (l: string | number): string | number | bigint => (byValue && typeof l === 'string' ? BigInt(l) : l);
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : y < x ? 1 : 0;
  };
}
