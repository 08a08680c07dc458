// Partial sums are a value (src/gmm/partial-sums.ts): the sums of disjoint shards of units, merged,
// give the single-process estimate, and they survive serialization (Arrow IPC with a checksum).
import { describe, expect, it } from 'vitest';
import { estimateOptions, estimatePrepared, arMode, modelBlocks, prepareGmm, fitGmm } from '../src/gmm/fit.ts';
import { inference } from '../src/gmm/inference.ts';
import { estimateOnShards, estimationSteps, runSteps } from '../src/gmm/estimate.ts';
import { computePass } from '../src/gmm/passes.ts';
import { mergeAll, mergePartials, type PartialSums } from '../src/gmm/partial-sums.ts';
import { deserializePartial, serializePartial } from '../src/gmm/partial-io.ts';
import { shardOf, splitUnits } from '../src/gmm/shards.ts';
import type { GmmResult } from '../src/gmm/result.ts';
import type { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { DataError, SpecError } from '../src/errors.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { smallPanel } from './helpers/smallPanel.ts';
import { fitNumbers as numbers, rel, worstRel } from './helpers/compare-fits.ts';

/** The fit through k shards, each pass's partials serialized, read back and merged. */
function shardedFit(panel: Panel, command: string, k: number): GmmResult {
  const spec = parseXtabond2(command, panel.names());
  const prep = prepareGmm(panel, spec);
  const whole = modelBlocks(prep);
  const shards = splitUnits(prep.design.units, k).map((u) => shardOf(prep, whole, u));
  const opts = estimateOptions(prep.design, whole);
  const est = runSteps(estimationSteps(opts, whole.K, arMode(spec)), (req) =>
    mergeAll(shards.map((s, i) => deserializePartial(serializePartial(computePass(s, req)), `shard ${i}`))),
  );
  return inference(prep, whole, est, command);
}

const COMMANDS = [
  // Roodman (2009) logs: one-step difference, two-step system with Windmeijer, small.
  'xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust',
  'xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) twostep robust',
  'xtabond2 n L.n w k yr*, gmm(L.(n w k)) iv(yr*) twostep robust small',
  // One-step non-robust (the non-robust AR sums walk the design), orthogonal deviations.
  'xtabond2 n L.n w k yr*, gmm(L.n) iv(w k yr*)',
  'xtabond2 n L.n w k, gmm(L.(n w k), collapse) orthogonal twostep robust',
];

describe('partial sums of shards', () => {
  it('1, 2 and 7 shards give the single-process fit to 1e-12 on abdata (every coefficient, SE, VCE entry and test)', async () => {
    const ab = await loadAbdata();
    for (const command of COMMANDS) {
      const single = numbers(await fitGmm(ab, parseXtabond2(command, ab.names())));
      for (const k of [1, 2, 7]) {
        const sharded = numbers(shardedFit(ab, command, k));
        expect(sharded.values.length).toBe(single.values.length);
        const { worst, at } = worstRel(single, sharded);
        expect(worst, `${command}, ${k} shards, ${at}`).toBeLessThan(1e-12);
      }
    }
  });

  it('the same on a generated unbalanced panel with gaps, with cluster() over a coarser variable that spans shards', async () => {
    const panel = smallPanel(60, 777);
    for (const command of [
      'xtabond2 y L.y x w, gmm(y x, lag(2 4)) iv(w) twostep robust',
      'xtabond2 y L.y x w, gmm(y x, lag(2 3) collapse) iv(w) twostep cluster(region) small',
      'xtabond2 y L.y x, gmm(y, lag(2 .)) iv(x) nolevel robust',
    ]) {
      const single = numbers(await fitGmm(panel, parseXtabond2(command, panel.names())));
      for (const k of [1, 2, 7]) {
        const sharded = numbers(shardedFit(panel, command, k));
        const { worst, at } = worstRel(single, sharded);
        expect(worst, `${command}, ${k} shards, ${at}`).toBeLessThan(1e-12);
      }
    }
  });

  it('estimateOnShards, unit weights as 0/1 masks, and the point estimate are one computation', async () => {
    const ab = await loadAbdata();
    const spec = parseXtabond2('xtabond2 n L.n w k, gmm(L.(n w k), collapse) twostep robust', ab.names());
    const prep = prepareGmm(ab, spec);
    const whole = modelBlocks(prep, { keepZHZ: true });
    const opts = estimateOptions(prep.design, whole);
    const full = estimatePrepared(prep, whole);
    const onShards = estimateOnShards(splitUnits(prep.design.units, 3).map((u) => shardOf(prep, whole, u)), opts, whole.K, arMode(spec));
    full.v2Robust!.forEach((v, j) => expect(rel(v, onShards.v2Robust![j])).toBeLessThan(1e-12));
    // A 0/1 mask over the units is the subsample: the first half of the units, as weights and as a shard.
    const half = Math.floor(whole.n / 2);
    const mask = Float64Array.from({ length: whole.n }, (_, i) => (i < half ? 1 : 0));
    const masked = runSteps(estimationSteps({ ...opts, sigmaDivisor: 1 }, whole.K, null), (req) => computePass({ blocks: whole, w: mask }, req));
    const shard = shardOf(prep, whole, prep.design.units.subarray(0, half));
    const alone = runSteps(estimationSteps({ ...opts, sigmaDivisor: 1 }, whole.K, null), (req) => computePass(shard, req));
    masked.b2!.forEach((b, k) => expect(rel(b, alone.b2![k])).toBeLessThan(1e-12));
  });
});

describe('partial sums as a value', () => {
  async function firstPass(k: number): Promise<PartialSums[]> {
    const ab = await loadAbdata();
    const prep = prepareGmm(ab, parseXtabond2('xtabond2 n L.n w k, gmm(L.(n w k), collapse) twostep robust', ab.names()));
    const whole = modelBlocks(prep);
    return splitUnits(prep.design.units, k).map((u) => computePass(shardOf(prep, whole, u), { pass: 'moments' }));
  }

  it('round-trips through Arrow IPC bit for bit, and merge is addition (order-free to rounding)', async () => {
    const [a, b, c] = await firstPass(3);
    const back = deserializePartial(serializePartial(a), 'a');
    expect(back).toEqual(a);
    const abc = mergePartials(mergePartials(a, b), c);
    const cba = mergePartials(mergePartials(c, b), a);
    expect(abc.units).toBe(a.units + b.units + c.units);
    abc.sums.zw.forEach((x, j) => expect(rel(x, cba.sums.zw[j])).toBeLessThan(1e-13));
    expect(abc.sums.zw[5]).toBeCloseTo(a.sums.zw[5] + b.sums.zw[5] + c.sums.zw[5], 12);
    expect(abc.min.obsPerGroup).toBe(Math.min(a.min.obsPerGroup, b.min.obsPerGroup, c.min.obsPerGroup));
  });

  it('refuses a damaged file, another version, another pass and another layout, naming the source', async () => {
    const [a, b] = await firstPass(2);
    const bytes = serializePartial(a);
    // Flip one bit of a stored value: the first entry of Σ Z'[y X], found by its bytes.
    const damaged = bytes.slice();
    const target = new Uint8Array(Float64Array.of(a.sums.zw[0]).buffer);
    const at = damaged.findIndex((_, i) => target.every((t, j) => damaged[i + j] === t));
    expect(at).toBeGreaterThan(0);
    damaged[at] ^= 0x01;
    expect(() => deserializePartial(damaged, 'run/part-3.arrow')).toThrow(/run\/part-3\.arrow: checksum mismatch/);
    expect(() => deserializePartial(bytes.subarray(0, 100), 'cut.arrow')).toThrow(DataError);
    expect(() => deserializePartial(serializePartial({ ...a, version: 99 }), 'v99.arrow')).toThrow(/v99\.arrow: partial sums of schema version 99/);
    expect(() => mergePartials(a, { ...b, pass: 'weight' })).toThrow(/'moments' pass and a 'weight' pass/);
    expect(() => mergePartials(a, { ...b, dims: { ...b.dims, L: b.dims.L + 1 } })).toThrow(SpecError);
  });
});
