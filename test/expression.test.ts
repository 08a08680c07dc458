import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { Panel } from '../src/panel/panel.ts';
import { evalExpression } from '../src/panel/expression.ts';
import { DataError, SpecError } from '../src/errors.ts';

// Unit 1: years 2001, 2002, 2004 (gap at 2003); unit 2: 2001–2003.
function small(): Panel {
  const table = tableFromArrays({
    id: Float64Array.from([1, 1, 1, 2, 2, 2]),
    year: Float64Array.from([2001, 2002, 2004, 2001, 2002, 2003]),
    x: Float64Array.from([1, 2, 4, 10, 20, 30]),
    z: Float64Array.from([2, 0, -1, 1, NaN, 3]),
  });
  return Panel.fromTable(table, { id: 'id', time: 'year', source: 'small.csv' });
}
const ev = (expr: string): number[] => [...evalExpression(small(), expr)];

describe('evalExpression', () => {
  it('columns, numbers and arithmetic with precedence', () => {
    expect(ev('x')).toEqual([1, 2, 4, 10, 20, 30]);
    expect(ev('x + 2 * z')).toEqual([5, 2, 2, 12, NaN, 36]);
    expect(ev('(x + 2) * z')).toEqual([6, 0, -6, 12, NaN, 96]);
    expect(ev('x - z - 1')).toEqual([-2, 1, 4, 8, NaN, 26]);
    expect(ev('x / z')).toEqual([0.5, NaN, -4, 10, NaN, 10]); // division by zero is missing, as in Stata
    expect(ev('2.5e1 - .5')).toEqual(Array(6).fill(24.5));
    // A literal beyond the largest double is missing (a tester's x^1e400 gave zeros where |x| < 1).
    expect(ev('z^1e400')).toEqual(Array(6).fill(NaN));
  });
  it('powers: right-associative and tighter than unary minus (Stata: -2^2 = -4)', () => {
    expect(ev('x^2')).toEqual([1, 4, 16, 100, 400, 900]);
    expect(ev('-x^2')).toEqual([-1, -4, -16, -100, -400, -900]);
    expect(ev('2^3^2')[0]).toBe(512);
  });
  it('lags and leads look at t−k, so the gap gives missing', () => {
    expect(ev('L.x')).toEqual([NaN, 1, NaN, NaN, 10, 20]);
    expect(ev('L2.x')).toEqual([NaN, NaN, 2, NaN, NaN, 10]);
    expect(ev('F.x')).toEqual([2, NaN, NaN, 20, 30, NaN]);
    expect(ev('D.x')).toEqual([NaN, 1, NaN, NaN, 10, 10]);
    expect(ev('D2.x')).toEqual([NaN, NaN, NaN, NaN, NaN, 0]);
    expect(ev('LD.x')).toEqual([NaN, NaN, NaN, NaN, NaN, 10]);
    expect(ev('x - L.x')).toEqual(ev('D.x'));
  });
  it('log, exp, sqrt: outside the domain is missing', () => {
    expect(ev('log(z)')).toEqual([Math.log(2), NaN, NaN, 0, NaN, Math.log(3)]);
    expect(ev('exp(log(x))').map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 2, 4, 10, 20, 30]);
    expect(ev('sqrt(z)')).toEqual([Math.SQRT2, 0, NaN, 1, NaN, Math.sqrt(3)]);
    expect(ev('log(L.x)*z')).toEqual([NaN, 0, NaN, NaN, NaN, Math.log(20) * 3]);
  });
  it('tells which rows an operation made missing from present operands (Stata: "missing values generated")', () => {
    const heard: string[] = [];
    evalExpression(small(), 'log(z) + x / z + sqrt(z) + L.x + fod(x)', (what, r) => heard.push(`${what}@${r}`));
    // z = 2, 0, -1, 1, missing, 3: log() of 0 and -1, x/0, sqrt(-1); the missing z, the lag into the
    // first period or the gap, and fod()'s last periods are not the operations' doing.
    expect(heard.sort()).toEqual(['/@1', 'log()@1', 'log()@2', 'sqrt()@2']);
  });
  it('fod() and within() over an expression', () => {
    const f = ev('fod(x)');
    expect(f[0]).toBeCloseTo(Math.sqrt(2 / 3) * (1 - 3), 14);
    expect(f[1]).toBeCloseTo(Math.sqrt(1 / 2) * (2 - 4), 14);
    expect(f[2]).toBeNaN();
    const w = ev('within(2*x)');
    expect(w[0]).toBeCloseTo(2 - 14 / 3, 14);
    expect(w[5]).toBeCloseTo(20, 14);
  });
  it('names an unknown column, a text column and a bad token', () => {
    expect(() => evalExpression(small(), 'log(qq)')).toThrow(DataError);
    expect(() => evalExpression(small(), 'log(qq)')).toThrow("expression 'log(qq)': 'qq' is not a column in small.csv; numeric columns are: id, year, x, z");
    // A misspelt column, the time column among those an expression may name.
    expect(() => evalExpression(small(), 'yaer + 1')).toThrow("expression 'yaer + 1': 'yaer' is not a column in small.csv; did you mean 'year'?");
    expect(() => evalExpression(small(), 'x ** 2')).toThrow(SpecError);
    expect(() => evalExpression(small(), 'x ** 2')).toThrow("expression 'x ** 2': unexpected '*' at position 4");
    expect(() => evalExpression(small(), 'x $ 2')).toThrow("unexpected '$' at position 3");
    expect(() => evalExpression(small(), 'log(x')).toThrow("expected ')' after the argument of log() but found end of expression");
    expect(() => evalExpression(small(), 'foo(x)')).toThrow("unknown function 'foo' at position 1");
    expect(() => evalExpression(small(), 'Q.x')).toThrow("'Q.' at position 1 is not a time-series operator");
    expect(() => evalExpression(small(), '')).toThrow('empty expression');
    expect(() => evalExpression(small(), 'L(0/2).x')).toThrow("'L(0/2).' at position 1 is an operator range, which names several variables");
  });
});
