// Shards of one prepared model: disjoint sets of its sample units, each with its own blocks, laid
// out on the whole sample's instrument plan and with the regressors kept on the whole sample, so that
// their partial sums (passes.ts) merge into the whole sample's (estimateOnShards in estimate.ts).
import { unitBlocks, type UnitBlocks } from './blocks.ts';
import type { PreparedGmm } from './fit.ts';
import type { Shard } from './passes.ts';

/** The sample units split into k contiguous runs of near-equal size (k ≥ 1; empty runs are left out). */
export function splitUnits(units: Int32Array, k: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let s = 0; s < k; s++) {
    const from = Math.floor((s * units.length) / k);
    const to = Math.floor(((s + 1) * units.length) / k);
    if (to > from) out.push(units.subarray(from, to));
  }
  return out;
}

/** A shard of the prepared model: the given sample units, with `whole`'s kept regressors. */
export function shardOf(prep: PreparedGmm, whole: UnitBlocks, units: Int32Array): Shard {
  const design = { ...prep.design, units };
  const blocks = unitBlocks(design, prep.plan, { keep: whole.keep });
  return { blocks, design, plan: prep.plan };
}
