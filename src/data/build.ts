// Assembling Arrow tables from typed arrays without copying them: every reader builds its columns
// as Arrow Data and hands them here.
import { Field, Float64, Int32, RecordBatch, Schema, Struct, Table, Utf8, makeData, type Data, type DataType } from './arrow-core.ts';

/** Field metadata of a text column read from text (CSV): where its first non-number is ("row 5 (line 6) has 'inf'"). */
export const NOT_NUMERIC = 'sysgmm.not_numeric';

export interface BuiltColumn {
  name: string;
  data: Data;
  metadata?: Map<string, string>;
}

/** Validity bitmap (bit set = present) from a per-row predicate; null when nothing is missing. */
export function validityBitmap(length: number, isPresent: (row: number) => boolean): { bitmap: Uint8Array | undefined; nullCount: number } {
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  for (let r = 0; r < length; r++) {
    if (isPresent(r)) bitmap[r >> 3] |= 1 << (r & 7);
    else nullCount++;
  }
  return nullCount === 0 ? { bitmap: undefined, nullCount: 0 } : { bitmap, nullCount };
}

/**
 * A Float64 column over `values` (no copy); NaN entries become nulls (and stay NaN underneath).
 * `maybeNaN` false: the caller knows there is none (the CSV parser wrote no missing value), so the
 * values are not scanned.
 */
export function float64Data(values: Float64Array, maybeNaN = true): Data<Float64> {
  let anyNaN = false;
  for (let r = 0; maybeNaN && r < values.length; r++) {
    if (values[r] !== values[r]) {
      anyNaN = true;
      break;
    }
  }
  const { bitmap, nullCount } = anyNaN ? validityBitmap(values.length, (r) => values[r] === values[r]) : { bitmap: undefined, nullCount: 0 };
  return makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap: bitmap, data: values });
}

/** An Int32 column of counts or indices (no missing values). */
export function int32Data(values: Int32Array): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
}

/** A Utf8 column from byte offsets (length n+1), UTF-8 bytes and a per-row presence flag (1 = present). */
export function utf8Data(offsets: Int32Array, bytes: Uint8Array, present: Uint8Array): Data<Utf8> {
  const length = offsets.length - 1;
  const { bitmap, nullCount } = validityBitmap(length, (r) => present[r] === 1);
  return makeData({ type: new Utf8(), length, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data: bytes });
}

/** A Utf8 column from JS strings (null = missing). */
export function utf8FromStrings(values: ReadonlyArray<string | null>): Data<Utf8> {
  const enc = new TextEncoder();
  const parts = values.map((v) => (v === null ? null : enc.encode(v)));
  const offsets = new Int32Array(values.length + 1);
  for (let r = 0; r < parts.length; r++) offsets[r + 1] = offsets[r] + (parts[r]?.length ?? 0);
  const bytes = new Uint8Array(offsets[values.length]);
  parts.forEach((p, r) => p && bytes.set(p, offsets[r]));
  return utf8Data(offsets, bytes, Uint8Array.from(values, (v) => (v === null ? 0 : 1)));
}

/** One-batch Arrow table from equally long columns. */
export function tableFromColumns(columns: BuiltColumn[], metadata?: Map<string, string>): Table {
  const length = columns.length ? columns[0].data.length : 0;
  const fields = columns.map((c) => new Field(c.name, c.data.type as DataType, true, c.metadata ?? null));
  const schema = new Schema(fields, metadata ?? null);
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: columns.map((c) => c.data) });
  return new Table(schema, new RecordBatch(schema, struct));
}
