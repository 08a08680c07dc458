// Panel: rows sorted by (unit, time), integer time, per-unit row offsets, numeric columns as
// Float64Array (NaN = missing) and other columns as strings. Built from an Arrow Table.
// Times are kept as float64 integers, exact within ±2^53 (64-bit integer times beyond are refused,
// never wrapped or rounded); ids are exact whatever their width (ids.ts).
import { DataType, type Table, type Vector } from '../data/arrow-core.ts';
import { NOT_NUMERIC } from '../data/build.ts';
import { isNumericType, refuseInfinite, toFloat64 } from '../data/columns.ts';
import { oneColumnHeader } from '../data/one-column-header.ts';
import { rowPair } from '../data/row-place.ts';
import { DataError, quoteValue } from '../errors.ts';
import { EXACT_INTEGER, unitIds } from './ids.ts';

export interface PanelExclusions {
  /** Rows dropped because the unit id was missing. */
  missingUnit: number;
  /** Rows dropped because the time value was missing. */
  missingTime: number;
}

/** A Panel as plain data (Panel.toWire). */
export interface PanelWire {
  idName: string;
  timeName: string;
  /** The unit labels (numeric ids typed, as the panel holds them), or only their count where the
   *  receiver does not read them (toWire). */
  units: ReadonlyArray<string | number> | Float64Array | { count: number };
  offsets: Int32Array;
  unitOf: Int32Array;
  time: Float64Array;
  numeric: Map<string, Float64Array>;
  text: Map<string, ReadonlyArray<string | null>>;
  exclusions: PanelExclusions;
  source: string;
}

export class Panel {
  constructor(
    /** Name of the unit (id) column. */
    readonly idName: string,
    /** Name of the time column. */
    readonly timeName: string,
    /** Label of each unit, in sorted order; numeric ids may come as a Float64Array (see `units`). */
    labels: ReadonlyArray<string | number> | Float64Array,
    /** offsets[i]..offsets[i+1] are the rows of unit i; length N+1. */
    readonly offsets: Int32Array,
    /** Unit index of each row. */
    readonly unitOf: Int32Array,
    /** Integer time of each row (exact float64 integers), strictly increasing within a unit. */
    readonly time: Float64Array,
    private readonly numeric: Map<string, Float64Array>,
    private readonly text: Map<string, ReadonlyArray<string | null>>,
    readonly exclusions: PanelExclusions = { missingUnit: 0, missingTime: 0 },
    /** Where the data came from, for error messages. */
    readonly source = '',
    /** Warnings about the data that are not errors (ids with leading or trailing blanks). */
    readonly notes: readonly string[] = [],
    /** Text columns: where the first non-number is, when the reader says (CSV). */
    readonly whyText: ReadonlyMap<string, string> = new Map(),
  ) {
    if (labels instanceof Float64Array) this.idNumbers = labels;
    else this.labelArray = labels;
  }

  /** Numeric unit ids as given (typed), or null. */
  private readonly idNumbers: Float64Array | null = null;
  private labelArray: ReadonlyArray<string | number> | null = null;

  /** Label of each unit, in sorted order. Numeric ids given typed (Panel.fromTable) become an array
   *  when first read: an estimate reads none, and a million of them cost ~70 ms to make. */
  get units(): ReadonlyArray<string | number> {
    if (this.labelArray) return this.labelArray;
    const ids = this.idNumbers!;
    const out: number[] = [];
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
    return (this.labelArray = out);
  }
  /** The labels as given: an array, or numeric ids typed. */
  private get labels(): ReadonlyArray<string | number> | Float64Array {
    return this.idNumbers ?? this.labelArray!;
  }

