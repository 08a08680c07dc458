// A seeded pseudo-random number generator for reproducible simulations and bootstrap draws.
//
// Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number
// generators", ACM TOMS 47(4), 2021), 128-bit state, period 2^128 − 1, 32-bit outputs. It uses
// only 32-bit integer operations, so it is exact and fast in JavaScript. The state is seeded from
// the integer seed by two outputs of SplitMix64 (Steele, Lea & Flood, OOPSLA 2014), as the
// xoshiro authors recommend; the low 32 bits of each output come first.
// uniform(): 53-bit double in [0, 1) from two outputs (high 27 bits, then high 26 bits).
// normal(): Box–Muller (Box & Muller 1958) on two uniforms; the second (sine) deviate is kept for
// the next call, so normals come in pairs and the stream is deterministic given the seed.
// int(n): unbiased integer in [0, n) by rejection of the top partial block of 2^32.
import { SpecError } from '../errors.ts';

export interface Rng {
  /** Next raw 32-bit output as an unsigned integer in [0, 2^32). */
  uint32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal deviate N(0, 1). */
  normal(): number;
  /** Uniform integer in [0, n), n a positive integer ≤ 2^32. */
  int(n: number): number;
}

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 step: returns [next state, output], both as unsigned 64-bit BigInts. */
function splitMix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_32 = 4294967296;

/** A generator seeded by a non-negative integer (up to 2^53 − 1); same seed, same stream. */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new SpecError(`seed must be a non-negative integer below 2^53, got ${seed}`, 'seed');
  }
  let sm = BigInt(seed);
  const words = new Uint32Array(4);
  for (let k = 0; k < 2; k++) {
    const [next, out] = splitMix64(sm);
    sm = next;
    words[2 * k] = Number(out & 0xffffffffn);
    words[2 * k + 1] = Number(out >> 32n);
  }
  let s0 = words[0]! | 0;
  let s1 = words[1]! | 0;
  let s2 = words[2]! | 0;
  let s3 = words[3]! | 0;
  let spareNormal = NaN;

  const uint32 = (): number => {
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result >>> 0;
  };

  const uniform = (): number => {
    const hi = uint32() >>> 5;
    const lo = uint32() >>> 6;
    return (hi * TWO_POW_26 + lo) / TWO_POW_53;
  };

  const normal = (): number => {
    if (!Number.isNaN(spareNormal)) {
      const z = spareNormal;
      spareNormal = NaN;
      return z;
    }
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    spareNormal = r * Math.sin(angle);
    return r * Math.cos(angle);
  };

  const int = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new SpecError(`int(n) needs an integer n in [1, 2^32], got ${n}`, 'n');
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n); // accept x < limit: each residue equally often
    for (;;) {
      const x = uint32();
      if (x < limit) return x % n;
    }
  };

  return { uint32, uniform, normal, int };
}
