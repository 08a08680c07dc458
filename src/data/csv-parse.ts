// The byte-level CSV parser behind readCsv (csv.ts): records straight from the bytes into Float64Array
// columns (NaN = missing) and growable UTF-8 columns. It imports nothing from apache-arrow, so the
// worker threads of csv-parallel.ts load it alone.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError, quoteValue } from '../errors.ts';
import { oneColumnHeader } from './one-column-header.ts';
import { FastRecords, countLineFeeds, countLineFeedsIn } from './csv-fast.ts';
import { decimalToDouble } from './decimal.ts';

export interface CsvOptions {
  /** Field separator (one byte); default: detected from the header line. */
  delimiter?: string;
  /** Columns that must be numeric: a non-numeric value there is an error naming file, row, column and value. */
  numeric?: string[];
  /** Columns kept as text even when every value looks like a number (e.g. ids with leading zeros). */
  text?: string[];
  /** Unit-id columns: numbers only while every value is written as a canonical integer ("0", "17", "-3");
   *  any other spelling ("01", "1.0", "1e0", "+1") turns the column to text, every id kept as written, so
   *  that ids such as "01" and "1" stay two units (src/panel/ids.ts compares text ids exactly). */
  ids?: string[];
  /** Read buffer size in bytes (default 1 MiB: a buffer is memory touched for the first time, which costs more than the extra reads). */
  chunkBytes?: number;
}

export const LF = 10;
export const CR = 13;
export const QUOTE = 34;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const SPACE = 32;
const TAB = 9;
export const NUM = 0;
const TEXT = 1;
const SKIP = 2;
/** Exact powers of ten 1e0..1e22 (each parsed from its literal, so exactly representable). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const TWO53 = 2 ** 53;
/** The WebAssembly reader is given up for the file after this many reads in a row of fewer than FAST_MIN records. */
const FAST_GIVE_UP = 64;
const FAST_MIN = 16;
const decoder = new TextDecoder();

/** Growable UTF-8 column for rows fromRow, fromRow+1, ... */
class TextColumn {
  offsets: Int32Array;
  present: Uint8Array;
  bytes = new Uint8Array(1 << 16);
  count = 0;
  constructor(readonly fromRow: number, capacity: number) {
    this.offsets = new Int32Array(capacity + 1);
    this.present = new Uint8Array(capacity);
  }
  private ensureRow(): void {
    if (this.count < this.present.length) return;
    const cap = Math.ceil(this.present.length * 1.5) + 16;
    const o = new Int32Array(cap + 1);
    o.set(this.offsets);
    this.offsets = o;
    const p = new Uint8Array(cap);
    p.set(this.present);
    this.present = p;
  }
  private ensureBytes(extra: number): void {
    const need = this.offsets[this.count] + extra;
    if (need <= this.bytes.length) return;
    const b = new Uint8Array(Math.max(need, Math.ceil(this.bytes.length * 1.5)));
    b.set(this.bytes.subarray(0, this.offsets[this.count]));
    this.bytes = b;
  }
  appendNull(): void {
    this.ensureRow();
    this.offsets[this.count + 1] = this.offsets[this.count];
    this.present[this.count++] = 0;
  }
  /** Append buf[s, e); `escaped`: collapse doubled quotes. */
  append(buf: Uint8Array, s: number, e: number, escaped: boolean): void {
    this.ensureRow();
    this.ensureBytes(e - s);
    let at = this.offsets[this.count];
    if (!escaped) {
      this.bytes.set(buf.subarray(s, e), at);
      at += e - s;
    } else {
      for (let i = s; i < e; i++) {
        this.bytes[at++] = buf[i];
        if (buf[i] === QUOTE) i++;
      }
    }
    this.offsets[this.count + 1] = at;
    this.present[this.count++] = 1;
  }
  /** Forget rows from `rows` (local count) on: undo a record that did not fit in the chunk. */
  truncate(rows: number): void {
    if (rows < this.count) this.count = rows;
  }
}

