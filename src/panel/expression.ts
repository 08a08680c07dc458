// Arithmetic over panel columns with Stata's time-series operators, for the variables a study builds:
// `log(k)`, `L.n`, `L2D.w`, `x*z`, `x^2`, `fod(x)`, `within(x)`. Missing propagates: a missing
// operand, a lag into a gap, log of a non-positive number, division by zero and any other
// non-finite result give NaN, as Stata gives ".".
//
// Grammar (usual precedence; ^ binds tighter than unary minus and is right-associative, as in Stata):
//   sum    := product (('+' | '-') product)*
//   product:= unary (('*' | '/') unary)*
//   unary  := '-' unary | '+' unary | power
//   power  := atom ('^' unary)?
//   atom   := number | [ops '.'] column | func '(' sum ')' | '(' sum ')'
//   ops    := one or more of L<k>, F<k>, D<k> (k defaults to 1), e.g. L, L2, D, LD, L2D2
import { closeMatches } from '../close-matches.ts';
import { DataError, shortened, SpecError } from '../errors.ts';
import { diff, forwardOrthogonal, lag, within } from './operators.ts';
import type { Panel } from './panel.ts';
import { netOperators } from './term.ts';

/** Deepest nesting of parentheses, function calls and signs an expression may have: each level is one
 *  call of the recursive parser, and thousands of them overflowed the stack (a RangeError, not a message). */
export const MAX_NESTING = 200;


type Token = { kind: 'num' | 'name' | 'op'; text: string; at: number };

