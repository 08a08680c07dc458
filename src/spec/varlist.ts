// Stata varlists with time-series operators, expanded against the data's columns:
// `n L.n L2.n`, `L(1/2).n`, `L(0/2).(k ys)`, `D.`, `D2.`, `F.`, `LD.`, `L.D.x`, wildcards `yr*`
// (and `?`, `~`), ranges `yr1980-yr1984`. Expansion order follows Stata's tsunab/fvexpand: for
// `L(0/2).(k ys)` each variable with all its lags in turn (k L.k L2.k ys L.ys L2.ys); wildcards and
// ranges in column order. Factor-variable terms (i.v, ib#.v, ibn.v, #.v, i.(a b), interactions such as
// c.x#c.z, i.a#c.x, a#b and their ## full factorials) are read here and made by
// src/spec/factor-variables.ts.
import { closeMatches } from '../close-matches.ts';
import { SpecError } from '../errors.ts';
import { opString, term, type Term } from './types.ts';
import { factorTerm, interactionTerm, levelTerm } from './fv-terms.ts';
import { netOperators, type CellMark, type FactorBase, type InteractionPart, type LevelMark } from '../panel/term.ts';
import { MAX_SPAN } from '../panel/time-span.ts';

/** The most terms one variable's operators may make (L(1/4)D(0/1).x makes 8): a product of ranges
 *  each within MAX_SPAN reached millions of terms and overflowed the stack. */
const MAX_TERMS = 10_000;

/** A term as Stata's fvexpand writes it (and xtabond2 prints it in instrument labels): L.w, L2.k, D.w, LD.w, F.x. */
export function stataName(t: Term): string {
  const ops = opString(t.lag, t.diff);
  return ops ? `${ops}.${t.base}` : t.base;
}

/** One operator combination: net lag (negative = lead) and difference order. */
interface OpCombo {
  lag: number;
  diff: number;
}

/**
 * Expand a Stata varlist into terms. `context` names where the list sits ("the variable list",
 * "gmmstyle()") for error messages.
 */
export function expandVarlist(text: string, columns: readonly string[], context: string): Term[] {
  return new VarlistParser(text, columns, context).list([{ lag: 0, diff: 0 }], false);
}

const NAME_CHARS = /[\p{L}\p{N}_*?~]/u; // letters of any script (Stata 14+ names are Unicode)
const OP_PREFIX = /^(?:[LlFfDdSs](?:\d+|\([^()]*\))?)+\./;
/** A factor-variable prefix: i. ibn. ib#. ib(first|last|freq). (groups 1–3), c. with its own
 *  operators, cL., and co. in fvexpand's omitted cells (4 the o, 5 the operators), or one level, #.
 *  #b. #bn. and #o. in omitted cells (6, 7). */
const FV_PREFIX = /^(?:(ibn|i)|ib(\d+)|ib\((first|last|freq)\)|c(o?)((?:[LlFfDd]\d*)*)|(\d+)(bn|b|o)?)\./;

const NO_OPERATOR: OpCombo = { lag: 0, diff: 0 };
const plus = (a: OpCombo, b: OpCombo): OpCombo => ({ lag: a.lag + b.lag, diff: a.diff + b.diff });

/** One part of an interaction as read, before the group's operators reach it: a continuous variable
 *  under each of its own operator combinations (L(0/1).c.x#c.z has two), a factor variable (i., or a
 *  name without a prefix), or one level of one. */
type ReadPart =
  | { type: 'c'; variable: string; ops: OpCombo[]; omitted: boolean }
  | { type: 'i'; variable: string; base: FactorBase }
  | { type: 'level'; variable: string; level: number; mark: CellMark };

const nonzero = (c: OpCombo) => c.lag !== 0 || c.diff !== 0;

class VarlistParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly columns: readonly string[],
    private readonly context: string,
  ) {}

  /** Items until the end of text (or a closing parenthesis when nested). */
  list(outer: OpCombo[], nested: boolean): Term[] {
    const terms: Term[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) {
        if (nested) throw this.fault(`unbalanced parenthesis in ${this.context}: '${this.text}'`);
        return terms;
      }
      if (this.text[this.pos] === ')') {
        if (!nested) throw this.fault(`unexpected ')' in ${this.context}: '${this.text}'`);
        this.pos++;
        return terms;
      }
      terms.push(...this.item(outer));
    }
  }

  private item(outer: OpCombo[]): Term[] {
    const at = this.pos;
    const combos = this.opPrefix(outer);
    this.skipSpace();
    if (this.text[this.pos] === '(') {
      this.pos++;
      return this.list(combos, true);
    }
    const fv = FV_PREFIX.exec(this.text.slice(this.pos));
    if (fv) {
      // A product tells the group's operators (every factor's) from its own prefix (the first factor's).
      const end = this.pos;
      this.pos = at;
      const own = this.opPrefix([NO_OPERATOR]);
      this.pos = end;
      return this.factorItem(fv, outer, own, combos);
    }
    const start = this.pos;
    while (this.pos < this.text.length && NAME_CHARS.test(this.text[this.pos])) this.pos++;
    let first = this.text.slice(start, this.pos);
    if (!first) {
      const bad = this.text.slice(this.pos).split(/\s/)[0];
      throw this.fault(`cannot read '${bad}' in ${this.context}${bad.startsWith('#') ? ': an interaction is written without spaces around # (i.a#c.x)' : ''}`);
    }
    // In an interaction a name without a prefix is a factor variable, as Stata reads a#b (i.a#i.b).
    if (this.text[this.pos] === '#') {
      if (combos.some(nonzero)) throw this.fault(`'${this.text.slice(at).split(/\s/)[0]}' in ${this.context}: operators on a factor variable (L.a#c.x) are not supported; lag the variable in the data`);
      return this.interaction({ type: 'i', variable: this.one(first, 'an interaction'), base: 'first' }, outer, start);
    }
    if (this.text[this.pos] === '.')
      throw this.fault(
        `'${this.text.slice(start).split(/\s/)[0]}' in ${this.context}: cannot read the prefix '${first}.'; operators are L, F, D (L2., L(1/3)., LD.) and factor-variable prefixes i., ib#., ib(first|last|freq)., ibn., #., c.`,
      );
    // log(x) and the like: a variable list names columns, as xtabond2's does (describe --vars, `if` and
    // the study's controls take expressions, so users try them here too).
    if (this.text[this.pos] === '(')
      throw this.fault(
        `'${first}(' in ${this.context}: a variable list takes variables, not expressions such as ${first}(…); add the transformed variable to the data as a column and name it${this.columns.includes(first) ? ` (for the column '${first}' and a group after it, put a space before the parenthesis)` : ''}`,
      );
    // A range: first-last (spaces around the dash allowed, as in Stata).
    const save = this.pos;
    this.skipSpace();
    let names: string[];
    if (this.text[this.pos] === '-') {
      this.pos++;
      this.skipSpace();
      const s2 = this.pos;
      while (this.pos < this.text.length && NAME_CHARS.test(this.text[this.pos])) this.pos++;
      const last = this.text.slice(s2, this.pos);
      if (!last) throw this.fault(`incomplete range '${first}-' in ${this.context}`);
      names = this.range(first, last);
      first = `${first}-${last}`;
    } else {
      this.pos = save;
      names = this.match(first);
    }
    const out: Term[] = [];
    for (const name of names) for (const c of combos) out.push(term(name, c.lag, c.diff));
    return out;
  }

  /** A term that starts with a factor-variable prefix (matched by FV_PREFIX): i. and its kin, one
   *  level (#.v), or c. (alone the variable itself), each alone or the first part of an interaction.
   *  Operators before an i. or level part are refused. Operators written before a c. part are its own,
   *  as Stata reads L.c.x#c.z (cL.x#c.z); those of an enclosing group reach every part: L.(c.x#c.z) is
   *  cL.x#cL.z, as L.(x z) lags both. `outer`: the group's operators; `own`: the item's prefix;
   *  `combos`: the two combined. */
  private factorItem(m: RegExpExecArray, outer: OpCombo[], own: OpCombo[], combos: OpCombo[]): Term[] {
    const prefix = m[0];
    const begin = this.pos;
    this.pos += prefix.length;
    if (m[5] !== undefined) {
      const inline = this.opsOf(m[5]);
      const ops = this.opPrefix(own.map((c) => plus(c, inline)));
      const names = this.names(prefix);
      if (this.text[this.pos] === '#') return this.interaction({ type: 'c', variable: this.one(names, 'an interaction'), ops, omitted: m[4] === 'o' }, outer, begin);
      if (m[4] === 'o') throw this.omittedAlone(prefix + names[0]);
      return names.flatMap((variable) => outer.flatMap((o) => ops.map((c) => term(variable, o.lag + c.lag, o.diff + c.diff))));
    }
    this.refuseInnerOperators(prefix);
    if (combos.some(nonzero)) {
      const written = `${prefix}${this.text.slice(this.pos).split(/[\s)]/)[0]}`;
      throw this.fault(
        written.includes('#')
          ? `'${written}' in ${this.context} under operators: operators on a factor variable (L.(i.a#c.x)) are not supported; lag the continuous variable alone (i.a#cL.x)`
          : `'${written}' in ${this.context} under operators: operators on a factor variable (L.i.x) are not supported; lag the variable in the data`,
      );
    }
    if (m[6] === undefined && this.text[this.pos] === '(') {
      // i.(a b): the prefix on each variable of the group.
      const names = this.group(prefix);
      if (this.text[this.pos] === '#') throw this.fault(`'${prefix}(…)#' in ${this.context}: a group in an interaction is not supported; write each interaction`);
      return names.map((n) => factorTerm(n, this.baseOf(m)));
    }
    const names = this.names(prefix);
    if (this.text[this.pos] === '#') {
      const variable = this.one(names, 'an interaction');
      return this.interaction(m[6] !== undefined ? { type: 'level', variable, level: Number(m[6]), mark: (m[7] ?? '') as CellMark } : { type: 'i', variable, base: this.baseOf(m) }, outer, begin);
    }
    if (m[6] !== undefined) {
      if (m[7] === 'o') throw this.omittedAlone(prefix + names[0]);
      return names.map((n) => levelTerm(n, Number(m[6]), (m[7] ?? '') as LevelMark));
    }
    return names.map((n) => factorTerm(n, this.baseOf(m)));
  }

  /** The base an i.-kind prefix names: i. the first level, ib#., ib(first|last|freq)., ibn. none. */
  private baseOf(m: RegExpExecArray): FactorBase {
    return m[1] === 'ibn' ? 'none' : m[2] !== undefined ? Number(m[2]) : ((m[3] as 'first' | 'last' | 'freq' | undefined) ?? 'first');
  }

  /** Operators after a factor-variable prefix (i.L.x) are refused: Stata names such terms in ways this
   *  reader does not write; a lagged column in the data does the same. */
  private refuseInnerOperators(prefix: string): void {
    if (OP_PREFIX.test(this.text.slice(this.pos)))
      throw this.fault(`'${prefix}${this.text.slice(this.pos).split(/\s/)[0]}' in ${this.context}: operators on a factor variable (i.L.x) are not supported; lag the variable in the data`);
  }

  private omittedAlone(text: string): SpecError {
    return this.fault(`'${text}' in ${this.context}: the omitted mark (o) is read only in a cell of an interaction as fvexpand writes it (0b.a#co.x); leave the term out instead`);
  }

  /** The rest of an interaction after its first part: `#part` or `##part`, repeated (one of the two).
   *  A part is c.x under its own operators (L.c.x or cL.x), i.v and its kin, a level #.v, or a name
   *  without a prefix (a factor variable, as Stata reads it). The group's operators (`outer`) reach
   *  every c. part and are refused with a factor part. With # one interaction per combination of the
   *  continuous parts' operators; with ## (Stata's full factorial) every non-empty subset of the
   *  parts, in fvexpand's order (x z c.x#c.z; for three, x z c.x#c.z w c.x#c.w c.z#c.w c.x#c.z#c.w),
   *  a single part as its own term (x, i.a). */
  private interaction(first: ReadPart, outer: OpCombo[], start: number): Term[] {
    const parts: ReadPart[] = [first];
    let full: boolean | null = null;
    while (this.text[this.pos] === '#') {
      const dbl = this.text[this.pos + 1] === '#';
      if (full !== null && full !== dbl) throw this.fault(`an interaction in ${this.context} mixes # and ##: write it with one of them`);
      full = dbl;
      this.pos += dbl ? 2 : 1;
      parts.push(this.laterPart());
    }
    const written = this.text.slice(start, this.pos);
    if (parts.some((p) => p.type !== 'c') && outer.some(nonzero))
      throw this.fault(`'${written}' in ${this.context} under operators: operators on a factor variable (L.(i.a#c.x)) are not supported; lag the continuous variable alone (i.a#cL.x)`);
    if (full && parts.some((p) => (p.type === 'c' && p.omitted) || (p.type === 'level' && p.mark === 'o')))
      throw this.fault(`a full factorial (##) in ${this.context} with an omitted part (o): the omitted mark is read only in a cell of an interaction written with #`);
    const factors = parts.flatMap((p) => (p.type === 'c' ? [] : [p.variable]));
    const twice = factors.find((v, j) => factors.indexOf(v) !== j);
    if (twice !== undefined) throw this.fault(`an interaction in ${this.context} takes the factor variable '${twice}' twice; a cell is one level of each factor`);
    // Every operator combination of every continuous part (L(0/1).c.x#c.z is c.x#c.z and cL.x#c.z),
    // the first part's varying slowest.
    let choices: OpCombo[][] = [[]];
    for (const p of parts) if (p.type === 'c') choices = choices.flatMap((ch) => p.ops.map((c) => [...ch, c]));
    if (outer.length * choices.length > MAX_TERMS) throw this.fault(`an interaction in ${this.context} makes ${outer.length * choices.length} terms; at most ${MAX_TERMS} are taken`);
    // Under several operator combinations a full factorial would list its main effects again.
    if (full && outer.length * choices.length > 1)
      throw this.fault(`'${written}' in ${this.context}: a full factorial (##) takes one operator combination per part; write its terms apart (i.a c.x L.c.x i.a#c.x i.a#cL.x)`);
    return outer.flatMap((o) =>
      choices.flatMap((ch) => {
        let next = 0;
        const resolved: InteractionPart[] = parts.map((p) => {
          if (p.type !== 'c') return p;
          const c = plus(o, ch[next++]);
          if (Math.abs(c.lag) > MAX_SPAN || c.diff > MAX_SPAN) throw this.fault(`an interaction in ${this.context}: an operator on ${p.variable} goes beyond ${MAX_SPAN} periods, the longest time span a model takes`);
          return { type: 'c', variable: p.variable, lag: c.lag, diff: c.diff, omitted: p.omitted };
        });
        if (!full) return [interactionTerm(resolved)];
        let sets: InteractionPart[][] = [];
        for (const x of resolved) sets = [...sets, [x], ...sets.map((s) => [...s, x])];
        return sets.map((s) => (s.length === 1 ? single(s[0]) : interactionTerm(s)));
      }),
    );
  }

  /** A part of an interaction after its first: one variable, a continuous one under one or more
   *  operator combinations (c.x#L(0/1).c.z). */
  private laterPart(): ReadPart {
    const at = this.pos;
    const before = this.opPrefix([NO_OPERATOR]);
    const m = FV_PREFIX.exec(this.text.slice(this.pos));
    if (m && m[5] !== undefined) {
      this.pos += m[0].length;
      const inline = this.opsOf(m[5]);
      const ops = this.opPrefix(before.map((c) => plus(c, inline)));
      return { type: 'c', variable: this.one(this.names(m[0]), 'an interaction'), ops, omitted: m[4] === 'o' };
    }
    const prefix = m ? m[0] : '';
    if (before.some(nonzero))
      throw this.fault(`'${this.text.slice(at).split(/[\s#]/)[0]}' in ${this.context}: operators on a factor variable in an interaction are not supported; lag the variable in the data`);
    this.pos += prefix.length;
    this.refuseInnerOperators(prefix);
    const start = this.pos;
    while (this.pos < this.text.length && NAME_CHARS.test(this.text[this.pos])) this.pos++;
    const name = this.text.slice(start, this.pos);
    if (!name)
      throw this.fault(
        /^\s/.test(this.text.slice(at))
          ? `cannot read '#' in ${this.context}: an interaction is written without spaces around # (i.a#c.x)`
          : `cannot read '${this.text.slice(at).split(/[\s#]/)[0] || '#'}' in ${this.context}: each part of an interaction is a variable (c.x, i.a, a, 2.a)`,
      );
    const variable = this.one(this.match(name), 'an interaction');
    if (m?.[6] !== undefined) return { type: 'level', variable, level: Number(m[6]), mark: (m[7] ?? '') as CellMark };
    return { type: 'i', variable, base: m ? this.baseOf(m) : 'first' };
  }

  /** The one variable a name or wildcard in an interaction matches. */
  private one(names: string | string[], where: string): string {
    const list = typeof names === 'string' ? this.match(names) : names;
    if (list.length !== 1) throw this.fault(`'${list.join(' ')}' in ${this.context}: a wildcard in ${where} must match one variable`);
    return list[0];
  }

  /** i.(a b): the names in the parentheses after a prefix, each matched against the columns. */
  private group(prefix: string): string[] {
    this.pos++;
    const names: string[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === ')') {
        this.pos++;
        if (names.length === 0) throw this.fault(`'${prefix}()' in ${this.context} names no variable`);
        return names;
      }
      const start = this.pos;
      while (this.pos < this.text.length && NAME_CHARS.test(this.text[this.pos])) this.pos++;
      const name = this.text.slice(start, this.pos);
      if (!name) throw this.fault(`'${prefix}(' in ${this.context}: a group after a factor-variable prefix takes variable names only${this.pos >= this.text.length ? ' (unbalanced parenthesis)' : ''}`);
      names.push(...this.match(name));
    }
  }

  /** c.'s own operators ("L", "L2D", ""): their net lag and difference order. */
  private opsOf(text: string): OpCombo {
    const { lag, diff } = netOperators(text);
    if (Math.abs(lag) > MAX_SPAN || diff > MAX_SPAN) throw this.fault(`operator 'c${text}.' in ${this.context} goes beyond ${MAX_SPAN} periods, the longest time span a model takes`);
    return { lag, diff };
  }

  /** The variable name (or wildcard) after a factor-variable prefix, matched against the columns. */
  private names(prefix: string): string[] {
    const start = this.pos;
    while (this.pos < this.text.length && NAME_CHARS.test(this.text[this.pos])) this.pos++;
    const name = this.text.slice(start, this.pos);
    if (!name) throw this.fault(`'${prefix}' in ${this.context} needs a variable name after it${this.text[this.pos] === '(' ? ` (${prefix}(x z) groups are not supported: write each variable with its prefix)` : ''}`);
    return this.match(name);
  }

  /** Operator prefixes (possibly chained, L.D.x), combined with those of enclosing groups. */
  private opPrefix(outer: OpCombo[]): OpCombo[] {
    let combos = outer;
    for (;;) {
      const rest = this.text.slice(this.pos);
      const m = OP_PREFIX.exec(rest);
      if (!m) return combos;
      const spec = m[0].slice(0, -1);
      this.pos += m[0].length;
      const re = /([A-Za-z])(\d+|\(([^()]*)\))?/g;
      let op: RegExpExecArray | null;
      while ((op = re.exec(spec))) {
        const letter = op[1].toUpperCase();
        if (letter === 'S') throw this.fault(`seasonal-difference operator '${m[0]}' is not supported in ${this.context}`);
        const orders = op[3] !== undefined ? this.numlist(op[3], m[0], letter !== 'D') : [op[2] !== undefined ? Number(op[2]) : 1];
        // Each operator's range within bounds can still multiply into millions of terms (L(0/1000)D(0/1000).x).
        if (combos.length * orders.length > MAX_TERMS)
          throw this.fault(`operator '${m[0]}' in ${this.context}: it makes ${combos.length * orders.length} terms of one variable; at most ${MAX_TERMS} are taken`);
        const next: OpCombo[] = [];
        for (const c of combos)
          for (const k of orders) {
            if (letter === 'L') next.push({ lag: c.lag + k, diff: c.diff });
            else if (letter === 'F') next.push({ lag: c.lag - k, diff: c.diff });
            else next.push({ lag: c.lag, diff: c.diff + k });
          }
        combos = next;
        // No model spans more than MAX_SPAN periods, so a longer lag or difference never reaches data;
        // L(1/1000000).x built a million terms (a RangeError), L(1/99999999).x ran out of memory.
        for (const c of combos)
          if (Math.abs(c.lag) > MAX_SPAN || c.diff > MAX_SPAN)
            throw this.fault(
              `operator '${m[0]}' in ${this.context}: a ${Math.abs(c.lag) > MAX_SPAN ? (c.lag > 0 ? 'lag' : 'lead') : 'difference'} of order ${Math.abs(c.lag) > MAX_SPAN ? Math.abs(c.lag) : c.diff} is beyond ${MAX_SPAN} periods, the longest time span a model takes`,
            );
      }
    }
  }

  /** "1/3", "0/2", "1 2 4", "1,2": integers, negative ones only where `signed` (L(-1/1) is F1, L0, L1,
   *  as in Stata; a difference order cannot be negative). */
  private numlist(text: string, op: string, signed: boolean): number[] {
    const out: number[] = [];
    const int = signed ? '-?\\d+' : '\\d+';
    for (const part of text.split(/[\s,]+/).filter(Boolean)) {
      const range = new RegExp(`^(${int})/(${int})$`).exec(part);
      if (range) {
        const a = Number(range[1]);
        const b = Number(range[2]);
        if (b < a) throw this.fault(`operator '${op}' in ${this.context}: range ${part} runs backwards`);
        if (Math.max(Math.abs(a), Math.abs(b)) > MAX_SPAN)
          throw this.fault(`operator '${op}' in ${this.context}: range ${part} goes beyond ${MAX_SPAN} periods, the longest time span a model takes`);
        for (let k = a; k <= b; k++) out.push(k);
      } else if (new RegExp(`^${int}$`).test(part)) out.push(Number(part));
      else throw this.fault(`operator '${op}' in ${this.context}: cannot read numlist '${text}'${signed || !part.includes('-') ? '' : ' (a difference order cannot be negative)'}`);
    }
    if (out.length === 0) throw this.fault(`operator '${op}' in ${this.context}: empty numlist`);
    return out;
  }

  /** A name or wildcard pattern against the columns, in column order. */
  private match(pattern: string): string[] {
    if (!/[*?~]/.test(pattern)) {
      if (this.columns.includes(pattern)) return [pattern];
      throw this.unknown(pattern);
    }
    const re = new RegExp(`^${pattern.replace(/[*~]/g, '.*').replace(/\?/g, '.')}$`);
    const hits = this.columns.filter((c) => re.test(c));
    if (hits.length === 0) throw new SpecError(`'${pattern}' in ${this.context} matches no variable; columns are: ${this.columns.join(', ')}`, pattern);
    if (pattern.includes('~') && hits.length > 1)
      throw new SpecError(`'${pattern}' in ${this.context} is ambiguous: it matches ${hits.join(', ')}`, pattern);
    return hits;
  }

  /** first-last: the columns from first to last inclusive, in column order. */
  private range(first: string, last: string): string[] {
    const a = this.columns.indexOf(first);
    const b = this.columns.indexOf(last);
    if (a < 0) throw this.unknown(first);
    if (b < 0) throw this.unknown(last);
    if (b < a) throw new SpecError(`range '${first}-${last}' in ${this.context}: '${last}' comes before '${first}' in the data`, `${first}-${last}`);
    return this.columns.slice(a, b + 1);
  }

  private unknown(name: string): SpecError {
    // A column whose name a variable list cannot spell ('L.n', 'gdp growth'): the list read part of it.
    const unspellable = this.columns.filter((c) => /[^\p{L}\p{N}_]/u.test(c) && c.split(/[^\p{L}\p{N}_]+/u).includes(name));
    if (unspellable.length)
      return new SpecError(
        `variable '${name}' in ${this.context} not found; the column${unspellable.length > 1 ? 's' : ''} ${unspellable.map((c) => `'${c}'`).join(', ')} cannot be named in a model (a name is letters, digits and _; '.' reads as an operator): rename ${unspellable.length > 1 ? 'them' : 'it'} in the data`,
        name,
      );
    const close = closeMatches(name, this.columns);
    const hint = close.length ? `; did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : `; columns are: ${this.columns.join(', ')}`;
    return new SpecError(`variable '${name}' in ${this.context} not found${hint}`, name);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private fault(message: string): SpecError {
    return new SpecError(message, this.context);
  }
}

/** One part of a full factorial alone: x (under its operators), i.a, or a level. */
function single(p: InteractionPart): Term {
  if (p.type === 'c') return term(p.variable, p.lag, p.diff);
  if (p.type === 'i') return factorTerm(p.variable, p.base);
  return levelTerm(p.variable, p.level, p.mark as LevelMark);
}