/** Parse buf[s, e) as a number (optional surrounding blanks); undefined when it is not one. */
function parseNumber(buf: Uint8Array, s: number, e: number): number | undefined {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  let q = s;
  if (buf[q] === MINUS || buf[q] === PLUS) q++;
  let nd = 0;
  while (q < e && buf[q] >= 48 && buf[q] <= 57) (q++, nd++);
  if (q < e && buf[q] === DOT) {
    q++;
    while (q < e && buf[q] >= 48 && buf[q] <= 57) (q++, nd++);
  }
  if (nd === 0) return undefined;
  if (q < e && (buf[q] === 101 || buf[q] === 69)) {
    q++;
    if (q < e && (buf[q] === MINUS || buf[q] === PLUS)) q++;
    let ed = 0;
    while (q < e && buf[q] >= 48 && buf[q] <= 57) (q++, ed++);
    if (ed === 0) return undefined;
  }
  if (q !== e) return undefined;
  return Number(latin1(buf, s, e));
}

function latin1(buf: Uint8Array, s: number, e: number): string {
  return Buffer.isBuffer(buf) ? buf.toString('latin1', s, e) : Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1');
}

/** Empty, NA, ".", NaN (blanks around allowed). */
function isMissingToken(buf: Uint8Array, s: number, e: number): boolean {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  const n = e - s;
  if (n === 0) return true;
  if (n === 1) return buf[s] === DOT;
  if (n === 2) return buf[s] === 78 && buf[s + 1] === 65; // NA
  if (n === 3) return buf[s] === 78 && buf[s + 1] === 97 && buf[s + 2] === 78; // NaN
  return false;
}

/** Whether bytes [s, e) are an integer as String() writes one: "0", "17", "-3" (not "01", "-0", "+1", "1.0", "1e0"). */
function canonicalInteger(buf: Uint8Array, s: number, e: number): boolean {
  if (e - s === 1 && buf[s] === 48) return true;
  if (buf[s] === MINUS) s++;
  if (s >= e || buf[s] < 49 || buf[s] > 57) return false;
  for (let i = s + 1; i < e; i++) if (buf[i] < 48 || buf[i] > 57) return false;
  return true;
}

/** A numeric column on a SharedArrayBuffer, as the threaded reader's are: a threaded estimate's
 *  workers then read the panel's columns without a copy (src/gmm/threaded.ts). */
function sharedFloat64(rows: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(rows * 8));
}

/** Parser state for one pass over the file. */
export class CsvParser {
  names: string[] = [];
  kind = new Uint8Array(0);
  num: (Float64Array | null)[] = [];
  text: (TextColumn | null)[] = [];
  /** Columns that turned to text after some numeric rows: column → first text row. */
  lateText = new Map<number, number>();
  declaredNumeric = new Set<number>();
  /** 1 for each unit-id column (CsvOptions.ids). */
  exact = new Uint8Array(0);
  /** Columns that started numeric and turned to text: the first value that is not a number. */
  firstText = new Map<number, string>();
  /** 1 for each column where a missing value was stored as NaN (the only NaNs a numeric column gets). */
  missing = new Uint8Array(0);
  cap = 0;
  /** Data rows parsed so far. */
  row = 0;
  /** File line (1-based) where the next record starts. */
  line = 2;
  /** Newlines inside quoted fields of the record being parsed. */
  private fieldLines = 0;
  /** The plain records' reader on WebAssembly (csv-fast.ts) while every column is numeric, or null. */
  private fast: FastRecords | null = null;
  /** Its reads in a row that found fewer than FAST_MIN records before one it left to parse. */
  private fastMisses = 0;

  constructor(
    readonly file: string,
    readonly delim: number,
    /** Pass that extracts only these columns as text (the re-read of late text columns). */
    readonly only?: Set<number>,
  ) {}

  setHeader(names: string[], opts: CsvOptions): void {
    const seen = new Set<string>();
    const given = new Set(names);
    names.forEach((n, i) => {
      if (n === '') {
        // An empty name (pandas writes one for its index) becomes column<N>, unless the header has a
        // column of that name: the two would be taken for one, "duplicate column name".
        n = `column${i + 1}`;
        if (given.has(n))
          throw new DataError(`${this.file}: the header is empty at column ${i + 1}, and the name it would get, '${n}', is another column's; name the column`, { file: this.file, column: n });
        names[i] = n;
      }
      if (seen.has(n)) throw new DataError(`${this.file}: duplicate column name '${n}' in the header`, { file: this.file, column: n });
      seen.add(n);
    });
    this.names = names;
    const index = (n: string, opt: string): number => {
      const i = names.indexOf(n);
      if (i < 0) {
        const one = oneColumnHeader(names);
        throw new DataError(`${this.file}: unknown column '${n}'${one ? `: ${one}` : `; columns are: ${names.join(', ')}`}`, { file: this.file, column: n });
      }
      return i;
    };
    this.kind = new Uint8Array(names.length);
    this.exact = new Uint8Array(names.length);
    // An id column the file lacks is the panel's error to report (it suggests close names).
    for (const n of opts.ids ?? []) if (names.indexOf(n) >= 0) this.exact[names.indexOf(n)] = 1;
    for (const n of opts.numeric ?? []) this.declaredNumeric.add(index(n, 'declared numeric'));
    for (const n of opts.text ?? []) this.kind[index(n, 'declared text')] = TEXT;
    if (this.only) this.kind.fill(SKIP);
    for (const c of this.only ?? []) this.kind[c] = TEXT;
    this.num = names.map(() => null);
    this.missing = new Uint8Array(names.length);
    this.text = names.map(() => null);
    this.fast = this.kind.every((k) => k === NUM) ? FastRecords.open(names.length, this.delim, this.exact) : null;
  }