const FUNCTIONS: Record<string, (panel: Panel, x: Float64Array) => Float64Array> = {
  log: (_p, x) => x.map(Math.log),
  ln: (_p, x) => x.map(Math.log),
  exp: (_p, x) => x.map(Math.exp),
  sqrt: (_p, x) => x.map(Math.sqrt),
  abs: (_p, x) => x.map(Math.abs),
  fod: (p, x) => forwardOrthogonal(p, x),
  within: (p, x) => within(p, x),
};

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i];
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(expr.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const name = /^[\p{L}_][\p{L}\p{N}_]*(\.[\p{L}_][\p{L}\p{N}_]*)?/u.exec(expr.slice(i));
    if (name) {
      out.push({ kind: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    if ('+-*/^()'.includes(ch)) {
      out.push({ kind: 'op', text: ch, at: i });
      i++;
      continue;
    }
    throw new SpecError(`expression '${expr}': unexpected '${ch}' at position ${i + 1}`);
  }
  return out;
}

/** Split "L2D.x" into lag 2, difference 1 and column "x"; a plain name has no operators. */
function timeSeriesName(expr: string, tok: { text: string; at: number }): { lag: number; diff: number; column: string } {
  const dot = tok.text.indexOf('.');
  if (dot < 0) return { lag: 0, diff: 0, column: tok.text };
  const ops = tok.text.slice(0, dot);
  if (!/^([LFD]\d*)+$/i.test(ops))
    throw new SpecError(`expression '${expr}': '${ops}.' at position ${tok.at + 1} is not a time-series operator (L, L2, F, D, D2, ...)`);
  return { ...netOperators(ops), column: tok.text.slice(dot + 1) };
}

/** Stata has no infinities: every non-finite intermediate result is missing. */
function finite(x: Float64Array): Float64Array {
  for (let r = 0; r < x.length; r++) if (!Number.isFinite(x[r])) x[r] = NaN;
  return x;
}

/** Evaluate an expression over the panel's rows (NaN = missing). `generated(what, row)` hears of each
 *  row where a function or an operation made finite operands missing (log of a non-positive number,
 *  division by zero: Stata's "(n missing values generated)"), `what` naming it: 'log()', '/'. */
export function evalExpression(panel: Panel, expr: string, generated?: (what: string, row: number) => void): Float64Array {
  const range = /(?<![A-Za-z0-9_])[LFD]\d*\([\d\s/]*\)\./i.exec(expr);
  if (range)
    throw new SpecError(
      `expression '${expr}': '${range[0]}' at position ${range.index + 1} is an operator range, which names several variables; write one term (L.x, L2.x) per expression`,
    );
  const tokens = tokenize(expr);
  const n = panel.nrows;
  let pos = 0;
  let depth = 0;
  const deeper = (t: Token): void => {
    if (++depth > MAX_NESTING)
      throw new SpecError(
        `expression '${shortened(expr)}': nested more than ${MAX_NESTING} levels deep (parentheses, function calls, signs or powers) at position ${t.at + 1}; write it in steps`,
      );
  };
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (t: Token | undefined, text: string): boolean => t?.kind === 'op' && t.text === text;
  const fail = (msg: string): never => {
    throw new SpecError(`expression '${expr}': ${msg}`);
  };
  const describe = (t: Token | undefined): string => (t === undefined ? 'end of expression' : `'${t.text}' at position ${t.at + 1}`);
  const binary = (a: Float64Array, b: Float64Array, f: (x: number, y: number) => number, op: string): Float64Array => {
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) out[r] = f(a[r], b[r]);
    if (generated) for (let r = 0; r < n; r++) if (!Number.isFinite(out[r]) && Number.isFinite(a[r]) && Number.isFinite(b[r])) generated(op, r);
    return finite(out);
  };
  const constant = (v: number): Float64Array => new Float64Array(n).fill(v);

  const sum = (): Float64Array => {
    let acc = product();
    while (isOp(peek(), '+') || isOp(peek(), '-')) {
      const op = (tokens[pos++] as { text: string }).text;
      const rhs = product();
      acc = binary(acc, rhs, op === '+' ? (x, y) => x + y : (x, y) => x - y, op);
    }
    return acc;
  };
  const product = (): Float64Array => {
    let acc = unary();
    while (isOp(peek(), '*') || isOp(peek(), '/')) {
      const op = (tokens[pos++] as { text: string }).text;
      const rhs = unary();
      acc = binary(acc, rhs, op === '*' ? (x, y) => x * y : (x, y) => x / y, op);
    }
    return acc;
  };
  const unary = (): Float64Array => {
    if (isOp(peek(), '-') || isOp(peek(), '+')) {
      const t = tokens[pos++];
      deeper(t);
      const v = unary();
      depth--;
      return t.text === '-' ? v.map((x) => -x) : v;
    }
    return power();
  };
  const power = (): Float64Array => {
    const base = atom();
    if (!isOp(peek(), '^')) return base;
    const t = tokens[pos++];
    // Right-associative: a^b^c nests one level per '^', counted as any nesting is.
    deeper(t);
    const exponent = unary();
    depth--;
    return binary(base, exponent, Math.pow, '^');
  };
  const atom = (): Float64Array => {
    const t = peek();
    if (t === undefined) return fail('unexpected end of expression');
    if (t.kind === 'num') {
      pos++;
      // A literal beyond the largest double (1e400) is missing, as in Stata.
      const v = Number(t.text);
      return constant(Number.isFinite(v) ? v : NaN);
    }
    if (isOp(t, '(')) {
      pos++;
      deeper(t);
      const v = sum();
      if (!isOp(peek(), ')')) fail(`expected ')' but found ${describe(peek())}`);
      pos++;
      depth--;
      return v;
    }
    if (t.kind === 'name') {
      pos++;
      if (isOp(peek(), '(')) {
        const f = FUNCTIONS[t.text];
        if (!f) fail(`unknown function '${t.text}' at position ${t.at + 1}; functions are: ${Object.keys(FUNCTIONS).join(', ')}`);
        pos++;
        deeper(t);
        const arg = sum();
        if (!isOp(peek(), ')')) fail(`expected ')' after the argument of ${t.text}() but found ${describe(peek())}`);
        pos++;
        depth--;
        const value = f(panel, arg);
        // fod() and within() leave rows without the periods they need missing by design: not counted.
        if (generated && !(t.text === 'fod' || t.text === 'within'))
          for (let r = 0; r < n; r++) if (!Number.isFinite(value[r]) && Number.isFinite(arg[r])) generated(`${t.text}()`, r);
        return finite(value);
      }
      const ts = timeSeriesName(expr, t);
      if (!panel.has(ts.column) || !panel.isNumeric(ts.column)) {
        const kind = panel.has(ts.column) ? `is text, not numeric${panel.textReason(ts.column)}` : 'is not a column';
        // What an expression may name: the numeric columns, the time column and a numeric id.
        const numeric = [panel.idName, panel.timeName, ...panel.numericNames()].filter((name) => panel.isNumeric(name));
        const close = panel.has(ts.column) ? [] : closeMatches(ts.column, numeric);
        const listed = close.length ? `did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : `numeric columns are: ${numeric.join(', ')}`;
        throw new DataError(`expression '${expr}': '${ts.column}' ${kind}${panel.source ? ` in ${panel.source}` : ''}; ${listed}`, {
          file: panel.source,
          column: ts.column,
        });
      }
      return lag(panel, diff(panel, panel.column(ts.column), ts.diff), ts.lag);
    }
    return fail(`unexpected ${describe(t)}`);
  };

  if (tokens.length === 0) fail('empty expression');
  const value = sum();
  if (pos < tokens.length) fail(`unexpected ${describe(peek())}`);
  return value;
}
