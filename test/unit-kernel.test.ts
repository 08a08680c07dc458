// The unit pass of the per-unit blocks on the WebAssembly kernel (src/gmm/unit-kernel.ts) against its
// TypeScript loops (blocks.ts UnitPass): every block and sum equal to the bit, pass after pass on the
// thread's one instance (models of different sizes in turn), over the paths the
// kernel takes: system and difference GMM, iv-style instruments that are columns of W (their zw rows
// from the Gram), orthogonal deviations (AR on differenced rows), arlevels, h(1), more than 24
// instruments (tracked Z'HZ entries), blocks kept per unit (keepZHZ) or summed, principal components,
// gaps and missing values.
import { afterEach, describe, expect, it } from 'vitest';
import { unitBlocks, type UnitBlocks } from '../src/gmm/blocks.ts';
import { prepareGmm } from '../src/gmm/fit.ts';
import { useWasmPasses } from '../src/gmm/pass-kernels.ts';
import { UnitKernel, UNIT_KERNEL_MAX_L } from '../src/gmm/unit-kernel.ts';
import type { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { smallPanel } from './helpers/smallPanel.ts';

afterEach(() => useWasmPasses(true));

const bits = (a: ArrayLike<number>): string => Buffer.from(Float64Array.from(a).buffer).toString('hex');

/** Every array and count of the blocks, as bits. */
function fingerprint(b: UnitBlocks): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(b)) {
    if (v instanceof Float64Array || v instanceof Int32Array) out[k] = bits(v);
    else if (k === 'eeSum' || k === 'arSum') out[k] = bits((v as { hi: Float64Array }).hi) + '/' + bits((v as { lo: Float64Array }).lo);
    else if (k === 'collinearitySums') out[k] = bits(v.allWW) + '/' + bits(v.levW) + '/' + v.nLev;
    else if (k === 'excluded') out[k] = JSON.stringify([...v]);
    else if (typeof v === 'number') out[k] = String(v);
  }
  return out;
}

/** The blocks of the model on the kernel and in TypeScript, with and without keepZHZ: the same bits. */
function compare(panel: Panel, command: string): number {
  const prep = prepareGmm(panel, parseXtabond2(command, panel.names()));
  for (const keepZHZ of [false, true]) {
    useWasmPasses(true);
    const wasm = unitBlocks(prep.design, prep.plan, { keepZHZ });
    // The thread's one kernel instance, laid out again: a second pass gives the same blocks.
    expect(fingerprint(unitBlocks(prep.design, prep.plan, { keepZHZ }))).toEqual(fingerprint(wasm));
    useWasmPasses(false);
    const ts = unitBlocks(prep.design, prep.plan, { keepZHZ });
    const [a, b] = [fingerprint(wasm), fingerprint(ts)];
    expect(Object.keys(a).length).toBeGreaterThan(15);
    for (const k of Object.keys(b)) expect(a[k], `${command}, keepZHZ ${keepZHZ}: ${k}`).toBe(b[k]);
    // The blocks are not all zero (the comparison compares something).
    expect(wasm.zw.some((x) => x !== 0) && wasm.zhzSum.some((x) => x !== 0)).toBe(true);
  }
  return prep.plan.L;
}

describe('the unit pass on the WebAssembly kernel', () => {
  it('Arellano–Bond data: the TypeScript loops to the bit on system, difference, orthogonal, arlevels and h(1) models', async () => {
    const ab = await loadAbdata();
    const L = [
      compare(ab, 'n L.n L(0/1).(w k) yr*, gmm(L.n, lag(1 3)) iv(yr*, eq(level)) twostep robust'),
      compare(ab, 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel twostep robust'),
      compare(ab, 'n L.n w k, gmm(L.(n w k), collapse) orthogonal twostep robust artests(3)'),
      compare(ab, 'n L.n w k, gmm(L.n, collapse) iv(w k) arlevels h(1) robust'),
      compare(ab, 'n L.n w k yr*, gmm(L.(n w k), lag(2 3)) iv(yr*) pca twostep'),
      // if/in: periods outside the condition (status 'unqualified') still feed lags and instruments.
      compare(ab, 'n L.n w k if year >= 1979 & ys > 4.6, gmm(L.n, lag(2 4)) iv(w k) twostep robust'),
      compare(ab, 'n L.n w k in 1/700, gmm(L.(n w), collapse) iv(k) nolevel twostep robust'),
    ];
    // Beyond 24 instruments the kernel tracks the Z'HZ entries a unit touches.
    expect(Math.max(...L)).toBeGreaterThan(24);
    expect(Math.max(...L)).toBeLessThanOrEqual(UNIT_KERNEL_MAX_L);
  });

  it('a generated panel with gaps and missing values', () => {
    const panel = smallPanel(120, 31);
    compare(panel, 'y L.y x w, gmm(y x, lag(2 4)) iv(w) twostep robust');
    compare(panel, 'y L.y x w, gmm(y, lag(2 3) collapse) iv(x w) nolevel robust artests(2)');
    // The instrument rows' every kind of entry (the kernel's zfill): passthru and mz iv-style
    // instruments, iv-style and gmm-style ones of one equation only, collapsed and not.
    compare(panel, 'y L.y x w, gmm(y, lag(2 3) eq(diff)) gmm(x, lag(1 1) eq(level) collapse) iv(w, passthru eq(diff)) iv(x, mz eq(level)) twostep robust');
    // w is no regressor here: the rows where it is missing enter, with its missing values as 0 (mz).
    compare(panel, 'y L.y x, gmm(y x, lag(2 .)) iv(w, mz) orthogonal twostep robust');
    compare(panel, 'y L.y x, gmm(y, lag(2 4)) iv(w, mz) twostep robust');
  });

  it('is used by default, not beyond 64 instruments, and not when turned off', () => {
    const shape = (L: number) => ({
      T: 3, P: 2, L, nr: 6, system: true, sigmaLevel: false, artests: 0, arR0: 3, arDifferenced: false, keep: false, track: L > 24, dense: L <= 16,
      zEntries: 12, F: { nrows: 0, start: new Int32Array(1), rows: new Int32Array(0), coef: new Float64Array(0) },
      gramRow: new Int32Array(L).fill(-1), gramCols: new Int32Array(0), rowOff: new Int32Array(L),
      rows: { raw: 6, ivT: 3, gmm: 3, T: 3, x: 3 }, fill: null, tail: null,
    });
    expect(UnitKernel.open(shape(9))).not.toBeNull();
    expect(UnitKernel.open(shape(65))).toBeNull();
    useWasmPasses(false);
    expect(UnitKernel.open(shape(9))).toBeNull();
  });
});
