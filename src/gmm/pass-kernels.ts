// The unit loops of the moments, weight and correction passes (passes.ts) and of the robust AR sums
// (ar-sums.ts) on the WebAssembly kernels `sumrows`, `gram`, `correction` and `arrobust`
// (src/kernels/wasm/kernels.wat): the same compensated sums as the TypeScript loops there, bit for bit
// (every term formed and added in the same order; test/pass-kernels.test.ts), faster by SIMD lanes and
// no bounds checks (bench/RESULTS.md). null where the runtime lacks WebAssembly SIMD, or when turned
// off (useWasmPasses): the TypeScript loops then run.
import { kernelInstance, placeArrays } from '../kernels/wasm/module.ts';
import type { UnitBlocks } from './blocks.ts';
import { GRAM_GROUP, normalize, type Compensated } from './sums.ts';

interface PassExports {
  memory: WebAssembly.Memory;
  gram(zw: number, n: number, L: number, P: number, c: number, w: number, g: number, hi: number, lo: number): void;
  sumrows(x: number, n: number, m: number, w: number, hi: number, lo: number): void;
  correction(zw: number, n: number, L: number, P: number, c: number, a: number, w: number, h: number, zwa: number, hi1: number, lo1: number, hi2: number, lo2: number): void;
  arrobust(zw: number, ar: number, n: number, L: number, P: number, arStride: number, c: number, g: number, acc: number, zhwHi: number, zhwLo: number): void;
}

/** Units' blocks are copied into the module's memory this many bytes at a time. */
const CHUNK_BYTES = 1 << 20;

let kernels: PassExports | null | undefined;
let enabled = true;

/** Run the passes' unit loops, and the unit pass of the blocks (unit-kernel.ts), on WebAssembly where
 *  it can (true, the default) or in TypeScript. */
export function useWasmPasses(on: boolean): void {
  enabled = on;
}

/** Whether the engine's unit loops run on WebAssembly where it can (useWasmPasses). */
export function wasmPassesOn(): boolean {
  return enabled;
}

/** The kernels, or null without them; also null when an operand that multiplies the blocks (`finite`)
 *  has an infinite or NaN entry: the kernels add the products of zero entries, which only a finite
 *  factor leaves out of the sums as the TypeScript loops' skipping does. */
function passKernels(...finite: Float64Array[]): PassExports | null {
  if (!enabled || finite.some((v) => v.some((x) => !Number.isFinite(x)))) return null;
  if (kernels === undefined) kernels = kernelInstance<PassExports>();
  return kernels;
}

/** Consecutive f64 arrays of the given lengths in the module's memory (grown as needed), from byte 8
 *  (0 stands for "no weights"): their byte addresses and the memory as f64. */
function layout(k: PassExports, lengths: number[]): { at: number[]; f64: Float64Array } {
  const { at } = placeArrays(k.memory, lengths.map((len) => len * 8), 8);
  return { at, f64: new Float64Array(k.memory.buffer) };
}

/** Rows (units) of `values` f64 each per copy into the module's memory: CHUNK_BYTES' worth, at least
 *  one, at most n. */
function chunkRows(n: number, values: number): number {
  return Math.max(1, Math.min(n, Math.floor(CHUNK_BYTES / (values * 8))));
}

/** The moments pass's Σ_i w_i x_i over n rows of m values (sums.ts compensatedSum, normalized: the
 *  same sums to the bit), or null without the kernels. */
export function rowSumOnWasm(x: Float64Array, n: number, m: number, w: Float64Array | null): Compensated | null {
  const k = passKernels();
  if (!k) return null;
  const chunk = chunkRows(n, m);
  const { at, f64 } = layout(k, [m, m, w ? chunk : 0, chunk * m]);
  const [hiAt, loAt, wAt, xAt] = at as [number, number, number, number];
  f64.fill(0, hiAt / 8, loAt / 8 + m);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const r = Math.min(chunk, n - i0);
    f64.set(x.subarray(i0 * m, (i0 + r) * m), xAt / 8);
    if (w) f64.set(w.subarray(i0, i0 + r), wAt / 8);
    k.sumrows(xAt, r, m, w ? wAt : 0, hiAt, loAt);
  }
  return normalize({ hi: f64.slice(hiAt / 8, hiAt / 8 + m), lo: f64.slice(loAt / 8, loAt / 8 + m) });
}

/** The weight pass's Σ_i w_i g_i g_iᵀ with g_i = zw_i·c (upper triangle, not yet mirrored or
 *  normalized: as passes.ts accumulates it, by groups of GRAM_GROUP units), or null without the kernels. */
