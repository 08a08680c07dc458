// The moments, weight and correction passes and the robust AR sums on the WebAssembly kernels
// (src/gmm/pass-kernels.ts) against their TypeScript loops (passes.ts, ar-sums.ts): every partial sum,
// high and low parts, equal to the bit, with and without unit weights (zeros among them), on difference
// and system GMM with many instruments.
import { afterEach, describe, expect, it } from 'vitest';
import { modelBlocks, prepareGmm } from '../src/gmm/fit.ts';
import { computePass, type PassRequest } from '../src/gmm/passes.ts';
import { arRobustOnWasm, correctionOnWasm, gramOnWasm, rowSumOnWasm, useWasmPasses } from '../src/gmm/pass-kernels.ts';
import type { PartialSums } from '../src/gmm/partial-sums.ts';
import type { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { normals, smallPanel } from './helpers/smallPanel.ts';

afterEach(() => useWasmPasses(true));

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

function expectSameBits(got: PartialSums, want: PartialSums): void {
  expect(Object.keys(got.sums).sort()).toEqual(Object.keys(want.sums).sort());
  for (const k of Object.keys(want.sums)) {
    expect(bits(got.sums[k]!), `${k} (hi)`).toBe(bits(want.sums[k]!));
    // (A count, such as ar.nonzero, has no low part.)
    if (want.lo[k]) expect(bits(got.lo[k]!), `${k} (lo)`).toBe(bits(want.lo[k]));
  }
}

/** Both passes for the model, on the kernels and in TypeScript; the kernels' path checked to run. */
function compare(panel: Panel, command: string, weighted: boolean): void {
  const prep = prepareGmm(panel, parseXtabond2(command, panel.names()));
  // (With the per-unit Z'HZ and ee blocks, which the moments pass sums under unit weights.)
  const blocks = modelBlocks(prep, { keepZHZ: true });
  const z = normals(7);
  const beta1 = Float64Array.from({ length: blocks.K }, () => 0.3 * z());
  const aze2 = Float64Array.from({ length: blocks.L }, () => z());
  // Poisson(1)-like counts, a quarter of them zero.
  const w = weighted ? Float64Array.from({ length: blocks.n }, (_, i) => (i % 4 === 1 ? 0 : 1 + (i % 3))) : null;
  const requests: PassRequest[] = [
    { pass: 'moments' },
    { pass: 'weight', beta1 },
    { pass: 'correction', beta1, aze2, clusterG: null, betaAr: null, arMode: null },
    // The robust AR sums take no unit weights.
    ...(weighted ? [] : [{ pass: 'correction', beta1, aze2: null, clusterG: null, betaAr: beta1, arMode: 'robust' } as const]),
  ];
  const c = Float64Array.from({ length: blocks.P }, (_, p) => (p === 0 ? 1 : -beta1[p - 1]!));
  useWasmPasses(true);
  expect(rowSumOnWasm(blocks.zw, blocks.n, blocks.L * blocks.P, w)).not.toBeNull();
  expect(gramOnWasm(blocks, c, w)).not.toBeNull();
  expect(correctionOnWasm(blocks, c, aze2, w)).not.toBeNull();
  expect(arRobustOnWasm(blocks, c)).toHaveLength(blocks.artests);
  for (const req of requests) {
    useWasmPasses(true);
    const wasm = computePass({ blocks, w }, req);
    useWasmPasses(false);
    const ts = computePass({ blocks, w }, req);
    expectSameBits(wasm, ts);
    expect(Object.keys(ts.sums).length).toBeGreaterThan(0);
  }
}

describe('passes on the WebAssembly kernels', () => {
  it('Arellano–Bond data: uncollapsed system and difference GMM, the sums of the TypeScript loops to the bit', async () => {
    const ab = await loadAbdata();
    compare(ab, 'n L.n L(0/1).(w k) yr*, gmm(L.(n w k)) iv(yr*, eq(level)) twostep robust', false);
    compare(ab, 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel twostep robust', false);
  });

  it('a gapped generated panel under unit weights (zeros among them), an odd number of instruments', () => {
    const panel = smallPanel(200);
    compare(panel, 'y L.y x w, gmm(y x, lag(2 4)) iv(w) twostep robust', true);
    compare(panel, 'y L.y x, gmm(y, lag(2 3) collapse) twostep robust', true);
  });

  it('more units than one copy into the module memory holds: the groups of the weight pass the same across copies', () => {
    // About 650 units' blocks a copy (pass-kernels.ts CHUNK_BYTES): three copies, weighted, with zeros.
    compare(smallPanel(1500), 'y L.y x w, gmm(y x, lag(2 4)) iv(w) twostep robust', true);
  });

  it('turned off, the passes run in TypeScript (the kernels return null)', () => {
    useWasmPasses(false);
    const prep = prepareGmm(smallPanel(20), parseXtabond2('y L.y x, gmm(y x, lag(2 4) collapse) twostep robust', ['y', 'x', 'w']));
    const b = modelBlocks(prep);
    expect(gramOnWasm(b, new Float64Array(b.P), null)).toBeNull();
    expect(rowSumOnWasm(b.zw, b.n, b.L * b.P, null)).toBeNull();
  });

  it('a coefficient that is not finite sends the passes to TypeScript (the kernels add zero entries, which only a finite factor leaves out)', () => {
    const prep = prepareGmm(smallPanel(40), parseXtabond2('y L.y x w, gmm(y x, lag(2 4)) iv(w) twostep robust', ['y', 'x', 'w']));
    const b = modelBlocks(prep);
    const c = Float64Array.from({ length: b.P }, (_, p) => (p === 2 ? Infinity : 0.5));
    const a = new Float64Array(b.L).fill(0.25);
    expect(gramOnWasm(b, c, null)).toBeNull();
    expect(correctionOnWasm(b, c.map((v) => (Number.isFinite(v) ? v : 0)), a.map((v, l) => (l === 3 ? NaN : v)), null)).toBeNull();
    expect(arRobustOnWasm(b, c)).toBeNull();
  });
});
