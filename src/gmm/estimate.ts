// Estimates from per-unit blocks: the reduce side (engine.ts) driven by the map side (passes.ts) on
// one set of units (unit weights w: a bootstrap replication, a subsample) or on several, each pass's
// partial sums merged (the same numbers to rounding: test/partial-sums.test.ts).
import type { UnitBlocks } from './blocks.ts';
import { mergeAll } from './partial-sums.ts';
import { computePass, type ArMode, type Shard } from './passes.ts';
import { estimationSteps, runSteps, type EstimateOptions, type Estimation } from './engine.ts';

export * from './engine.ts';

/** The estimate from one set of units (unit weights w scale each unit's blocks; null: all ones). */
export function estimateFromBlocks(b: UnitBlocks, opts: EstimateOptions, w: Float64Array | null = null, ar: { mode: ArMode; shard?: Omit<Shard, 'blocks' | 'w'> } = { mode: null }): Estimation {
  const shard: Shard = { blocks: b, w, ...ar.shard };
  return runSteps(estimationSteps(opts, b.K, ar.mode), (req) => computePass(shard, req));
}

/** The estimate from several disjoint sets of units, each pass's partial sums merged (added). */
export function estimateOnShards(shards: Shard[], opts: EstimateOptions, K: number, ar: ArMode = null): Estimation {
  return runSteps(estimationSteps(opts, K, ar), (req) => mergeAll(shards.map((s) => computePass(s, req))));
}
