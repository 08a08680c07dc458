// Linear restrictions R β = r written as Stata's `test` does: "ca = 0", "ca + eff = 0",
// "2*ca - L.y = 0.5"; several form a joint test, separated by commas or each in parentheses
// ("(w = 0) (k = 0)"), and a list of names without '=' tests each = 0 ("w k"). Linear combinations
// a'β + c written as Stata's `lincom` does: "L.w + w", "2*k - 1", "(w + k)/2". Coefficients are spelt as Stata reads
// them ("L.y" or "L1.y", "LD.w"; src/spec/coefficient-name.ts). The Wald test of restrictions with
// the fit's covariance V is Stata's `test`: W = (Rb − r)'(R V R')⁻¹(Rb − r) ~ chi2(rank of R V R'),
// or under `small` F = W/rank with the model test's denominator df.
import { SpecError } from '../errors.ts';
import type { GmmResult } from '../gmm/result.ts';
import { invsym } from '../linalg/invsym.ts';
import { lookupCoefficient } from '../spec/coefficient-name.ts';
import { chi2Upper, fUpper } from '../stats/distributions.ts';

export interface LinearRestrictions {
  /** q×K, row-major. */
  R: Float64Array;
  r: Float64Array;
  q: number;
  text: string;
  /** The q restrictions as written, one per row of R. */
  parts: string[];
}

/** a'β + c over the model's coefficients. */
export interface LinearCombinationWeights {
  /** K weights, in the order of the coefficient names. */
  a: Float64Array;
  c: number;
}

/** A factor variable's level or a cell that starts with one ("1978.year", "1.g#c.w"; read before a number
 *  would take "1978."; not "1.e-3"), a number, a coefficient name (letters of any script, as column names
 *  may be; "c.w#c.k"), or an operator. */
