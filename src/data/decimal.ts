// Exact conversion of a decimal W·10^e (W of up to 19 significant digits, |e| ≤ 22) to the nearest
// double, for the CSV reader's numbers that are too long for Clinger's fast path (W ≥ 2^53: the
// shortest round-trip decimals of doubles have 16–17 digits).
//
// Method: double-double arithmetic with a proven error bound, falling back when the bound cannot
// decide. W = wh + wl exactly (two doubles); 10^|e| ≤ 10^22 is an exact double, so W·10^e is one
// exact product (Dekker's TwoProduct) or one double-double quotient, whose value x + err (x a double,
// err the exact remainder of rounding, Fast2Sum) is within 6u²·x of W·10^e, u = 2^-53 (T. J. Dekker,
// "A floating-point technique for extending the available precision", Numer. Math. 18 (1971)
// 224–242; the fast path and the idea of an approximation checked against the rounding boundary:
// W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990). x is the correctly
// rounded result exactly when W·10^e lies strictly inside x's rounding interval, i.e. when
// ulp(x)/2 − |err| exceeds the bound; otherwise (a decimal within 2^-100·x of a midpoint between two
// doubles, or x a power of two whose interval is lopsided) the answer is NaN and the caller uses
// Number(). Error bound, with |δ| ≤ u for each rounding:
//   e ≥ 0 (P = 10^e): wh·P = ph + pl exactly; s = fl(pl + fl(wl·P)) is within u·|wl·P| + u·|pl + wl·P|
//     ≤ u²·|W·P| + 2u²·|W·P|(1 + u) of pl + wl·P; x + err = ph + s exactly: total ≤ 3.01u²·v.
//   e < 0 (D = 10^-e): q1 = fl(wh/D); q1·D = a + b exactly; wh − a is exact (Sterbenz); the remainder
//     ρ = W − q1·D is computed as r = fl(fl((wh − a) − b) + wl) within u·|wh − q1·D| + u·|r| ≤ 3.01u²·W;
//     q2 = fl(r/D) is within 3.01u²·v + u·|r|/D ≤ 5.02u²·v of ρ/D; x + err = q1 + q2 exactly.
// v ≤ x(1 + 2u), so both bounds are below 6u²·x < 2^-100·x, the margin used (it also covers the
// rounding of the final comparison).

/** Exact powers of ten 1e0..1e22 (each parsed from its literal, so exactly representable). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const SPLIT = 134217729; // 2^27 + 1 (Veltkamp's splitting constant for binary64)
const BOUND = 2 ** -100;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Low part of the last twoProduct. */
let productLow = 0;

/** Dekker's TwoProduct: returns fl(a·b) and leaves a·b − fl(a·b) (exact) in productLow. */
function twoProduct(a: number, b: number): number {
  const p = a * b;
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  productLow = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

/**
 * The double nearest to (hi·10^loDigits + lo)·10^exp10, ties to even, or NaN when this method cannot
 * decide (the caller then converts the text with Number()). hi: the first ≤ 15 significant digits as
 * an integer (< 10^15); lo: the next loDigits (0..4) digits; exp10 in −22..22. Non-negative only.
 */
export function decimalToDouble(hi: number, lo: number, loDigits: number, exp10: number): number {
  if (loDigits > 4 || exp10 > 22 || exp10 < -22 || hi >= 1e15) return NaN;
  // W = wh + wl exactly: hi·10^k = a + b (TwoProduct); b and lo are integers below 2^15, so b + lo
  // is exact, and Fast2Sum(a, b + lo) splits the sum exactly (|a| ≥ |b + lo| once hi ≥ 1; hi = 0 is W = lo).
  let wh: number;
  let wl: number;
  if (hi === 0) {
    wh = lo;
    wl = 0;
  } else {
    const a = twoProduct(hi, POW10[loDigits]);
    const s = productLow + lo;
    wh = a + s;
    wl = s - (wh - a);
  }
  if (wh === 0) return 0;
  let x: number;
  let err: number;
  if (exp10 >= 0) {
    const P = POW10[exp10];
    const ph = twoProduct(wh, P);
    const s = productLow + wl * P;
    x = ph + s;
    err = s - (x - ph);
  } else {
    const D = POW10[-exp10];
    const q1 = wh / D;
    const a = twoProduct(q1, D);
    const r = wh - a - productLow + wl;
    const q2 = r / D;
    x = q1 + q2;
    err = q2 - (x - q1);
  }
  bits[0] = x;
  const high = words[1];
  // Both words are read and tested on every call, with no branch between: V8 optimizes this function
  // inside the CSV reader's loop, and an operation that has never run (the low word's test, reached
  // only near a power of two) throws the optimized loop away the first time it does (--trace-deopt);
  // the loop then runs unoptimized until V8 optimizes it again.
  const exponent = high >>> 20; // x > 0: no sign bit
  if (((high & 0xfffff) | words[0]) === 0) return NaN; // a power of two: its rounding interval is lopsided
  if (exponent <= 54) return NaN; // half an ulp below the normal range: not reached for |exp10| ≤ 22 and W ≥ 1
  words[1] = (exponent - 53) << 20;
  words[0] = 0;
  const halfUlp = bits[0];
  return halfUlp - Math.abs(err) > BOUND * x ? x : NaN;
}
