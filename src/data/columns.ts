// Numeric Arrow columns as one Float64Array (NaN = missing), read from the underlying typed arrays
// chunk by chunk rather than through per-row Vector.get().
import { DataType, type Data, type Table, type Vector } from './arrow-core.ts';
import { DataError } from '../errors.ts';

/** Whether an Arrow type is read as numbers (ints, floats, decimals, booleans). */
export function isNumericType(t: DataType): boolean {
  return DataType.isInt(t) || DataType.isFloat(t) || DataType.isDecimal(t) || DataType.isBool(t);
}

/** Whether the table has a column `name` of a numeric type. */
export function isNumericColumn(table: Table, name: string): boolean {
  const t = table.schema.fields.find((f) => f.name === name)?.type;
  return t !== undefined && isNumericType(t);
}

/**
 * The column as float64 with NaN for nulls. A single Float64 chunk without nulls is returned
 * without copying (treat it as read-only).
 */
export function toFloat64(vec: Vector): Float64Array {
  const chunks = vec.data as Data[];
  if (chunks.length === 1 && DataType.isFloat(vec.type) && chunks[0].values instanceof Float64Array && chunks[0].nullCount === 0)
    return chunks[0].values.subarray(0, chunks[0].length);
  const out = new Float64Array(vec.length);
  let at = 0;
  for (const d of chunks) {
    const n = d.length;
    const v = d.values as ArrayLike<number | bigint> | undefined;
    const direct = (DataType.isInt(d.type) || DataType.isFloat(d.type)) && v && !(DataType.isFloat(d.type) && (d.type as { precision: number }).precision === 0);
    if (direct && (v instanceof BigInt64Array || v instanceof BigUint64Array)) for (let i = 0; i < n; i++) out[at + i] = Number(v[i]);
    else if (direct) for (let i = 0; i < n; i++) out[at + i] = v[i] as number;
    else {
      // Half floats, decimals, booleans: through the generic accessor.
      for (let i = 0; i < n; i++) {
        const x = d.getValid(i) ? (vec.get(at + i) as unknown) : null;
        out[at + i] = x === null || x === undefined ? NaN : Number(x);
      }
    }
    if (d.nullCount > 0) {
      const bits = d.nullBitmap;
      const off = d.offset;
      for (let i = 0; i < n; i++) {
        const b = off + i;
        if (((bits[b >> 3] >> (b & 7)) & 1) === 0) out[at + i] = NaN;
      }
    }
    at += n;
  }
  return out;
}

/** ±Infinity is not data (Stata has no such value): an error naming the first row of column `name`
 *  holding one, in `file` (or the Arrow Table the caller built in memory). */
export function refuseInfinite(x: Float64Array, name: string, file: string): void {
  // The search for the row only where there is one: `includes` runs compiled from its first call, where
  // a loop of a fresh process runs in V8's interpreter and boxes every value it reads (bench/RESULTS.md,
  // "Cold row loops").
  if (!x.includes(Infinity) && !x.includes(-Infinity)) return;
  for (let r = 0; r < x.length; r++) {
    const v = x[r];
    if (v - v !== 0 && v === v)
      throw new DataError(`${file || 'the Arrow Table'}: row ${r + 1}, column '${name}': ${v} is not a finite number`, { file, row: r + 1, column: name });
  }
}
