import { describe, expect, it } from 'vitest';
import { digitsGrouped, wholeNumber } from '../src/whole-number.ts';

describe('whole numbers', () => {
  it('digitsGrouped writes what toLocaleString("en-US") writes, for whole numbers of every length', () => {
    const ns = [0, 7, 12, 999, 1000, 32_740, 100_000, 999_999, 1_000_000, 12_345_678, 2 ** 53 - 1, -5, -1234, -1_000_000];
    for (const n of ns) expect(digitsGrouped(n)).toBe(n.toLocaleString('en-US'));
    expect(digitsGrouped(32_740)).toBe('32,740');
  });

  it('wholeNumber reads digits only, at least the minimum', () => {
    expect(wholeNumber(' 42 ', '--reps', 1)).toBe(42);
    expect(() => wholeNumber('1e3', '--reps', 1)).toThrow(/--reps must be an integer of at least 1, got '1e3'/);
    expect(() => wholeNumber('0', '--reps', 1)).toThrow(/at least 1/);
    expect(() => wholeNumber('9007199254740993', '--seed', 0)).toThrow(/--seed must be at most 9007199254740991/);
  });
});
