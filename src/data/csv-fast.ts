// Two loops of the CSV reader on WebAssembly (src/kernels/wasm/kernels.wat):
// - `csvrecords` reads the records whose every field is an unquoted decimal number, each value the
//   correctly rounded double CsvParser.parse gives (csv-parse.ts; the digits eight at a time as one
//   integer where they can), so the columns are the same to the bit (test/data-csv-fast.test.ts). It
//   stops at the first record that is not plain (a missing value, a quote, a carriage return, a blank
//   line, a number it cannot decide, which the TypeScript would hand to Number()), which the
//   TypeScript then reads. Why: WebAssembly runs compiled from its first call, where the
//   TypeScript loop runs in V8's interpreter until it is optimized (most of a small file's read), and
//   its loop has no bounds checks.
// - `countlines` counts the line feeds by which the threaded reader places its byte ranges, 16 bytes
//   at a time instead of one indexOf call a line.
// Neither where the runtime lacks WebAssembly SIMD (the module needs it), or when turned off
// (useWasmCsv): the TypeScript loops then run.
import { readSync } from 'node:fs';
import { growMemory, kernelInstance } from '../kernels/wasm/module.ts';

interface CsvExports {
  memory: WebAssembly.Memory;
  csvrecords(p: number, end: number, ncol: number, delim: number, out: number, stride: number, maxRows: number, pow10: number, exact: number): number;
  countlines(p: number, len: number): number;
}

/** Byte 0 holds where the kernel stopped; 10^0..10^22 from POW10_AT; the values from OUT_AT, then a byte
 *  per column (1: a unit id), then the chunk's bytes. */
const POW10_AT = 8;
const OUT_AT = 256;
/** Values a call leaves in the instance's memory at most (rows × columns), before they are copied out. */
const OUT_VALUES = 1 << 16;

let instance: CsvExports | null | undefined;
let enabled = true;

/** Read plain records on WebAssembly where the runtime can (true, the default) or in TypeScript only. */
export function useWasmCsv(on: boolean): void {
  enabled = on;
}

function csvKernel(): CsvExports | null {
  if (instance === undefined) {
    instance = kernelInstance<CsvExports>();
    if (instance) {
      growMemory(instance.memory, OUT_AT);
      const f64 = new Float64Array(instance.memory.buffer, POW10_AT, 23);
      for (let i = 0; i <= 22; i++) f64[i] = Number(`1e${i}`);
    }
  }
  return instance;
}

/** Bytes of a file counted at a time by countLineFeeds. */
const COUNT_CHUNK = 1 << 20;

/**
 * The line feeds in bytes [from, to) of the open file `fd`, read straight into the kernel's memory and
 * counted 16 bytes at a time (kernel countlines); -1 when those bytes hold a quote or a carriage
 * return; null without the kernel (turned off, no WebAssembly SIMD, or no memory for its chunk).
 * `short` is thrown when the file ends before `to`.
 */
export function countLineFeeds(fd: number, from: number, to: number, short: () => Error): number | null {
  const k = enabled ? csvKernel() : null;
  if (!k) return null;
  // From OUT_AT: no read of FastRecords is under way while a file is counted (both run to their end).
  try {
    growMemory(k.memory, OUT_AT + COUNT_CHUNK);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(k.memory.buffer, OUT_AT, COUNT_CHUNK);
  let lines = 0;
  for (let pos = from; pos < to; ) {
    const n = readSync(fd, bytes, 0, Math.min(COUNT_CHUNK, to - pos), pos);
    if (n === 0) throw short();
    pos += n;
    const c = k.countlines(OUT_AT, n);
    if (c < 0) return -1;
    lines += c;
  }
  return lines;
}

/** The line feeds in `bytes` counted 16 bytes at a time (kernel countlines) after a copy into the
 *  kernel's memory; null where they hold a quote or a carriage return, or without the kernel (the
 *  caller then counts with indexOf, one call a line: 11–15 ms for a first chunk of 1 MiB, 22,000 lines,
 *  in a fresh process, against 0.6 ms). */
export function countLineFeedsIn(bytes: Uint8Array): number | null {
  const k = enabled ? csvKernel() : null;
  if (!k) return null;
  try {
    growMemory(k.memory, OUT_AT + bytes.length);
  } catch {
    return null;
  }
  // As in countLineFeeds: no read of FastRecords is under way (scan counts before it parses).
  new Uint8Array(k.memory.buffer, OUT_AT, bytes.length).set(bytes);
  const c = k.countlines(OUT_AT, bytes.length);
  return c < 0 ? null : c;
}

/** One thread's reader of plain records for a file of `ncol` numeric columns. */
export class FastRecords {
  private readonly stride: number;
  private readonly exactAt: number;
  private readonly bytesAt: number;
  private base = 0;
  private end = 0;
  /** Where the last read stopped (a position in the chunk's buffer). */
  stop = 0;

  private constructor(
    private readonly k: CsvExports,
    private readonly ncol: number,
    private readonly delim: number,
    private readonly exact: Uint8Array,
  ) {
    this.stride = Math.max(1, Math.floor(OUT_VALUES / ncol));
    this.exactAt = OUT_AT + this.stride * ncol * 8;
    this.bytesAt = this.exactAt + Math.ceil(ncol / 8) * 8;
  }

  /** The reader, or null (no kernel, turned off, or no columns). `exact`: 1 for each unit-id column,
   *  whose values must be written as canonical integers (a record where one is not is left to the caller). */
  static open(ncol: number, delim: number, exact: Uint8Array): FastRecords | null {
    const k = enabled && ncol > 0 ? csvKernel() : null;
    return k ? new FastRecords(k, ncol, delim, exact) : null;
  }

  /** Copy buf[from, end) (whole records) into the instance's memory: the chunk the next reads see;
   *  false when the memory cannot grow that far (the caller then parses without the kernel). */
  load(buf: Uint8Array, from: number, end: number): boolean {
    try {
      growMemory(this.k.memory, this.bytesAt + (end - from));
    } catch {
      return false;
    }
    new Uint8Array(this.k.memory.buffer, this.exactAt, this.ncol).set(this.exact);
    new Uint8Array(this.k.memory.buffer, this.bytesAt, end - from).set(buf.subarray(from, end));
    this.base = from;
    this.end = end;
    return true;
  }

  /**
   * Plain records from buf position p (in the loaded chunk), at most maxRows of them, into the columns
   * `num` from row `row`: the records read; `stop` is where reading stopped (the end of the chunk, or
   * the start of a record that is not plain).
   */
  read(p: number, maxRows: number, num: (Float64Array | null)[], row: number): number {
    const { k, ncol, stride, bytesAt } = this;
    const shift = bytesAt - this.base;
    const end = this.end + shift;
    let at = p + shift;
    let total = 0;
    for (;;) {
      const want = Math.min(stride, maxRows - total);
      const got = k.csvrecords(at, end, ncol, this.delim, OUT_AT, stride, want, POW10_AT, this.exactAt);
      if (got > 0) {
        const f64 = new Float64Array(k.memory.buffer, OUT_AT, stride * ncol);
        for (let c = 0; c < ncol; c++) num[c]!.set(f64.subarray(c * stride, c * stride + got), row + total);
      }
      total += got;
      at = new Int32Array(k.memory.buffer, 0, 1)[0]!;
      if (got < want || total === maxRows || at >= end) break;
    }
    this.stop = at - shift;
    return total;
  }
}