  allocate(rows: number): void {
    this.cap = rows;
    for (let c = 0; c < this.names.length; c++) {
      if (this.kind[c] === NUM) this.num[c] = sharedFloat64(rows);
      else if (this.kind[c] === TEXT) this.text[c] = new TextColumn(0, rows);
    }
  }

  /**
   * Columns over given storage, for one byte range of a parallel read: numeric columns are the views
   * given (rows beyond `rows` would be grown into fresh arrays; the caller checks), text columns grow.
   */
  useColumns(num: (Float64Array | null)[], rows: number): void {
    this.cap = rows;
    for (let c = 0; c < this.names.length; c++) {
      if (this.kind[c] === NUM) this.num[c] = num[c];
      else if (this.kind[c] === TEXT) this.text[c] = new TextColumn(0, rows);
    }
  }

  private grow(): void {
    const cap = Math.ceil(this.cap * 1.25) + 1024;
    for (let c = 0; c < this.num.length; c++) {
      const old = this.num[c];
      if (!old) continue;
      const a = sharedFloat64(cap);
      a.set(old);
      this.num[c] = a;
    }
    this.cap = cap;
  }

  /**
   * Parse the records in buf[start, end), where buf[end-1] is a newline. Returns where parsing
   * stopped: end, or the start of a record whose quoted field runs past end (to be continued with
   * the next chunk), or where maxRows was reached.
   */
  parse(buf: Uint8Array, start: number, end: number, eof: boolean, maxRows: number): number {
    const ncol = this.names.length;
    const kind = this.kind;
    const num = this.num;
    const delim = this.delim;
    let p = start;
    let row = this.row;
    let line = this.line;
    if (this.fast && !this.fast.load(buf, start, end)) this.fast = null;
    // The plain records go to the WebAssembly reader, each record it leaves (and its blank lines) to the
    // loop below; after FAST_GIVE_UP reads in a row that found few records, the loop reads the rest.
    let tryFast = this.fast !== null;
    records: while (p < end && row < maxRows) {
      if (tryFast && this.fast) {
        if (row >= this.cap) this.grow();
        const limit = Math.min(maxRows, this.cap) - row;
        const got = this.fast.read(p, limit, num, row);
        row += got;
        line += got;
        p = this.fast.stop;
        if (got === limit || p >= end) continue;
        tryFast = false;
        this.fastMisses = got < FAST_MIN ? this.fastMisses + 1 : 0;
        if (this.fastMisses > FAST_GIVE_UP) this.fast = null;
      }
      let b = buf[p];
      if (b === LF) {
        p++;
        line++;
        continue;
      }
      if (b === CR) {
        p += buf[p + 1] === LF ? 2 : 1;
        line++;
        continue;
      }
      if (row >= this.cap) this.grow();
      const recStart = p;
      this.fieldLines = 0;
      let c = 0;
      for (;;) {
        let q = p;
        let done = false;
        if (kind[c] === NUM && this.exact[c] === 0) {
          // Fast path: an unquoted decimal number. Its first 15 significant digits accumulate in m
          // (exact), the next ones in lo (loDigits of them). m·10^e with at most 15 digits and
          // |e| ≤ 22 is exact in one operation (Clinger's fast path); up to 19 digits go through
          // decimalToDouble (decimal.ts); longer ones, and what it cannot decide, through Number().
          b = buf[q];
          let neg = false;
          if (b === MINUS) {
            neg = true;
            b = buf[++q];
          } else if (b === PLUS) b = buf[++q];
          let m = 0;
          let lo = 0;
          let loDigits = 0;
          let nd = 0;
          let e = 0;
          let integer = true;
          while (b >= 48 && b <= 57) {
            if (m < 1e14) m = m * 10 + (b - 48);
            else (lo = lo * 10 + (b - 48), loDigits++);
            nd++;
            b = buf[++q];
          }
          if (b === DOT) {
            integer = false;
            b = buf[++q];
            while (b >= 48 && b <= 57) {
              if (m < 1e14) m = m * 10 + (b - 48);
              else (lo = lo * 10 + (b - 48), loDigits++);
              nd++;
              e--;
              b = buf[++q];
            }
          }
          if (nd > 0 && (b === 101 || b === 69)) {
            let k = q + 1;
            let b2 = buf[k];
            let eneg = false;
            if (b2 === MINUS) {
              eneg = true;
              b2 = buf[++k];
            } else if (b2 === PLUS) b2 = buf[++k];
            let ex = 0;
            let ed = 0;
            while (b2 >= 48 && b2 <= 57) {
              ex = ex * 10 + (b2 - 48);
              ed++;
              b2 = buf[++k];
            }
            if (ed > 0) {
              integer = false;
              e += eneg ? -ex : ex;
              q = k;
              b = b2;
            } else nd = 0;
          }
          if (nd > 0 && (b === delim || b === LF || b === CR)) {
            if (loDigits === 0 && e >= -22 && e <= 22) {
              num[c]![row] = neg ? -(e >= 0 ? m * POW10[e] : m / POW10[-e]) : e >= 0 ? m * POW10[e] : m / POW10[-e];
              done = true;
            } else {
              let v = loDigits <= 4 ? decimalToDouble(m, lo, loDigits, e) : NaN;
              // Integers of 2^53 and more go to the general path, which keeps them exact as text.
              if (integer) {
                if (v < TWO53) {
                  num[c]![row] = neg ? -v : v;
                  done = true;
                }
              } else {
                if (v !== v) v = Number(latin1(buf, p, q));
                else if (neg) v = -v;
                if (Number.isFinite(v)) {
                  num[c]![row] = v;
                  done = true;
                }
              }
            }
            // Otherwise the general path: it refuses non-finite values and keeps wide integers exact.
          }
        }
        if (!done) {
          q = this.field(buf, p, end, c, row, line);
          if (q < 0) {
            if (eof) throw new DataError(`${this.file}: row ${row + 1} (line ${line}): a quoted field is never closed`, { file: this.file, row: row + 1 });
            for (const t of this.text) t?.truncate(row - t.fromRow);
            p = recStart;
            break records;
          }
        }
        b = buf[q];
        if (b === delim) {
          c++;
          p = q + 1;
          if (c < ncol) continue;
          throw this.fieldCountError(row, line, buf, recStart, end);
        }
        if (c !== ncol - 1) throw this.fieldCountError(row, line, buf, recStart, end);
        p = b === CR && buf[q + 1] === LF ? q + 2 : q + 1;
        break;
      }
      row++;
      line += 1 + this.fieldLines;
      tryFast = true;
    }
    this.row = row;
    this.line = line;
    return p;
  }

