// Partial sums: everything an estimate needs from a set of panel units, as a value. Every linear GMM
// quantity is a sum over units of per-unit blocks (blocks.ts), so the sums of disjoint sets of units
// (shards, worker processes, machines) add up to the sums of their union: merge(a, b) is addition.
// Three passes, each given what the previous ones produced (estimate.ts drives them):
//   'moments'     Σ Z'[y X], Σ Z'HZ, Σ W'W (σ²), observation counts          — no parameters
//   'weight'      Σ g₁g₁' (or per-cluster Σ g₁ under cluster())            — given β₁
//   'correction'  the Windmeijer bracket and the AR(m) sums                   — given β₁, A₂Z'e₂, β̂
// Sums over units are compensated (sums.ts: hi + lo), so merging in any order gives the whole sample's
// sums to the last bit in practice; `lo` holds the low parts. Besides plain sums a partial carries rows keyed by a value (per-cluster sums: a cluster may span
// shards; its rows add by key) and extremes (min/max observations per group: they merge by min/max).
import { SpecError } from '../errors.ts';
import { addCompensated, compensated, type Compensated } from './sums.ts';

export const PARTIAL_SUMS_VERSION = 2;

export type PassKind = 'moments' | 'weight' | 'correction';

export interface KeyedRows {
  /** Key of each row (a cluster variable's value as text), ascending by code unit. */
  keys: string[];
  width: number;
  /** keys.length × width, row-major: the compensated sums' values (hi), and their low parts (lo). */
  rows: Float64Array;
  lo: Float64Array;
}

export interface PartialSums {
  version: number;
  pass: PassKind;
  /** Layout the sums belong to: instruments, columns of [y X], AR orders. Partials merge only when equal. */
  dims: { L: number; P: number; artests: number };
  /** Units the sums cover (to check that a merge saw every unit once). */
  units: number;
  sums: Record<string, Float64Array>;
  /** Low parts of the compensated sums (same keys and lengths as their sums). */
  lo: Record<string, Float64Array>;
  keyed: Record<string, KeyedRows>;
  min: Record<string, number>;
  max: Record<string, number>;
}

export function emptyPartial(pass: PassKind, dims: PartialSums['dims']): PartialSums {
  return { version: PARTIAL_SUMS_VERSION, pass, dims: { ...dims }, units: 0, sums: {}, lo: {}, keyed: {}, min: {}, max: {} };
}

/** Store a compensated sum under k. */
export function setSum(p: PartialSums, k: string, c: Compensated): void {
  p.sums[k] = c.hi;
  p.lo[k] = c.lo;
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** Rows of two keyed tables added by key, compensated (keys ascending in both; the result too). */
function mergeKeyed(a: KeyedRows, b: KeyedRows): KeyedRows {
  if (a.width !== b.width) throw new SpecError(`partial sums: keyed rows of width ${a.width} and ${b.width} cannot merge`, 'partial');
  const w = a.width;
  const keys = [...new Set([...a.keys, ...b.keys])].sort();
  // Both tables on the merged keys (zero where a key is absent), then added as compensated sums.
  const aligned = (t: KeyedRows): Compensated => {
    const out = compensated(keys.length * w);
    let i = 0;
    keys.forEach((k, r) => {
      if (t.keys[i] !== k) return;
      out.hi.set(t.rows.subarray(i * w, (i + 1) * w), r * w);
      out.lo.set(t.lo.subarray(i * w, (i + 1) * w), r * w);
      i++;
    });
    return out;
  };
  const sum = addCompensated(aligned(a), aligned(b));
  return { keys, width: w, rows: sum.hi, lo: sum.lo };
}

/** a + b: the partial sums of the union of two disjoint sets of units. */
export function mergePartials(a: PartialSums, b: PartialSums): PartialSums {
  if (a.version !== b.version) throw new SpecError(`partial sums: versions ${a.version} and ${b.version} cannot merge`, 'partial');
  if (a.pass !== b.pass) throw new SpecError(`partial sums: a '${a.pass}' pass and a '${b.pass}' pass cannot merge`, 'partial');
  const da = a.dims;
  const db = b.dims;
  if (da.L !== db.L || da.P !== db.P || da.artests !== db.artests)
    throw new SpecError(`partial sums: layouts differ (L ${da.L}/${db.L}, P ${da.P}/${db.P}, AR ${da.artests}/${db.artests}): shards must share one instrument plan`, 'partial');
  if (!sameKeys(a.sums, b.sums) || !sameKeys(a.lo, b.lo) || !sameKeys(a.keyed, b.keyed) || !sameKeys(a.min, b.min) || !sameKeys(a.max, b.max))
    throw new SpecError(`partial sums: the two '${a.pass}' partials hold different quantities`, 'partial');
  const out = emptyPartial(a.pass, da);
  out.units = a.units + b.units;
  for (const [k, x] of Object.entries(a.sums)) {
    const y = b.sums[k];
    if (x.length !== y.length) throw new SpecError(`partial sums: '${k}' has ${x.length} and ${y.length} values`, 'partial');
    if (a.lo[k]) setSum(out, k, addCompensated({ hi: x, lo: a.lo[k] }, { hi: y, lo: b.lo[k] }));
    else out.sums[k] = Float64Array.from(x, (v, j) => v + y[j]);
  }
  for (const [k, x] of Object.entries(a.keyed)) out.keyed[k] = mergeKeyed(x, b.keyed[k]);
  for (const [k, x] of Object.entries(a.min)) out.min[k] = Math.min(x, b.min[k]);
  for (const [k, x] of Object.entries(a.max)) out.max[k] = Math.max(x, b.max[k]);
  return out;
}

/** Merge any number of partials of one pass (at least one). */
export function mergeAll(parts: PartialSums[]): PartialSums {
  if (parts.length === 0) throw new SpecError('partial sums: nothing to merge', 'partial');
  return parts.reduce(mergePartials);
}

/** The sum named k, or an error naming the pass (a partial from another version or layout). */
export function sumOf(p: PartialSums, k: string): Float64Array {
  const v = p.sums[k];
  if (!v) throw new SpecError(`partial sums: the '${p.pass}' pass holds no '${k}'`, 'partial');
  return v;
}