const TOKEN = /\s*(?:(\d+(?:bn|b|o)?\.(?![eE][+-]?\d)[\p{L}_][\p{L}\p{N}_]*(?:#[\p{L}\p{N}_.#]*)?)|(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([\p{L}_][\p{L}\p{N}_.#]*)|([-+*/=()]))/uy;

/**
 * Parse restrictions over the named coefficients (names as reported: "L1.n", "w", "_cons"; spelt as
 * Stata reads them). `context` opens each error message: '--test' on the command line, 'test' in the library.
 */
export function parseRestrictions(text: string, names: readonly string[], context = '--test', dropped: readonly string[] = []): LinearRestrictions {
  const pieces = text.split(/[,;]/).map((s) => s.trim());
  if (pieces.every((s) => s.length === 0)) throw new SpecError(`${context}: no restriction in '${text}'`, context);
  if (pieces.some((s) => s.length === 0)) throw new SpecError(`${context}: an empty restriction between separators in '${text}'`, context);
  const parts = pieces.flatMap(restrictionsOf);
  const K = names.length;
  const R = new Float64Array(parts.length * K);
  const r = new Float64Array(parts.length);
  parts.forEach((part, row) => {
    const sides = part.split('=');
    if (sides.length !== 2) throw new SpecError(`${context}: '${part}' must have exactly one '='`, context);
    sides.forEach((side, s) => {
      const sign = s === 0 ? 1 : -1;
      const form = linearForm(side, part, context);
      r[row] -= sign * form.c;
      for (const [name, coef] of form.terms) R[row * K + coefficientIndex(name, names, part, context, dropped)] += sign * coef;
    });
    let any = false;
    for (let j = 0; j < K; j++) if (R[row * K + j] !== 0) any = true;
    if (!any) throw new SpecError(`${context}: '${part}' restricts no coefficient`, context);
  });
  refuseContradictions(R, r, K, parts, text, context);
  return { R, r, q: parts.length, text, parts };
}

/** The Wald test of parsed restrictions with the fit's covariance, as Stata's `test`. */
export interface RestrictionWald {
  /** 'chi2' (Wald), or 'F' when the model was fitted with `small`. */
  kind: 'chi2' | 'F';
  stat: number;
  /** The rank of R V R': the restrictions kept. */
  df1: number;
  /** Denominator df of F; null for chi2. */
  df2: number | null;
  p: number;
  /** The restrictions kept (rows of R whose R V R' column invsym keeps). */
  kept: LinearRestrictions;
  /** Restrictions dropped, as written: their variance is zero given the earlier ones (Stata's
   *  "Constraint k dropped"), e.g. one on a coefficient the fit left unidentified. */
  droppedConstraints: string[];
}

/** Residual df of the t and F statistics under `small` (the model test's denominator); null for z and chi2. */
export function residualDf(fit: GmmResult): number | null {
  return fit.small && fit.modelTest?.df2 != null ? fit.modelTest.df2 : null;
}

/**
 * Wald test of restrictions R b = r with the fit's covariance V, as Stata's `test`: a generalized
 * inverse (invsym) of R V R', whose rank is the df; a restriction whose column it drops (zero variance
 * given the earlier ones) is dropped with a note. Restrictions of zero variance altogether (only on
 * coefficients the fit left unidentified, estimate and SE 0) are refused. `context` opens the error.
 */
export function restrictionWald(fit: GmmResult, restrictions: LinearRestrictions, context: string): RestrictionWald {
  const { R, r, q } = restrictions;
  const K = fit.coefficients.length;
  const d = new Float64Array(q);
  const RV = new Float64Array(q * K);
  for (let i = 0; i < q; i++) {
    let s = -r[i];
    for (let j = 0; j < K; j++) s += R[i * K + j] * fit.coefficients[j].estimate;
    d[i] = s;
    for (let j = 0; j < K; j++) {
      let v = 0;
      for (let l = 0; l < K; l++) v += R[i * K + l] * fit.vcov[l * K + j];
      RV[i * K + j] = v;
    }
  }
  const RVR = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let k = 0; k < q; k++) for (let j = 0; j < K; j++) RVR[i * q + k] += RV[i * K + j] * R[k * K + j];
  const { inv, rank, dropped } = invsym(RVR, q);
  if (rank === 0) {
    const zero = fit.coefficients.filter((c, j) => fit.vcov[j * K + j] === 0 && [...Array(q).keys()].some((i) => R[i * K + j] !== 0)).map((c) => c.name);
    const why = zero.length > 0 ? `: ${zero.join(', ')} ${zero.length === 1 ? 'is' : 'are'} not identified in this fit (estimate and standard error 0), so there is nothing to test` : '';
    throw new SpecError(`${context}: the restrictions '${restrictions.text}' have zero variance${why}`, context);
  }
  let w = 0;
  for (let i = 0; i < q; i++) for (let k = 0; k < q; k++) w += d[i] * inv[i * q + k] * d[k];
  const rows = [...Array(q).keys()].filter((i) => !dropped[i]);
  const kept: LinearRestrictions = {
    R: Float64Array.from({ length: rows.length * K }, (_, j) => R[rows[Math.floor(j / K)] * K + (j % K)]),
    r: Float64Array.from(rows, (i) => r[i]),
    q: rows.length,
    text: restrictions.text,
    parts: rows.map((i) => restrictions.parts[i]),
  };
  const droppedConstraints = restrictions.parts.filter((_, i) => dropped[i]);
  const df2 = residualDf(fit);
  if (df2 !== null) return { kind: 'F', stat: w / rank, df1: rank, df2, p: fUpper(w / rank, rank, df2), kept, droppedConstraints };
  return { kind: 'chi2', stat: w, df1: rank, df2: null, p: chi2Upper(w, rank), kept, droppedConstraints };
}

/** Parse one linear combination ("L.w + w", "2*k - 1"); errors quote it as given, opened by `context`. */
export function parseCombination(expression: string, names: readonly string[], context = 'lincom', dropped: readonly string[] = []): LinearCombinationWeights {
  if (expression.trim() === '') throw new SpecError(`${context}: no expression`, context);
  if (/[=,;]/.test(expression)) throw new SpecError(`${context}: '${expression}' must be one expression without '=' or ','`, context);
  const a = new Float64Array(names.length);
  const form = linearForm(expression, expression, context);
  for (const [name, coef] of form.terms) a[coefficientIndex(name, names, expression, context, dropped)] += coef;
  if (a.every((x) => x === 0)) throw new SpecError(`${context}: '${expression}' combines no coefficient`, context);
  return { a, c: form.c };
}

function coefficientIndex(spelling: string, names: readonly string[], where: string, context: string, dropped: readonly string[]): number {
  const found = lookupCoefficient(spelling, names, dropped);
  if (found.error !== undefined) throw new SpecError(`${context} '${where}': ${found.error}`, context);
  return names.indexOf(found.name);
}

/**
 * Restrictions no coefficients satisfy together are refused. Each row is reduced against the earlier
 * ones (Gram–Schmidt on [R r]); a row with nothing left of R is implied by them, or, with something left
 * of r, contradicts them. An implied row stays: the Wald test drops it with R V R' (restrictionWald), as
 * Stata's `test` drops it ("Constraint 2 dropped").
 */
function refuseContradictions(R: Float64Array, r: Float64Array, K: number, parts: string[], text: string, context: string): void {
  const basis: { u: Float64Array; d: number }[] = [];
  parts.forEach((part, row) => {
    const v = R.slice(row * K, (row + 1) * K);
    let c = r[row];
    const size = Math.hypot(...v);
    for (const { u, d } of basis) {
      let proj = 0;
      for (let j = 0; j < K; j++) proj += v[j] * u[j];
      for (let j = 0; j < K; j++) v[j] -= proj * u[j];
      c -= proj * d;
    }
    const left = Math.hypot(...v);
    const tol = 1e-10 * size;
    if (left > tol) {
      basis.push({ u: v.map((x) => x / left), d: c / left });
      return;
    }
    if (Math.abs(c) <= 1e-10 * (Math.abs(r[row]) + size)) return;
    const earlier = parts.slice(0, row).map((p) => `'${p}'`).join(', ');
    throw new SpecError(`${context} '${text}': '${part}' contradicts ${earlier}; no coefficients satisfy them all`, context);
  });
}

/** One restriction as written, or Stata's other spellings of several: "(w = 0) (k = 0)" (each in
 *  parentheses) and "w k" (names without '=': each = 0). */
function restrictionsOf(piece: string): string[] {
  if (!piece.includes('=')) {
    const words = piece.split(/\s+/);
    return words.every((w) => /^[\p{L}_\d][\p{L}\p{N}_.#]*$/u.test(w)) ? words.map((w) => `${w} = 0`) : [piece];
  }
  const groups: string[] = [];
  let depth = 0;
  let start = -1;
  for (let k = 0; k < piece.length; k++) {
    const ch = piece[k];
    if (ch === '(') {
      if (depth++ === 0) start = k;
    } else if (ch === ')') {
      if (--depth === 0) groups.push(piece.slice(start + 1, k).trim());
    } else if (depth === 0 && !/\s/.test(ch)) return [piece]; // text outside parentheses: one restriction
  }
  return groups.length > 0 && groups.every((g) => g.includes('=')) ? groups : [piece];
}

/** A linear form: coefficients by name (as spelt) and a constant. */
interface LinearForm {
  terms: Map<string, number>;
  c: number;
}

/** Read a linear expression: sums and differences of terms, a term a product or quotient of numbers,
 *  names and parenthesized expressions, one factor of a product at most holding a name, and a divisor a
 *  nonzero number ("2*k", "w*2", "(w + k)/2", "-(L.w - w)"), as Stata's test and lincom read them. */
function linearForm(text: string, part: string, context: string): LinearForm {
  const tokens: string[] = [];
  /** Which tokens are coefficient names. */
  const names = new Set<number>();
  TOKEN.lastIndex = 0;
  const src = text.trim();
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new SpecError(`${context}: cannot read '${src.slice(at).trim()}' in '${part}'`, context);
    if (m[1] !== undefined || m[3] !== undefined) names.add(tokens.length);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  if (tokens.length === 0) throw new SpecError(`${context}: empty side in '${part}'`, context);
  const fail = (why: string): never => {
    throw new SpecError(`${context}: ${why} in '${part}'`, context);
  };
  let i = 0;
  const constant = (f: LinearForm) => f.terms.size === 0;
  const scale = (f: LinearForm, k: number): LinearForm => ({ terms: new Map([...f.terms].map(([n, v]) => [n, v * k])), c: f.c * k });
  const add = (f: LinearForm, g: LinearForm, sign: number): LinearForm => {
    const terms = new Map(f.terms);
    for (const [n, v] of g.terms) terms.set(n, (terms.get(n) ?? 0) + sign * v);
    return { terms, c: f.c + sign * g.c };
  };
  const sum = (): LinearForm => {
    let f = product();
    while (tokens[i] === '+' || tokens[i] === '-') {
      const sign = tokens[i++] === '-' ? -1 : 1;
      f = add(f, product(), sign);
    }
    return f;
  };
  const product = (): LinearForm => {
    let f = unary();
    while (tokens[i] === '*' || tokens[i] === '/') {
      const op = tokens[i++];
      const g = unary();
      if (op === '/') {
        if (!constant(g) || g.c === 0) fail("'/' must be followed by a nonzero number");
        f = scale(f, 1 / g.c);
      } else if (constant(g)) f = scale(f, g.c);
      else if (constant(f)) f = scale(g, f.c);
      else fail('a product of two coefficients is not linear');
    }
    return f;
  };
  const unary = (): LinearForm => {
    if (tokens[i] !== '+' && tokens[i] !== '-') return primary();
    const sign = tokens[i++] === '-' ? -1 : 1;
    return scale(unary(), sign);
  };
  const primary = (): LinearForm => {
    const t = tokens[i];
    if (t === undefined) return fail('expected a coefficient name or number at the end');
    if (t === '(') {
      i++;
      const f = sum();
      if (tokens[i++] !== ')') fail("a '(' without its ')'");
      return f;
    }
    i++;
    if (names.has(i - 1)) return { terms: new Map([[t, 1]]), c: 0 };
    if (/^[\d.]/.test(t)) {
      const x = Number(t);
      // A number beyond double precision (1e400) would make the statistic infinite, or a divisor void the term.
      if (!Number.isFinite(x)) throw new SpecError(`${context}: the number '${t}' in '${part}' is beyond double precision`, context);
      return { terms: new Map(), c: x };
    }
    return fail(`unexpected '${t}'`);
  };
  const f = sum();
  if (i < tokens.length) fail(`unexpected '${tokens[i]}'`);
  return f;
}