  /** General field at p (quoted or not): store it for column c; return the position after it, or -1 if it runs past end. */
  private field(buf: Uint8Array, p: number, end: number, c: number, row: number, line: number): number {
    const delim = this.delim;
    let q = p;
    let s = p;
    let e: number;
    let escaped = false;
    const fieldLine = line + this.fieldLines;
    if (buf[q] === QUOTE) {
      s = ++q;
      for (;;) {
        if (q >= end) return -1;
        const b = buf[q];
        if (b === QUOTE) {
          if (q + 1 < end && buf[q + 1] === QUOTE) {
            escaped = true;
            q += 2;
            continue;
          }
          e = q++;
          break;
        }
        if (b === LF) this.fieldLines++;
        q++;
      }
      const after = buf[q];
      if (after !== delim && after !== LF && after !== CR)
        throw new DataError(`${this.file}: row ${row + 1} (line ${fieldLine}), column '${this.names[c]}': unexpected text after a closing quote`, {
          file: this.file,
          row: row + 1,
          column: this.names[c],
        });
    } else {
      for (;;) {
        const b = buf[q];
        if (b === delim || b === LF || b === CR) break;
        q++;
      }
      e = q;
    }
    const k = this.kind[c];
    if (k === SKIP) return q;
    if (k === NUM) {
      if (isMissingToken(buf, s, e)) {
        this.num[c]![row] = NaN;
        this.missing[c] = 1;
        return q;
      }
      const v = escaped ? undefined : parseNumber(buf, s, e);
      if (this.exact[c] === 1 && !canonicalInteger(buf, s, e)) {
        this.becomeText(c, row);
        const value = decoder.decode(buf.subarray(s, e)).replaceAll('""', '"');
        this.firstText.set(c, `row ${row + 1} (line ${fieldLine}) has ${quoteValue(value)} (an id not written as a canonical integer, so every id is kept as written)`);
        return this.appendText(c, buf, s, e, escaped, q);
      }
      if (v !== undefined && !Number.isFinite(v)) {
        const value = latin1(buf, s, e).trim();
        throw new DataError(`${this.file}: row ${row + 1} (line ${fieldLine}), column '${this.names[c]}': ${quoteValue(value)} is beyond the range of a float64 number`, {
          file: this.file,
          row: row + 1,
          column: this.names[c],
        });
      }
      const wide = v !== undefined && Math.abs(v) >= TWO53 && !this.declaredNumeric.has(c) && /^\s*[+-]?\d+\s*$/.test(latin1(buf, s, e));
      if (v !== undefined && !wide) {
        this.num[c]![row] = v;
        return q;
      }
      if (this.declaredNumeric.has(c)) {
        const value = decoder.decode(buf.subarray(s, e)).replaceAll('""', '"');
        throw new DataError(`${this.file}: row ${row + 1} (line ${fieldLine}), column '${this.names[c]}': ${quoteValue(value)} is not a number`, {
          file: this.file,
          row: row + 1,
          column: this.names[c],
        });
      }
      this.becomeText(c, row);
      const value = decoder.decode(buf.subarray(s, e)).replaceAll('""', '"');
      const why = wide ? ' (an integer too wide for float64, kept exact as text)' : '';
      this.firstText.set(c, `row ${row + 1} (line ${fieldLine}) has ${quoteValue(value)}${why}`);
    }
    return this.appendText(c, buf, s, e, escaped, q);
  }

