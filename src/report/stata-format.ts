// Stata's display formats, as xtabond2's output uses them.

/**
 * Stata's %9.0g: the most significant digits that fit in 8 characters plus a sign, trailing zeros
 * dropped, no leading zero (.1700616, -.0853582, -1.165321, .382548, -.004071); exponential
 * (1.23e+08, 1.23e-06) when fixed notation would need more than 8 integer digits or would keep
 * fewer than 3 significant digits. Missing (NaN) is ".".
 */
export function stataG(x: number): string {
  if (Number.isNaN(x)) return '.';
  if (!Number.isFinite(x)) return x > 0 ? '+inf' : '-inf';
  if (x === 0) return '0';
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  const fixed = fixedBody(a);
  return sign + (fixed ?? exponential(a));
}

/** Fixed notation within 8 characters, or null when it does not fit or loses too much. */
function fixedBody(a: number): string | null {
  let exp = Math.floor(Math.log10(a));
  if (exp < -5) return null;
  for (let attempt = 0; attempt < 2; attempt++) {
    const intDigits = exp >= 0 ? exp + 1 : 0;
    if (intDigits > 8) return null;
    const decimals = exp >= 0 ? Math.max(0, 8 - intDigits - 1) : 7;
    let s = a.toFixed(decimals);
    // Rounding can carry into a new integer digit (9.9999999 → 10.000000): redo with one digit fewer.
    const gotInt = s.split('.')[0].replace(/^0$/, '').length;
    if (gotInt > intDigits && attempt === 0) {
      exp = gotInt - 1;
      continue;
    }
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return s.replace(/^0\./, '.');
  }
  return null;
}

function exponential(a: number): string {
  const [m, e] = a.toExponential(2).split('e');
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

/** %w.df: fixed decimals, right-aligned in width w; NaN is ".". */
export function fixed(x: number, decimals: number, width = 0): string {
  const s = Number.isNaN(x) ? '.' : x.toFixed(decimals);
  return s.padStart(width);
}

/** Stata's abbrev(s, n): names longer than n keep their start and last character around "~". */
export function abbreviate(name: string, n: number): string {
  return name.length <= n ? name : `${name.slice(0, n - 2)}~${name.slice(-1)}`;
}
