// Linear restrictions R β = r written as Stata's `test` does: "ca = 0", "ca + eff = 0",
// "2*ca - L1.y = 0.5"; several separated by commas form a joint test.
import { SpecError } from '../errors.ts';

export interface LinearRestrictions {
  /** q×K, row-major. */
  R: Float64Array;
  r: Float64Array;
  q: number;
  text: string;
}

const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_.#]*)|([-+*=]))/y;

/** Parse restrictions over the named coefficients (names as reported: "L1.n", "w", "_cons"). */
export function parseRestrictions(text: string, names: readonly string[]): LinearRestrictions {
  const parts = text.split(/[,;]/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new SpecError(`--test: no restriction in '${text}'`, '--test');
  const K = names.length;
  const R = new Float64Array(parts.length * K);
  const r = new Float64Array(parts.length);
  parts.forEach((part, row) => {
    const sides = part.split('=');
    if (sides.length !== 2) throw new SpecError(`--test: '${part}' must have exactly one '='`, '--test');
    sides.forEach((side, s) => {
      const sign = s === 0 ? 1 : -1;
      parseSide(side, part, (name, coef) => {
        if (name === null) r[row] -= sign * coef;
        else {
          const j = names.indexOf(name);
          if (j < 0) throw new SpecError(`--test: unknown coefficient '${name}' in '${part}'; coefficients are: ${names.join(', ')}`, '--test');
          R[row * K + j] += sign * coef;
        }
      });
    });
    let any = false;
    for (let j = 0; j < K; j++) if (R[row * K + j] !== 0) any = true;
    if (!any) throw new SpecError(`--test: '${part}' restricts no coefficient`, '--test');
  });
  refuseDependent(R, r, K, parts, text);
  return { R, r, q: parts.length, text };
}

/**
 * A joint test needs linearly independent restrictions (R of full row rank q), or its statistic
 * would be that of fewer restrictions with q degrees of freedom. Each row is reduced against the
 * earlier ones (Gram–Schmidt on [R r]); a row with nothing left is implied by them, or contradicts them.
 */
function refuseDependent(R: Float64Array, r: Float64Array, K: number, parts: string[], text: string): void {
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
      throw new SpecError(`--test '${text}': '${part}' is implied by ${earlier}; a joint test needs independent restrictions, so leave it out`, '--test');
    throw new SpecError(`--test '${text}': '${part}' contradicts ${earlier}; no coefficients satisfy them all`, '--test');
  });
}

/** A side is a sum of terms: [sign] [number [*]] [name] — a term without a name is a constant. */
function parseSide(side: string, part: string, emit: (name: string | null, coef: number) => void): void {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  const src = side.trim();
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new SpecError(`--test: cannot read '${src.slice(at).trim()}' in '${part}'`, '--test');
    tokens.push(m[1] ?? m[2] ?? m[3]);
  }
  if (tokens.length === 0) throw new SpecError(`--test: empty side in '${part}'`, '--test');
  let i = 0;
  while (i < tokens.length) {
    let sign = 1;
    while (tokens[i] === '+' || tokens[i] === '-') sign *= tokens[i++] === '-' ? -1 : 1;
    let coef = 1;
    let name: string | null = null;
    const isNumber = i < tokens.length && /^[\d.]/.test(tokens[i]);
    if (isNumber) {
      coef = Number(tokens[i++]);
      if (tokens[i] === '*') i++;
    }
    if (i < tokens.length && /^[A-Za-z_]/.test(tokens[i])) name = tokens[i++];
    else if (!isNumber) throw new SpecError(`--test: expected a coefficient name or number in '${part}'`, '--test');
    emit(name, sign * coef);
    if (i < tokens.length && tokens[i] !== '+' && tokens[i] !== '-') throw new SpecError(`--test: unexpected '${tokens[i]}' in '${part}'`, '--test');
  }
}
