// p-values and quantiles of the reference distributions (normal, t, chi-squared, F), in float64.
// Every tail is an upper-tail regularized incomplete gamma or beta function computed directly (never
// 1 − cdf), by the power series or the modified-Lentz continued fraction of Press et al., Numerical
// Recipes (3rd ed.), §6.2 and §6.4; log Γ by Lanczos (g = 7, 9 terms) with Stirling's series for
// large arguments so that log B(a, b) keeps its digits when a ≫ b. Quantiles: a starting value
// (Acklam's rational approximation for the normal, its Cornish–Fisher expansion for t) refined by
// safeguarded Newton steps on the cdf. test/distributions.test.ts checks them against the values of
// the @stdlib implementations this module replaced.

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITER = 100_000;
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Stirling's series for log Γ(x) − [(x − ½) ln x − x + ½ ln 2π], accurate to 1e-16 for x ≥ 20. */
function stirlingCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
}

/** log Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x >= 20) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingCorrection(x);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x); // reflection
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** log B(a, b), without the cancellation of log Γ(a) + log Γ(b) − log Γ(a + b) when one argument is large. */
function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 20) return logGamma(a) + logGamma(b) - logGamma(a + b);
  // log Γ(big) − log Γ(big + small) by Stirling, the leading terms combined through log1p.
  const diff = -(big - 0.5) * Math.log1p(small / big) - small * Math.log(big + small) + small + stirlingCorrection(big) - stirlingCorrection(big + small);
  return logGamma(small) + diff;
}

/** Continued fraction of the incomplete beta function (Numerical Recipes betacf), modified Lentz; its value and the terms it took. */
function betaFraction(a: number, b: number, x: number): { value: number; terms: number } {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return { value: h, terms: m };
  }
  return { value: h, terms: MAX_ITER };
}

/**
 * The regularized incomplete beta I_x(a, b) (upper = false) or 1 − I_x(a, b) (upper = true), with
 * y = 1 − x passed in exactly so that neither tail loses digits near 0 or 1.
 */
function incompleteBeta(x: number, y: number, a: number, b: number, upper: boolean): number {
  if (Number.isNaN(x) || Number.isNaN(a) || Number.isNaN(b) || a <= 0 || b <= 0) return NaN;
  if (x <= 0) return upper ? 1 : 0;
  if (y <= 0) return upper ? 0 : 1;
  // ln x and ln y from whichever of x, y is small, so a large a or b does not multiply a rounding error.
  const lnx = x < 0.5 ? Math.log(x) : Math.log1p(-y);
  const lny = y < 0.5 ? Math.log(y) : Math.log1p(-x);
  const front = Math.exp(a * lnx + b * lny - logBeta(a, b));
  // The fraction in x gives I_x(a, b); the one in y gives 1 − I_x(a, b) = I_y(b, a). Below the mean
  // (a+1)/(a+b+2) the first converges, above it the second. Near the mean with a ≫ b (t and F with
  // many degrees of freedom) the first accumulates rounding over its many terms: then the second,
  // if it converges faster and its complement is not so small that it would lose digits.
  const lower = x < (a + 1) / (a + b + 2);
  const first = lower ? betaFraction(a, b, x) : betaFraction(b, a, y);
  let value = (front * first.value) / (lower ? a : b);
  let isLower = lower;
  if (first.terms > 30 && value > 1e-3) {
    const other = lower ? betaFraction(b, a, y) : betaFraction(a, b, x);
    const otherValue = (front * other.value) / (lower ? b : a);
    if (other.terms < first.terms && otherValue < 1 - 1e-3) [value, isLower] = [otherValue, !lower];
  }
  return isLower === upper ? 1 - value : value;
}

/** The regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a). */
function upperGamma(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    // Series for P(a, x) (Numerical Recipes gser); Q = 1 − P is then at least about 0.1.
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < MAX_ITER; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    return 1 - sum * front;
  }
  // Continued fraction for Q(a, x) (Numerical Recipes gcf), modified Lentz.
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return front * h;
}

