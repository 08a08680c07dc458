// Typed errors: each carries where the fault is, so the CLI can print it and exit non-zero.

/** Bad input data: a file, row, column or value at fault. */
export class DataError extends Error {
  constructor(message: string, readonly where: { file?: string; row?: number; column?: string } = {}) {
    super(message);
    this.name = 'DataError';
  }
}

/** A model specification or option that cannot be honoured. */
export class SpecError extends Error {
  constructor(message: string, readonly option?: string) {
    super(message);
    this.name = 'SpecError';
  }
}

/** Whether an error is memory refused: V8's allocation failures and WebAssembly's (a virtual-memory
 *  limit, ulimit -v, below the address space WebAssembly reserves; data larger than memory). Not any
 *  RangeError: a damaged binary file gives those too, reading past its end. */
export function isOutOfMemory(err: unknown): err is Error {
  return err instanceof Error && /out of memory|Array buffer allocation failed|Unable to grow instance memory|Cannot allocate/i.test(err.message);
}

/** What the one-line memory messages (read.ts, main.ts) add as a cause. */
export const MEMORY_LIMIT_HINT = 'a virtual-memory limit (ulimit -v) can cause this';

/** Longest data value a message quotes whole; a longer one is cut, ending in "…". */
export const QUOTED_MAX = 80;

/** `text` cut to QUOTED_MAX characters, the last of them "…" when anything was cut. */
export function shortened(text: string): string {
  return text.length > QUOTED_MAX ? `${text.slice(0, QUOTED_MAX - 1)}…` : text;
}

/**
 * A data value as a message quotes it: in single quotes, at most QUOTED_MAX characters, control
 * characters escaped as JSON writes them (\n, \u001b): a message once printed a 6 MB field whole, and
 * a field's terminal escape sequences reached the terminal raw.
 */
export function quoteValue(value: string): string {
  return `'${shortened(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const json = JSON.stringify(c);
    return json.length > 3 ? json.slice(1, -1) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  })}'`;
}
