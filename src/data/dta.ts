// Stata .dta reader for formats 117 (Stata 13), 118 (Stata 14–19) and 119 (over 32,767 variables),
// following Stata's published description of the format ("help dta"): a tagged header, a map of
// section offsets, fixed-width rows, a strL (long string) section and value-label tables. The older
// formats 113–115 (Stata 8–12, and R's foreign::write.dta) have the same rows and missing values
// behind an untagged header ("help dta_115").
//
// Numeric storage types keep their width (byte→Int8, int→Int16, long→Int32, float→Float32,
// double→Float64); Stata's missing values (., .a, ..., .z) become nulls (NaN underneath for floats).
// Empty strings are Stata's missing string and become nulls too. Variable labels, display formats
// and value labels are kept as Arrow field metadata ("stata.label", "stata.format",
// "stata.value_label" with the label name, "stata.value_labels" as JSON {value: text}).
import { readFileSync } from 'node:fs';
import { Float32, Float64, Int16, Int32, Int8, makeData, type Data, type Table } from 'apache-arrow';
import { DataError } from '../errors.ts';
import { tableFromColumns, utf8FromStrings, type BuiltColumn } from './build.ts';

const STRL = 32768;
const DOUBLE = 65526;
const FLOAT = 65527;
const LONG = 65528;
const INT = 65529;
const BYTE = 65530;

/** Largest non-missing values per integer type, and the missing thresholds for floats (help dta, "missing values"). */
const MAX_BYTE = 100;
const MAX_INT = 32740;
const MAX_LONG = 2147483620;
const MISSING_FLOAT = 2 ** 127;
const MISSING_DOUBLE = 2 ** 1023;

