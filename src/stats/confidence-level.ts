// A confidence level as the caller wrote it. Stata writes level(90) in percent (10 to 99.99); a
// fraction (0.9) is the other habit. The two ranges do not meet, so either is read without doubt;
// anything else is refused rather than turned into NaN or infinite interval ends.
import { SpecError } from '../errors.ts';

/** The level as a fraction in (0, 1): `x` in percent from 10 to 99.99, or already a fraction. */
export function levelFraction(x: number, option: string): number {
  if (x > 0 && x < 1) return x;
  if (x >= 10 && x <= 99.99) return x / 100;
  throw new SpecError(`${option}: the confidence level must be a percentage from 10 to 99.99 (as Stata's level()) or a fraction between 0 and 1, got ${x}`, option);
}

/** A level given as a fraction, in percent as Stata labels it ("95", "99.9", "57"): rounding of the
 *  product (0.57 · 100 = 56.99999999999999) is removed, and no digit Stata's level(#) could hold. */
export function levelPercentLabel(fraction: number): string {
  return String(Number((fraction * 100).toFixed(10)));
}
