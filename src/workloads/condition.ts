// Sample conditions of a robustness grid, e.g. "year <= 1981", "coastal == 1 & year >= 2008",
// "!(k > 0) | w < 3": comparisons (<, <=, >, >=, ==, !=) of two expressions of the project's own
// expression language (src/panel/expression.ts: columns, time-series operators, arithmetic,
// functions), joined by & (and), | (or) and ! (not), with parentheses; & binds tighter than |.
// Nothing is evaluated by eval/Function. A row where a comparison meets a missing value is neither
// in nor out: it is left out of the sample and counted apart (Stata would read missing as +∞).
import { SpecError } from '../errors.ts';
import { evalExpression } from '../panel/expression.ts';
import type { Panel } from '../panel/panel.ts';

/** 1 = true, 0 = false, 2 = undefined (a missing operand). */
type Truth = Uint8Array;

const COMPARISONS = ['<=', '>=', '==', '!=', '<', '>'] as const;

/** Positions of `ch`-tokens at parenthesis depth 0 (for '!' only where not followed by '='). */
function topLevel(text: string, match: (i: number) => number): { at: number; len: number }[] {
  const out: { at: number; len: number }[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0) {
      const len = match(i);
      if (len > 0) {
        out.push({ at: i, len });
        i += len - 1;
      }
    }
  }
  return out;
}

/** True when the whole text is one parenthesised group. */
function wrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

function evaluate(panel: Panel, whole: string, text0: string): Truth {
  const text = text0.trim();
  if (!text) throw new SpecError(`condition '${whole}': an empty operand`);
  const n = panel.nrows;
  for (const [op, combine] of [
    ['|', (a: number, b: number) => (a === 1 || b === 1 ? 1 : a === 2 || b === 2 ? 2 : 0)],
    ['&', (a: number, b: number) => (a === 0 || b === 0 ? 0 : a === 2 || b === 2 ? 2 : 1)],
  ] as const) {
    const parts = topLevel(text, (i) => (text[i] === op ? 1 : 0));
    if (parts.length === 0) continue;
    let start = 0;
    let acc: Truth | null = null;
    for (const cut of [...parts, { at: text.length, len: 0 }]) {
      const part = evaluate(panel, whole, text.slice(start, cut.at));
      acc = acc ? acc.map((a, r) => combine(a, part[r])) : part;
      start = cut.at + cut.len;
    }
    return acc!;
  }
  if (text.startsWith('!') && text[1] !== '=') return evaluate(panel, whole, text.slice(1)).map((v) => (v === 2 ? 2 : 1 - v));
  const cmp = topLevel(text, (i) => {
    const two = text.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '==' || two === '!=') return 2;
    return text[i] === '<' || text[i] === '>' ? 1 : 0;
  });
  if (cmp.length === 0) {
    if (wrapped(text)) return evaluate(panel, whole, text.slice(1, -1));
    throw new SpecError(`condition '${whole}': '${text}' is not a comparison (use <, <=, >, >=, == or !=)`);
  }
  if (cmp.length > 1) throw new SpecError(`condition '${whole}': '${text}' chains comparisons; join them with & or |`);
  const op = text.slice(cmp[0].at, cmp[0].at + cmp[0].len) as (typeof COMPARISONS)[number];
  const lhs = evalExpression(panel, text.slice(0, cmp[0].at).trim());
  const rhs = evalExpression(panel, text.slice(cmp[0].at + cmp[0].len).trim());
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const a = lhs[r];
    const b = rhs[r];
    if (Number.isNaN(a) || Number.isNaN(b)) out[r] = 2;
    else out[r] = (op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : op === '>=' ? a >= b : op === '==' ? a === b : a !== b) ? 1 : 0;
  }
  return out;
}

export interface SampleSelection {
  panel: Panel;
  /** Panel rows kept, left out (condition false), and left out because the condition met a missing value. */
  rows: { kept: number; excluded: number; undefined: number };
}

/** The panel restricted to the rows where the condition holds (null: every row). */
export function selectSample(panel: Panel, condition: string | null): SampleSelection {
  if (condition === null) return { panel, rows: { kept: panel.nrows, excluded: 0, undefined: 0 } };
  const truth = evaluate(panel, condition, condition);
  let kept = 0;
  let undef = 0;
  for (const v of truth) (v === 1 ? kept++ : v === 2 ? undef++ : 0);
  if (kept === 0) throw new SpecError(`condition '${condition}' keeps no row`);
  return { panel: panel.selectRows((r) => truth[r] === 1), rows: { kept, excluded: panel.nrows - kept - undef, undefined: undef } };
}
