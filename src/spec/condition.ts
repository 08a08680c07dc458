// Stata `if` conditions over panel columns, for xtabond2's `if exp`: comparisons (== != ~= < <= > >=),
// logical & | and ! (or ~), parentheses, and arithmetic operands evaluated by the project's own
// expression code (src/panel/expression.ts; never eval). Stata's rules: a missing value compares as
// larger than every number (so `x > 5` holds where x is missing), `.` is the missing value, and a
// bare expression holds where it is non-zero (missing included). A text column compares with a
// string in double quotes (`province != "Jiangsu"`), by character codes, a missing text being "", as
// Stata compares strings. `in f/l` selects rows by position.
import { DataError, shortened, SpecError } from '../errors.ts';
import { evalExpression, MAX_NESTING } from '../panel/expression.ts';
import type { Panel } from '../panel/panel.ts';

const COMPARISONS = ['>=', '<=', '==', '!=', '~=', '>', '<'] as const;

/** The text with every double-quoted string's content blanked (same length), so that operators and
 *  parentheses inside a string are not read; an unclosed quote is an error. */
export function blankStrings(text: string, fail: (msg: string) => never): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '"') {
      out += text[i];
      continue;
    }
    const end = text.indexOf('"', i + 1);
    if (end < 0) fail(`unclosed quote: '${text.slice(i)}'`);
    out += `"${' '.repeat(end - i - 1)}"`;
    i = end;
  }
  return out;
}

/** Positions of `ops` at parenthesis depth 0 in `text`, its strings blanked (longest operator first at each position). */
function topLevel(text: string, ops: readonly string[]): { at: number; op: string }[] {
  const out: { at: number; op: string }[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      const op = ops.find((o) => text.startsWith(o, i));
      if (op) {
        out.push({ at: i, op });
        i += op.length - 1;
      }
    }
  }
  return out;
}

/** Whether the whole text, its strings blanked, is one parenthesised group. */
function wrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

/** 1 where the condition holds, 0 elsewhere, over the panel's rows. */
export function evalCondition(panel0: Panel, condition: string): Uint8Array {
  const panel = withNumericId(panel0);
  const n = panel.nrows;
  const fail = (msg: string): never => {
    throw new SpecError(`if ${condition}: ${msg}`, 'if');
  };
  /** A comparison's operand: numbers, or text (a string in quotes, or a text column named alone). */
  const quoted = (text: string): boolean => /^"[^"]*"$/.test(text.trim());
  const operand = (text: string, other = ''): Float64Array | ReadonlyArray<string> => {
    const t = text.trim();
    if (t === '') fail('a comparison is missing an operand');
    if (quoted(t)) return new Array<string>(n).fill(t.slice(1, -1));
    // A text id compared with a string is its text ("01"), though withNumericId reads it as numbers too.
    if (t === panel0.idName && quoted(other) && !panel0.isNumeric(t)) return panel0.textColumn(t).map((v) => v ?? '');
    if (t.includes('"')) fail(`'${t}': a string in quotes is compared whole, with == != < <= > >=`);
    if (panel.has(t) && !panel.isNumeric(t)) return panel.textColumn(t).map((v) => v ?? '');
    if (t === '.') return new Float64Array(n).fill(NaN);
    try {
      return evalExpression(panel, t);
    } catch (err) {
      // An operand's fault names the condition it is in, as the condition's own faults do.
      if (err instanceof SpecError && err.message.startsWith('expression ')) throw new SpecError(`if ${shortened(condition)}: ${err.message}`, 'if');
      if (err instanceof DataError && err.message.startsWith('expression ')) throw new DataError(`if ${shortened(condition)}: ${err.message}`, err.where);
      throw err;
    }
  };
  const numeric = (text: string): Float64Array => {
    const v = operand(text);
    if (!(v instanceof Float64Array)) fail(`'${text.trim()}' is text: compare it with a string, e.g. ${text.trim()} == "…"`);
    return v as Float64Array;
  };
  // Each '!' and each pair of parentheses around the whole condition is one level of walk's recursion:
  // thousands of them overflowed the stack.
  let depth = 0;
  const walk = (text0: string): Uint8Array => {
    if (++depth > MAX_NESTING)
      throw new SpecError(`if ${shortened(condition)}: nested more than ${MAX_NESTING} levels deep (parentheses or '!'); write it more simply`, 'if');
    try {
      return walkAt(text0);
    } finally {
      depth--;
    }
  };
  const walkAt = (text0: string): Uint8Array => {
    const text = text0.trim();
    if (text === '') fail('empty condition');
    // The same text with its strings blanked: operators and parentheses are looked for there.
    const blank = blankStrings(text, fail);
    for (const op of ['|', '&']) {
      const at = topLevel(blank, [op]);
      if (at.length) {
        const parts: string[] = [];
        let from = 0;
        for (const a of at) {
          parts.push(text.slice(from, a.at));
          from = a.at + 1;
        }
        parts.push(text.slice(from));
        const vals = parts.map(walk);
        return vals.reduce((acc, v) => acc.map((x, r) => (op === '|' ? x | v[r] : x & v[r])));
      }
    }
    if ((text[0] === '!' || text[0] === '~') && text[1] !== '=') return walk(text.slice(1)).map((x) => 1 - x);
    const cmp = topLevel(blank, COMPARISONS);
    if (/(^|[^=<>!~])=(?!=)/.test(blank)) fail("'=' is assignment; compare with '=='");
    if (cmp.length > 1) fail(`chained comparisons (${cmp.map((c) => c.op).join(', ')}) are ambiguous: join them with & or |`);
    if (cmp.length === 1) {
      const { at, op } = cmp[0];
      const a = operand(text.slice(0, at), text.slice(at + op.length));
      const b = operand(text.slice(at + op.length), text.slice(0, at));
      if (a instanceof Float64Array !== b instanceof Float64Array) {
        // Say why a column is text: one integer wider than 2^53, kept exact, makes a whole CSV column text.
        const side = [text.slice(0, at).trim(), text.slice(at + op.length).trim()].find((t) => panel.has(t) && !panel.isNumeric(t));
        fail(`type mismatch: '${text}' compares text with a number${side === undefined ? '' : ` ('${side}' is a text column${panel.textReason(side)})`}`);
      }
      // Stata: missing is larger than any number, and equal to itself.
      const value = (v: Float64Array | ReadonlyArray<string>, r: number): number | string => (v instanceof Float64Array ? (Number.isNaN(v[r]) ? Infinity : v[r]!) : v[r]!);
      const out = new Uint8Array(n);
      for (let r = 0; r < n; r++) {
        const x = value(a, r);
        const y = value(b, r);
        const hold = op === '>=' ? x >= y : op === '<=' ? x <= y : op === '==' ? x === y : op === '>' ? x > y : op === '<' ? x < y : x !== y;
        out[r] = hold ? 1 : 0;
      }
      return out;
    }
    if (wrapped(blank)) return walk(text.slice(1, -1));
    const v = numeric(text);
    return Uint8Array.from(v, (x) => (x !== 0 ? 1 : 0));
  };
  return walk(condition);
}