  get nrows(): number {
    return this.time.length;
  }
  get nunits(): number {
    return this.offsets.length - 1;
  }
  /** Smallest and largest time value in the panel. */
  get timeRange(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of this.time) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    return [lo, hi];
  }

  has(name: string): boolean {
    return this.numeric.has(name) || this.text.has(name) || name === this.idName || name === this.timeName;
  }
  isNumeric(name: string): boolean {
    return this.numeric.has(name) || name === this.timeName || (name === this.idName && this.numericIds);
  }
  private get numericIds(): boolean {
    return this.idNumbers !== null || typeof this.units[0] === 'number';
  }
  /** All column names, numeric first in their original order. */
  names(): string[] {
    return [...this.numeric.keys(), ...this.text.keys()];
  }
  /** The names a model command may use: the id and time columns (cluster(id), the year as a regressor),
   *  then every other column (names()). */
  variables(): string[] {
    return [this.idName, this.timeName, ...this.names()];
  }
  numericNames(): string[] {
    return [...this.numeric.keys()];
  }

  /** A numeric column in panel row order (NaN = missing). The time column is available too. */
  column(name: string): Float64Array {
    const c = this.numeric.get(name);
    if (c) return c;
    if (name === this.timeName) return Float64Array.from(this.time);
    if (name === this.idName && this.numericIds) {
      const ids = this.labels as ArrayLike<number>;
      const out = new Float64Array(this.nrows);
      for (let r = 0; r < out.length; r++) out[r] = ids[this.unitOf[r]];
      return out;
    }
    if (this.text.has(name) || name === this.idName) throw new DataError(`column '${name}' is not numeric${this.where()}${this.textReason(name)}`, { column: name });
    throw new DataError(`unknown column '${name}'${this.where()}; columns are: ${this.names().join(', ')}`, {
      column: name,
    });
  }

  /** A text column (or the unit labels per row for the id column). */
  textColumn(name: string): ReadonlyArray<string | null> {
    const c = this.text.get(name);
    if (c) return c;
    if (name === this.idName) return Array.from(this.unitOf, (u) => String(this.units[u]));
    throw new DataError(`unknown text column '${name}'${this.where()}`, { column: name });
  }

  /**
   * The panel as plain data for another thread (postMessage's structured clone: typed arrays on a
   * SharedArrayBuffer are shared, others copied), with only the named columns (Panel.fromWire).
   * Without `labels`, only the count of units goes: labels held as an array (text ids, or numeric ids
   * once read) are copied one element at a time (a million: ~90 ms before the receiving thread can
   * start); numeric ids still typed go as one block.
   */
  toWire(columns: readonly string[], { labels = true }: { labels?: boolean } = {}): PanelWire {
    const pick = <T>(m: Map<string, T>) => new Map([...m].filter(([name]) => columns.includes(name)));
    return {
      idName: this.idName,
      timeName: this.timeName,
      units: labels ? this.labels : { count: this.nunits },
      offsets: this.offsets,
      unitOf: this.unitOf,
      time: this.time,
      numeric: pick(this.numeric),
      text: pick(this.text),
      exclusions: this.exclusions,
      source: this.source,
    };
  }

  /** The panel of a wire; sent without labels, its units have none (units[i] is undefined). */
  static fromWire(w: PanelWire): Panel {
    const units = 'count' in w.units ? new Array<string | number>(w.units.count) : w.units;
    return new Panel(w.idName, w.timeName, units, w.offsets, w.unitOf, w.time, w.numeric, w.text, w.exclusions, w.source);
  }

  /** A panel with one more (or a replaced) numeric column; the structure is shared. */
  withColumn(name: string, values: Float64Array): Panel {
    if (values.length !== this.nrows) throw new Error(`withColumn('${name}'): ${values.length} values for ${this.nrows} rows`);
    const numeric = new Map(this.numeric);
    numeric.set(name, values);
    return new Panel(this.idName, this.timeName, this.labels, this.offsets, this.unitOf, this.time, numeric, this.text, this.exclusions, this.source, this.notes, this.whyText);
  }

  /** The sub-panel of the units for which keep(unit index) is true. */
  selectUnits(keep: (unit: number) => boolean): Panel {
    const rows: number[] = [];
    const units: (string | number)[] = [];
    const offsets: number[] = [0];
    for (let i = 0; i < this.nunits; i++) {
      if (!keep(i)) continue;
      for (let r = this.offsets[i]; r < this.offsets[i + 1]; r++) rows.push(r);
      units.push(this.units[i]);
      offsets.push(rows.length);
    }
    return this.subset(rows, units, Int32Array.from(offsets));
  }

  /** The sub-panel of the rows for which keep(row) is true (units left empty are dropped). */
  selectRows(keep: (row: number) => boolean): Panel {
    const rows: number[] = [];
    const units: (string | number)[] = [];
    const offsets: number[] = [0];
    for (let i = 0; i < this.nunits; i++) {
      const before = rows.length;
      for (let r = this.offsets[i]; r < this.offsets[i + 1]; r++) if (keep(r)) rows.push(r);
      if (rows.length > before) {
        units.push(this.units[i]);
        offsets.push(rows.length);
      }
    }
    return this.subset(rows, units, Int32Array.from(offsets));
  }

  /**
   * A panel of the given rows (panel row indices, which may repeat) grouped into units: unit i has
   * label units[i] and the rows at offsets[i]..offsets[i+1] of `rows`. Every column is copied.
   */
  subset(rows: number[], units: (string | number)[], offsets: Int32Array): Panel {
    const unitOf = new Int32Array(rows.length);
    for (let i = 0; i < units.length; i++) unitOf.fill(i, offsets[i], offsets[i + 1]);
    const time = Float64Array.from(rows, (r) => this.time[r]);
    const numeric = new Map<string, Float64Array>();
    for (const [k, v] of this.numeric) numeric.set(k, Float64Array.from(rows, (r) => v[r]));
    const text = new Map<string, ReadonlyArray<string | null>>();
    for (const [k, v] of this.text) text.set(k, rows.map((r) => v[r]));
    return new Panel(this.idName, this.timeName, units, offsets, unitOf, time, numeric, text, this.exclusions, this.source, this.notes, this.whyText);
  }

  /** " (first non-number: row 5 (line 6) has 'inf')" for a text column the reader explained, else its
   *  first value and where it is; "" for a column that is not text. */
  textReason(name: string): string {
    const why = this.whyText.get(name);
    if (why) return ` (first non-number: ${why})`;
    // A text column of a Table (no reader said why): its first value, where it is.
    const col = this.text.get(name);
    if (!col) return '';
    for (let r = 0; r < col.length; r++) {
      const v = col[r];
      if (v !== null && v !== '') return ` (a text column: ${quoteValue(v)} at ${this.idName} ${this.units[this.unitOf[r]]}, ${this.timeName} ${this.time[r]})`;
    }
    return ' (a text column without values)';
  }

  private where(): string {
    return this.source ? ` in ${this.source}` : '';
  }

  /**
   * Build a panel from an Arrow table: validate the id and time columns, drop (and count) rows
   * whose id or time is missing, sort by (unit, time), refuse duplicate (unit, time) pairs.
   * Numeric columns are read from Arrow's typed arrays; when the table is already sorted and
   * complete, a Float64 column without nulls is shared with the table, not copied (read-only).
   */
  static fromTable(table: Table, opts: { id: string; time: string; source?: string }): Panel {
    const source = opts.source ?? '';
    const at = source ? ` in ${source}` : '';
    const names = table.schema.fields.map((f) => f.name);
    for (const [opt, col] of [['--id', opts.id], ['--time', opts.time]] as const) {
      if (!names.includes(col)) {
        const one = oneColumnHeader(names);
        throw new DataError(`${opt} column '${col}' not found${at}${one ? `: ${one} (--delimiter, or leave it out to detect it)` : `; columns are: ${names.join(', ')}`}`, { file: source, column: col });
      }
    }
    if (opts.id === opts.time) throw new DataError(`--id and --time name the same column '${opts.id}'${at}`, { file: source, column: opts.id });
    const n = table.numRows;
    if (n === 0) throw new DataError(`no data rows${at}`, { file: source });
    const idVec = table.getChild(opts.id)!;
    const timeVec = table.getChild(opts.time)!;
    const ids = unitIds(idVec, opts.id, at, source);
    const tt = timeVec.type;
    // A date's number is days or milliseconds since 1970, not a period count: 2003 and 2004 would be 365 or 31,536,000,000 apart.
    if (DataType.isDate(tt) || DataType.isTimestamp(tt) || DataType.isTime(tt) || DataType.isInterval(tt) || DataType.isDuration(tt))
      throw new DataError(`time column '${opts.time}' is of type ${tt}${at}; periods are integers: give the year (or another whole-number period) as a number column`, {
        file: source,
        column: opts.time,
      });
    const timeRaw = isNumericType(timeVec.type) ? toFloat64(timeVec) : timeFromText(textValues(timeVec), opts.time, at, source);
    // Keep rows with both id and time; count the others. The list of kept rows is made at the first
    // row dropped (until then the r-th row kept is row r): a fresh 4-byte-per-row array is not free.
    let missingUnit = 0;
    let missingTime = 0;
    let keptAll: Int32Array | null = null;
    let m = 0;
    const idNumbers = ids.numbers;
    for (let r = 0; r < n; r++) {
      const noUnit = idNumbers ? idNumbers[r] !== idNumbers[r] : ids.key(r) === null;
      if (noUnit || Number.isNaN(timeRaw[r])) {
        keptAll ??= firstRows(n, m);
        if (noUnit) missingUnit++;
        else missingTime++;
      } else {
        const t = timeRaw[r];
        if (!Number.isInteger(t))
          throw new DataError(`time column '${opts.time}' must be integer-valued: row ${r + 1} has ${t}${at}`, {
            file: source,
            row: r + 1,
            column: opts.time,
          });
        if (Math.abs(t) >= EXACT_INTEGER)
          throw new DataError(
            `time column '${opts.time}': row ${r + 1} has ${exactTime(timeVec, r, t)}${at}, beyond ±2^53 where integer times are no longer exact`,
            { file: source, row: r + 1, column: opts.time },
          );
        if (keptAll) keptAll[m] = r;
        m++;
      }
    }
    if (m === 0) throw new DataError(`no rows with both '${opts.id}' and '${opts.time}' present${at}`, { file: source });
    // On a SharedArrayBuffer: a threaded estimate's workers read the unit codes without a copy (src/gmm/threaded.ts).
    const code: Int32Array = new Int32Array(new SharedArrayBuffer(4 * m));
    // Numeric ids, every row kept and already in (id, time) order (the common case): unit codes from
    // typed scans of the columns, without the list of kept rows.
    const inOrder = idNumbers && !keptAll ? sortedNumericUnits(idNumbers, timeRaw, code) : null;
    const kept = keptAll ? keptAll.subarray(0, m) : inOrder ? new Int32Array(0) : firstRows(n, n);
    const idOf = (r: number): string | number | bigint => ids.key(r)!;
    const less = (a: string | number | bigint, b: string | number | bigint): boolean => a < b;
    // Unit codes: in one scan when the rows already come sorted by (unit, time), else by sorting.
    let sorted = true;
    for (let j = 1; j < m && sorted && !inOrder; j++) {
      const a = idOf(kept[j - 1]);
      const b = idOf(kept[j]);
      sorted = less(a, b) || (a === b && timeRaw[kept[j - 1]] < timeRaw[kept[j]]);
    }
    // Rows in panel order, as positions in `kept` (null: already in order).
    let order: Int32Array | null = null;
    let keys: (string | number | bigint)[] = [];
    if (inOrder) {
      // Codes, ids and offsets came with the scan.
    } else if (sorted) {
      keys = [idOf(kept[0])];
      for (let j = 1; j < m; j++) {
        const id = idOf(kept[j]);
        if (id !== keys[keys.length - 1]) keys.push(id);
        code[j] = keys.length - 1;
      }
    } else {
      keys = [...new Set(Array.from(kept, idOf))];
      keys.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
      const unitCode = new Map<string | number | bigint, number>();
      keys.forEach((l, i) => unitCode.set(l, i));
      for (let j = 0; j < m; j++) code[j] = unitCode.get(idOf(kept[j]))!;
      order = Int32Array.from({ length: m }, (_, j) => j);
      order.sort((a, b) => code[a] - code[b] || timeRaw[kept[a]] - timeRaw[kept[b]]);
    }
    // Numeric ids are their own labels: the keys as they are (a million units: ~0.1 s less than a copy).
    const labels = inOrder ? inOrder.ids : ids.numbers ? (keys as number[]) : keys.map((k) => ids.label(k));
    // Duplicates: (unit, time) pairs must be unique (rows found in order have strictly increasing times within a unit).
    const dups: string[] = [];
    let ndup = 0;
    for (let j = 1; order && j < m; j++) {
      const a = order[j - 1];
      const b = order[j];
      if (code[a] === code[b] && timeRaw[kept[a]] === timeRaw[kept[b]]) {
        ndup++;
        if (dups.length < 5) dups.push(`(${opts.id}=${labels[code[b]]}, ${opts.time}=${timeRaw[kept[b]]}) at ${rowPair(table, kept[a], kept[b])}`);
      }
    }
    if (ndup > 0)
      throw new DataError(`${ndup} duplicate (${opts.id}, ${opts.time}) pair(s)${at}: ${dups.join('; ')}${ndup > dups.length ? '; ...' : ''}`, {
        file: source,
      });
    // Sorted input (the common case) takes kept rows, codes and times as they are, without copies.
    let rows = kept;
    let unitOf = code;
    let time = m === n && !order ? timeRaw : null;
    if (order) {
      rows = new Int32Array(m);
      unitOf = new Int32Array(m);
      for (let j = 0; j < m; j++) {
        rows[j] = kept[order[j]];
        unitOf[j] = code[order[j]];
      }
    }
    if (!time) {
      time = new Float64Array(m);
      for (let j = 0; j < m; j++) time[j] = timeRaw[rows[j]];
    }
    const identity = m === n && sorted;
    let offsets = inOrder?.offsets;
    if (!offsets) {
      offsets = new Int32Array(labels.length + 1);
      for (let j = 0; j < m; j++) offsets[unitOf[j] + 1]++;
      for (let i = 0; i < labels.length; i++) offsets[i + 1] += offsets[i];
    }
    const numeric = new Map<string, Float64Array>();
    const text = new Map<string, ReadonlyArray<string | null>>();
    const whyText = new Map<string, string>();
    for (const field of table.schema.fields) {
      const why = field.metadata.get(NOT_NUMERIC);
      if (why !== undefined) whyText.set(field.name, why);
      if (field.name === opts.id || field.name === opts.time) continue;
      const vec = table.getChild(field.name)!;
      if (isNumericType(field.type)) {
        const all = toFloat64(vec);
        // A file's reader refuses ±Infinity too (read.ts); this catches a Table built in memory, and a shard's.
        if (DataType.isFloat(field.type) || DataType.isDecimal(field.type)) refuseInfinite(all, field.name, source);
        numeric.set(field.name, identity ? all : gather(all, rows));
      } else {
        const all = textValues(vec);
        text.set(field.name, identity ? all : Array.from(rows, (r) => all[r]));
      }
    }
    const notes: string[] = [];
    if (ids.blanks.count > 0) {
      const r = ids.blanks.firstRow;
      notes.push(
        `${ids.blanks.count} row(s) of ${opts.id}${at} have leading or trailing blanks, e.g. row ${r + 1}: ${quoteValue(String(ids.key(r)))}; ids are compared as written, so that is not the unit ${quoteValue(String(ids.key(r)).trim())}`,
      );
    }
    return new Panel(opts.id, opts.time, labels, offsets, unitOf, time, numeric, text, { missingUnit, missingTime }, source, notes, whyText);
  }
}

