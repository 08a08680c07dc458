// Linear restrictions R β = r written as Stata's `test` does: "ca = 0", "ca + eff = 0",
// "2*ca - L.y = 0.5"; several separated by commas form a joint test. Linear combinations a'β + c
// written as Stata's `lincom` does: "L.w + w", "2*k - 1". Coefficients are spelt as Stata reads
// them ("L.y" or "L1.y", "LD.w"; src/spec/coefficient-name.ts).
import { SpecError } from '../errors.ts';
import { lookupCoefficient } from '../spec/coefficient-name.ts';

export interface LinearRestrictions {
  /** q×K, row-major. */
  R: Float64Array;
  r: Float64Array;
  q: number;
  text: string;
}

/** a'β + c over the model's coefficients. */
export interface LinearCombinationWeights {
  /** K weights, in the order of the coefficient names. */
  a: Float64Array;
  c: number;
}

/** A number, a coefficient name (letters of any script, as column names may be), or an operator. */
const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([\p{L}_][\p{L}\p{N}_.#]*)|([-+*/=]))/uy;

/**
 * Parse restrictions over the named coefficients (names as reported: "L1.n", "w", "_cons"; spelt as
 * Stata reads them). `context` opens each error message: '--test' on the command line, 'test' in the library.
 */
export function parseRestrictions(text: string, names: readonly string[], context = '--test', dropped: readonly string[] = []): LinearRestrictions {
  const parts = text.split(/[,;]/).map((s) => s.trim());
  if (parts.every((s) => s.length === 0)) throw new SpecError(`${context}: no restriction in '${text}'`, context);
  if (parts.some((s) => s.length === 0)) throw new SpecError(`${context}: an empty restriction between separators in '${text}'`, context);
  const K = names.length;
  const R = new Float64Array(parts.length * K);
  const r = new Float64Array(parts.length);
  parts.forEach((part, row) => {
    const sides = part.split('=');
    if (sides.length !== 2) throw new SpecError(`${context}: '${part}' must have exactly one '='`, context);
    sides.forEach((side, s) => {
      const sign = s === 0 ? 1 : -1;
      parseSide(side, part, context, (name, coef) => {
        if (name === null) r[row] -= sign * coef;
        else R[row * K + coefficientIndex(name, names, part, context, dropped)] += sign * coef;
      });
    });
    let any = false;
    for (let j = 0; j < K; j++) if (R[row * K + j] !== 0) any = true;
    if (!any) throw new SpecError(`${context}: '${part}' restricts no coefficient`, context);
  });
  refuseDependent(R, r, K, parts, text, context);
  return { R, r, q: parts.length, text };
}

/** Parse one linear combination ("L.w + w", "2*k - 1"); errors quote it as given, opened by `context`. */
export function parseCombination(expression: string, names: readonly string[], context = 'lincom', dropped: readonly string[] = []): LinearCombinationWeights {
  if (expression.trim() === '') throw new SpecError(`${context}: no expression`, context);
  if (/[=,;]/.test(expression)) throw new SpecError(`${context}: '${expression}' must be one expression without '=' or ','`, context);
  const a = new Float64Array(names.length);
  let c = 0;
  parseSide(expression, expression, context, (name, coef) => {
    if (name === null) c += coef;
    else a[coefficientIndex(name, names, expression, context, dropped)] += coef;
  });
  if (a.every((x) => x === 0)) throw new SpecError(`${context}: '${expression}' combines no coefficient`, context);
  return { a, c };
}

function coefficientIndex(spelling: string, names: readonly string[], where: string, context: string, dropped: readonly string[]): number {
  const found = lookupCoefficient(spelling, names, dropped);
  if (found.error !== undefined) throw new SpecError(`${context} '${where}': ${found.error}`, context);
  return names.indexOf(found.name);
}

/**
 * A joint test needs linearly independent restrictions (R of full row rank q), or its statistic
 * would be that of fewer restrictions with q degrees of freedom. Each row is reduced against the
 * earlier ones (Gram–Schmidt on [R r]); a row with nothing left is implied by them, or contradicts them.
 */
function refuseDependent(R: Float64Array, r: Float64Array, K: number, parts: string[], text: string, context: string): void {
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
    const earlier = parts.slice(0, row).map((p) => `'${p}'`).join(', ');
    if (Math.abs(c) <= 1e-10 * (Math.abs(r[row]) + size))
      throw new SpecError(`${context} '${text}': '${part}' is implied by ${earlier}; a joint test needs independent restrictions, so leave it out`, context);
    throw new SpecError(`${context} '${text}': '${part}' contradicts ${earlier}; no coefficients satisfy them all`, context);
  });
}

/** A side is a sum of terms: [sign] [number [*]] [name] [/ number …] — a term without a name is a
 *  constant; a term may be divided by nonzero numbers, as Stata's lincom takes "w/2". */
function parseSide(side: string, part: string, context: string, emit: (name: string | null, coef: number) => void): void {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  const src = side.trim();
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new SpecError(`${context}: cannot read '${src.slice(at).trim()}' in '${part}'`, context);
    tokens.push(m[1] ?? m[2] ?? m[3]);
  }
  if (tokens.length === 0) throw new SpecError(`${context}: empty side in '${part}'`, context);
  // A number beyond double precision (1e400) would make the statistic infinite, or a divisor void the term.
  const finite = (token: string): number => {
    const x = Number(token);
    if (!Number.isFinite(x)) throw new SpecError(`${context}: the number '${token}' in '${part}' is beyond double precision`, context);
    return x;
  };
  let i = 0;
  while (i < tokens.length) {
    let sign = 1;
    while (tokens[i] === '+' || tokens[i] === '-') sign *= tokens[i++] === '-' ? -1 : 1;
    let coef = 1;
    let name: string | null = null;
    const isNumber = i < tokens.length && /^[\d.]/.test(tokens[i]);
    if (isNumber) {
      coef = finite(tokens[i++]);
      if (tokens[i] === '*') i++;
    }
    if (i < tokens.length && /^[\p{L}_]/u.test(tokens[i])) name = tokens[i++];
    else if (!isNumber) throw new SpecError(`${context}: expected a coefficient name or number in '${part}'`, context);
    while (tokens[i] === '/') {
      const d = /^[\d.]/.test(tokens[i + 1] ?? '') ? finite(tokens[i + 1]) : 0;
      if (d === 0) throw new SpecError(`${context}: '/' must be followed by a nonzero number in '${part}'`, context);
      coef /= d;
      i += 2;
    }
    emit(name, sign * coef);
    if (i < tokens.length && tokens[i] !== '+' && tokens[i] !== '-') throw new SpecError(`${context}: unexpected '${tokens[i]}' in '${part}'`, context);
  }
}