/** The panel with its id as a numeric column too, when every unit label is a number (`if id <= 70`). */
function withNumericId(panel: Panel): Panel {
  if (panel.isNumeric(panel.idName) || !panel.units.every((u) => typeof u === 'number' || /^-?\d+(\.\d+)?$/.test(u))) return panel;
  return panel.withColumn(panel.idName, Float64Array.from(panel.unitOf, (u) => Number(panel.units[u])));
}

/** `in f/l` (or `in #`): f and l are positions 1..N, `f`/`F` = first, `l`/`L` = last, −k = k-th from the end. */
export function parseInRange(text: string): { first: number; last: number } {
  const t = text.trim();
  const one = (s: string): number => {
    const w = s.trim();
    if (/^[fF]$/.test(w)) return 1;
    if (/^[lL]$/.test(w)) return -1;
    if (!/^-?\d+$/.test(w) || Number(w) === 0) throw new SpecError(`in ${t}: '${w}' is not a row position (1, 2, …, f, l, or −k counting from the end)`, 'in');
    return Number(w);
  };
  const parts = t.split('/');
  if (parts.length > 2 || t === '') throw new SpecError(`in ${t}: write in f/l, e.g. in 1/500`, 'in');
  const first = one(parts[0]);
  return { first, last: parts.length === 2 ? one(parts[1]) : first };
}

/** The first and last row (1..n) selected by `in` over n rows; an empty range is an error. */
export function inRangeBounds(range: { first: number; last: number }, n: number): { lo: number; hi: number } {
  const pos = (k: number) => (k < 0 ? n + 1 + k : k);
  const lo = pos(range.first);
  const hi = pos(range.last);
  // As Stata: a row number beyond the data is an error ("Obs. nos. out of range"), not a shorter range.
  if (lo < 1 || hi < 1 || lo > n || hi > n) throw new SpecError(`in ${range.first}/${range.last}: row numbers out of range: the panel has ${n} rows`, 'in');
  if (lo > hi) throw new SpecError(`in ${range.first}/${range.last}: selects no rows of the ${n} in the panel`, 'in');
  return { lo, hi };
}

/** Rows selected by `in`: a 0/1 mask over n rows; an empty range is an error. */
export function inRangeMask(range: { first: number; last: number }, n: number): Uint8Array {
  const { lo, hi } = inRangeBounds(range, n);
  const m = new Uint8Array(n);
  m.fill(1, lo - 1, hi);
  return m;
}
