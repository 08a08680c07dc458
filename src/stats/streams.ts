// Counter-based random streams: the generator of replication r of design d is seeded by a hash of
// (seed, d, r) (and of further keys, e.g. the estimator for its bootstrap), never by the position of
// r in some sequence, so any split of the replications into tasks and any executor draw the same
// numbers. The hash chains the SplitMix64 finaliser (Steele, Lea & Flood, OOPSLA 2014) over the keys;
// its 53 low bits seed the project's generator (src/stats/rng.ts).
import { createRng, type Rng } from './rng.ts';

const MASK64 = (1n << 64n) - 1n;

function mix64(z0: bigint): bigint {
  let z = (z0 + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** A seed below 2^53 determined by the keys (non-negative integers) alone. */
export function keyedSeed(...keys: number[]): number {
  let h = 0x5bd1e995n;
  for (const k of keys) h = mix64(h ^ BigInt(k));
  return Number(h & ((1n << 53n) - 1n));
}

export function keyedRng(...keys: number[]): Rng {
  return createRng(keyedSeed(...keys));
}