class Cursor {
  pos = 0;
  readonly view: DataView;
  little = true;
  constructor(readonly buf: Buffer, readonly file: string) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(what: string): never {
    throw new DataError(`${this.file}: not a valid Stata .dta file (${what} at byte ${this.pos})`, { file: this.file });
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) this.fail('unexpected end of file');
  }
  tag(t: string): void {
    this.need(t.length);
    if (this.buf.toString('latin1', this.pos, this.pos + t.length) !== t) this.fail(`expected ${t}`);
    this.pos += t.length;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, this.little);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, this.little);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, this.little);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = Number(this.view.getBigUint64(this.pos, this.little));
    this.pos += 8;
    return v;
  }
  /** Unsigned integer of `bytes` bytes (≤ 6) in file byte order. */
  uint(at: number, bytes: number): number {
    let v = 0;
    for (let i = 0; i < bytes; i++) v += this.buf[at + (this.little ? i : bytes - 1 - i)] * 256 ** i;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function cString(b: Buffer, encoding: BufferEncoding): string {
  const z = b.indexOf(0);
  return b.toString(encoding, 0, z < 0 ? b.length : z);
}

function typeName(t: number): string {
  if (t >= 1 && t <= 2045) return `str${t}`;
  return ({ [STRL]: 'strL', [DOUBLE]: 'double', [FLOAT]: 'float', [LONG]: 'long', [INT]: 'int', [BYTE]: 'byte' } as Record<number, string>)[t] ?? `type ${t}`;
}

function widthOf(t: number, cur: Cursor, name: string): number {
  if (t >= 1 && t <= 2045) return t;
  switch (t) {
    case STRL:
    case DOUBLE:
      return 8;
    case FLOAT:
    case LONG:
      return 4;
    case INT:
      return 2;
    case BYTE:
      return 1;
  }
  return cur.fail(`unknown storage type ${t} of variable '${name}'`);
}

/** Storage-type codes of formats 113–115 (one byte) mapped to those of 117+. */
function oldType(t: number, cur: Cursor, name: string): number {
  if (t >= 1 && t <= 244) return t;
  const map: Record<number, number> = { 251: BYTE, 252: INT, 253: LONG, 254: FLOAT, 255: DOUBLE };
  return map[t] ?? cur.fail(`unknown storage type ${t} of variable '${name}'`);
}

export function readDta(path: string): Table {
  const cur = new Cursor(readFileSync(path), path);
  const first = cur.buf[0];
  if (first >= 113 && first <= 115) return readOldDta(cur, first);
  if (first >= 102 && first <= 112 && (cur.buf[1] === 1 || cur.buf[1] === 2))
    throw new DataError(`${path}: Stata .dta format ${first} (Stata 8 or older) is not supported; formats 113 to 119 are (save it with a newer Stata)`, { file: path });
  cur.tag('<stata_dta>');
  cur.tag('<header>');
  cur.tag('<release>');
  const release = Number(cur.bytes(3).toString('latin1'));
  if (release !== 117 && release !== 118 && release !== 119)
    throw new DataError(`${path}: Stata .dta format ${release} is not supported (formats 113 to 119 are)`, { file: path });
  cur.tag('</release>');
  cur.tag('<byteorder>');
  const order = cur.bytes(3).toString('latin1');
  if (order !== 'MSF' && order !== 'LSF') cur.fail(`byte order '${order}'`);
  cur.little = order === 'LSF';
  cur.tag('</byteorder>');
  cur.tag('<K>');
  const K = release === 119 ? cur.u32() : cur.u16();
  cur.tag('</K>');
  cur.tag('<N>');
  const N = release === 117 ? cur.u32() : cur.u64();
  cur.tag('</N>');
  const enc: BufferEncoding = release === 117 ? 'latin1' : 'utf8';
  cur.tag('<label>');
  const dataLabel = cur.bytes(release === 117 ? cur.u8() : cur.u16()).toString(enc);
  cur.tag('</label>');
  cur.tag('<timestamp>');
  const timestamp = cur.bytes(cur.u8()).toString('latin1');
  cur.tag('</timestamp>');
  cur.tag('</header>');
  cur.tag('<map>');
  const map = Array.from({ length: 14 }, () => cur.u64());
  cur.tag('</map>');

  const nameLen = release === 117 ? 33 : 129;
  const formatLen = release === 117 ? 49 : 57;
  const varLabelLen = release === 117 ? 81 : 321;
  cur.pos = map[2];
  cur.tag('<variable_types>');
  const types = Array.from({ length: K }, () => cur.u16());
  cur.tag('</variable_types>');
  cur.pos = map[3];
  cur.tag('<varnames>');
  const names = Array.from({ length: K }, () => cString(cur.bytes(nameLen), enc));
  cur.tag('</varnames>');
  cur.pos = map[5];
  cur.tag('<formats>');
  const formats = Array.from({ length: K }, () => cString(cur.bytes(formatLen), enc));
  cur.tag('</formats>');
  cur.pos = map[6];
  cur.tag('<value_label_names>');
  const labelNames = Array.from({ length: K }, () => cString(cur.bytes(nameLen), enc));
  cur.tag('</value_label_names>');
  cur.pos = map[7];
  cur.tag('<variable_labels>');
  const varLabels = Array.from({ length: K }, () => cString(cur.bytes(varLabelLen), enc));
  cur.tag('</variable_labels>');

  const widths = types.map((t, j) => widthOf(t, cur, names[j]));
  const rowWidth = widths.reduce((a, b) => a + b, 0);
  const fieldAt: number[] = [];
  widths.reduce((at, w) => (fieldAt.push(at), at + w), 0);
  cur.pos = map[9];
  cur.tag('<data>');
  const dataStart = cur.pos;
  cur.need(N * rowWidth);
  cur.pos += N * rowWidth;
  cur.tag('</data>');

  const strls = types.includes(STRL) ? readStrls(cur, map[10], release, enc) : new Map<string, string>();
  const valueLabels = readValueLabels(cur, map[11], nameLen, enc);
  return buildTable(cur, { release, N, types, names, formats, labelNames, varLabels, dataStart, rowWidth, fieldAt, strls, valueLabels, enc, dataLabel, timestamp });
}

/**
 * Formats 113 (Stata 8–9), 114 (10–11) and 115 (12): a fixed binary header without tags, one-byte
 * storage types, expansion fields, the data, then value labels (help dta_115).
 */
function readOldDta(cur: Cursor, release: number): Table {
  cur.pos = 1;
  const order = cur.u8();
  if (order !== 1 && order !== 2) cur.fail(`byte order ${order}`);
  cur.little = order === 2;
  cur.pos = 4;
  const K = cur.u16();
  const N = cur.u32();
  const enc: BufferEncoding = 'latin1';
  const dataLabel = cString(cur.bytes(81), enc);
  const timestamp = cString(cur.bytes(18), enc);
  const codes = Array.from(cur.bytes(K));
  const names = Array.from({ length: K }, () => cString(cur.bytes(33), enc));
  cur.bytes(2 * (K + 1)); // sort order
  const formats = Array.from({ length: K }, () => cString(cur.bytes(release === 113 ? 12 : 49), enc));
  const labelNames = Array.from({ length: K }, () => cString(cur.bytes(33), enc));
  const varLabels = Array.from({ length: K }, () => cString(cur.bytes(81), enc));
  for (;;) {
    const kind = cur.u8();
    const len = cur.u32();
    if (kind === 0 && len === 0) break;
    cur.bytes(len);
  }
  const types = codes.map((t, j) => oldType(t, cur, names[j]));
  const widths = types.map((t, j) => widthOf(t, cur, names[j]));
  const rowWidth = widths.reduce((a, b) => a + b, 0);
  const fieldAt: number[] = [];
  widths.reduce((at, w) => (fieldAt.push(at), at + w), 0);
  const dataStart = cur.pos;
  cur.need(N * rowWidth);
  cur.pos += N * rowWidth;
  const valueLabels = new Map<string, Map<number, string>>();
  while (cur.pos + 4 <= cur.buf.length) {
    const at = cur.pos;
    const len = cur.i32();
    const name = cString(cur.bytes(33), enc);
    cur.bytes(3);
    valueLabels.set(name, labelTable(cur, enc, len, at));
  }
  return buildTable(cur, { release, N, types, names, formats, labelNames, varLabels, dataStart, rowWidth, fieldAt, strls: new Map(), valueLabels, enc, dataLabel, timestamp });
}

interface Layout {
  release: number;
  N: number;
  types: number[];
  names: string[];
  formats: string[];
  labelNames: string[];
  varLabels: string[];
  dataStart: number;
  rowWidth: number;
  fieldAt: number[];
  strls: Map<string, string>;
  valueLabels: Map<string, Map<number, string>>;
  enc: BufferEncoding;
  dataLabel: string;
  timestamp: string;
}

function buildTable(cur: Cursor, layout: Layout): Table {
  const { release, N, types, names, formats, labelNames, varLabels, dataStart, rowWidth, fieldAt, strls, valueLabels, enc, dataLabel, timestamp } = layout;
  const columns: BuiltColumn[] = names.map((name, j) => {
    const t = types[j];
    const at = (r: number): number => dataStart + r * rowWidth + fieldAt[j];
    const meta = new Map<string, string>([
      ['stata.type', typeName(t)],
      ['stata.format', formats[j]],
    ]);
    if (varLabels[j]) meta.set('stata.label', varLabels[j]);
    if (labelNames[j]) {
      meta.set('stata.value_label', labelNames[j]);
      const table = valueLabels.get(labelNames[j]);
      if (table) meta.set('stata.value_labels', JSON.stringify(Object.fromEntries(table)));
    }
    let data: Data;
    if (t <= 2045) {
      data = utf8FromStrings(Array.from({ length: N }, (_, r) => cString(cur.buf.subarray(at(r), at(r) + t), enc) || null));
    } else if (t === STRL) {
      const vBytes = release === 117 ? 4 : release === 118 ? 2 : 3;
      data = utf8FromStrings(
        Array.from({ length: N }, (_, r) => {
          const v = cur.uint(at(r), vBytes);
          const o = cur.uint(at(r) + vBytes, 8 - vBytes);
          if (v === 0 && o === 0) return null;
          const s = strls.get(`${v},${o}`);
          if (s === undefined) cur.fail(`strL (${v},${o}) of variable '${name}', row ${r + 1}, is not in the strL section`);
          return s || null;
        }),
      );
    } else data = numericData(cur, t, N, at);
    return { name, data, metadata: meta };
  });
  const schemaMeta = new Map<string, string>([['stata.release', String(release)]]);
  if (dataLabel) schemaMeta.set('stata.data_label', dataLabel);
  if (timestamp) schemaMeta.set('stata.timestamp', timestamp);
  if (valueLabels.size)
    schemaMeta.set('stata.value_labels', JSON.stringify(Object.fromEntries([...valueLabels].map(([k, v]) => [k, Object.fromEntries(v)]))));
  return tableFromColumns(columns, schemaMeta);
}

function numericData(cur: Cursor, t: number, N: number, at: (r: number) => number): Data {
  const { view, little } = cur;
  const valid = new Uint8Array((N + 7) >> 3);
  let nullCount = 0;
  const mark = (r: number, ok: boolean): void => {
    if (ok) valid[r >> 3] |= 1 << (r & 7);
    else nullCount++;
  };
  const nulls = (): Uint8Array | undefined => (nullCount ? valid : undefined);
  switch (t) {
    case BYTE: {
      const out = new Int8Array(N);
      for (let r = 0; r < N; r++) {
        const v = view.getInt8(at(r));
        const ok = v <= MAX_BYTE;
        out[r] = ok ? v : 0;
        mark(r, ok);
      }
      return makeData({ type: new Int8(), length: N, nullCount, nullBitmap: nulls(), data: out });
    }
    case INT: {
      const out = new Int16Array(N);
      for (let r = 0; r < N; r++) {
        const v = view.getInt16(at(r), little);
        const ok = v <= MAX_INT;
        out[r] = ok ? v : 0;
        mark(r, ok);
      }
      return makeData({ type: new Int16(), length: N, nullCount, nullBitmap: nulls(), data: out });
    }
    case LONG: {
      const out = new Int32Array(N);
      for (let r = 0; r < N; r++) {
        const v = view.getInt32(at(r), little);
        const ok = v <= MAX_LONG;
        out[r] = ok ? v : 0;
        mark(r, ok);
      }
      return makeData({ type: new Int32(), length: N, nullCount, nullBitmap: nulls(), data: out });
    }
    case FLOAT: {
      const out = new Float32Array(N);
      for (let r = 0; r < N; r++) {
        const v = view.getFloat32(at(r), little);
        // Stata's missing codes are finite values from 2^127 up; +Infinity is kept, as −Infinity is, for
        // readTable to refuse naming its row (reading it as missing would drop the row without a word).
        const ok = (v < MISSING_FLOAT || v === Infinity) && v === v;
        out[r] = ok ? v : NaN;
        mark(r, ok);
      }
      return makeData({ type: new Float32(), length: N, nullCount, nullBitmap: nulls(), data: out });
    }
    default: {
      const out = new Float64Array(N);
      for (let r = 0; r < N; r++) {
        const v = view.getFloat64(at(r), little);
        // Missing codes are finite values from 2^1023 up; +Infinity is kept for readTable to refuse (as above).
        const ok = (v < MISSING_DOUBLE || v === Infinity) && v === v;
        out[r] = ok ? v : NaN;
        mark(r, ok);
      }
      return makeData({ type: new Float64(), length: N, nullCount, nullBitmap: nulls(), data: out });
    }
  }
}

/** The strL section: GSO records keyed "v,o" as they appear in the data cells. */
function readStrls(cur: Cursor, start: number, release: number, enc: BufferEncoding): Map<string, string> {
  const out = new Map<string, string>();
  cur.pos = start;
  cur.tag('<strls>');
  while (cur.buf.toString('latin1', cur.pos, cur.pos + 3) === 'GSO') {
    cur.pos += 3;
    const v = cur.u32();
    const o = release === 117 ? cur.u32() : cur.u64();
    const kind = cur.u8();
    const len = cur.u32();
    const body = cur.bytes(len);
    // 130: text stored with its terminating NUL; 129: binary, kept as UTF-8 text.
    out.set(`${v},${o}`, kind === 130 ? body.toString(enc, 0, Math.max(0, len - 1)) : body.toString('utf8'));
  }
  cur.tag('</strls>');
  return out;
}

/**
 * One value-label table (value → text) of `len` bytes, its length field at byte `at`: n, text length,
 * offsets, values, texts; the cursor is left after it. Lengths that are negative or run past the table
 * or the file are refused: a negative length once moved the cursor back, to read the same table forever.
 */
function labelTable(cur: Cursor, enc: BufferEncoding, len: number, at: number): Map<number, string> {
  const end = cur.pos + len;
  const damaged = (): never => {
    cur.pos = at;
    return cur.fail('damaged value-label table');
  };
  if (len < 8 || end > cur.buf.length) damaged();
  const n = cur.i32();
  const txtLen = cur.i32();
  if (n < 0 || txtLen < 0 || 8 + 8 * n + txtLen > len) damaged();
  const off = Array.from({ length: n }, () => cur.i32());
  const val = Array.from({ length: n }, () => cur.i32());
  const txt = cur.bytes(txtLen);
  const table = new Map<number, string>();
  for (let i = 0; i < n; i++) table.set(val[i], cString(txt.subarray(off[i]), enc));
  cur.pos = end;
  return table;
}

/** Value-label tables: name → (value → text). */
function readValueLabels(cur: Cursor, start: number, nameLen: number, enc: BufferEncoding): Map<string, Map<number, string>> {
  const out = new Map<string, Map<number, string>>();
  cur.pos = start;
  cur.tag('<value_labels>');
  while (cur.buf.toString('latin1', cur.pos, cur.pos + 5) === '<lbl>') {
    cur.pos += 5;
    const at = cur.pos;
    const len = cur.i32();
    const name = cString(cur.bytes(nameLen), enc);
    cur.pos += 3; // padding
    out.set(name, labelTable(cur, enc, len, at));
    cur.tag('</lbl>');
  }
  cur.tag('</value_labels>');
  return out;
}