  private appendText(c: number, buf: Uint8Array, s: number, e: number, escaped: boolean, q: number): number {
    const t = this.text[c]!;
    if (isMissingToken(buf, s, e)) t.appendNull();
    else t.append(buf, s, e, escaped);
    return q;
  }

  private becomeText(c: number, row: number): void {
    this.fast = null;
    this.kind[c] = TEXT;
    this.num[c] = null;
    this.text[c] = new TextColumn(row, Math.max(16, this.cap - row));
    if (row > 0) this.lateText.set(c, row);
  }

  private fieldCountError(row: number, line: number, buf: Uint8Array, s: number, end: number): DataError {
    let n = 1;
    let quoted = false;
    for (let i = s; i < end; i++) {
      const b = buf[i];
      if (b === QUOTE) quoted = !quoted;
      else if (!quoted && b === this.delim) n++;
      else if (!quoted && b === LF) break;
    }
    return new DataError(`${this.file}: row ${row + 1} (line ${line}) has ${n} fields; the header has ${this.names.length}`, {
      file: this.file,
      row: row + 1,
    });
  }
}

/** Split the header record at buf[p..): names and the position after it, or null if it is not complete before end. */
export function parseHeader(buf: Uint8Array, p: number, end: number, delim: number): { names: string[]; next: number } | null {
  const names: string[] = [];
  let q = p;
  for (;;) {
    let s = q;
    let e: number;
    if (buf[q] === QUOTE) {
      s = ++q;
      while (q < end && !(buf[q] === QUOTE && buf[q + 1] !== QUOTE)) q += buf[q] === QUOTE ? 2 : 1;
      if (q >= end) return null;
      e = q++;
    } else {
      while (q < end && buf[q] !== delim && buf[q] !== LF && buf[q] !== CR) q++;
      if (q >= end) return null;
      e = q;
    }
    names.push(decoder.decode(buf.subarray(s, e)).replaceAll('""', '"').trim());
    if (buf[q] === delim) {
      q++;
      continue;
    }
    while (q < end && buf[q] !== LF && buf[q] !== CR) q++;
    if (q >= end || (buf[q] === CR && q + 1 >= end)) return null;
    return { names, next: buf[q] === CR && buf[q + 1] === LF ? q + 2 : q + 1 };
  }
}