/** Φ(x), the standard normal cdf: erfc(−x/√2)/2 = Q(½, x²/2)/2 in the lower tail. */
function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const q = upperGamma(0.5, (x * x) / 2) / 2;
  return x < 0 ? q : 1 - q;
}

/** Student t cdf with df degrees of freedom: I_{df/(df+t²)}(df/2, ½)/2 in the lower tail. */
function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  const t2 = t * t;
  const half = incompleteBeta(df / (df + t2), t2 / (df + t2), df / 2, 0.5, false) / 2;
  return t < 0 ? half : 1 - half;
}

/** Two-sided p-value of a standard normal statistic. */
export function normalTwoSided(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return upperGamma(0.5, (z * z) / 2);
}
/** Two-sided p-value of a t statistic with df degrees of freedom. */
export function tTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  const t2 = t * t;
  return incompleteBeta(df / (df + t2), t2 / (df + t2), df / 2, 0.5, false);
}
/** Upper-tail p-value of a chi-squared statistic. */
export function chi2Upper(x: number, df: number): number {
  return df > 0 ? upperGamma(df / 2, x / 2) : NaN;
}
/** Upper-tail p-value of an F statistic. */
export function fUpper(x: number, df1: number, df2: number): number {
  if (Number.isNaN(x) || !(df1 > 0) || !(df2 > 0)) return NaN;
  if (x <= 0) return 1;
  const s = df1 * x;
  // P(F > x) = I_{df2/(df2 + df1·x)}(df2/2, df1/2).
  return incompleteBeta(df2 / (df2 + s), s / (df2 + s), df2 / 2, df1 / 2, false);
}

/** Newton steps on cdf(x) = p from x0, kept inside a bracket that every step narrows (bisection when a step leaves it). */
function invert(cdf: (x: number) => number, pdf: (x: number) => number, p: number, x0: number): number {
  let lo = -Infinity;
  let hi = Infinity;
  let x = x0;
  for (let i = 0; i < 200; i++) {
    const e = cdf(x) - p;
    if (Math.abs(e) <= 2 * Number.EPSILON * p) return x;
    if (e > 0) hi = x;
    else lo = x;
    let next = x - e / pdf(x);
    if (Math.abs(next - x) <= 4 * Number.EPSILON * Math.abs(x)) return next;
    if (!(next > lo && next < hi)) next = Number.isFinite(lo) && Number.isFinite(hi) ? (lo + hi) / 2 : e > 0 ? x - Math.max(1, Math.abs(x)) : x + Math.max(1, Math.abs(x));
    x = next;
  }
  return x;
}

// Acklam's rational approximation of the normal quantile (relative error below 1.2e-9).
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function acklam(p: number): number {
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

const normalPdf = (x: number) => Math.exp(-0.5 * x * x - LN_SQRT_2PI);

/** The standard normal quantile Φ⁻¹(p). */
export function normalQuantileOf(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normalQuantileOf(1 - p); // 1 − p is exact here; the lower tail keeps its digits
  return invert(normalCdf, normalPdf, p, acklam(p));
}

/** The Student t quantile with df degrees of freedom. */
export function tQuantileOf(p: number, df: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(df > 0)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p > 0.5) return -tQuantileOf(1 - p, df);
  if (df === 1) return -1 / Math.tan(Math.PI * p); // Cauchy
  // Cornish–Fisher expansion of the t quantile around the normal one (Abramowitz and Stegun 26.7.5).
  const z = acklam(p);
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const start = z + g1 / df + g2 / (df * df);
  const logNorm = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const pdf = (t: number) => Math.exp(logNorm - ((df + 1) / 2) * Math.log1p((t * t) / df));
  return invert((t) => tCdf(t, df), pdf, p, Number.isFinite(start) ? start : z);
}
