// A whole-number option of the command line (--reps, --seed, --jobs, ...): digits only (an empty
// value is not 0, as Number('') would have it, nor is 1e3 a count), at least `min`, and exact in a
// float64 (at most 2^53 − 1). Also the inverse for messages: a whole number written with commas.
import { SpecError } from './errors.ts';

export function wholeNumber(value: string, option: string, min: number): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (n >= min && !Number.isSafeInteger(n)) throw new SpecError(`${option} must be at most ${Number.MAX_SAFE_INTEGER} (2^53 − 1), got '${value}'`, option);
  if (!(n >= min)) throw new SpecError(`${option} must be an integer of at least ${min}, got '${value}'`, option);
  return n;
}

/** A whole number written with a comma between groups of three digits (32740 → "32,740"), as
 *  toLocaleString('en-US') writes it, without Intl: its first call loads ICU's locale data, ~20 ms of a
 *  process's start on the development VM (bench/RESULTS.md, "Start-up: Intl"). */
export function digitsGrouped(n: number): string {
  const s = String(n);
  return /^-?\d+$/.test(s) ? s.replace(/\B(?=(\d{3})+$)/g, ',') : s;
}