/** Index of the last line break in buf[0, len) that surely ends a line (-1 if none): a CR as the last byte may be half of a CRLF. */
function lastLineBreak(buf: Uint8Array, len: number): number {
  if (len > 0 && buf[len - 1] === LF) return len - 1;
  for (let i = len - 2; i >= 0; i--) if (buf[i] === LF || buf[i] === CR) return i;
  return -1;
}

/**
 * One pass over the file: header, then records into `parser` until EOF or maxRows.
 * `sizeHint` gets (bytes of header, data rows estimated from the first chunk) once.
 */
export function scan(path: string, parser: CsvParser, opts: CsvOptions, maxRows: number, sizeHint?: (rows: number) => void): void {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.min(opts.chunkBytes ?? 1 << 20, size + 1) + 1);
    let len = 0;
    let filePos = 0;
    let eof = false;
    const fill = (): void => {
      while (!eof && len < buf.length - 1) {
        const n = readSync(fd, buf, len, buf.length - 1 - len, filePos);
        if (n === 0) eof = true;
        len += n;
        filePos += n;
      }
    };
    const enlarge = (): void => {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    };
    fill();
    let p = 0;
    if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
    while (p < len && (buf[p] === LF || buf[p] === CR || buf[p] === SPACE || buf[p] === TAB)) p++;
    if (p >= len && eof) throw new DataError(`${path}: the file is empty (no header row)`, { file: path });
    let header = eof ? null : parseHeader(buf, p, len, parser.delim);
    while (!header) {
      if (eof) {
        if (buf[len - 1] !== LF) buf[len++] = LF;
        header = parseHeader(buf, p, len, parser.delim);
        if (!header) throw new DataError(`${path}: the header row is never finished (an open quote?)`, { file: path });
        break;
      }
      enlarge();
      fill();
      header = parseHeader(buf, p, len, parser.delim);
    }
    if (!parser.names.length) parser.setHeader(header.names, opts);
    p = header.next;
    if (sizeHint) {
      let lines = countLineFeedsIn(buf.subarray(p, len)) ?? 0;
      if (lines === 0) for (let i = buf.indexOf(LF, p); i >= 0 && i < len; i = buf.indexOf(LF, i + 1)) lines++;
      if (lines === 0) for (let i = buf.indexOf(CR, p); i >= 0 && i < len; i = buf.indexOf(CR, i + 1)) lines++; // CR-only line ends
      const seen = len - p;
      sizeHint(eof ? lines + 1 : Math.ceil(((lines + 1) / Math.max(1, seen)) * (size - header.next) * 1.05) + 64);
    }
    for (;;) {
      let end: number;
      if (eof) {
        if (len > p && buf[len - 1] !== LF && buf[len - 1] !== CR) buf[len++] = LF;
        end = len;
      } else end = lastLineBreak(buf, len) + 1;
      if (end > p) p = parser.parse(buf, p, end, eof, maxRows);
      if (eof || parser.row >= maxRows) break;
      if (p === 0 && len >= buf.length - 1) enlarge();
      else {
        buf.copyWithin(0, p, len);
        len -= p;
        p = 0;
      }
      fill();
    }
  } finally {
    closeSync(fd);
  }
}

/** A byte range holds a quote or a carriage return: its line feeds may not be record ends, so it is read on one thread. */
export class NotPlain extends Error {}

/** Line feeds in bytes [from, to) of the file; NotPlain if those bytes hold a quote or a carriage return. */
export function countLines(path: string, from: number, to: number): number {
  const fd = openSync(path, 'r');
  try {
    const fast = countLineFeeds(fd, from, to, () => new NotPlain('the file is shorter than when it was split'));
    if (fast !== null) {
      if (fast < 0) throw new NotPlain('a quote or a carriage return');
      return fast;
    }
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(1 << 20, to - from)));
    let lines = 0;
    for (let pos = from; pos < to; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, to - pos), pos);
      if (n === 0) throw new NotPlain('the file is shorter than when it was split');
      pos += n;
      const b = n === buf.length ? buf : buf.subarray(0, n);
      if (b.indexOf(QUOTE) >= 0 || b.indexOf(CR) >= 0) throw new NotPlain('a quote or a carriage return');
      for (let i = b.indexOf(LF); i >= 0; i = b.indexOf(LF, i + 1)) lines++;
    }
    return lines;
  } finally {
    closeSync(fd);
  }
}