/** Rows 0..count-1 of an n-row list. */
function firstRows(n: number, count: number): Int32Array {
  const rows = new Int32Array(n);
  for (let r = 0; r < count; r++) rows[r] = r;
  return rows;
}

/**
 * Numeric ids (NaN-free) when all rows are in (id, time) order: each row's unit code (into `code`),
 * the distinct ids in order and each unit's first row (offsets), in one scan; null when the rows are
 * not in order (codes written before a row out of order is found are overwritten by the caller's sort).
 */
function sortedNumericUnits(id: Float64Array, time: Float64Array, code: Int32Array): { ids: Float64Array; offsets: Int32Array } | null {
  const m = code.length;
  // Room for a unit a row: only the first units + 1 entries are written, and fresh memory that is
  // never written is never provided; the results are copied out at their size.
  const ids = new Float64Array(m);
  const starts = new Int32Array(m + 1);
  let last = id[0];
  let lastTime = time[0];
  ids[0] = last;
  let k = 0;
  for (let r = 1; r < m; r++) {
    const x = id[r];
    const t = time[r];
    if (x !== last) {
      if (!(last < x)) return null;
      last = x;
      ids[++k] = x;
      starts[k] = r;
    } else if (!(lastTime < t)) return null;
    lastTime = t;
    code[r] = k;
  }
  starts[k + 1] = m;
  return { ids: ids.slice(0, k + 1), offsets: starts.slice(0, k + 2) };
}

function gather(all: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = all[rows[j]];
  return out;
}

/** A column as strings (null for missing; empty strings count as missing). */
function textValues(vec: Vector): (string | null)[] {
  const out: (string | null)[] = new Array(vec.length);
  let r = 0;
  for (const v of vec) {
    out[r++] = v === null || v === undefined || v === '' ? null : String(v);
  }
  return out;
}

/** A time value as stored: 64-bit integers and text exactly (float64 would round them), others as numbers. */
function exactTime(vec: Vector, row: number, t: number): string {
  return DataType.isInt(vec.type) || !isNumericType(vec.type) ? String(vec.get(row)) : String(t);
}

/** A text time column read as numbers: empty → missing; anything else must be a number. */
function timeFromText(values: (string | null)[], name: string, at: string, source: string): Float64Array {
  return Float64Array.from(values, (s, r) => {
    if (s === null || s.trim() === '' || s === 'NA' || s === '.') return NaN;
    const v = Number(s);
    if (Number.isNaN(v))
      throw new DataError(`time column '${name}' must be integer-valued: row ${r + 1} has ${quoteValue(s)}${at}`, { file: source, row: r + 1, column: name });
    return v;
  });
}