export function gramOnWasm(b: UnitBlocks, c: Float64Array, w: Float64Array | null): Compensated | null {
  const k = passKernels(c);
  if (!k) return null;
  const { n, L, P, zw } = b;
  const LP = L * P;
  // Whole groups in every copy but the last, so that the groups are the TypeScript loop's.
  const rows = chunkRows(n, LP);
  const chunk = Math.min(n, Math.max(GRAM_GROUP, rows - (rows % GRAM_GROUP)));
  const { at, f64 } = layout(k, [P, 2 * GRAM_GROUP * L, L * L, L * L, w ? chunk : 0, chunk * LP]);
  const [cAt, gAt, hiAt, loAt, wAt, zwAt] = at as [number, number, number, number, number, number];
  f64.set(c, cAt / 8);
  f64.fill(0, hiAt / 8, loAt / 8 + L * L);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const m = Math.min(chunk, n - i0);
    f64.set(zw.subarray(i0 * LP, (i0 + m) * LP), zwAt / 8);
    if (w) f64.set(w.subarray(i0, i0 + m), wAt / 8);
    k.gram(zwAt, m, L, P, cAt, w ? wAt : 0, gAt, hiAt, loAt);
  }
  return { hi: f64.slice(hiAt / 8, hiAt / 8 + L * L), lo: f64.slice(loAt / 8, loAt / 8 + L * L) };
}

/** The correction pass's Windmeijer bracket without cluster(): t1 = Σ_i w_i (h_i·a) zw_i and
 *  t2 = Σ_i w_i h_i (zw_iᵀa)ᵀ with h_i = zw_i·c (L×P each, not yet normalized), or null without the kernels. */
export function correctionOnWasm(b: UnitBlocks, c: Float64Array, a: Float64Array, w: Float64Array | null): { t1: Compensated; t2: Compensated } | null {
  const k = passKernels(c, a);
  if (!k) return null;
  const { n, L, P, zw } = b;
  const LP = L * P;
  const chunk = chunkRows(n, LP);
  const { at, f64 } = layout(k, [P, L, L, P, LP, LP, LP, LP, w ? chunk : 0, chunk * LP]);
  const [cAt, aAt, hAt, zwaAt, hi1, lo1, hi2, lo2, wAt, zwAt] = at as [number, number, number, number, number, number, number, number, number, number];
  f64.set(c, cAt / 8);
  f64.set(a, aAt / 8);
  f64.fill(0, hi1 / 8, lo2 / 8 + LP);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const m = Math.min(chunk, n - i0);
    f64.set(zw.subarray(i0 * LP, (i0 + m) * LP), zwAt / 8);
    if (w) f64.set(w.subarray(i0, i0 + m), wAt / 8);
    k.correction(zwAt, m, L, P, cAt, aAt, w ? wAt : 0, hAt, zwaAt, hi1, lo1, hi2, lo2);
  }
  const out = (at0: number): Float64Array => f64.slice(at0 / 8, at0 / 8 + LP);
  return { t1: { hi: out(hi1), lo: out(lo1) }, t2: { hi: out(hi2), lo: out(lo2) } };
}

/** Per AR order m = 1..artests, the robust AR sums' unit loop (ar-sums.ts arSumsRobust): Σ s_i and
 *  Σ s_i² (compensated scalars), Σ s_i g_i (L, not yet normalized) and the count of s_i ≠ 0; null
 *  without the kernels. */
export function arRobustOnWasm(
  b: UnitBlocks,
  c: Float64Array,
): { sum: [number, number]; wHw: [number, number]; nonzero: number; zhw: Compensated }[] | null {
  const k = passKernels(c);
  if (!k) return null;
  const { n, L, P, zw, ar, artests } = b;
  const LP = L * P;
  const nSym = (P * (P + 1)) / 2;
  const perUnit = artests * nSym;
  const chunk = chunkRows(n, LP + perUnit);
  const { at, f64 } = layout(k, [P, L, 5 * artests, 2 * L * artests, chunk * LP, chunk * perUnit]);
  const [cAt, gAt, accAt, zhwAt, zwAt, arAt] = at as [number, number, number, number, number, number];
  f64.set(c, cAt / 8);
  f64.fill(0, accAt / 8, zhwAt / 8 + 2 * L * artests);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const m = Math.min(chunk, n - i0);
    f64.set(zw.subarray(i0 * LP, (i0 + m) * LP), zwAt / 8);
    f64.set(ar.subarray(i0 * perUnit, (i0 + m) * perUnit), arAt / 8);
    for (let lag = 0; lag < artests; lag++) {
      const zhw = zhwAt + 2 * L * lag * 8;
      k.arrobust(zwAt, arAt + lag * nSym * 8, m, L, P, perUnit * 8, cAt, gAt, accAt + 5 * lag * 8, zhw, zhw + L * 8);
    }
  }
  return Array.from({ length: artests }, (_, lag) => {
    const acc = accAt / 8 + 5 * lag;
    const zhw = zhwAt / 8 + 2 * L * lag;
    return {
      sum: [f64[acc]!, f64[acc + 1]!],
      wHw: [f64[acc + 2]!, f64[acc + 3]!],
      nonzero: f64[acc + 4]!,
      zhw: { hi: f64.slice(zhw, zhw + L), lo: f64.slice(zhw + L, zhw + 2 * L) },
    };
  });
}