/** One byte range of a parallel read: [from, to) starts a line and ends after a line feed or at the end of the file. */
export interface RangeJob {
  path: string;
  delim: number;
  /** The header's names, as CsvParser.setHeader left them. */
  names: string[];
  numeric?: string[];
  text?: string[];
  ids?: string[];
  from: number;
  to: number;
  /** Whether `to` is the end of the file. */
  last: boolean;
}

/** Where a range's rows go: numeric column c at rows [offset, offset + cap) of columns[c] (Float64, shared). */
export interface RangeStorage {
  columns: (SharedArrayBuffer | null)[];
  offset: number;
  cap: number;
  /** File line (1-based) of the range's first byte. */
  line: number;
}

/** A range's text column: its rows [0, rows) (a TextColumn's arrays). */
export interface TextPart {
  offsets: Int32Array;
  present: Uint8Array;
  bytes: Uint8Array;
  rows: number;
}

/**
 * What a range parsed to, or ok: false when it cannot be used as it is (an error in the data, a quote
 * or carriage return, a column that turned to text after some numeric rows, rows beyond the storage):
 * the caller then reads the whole file on one thread, which gives the exact result or error.
 */
export type RangeResult =
  | {
      ok: true;
      rows: number;
      kind: number[];
      text: (TextPart | null)[];
      /** Columns that turned from numeric to text (at the range's first row): column → where. */
      firstText: [number, string][];
      /** CsvParser.missing: 1 where a numeric column holds a missing value. */
      missing: number[];
    }
  | { ok: false; why: string };

/** Parse one range into its storage (see RangeResult). */
export function parseRange(job: RangeJob, storage: RangeStorage): RangeResult {
  try {
    const parser = new CsvParser(job.path, job.delim);
    parser.setHeader([...job.names], { numeric: job.numeric, text: job.text, ids: job.ids });
    const views = storage.columns.map((b) => (b ? new Float64Array(b, storage.offset * 8, storage.cap) : null));
    parser.useColumns(views, storage.cap);
    parser.line = storage.line;
    scanRange(job, parser);
    if (parser.lateText.size > 0) return { ok: false, why: 'a column turned to text after numeric rows' };
    const text: (TextPart | null)[] = [];
    for (let c = 0; c < job.names.length; c++) {
      if (parser.num[c] && parser.num[c] !== views[c]) return { ok: false, why: 'more rows than the storage' };
      const t = parser.text[c];
      if (t && t.fromRow !== 0) return { ok: false, why: 'a column turned to text after numeric rows' };
      text.push(t ? { offsets: t.offsets, present: t.present, bytes: t.bytes, rows: t.count } : null);
    }
    return { ok: true, rows: parser.row, kind: [...parser.kind], text, firstText: [...parser.firstText], missing: [...parser.missing] };
  } catch (err) {
    return { ok: false, why: String(err) };
  }
}

/** Parse the records of job's byte range into `parser`, chunk by chunk; NotPlain on a quote or a carriage return. */
function scanRange(job: RangeJob, parser: CsvParser, chunkBytes = 1 << 20): void {
  const { from, to } = job;
  const fd = openSync(job.path, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.min(chunkBytes, to - from + 1) + 1);
    let len = 0;
    let pos = from;
    let p = 0;
    for (;;) {
      const before = len;
      while (pos < to && len < buf.length - 1) {
        const n = readSync(fd, buf, len, Math.min(buf.length - 1 - len, to - pos), pos);
        if (n === 0) throw new NotPlain('the file is shorter than when it was split');
        len += n;
        pos += n;
      }
      const fresh = buf.subarray(before, len);
      if (fresh.indexOf(QUOTE) >= 0 || fresh.indexOf(CR) >= 0) throw new NotPlain('a quote or a carriage return');
      const eof = pos >= to;
      if (eof && !job.last && buf[len - 1] !== LF) throw new NotPlain('the range does not end a line');
      if (eof && job.last && len > p && buf[len - 1] !== LF) buf[len++] = LF;
      const end = eof ? len : lastLineBreak(buf, len) + 1;
      if (end > p) p = parser.parse(buf, p, end, eof, Infinity);
      if (eof) return;
      if (p === 0 && len >= buf.length - 1) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      } else {
        buf.copyWithin(0, p, len);
        len -= p;
        p = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
}
