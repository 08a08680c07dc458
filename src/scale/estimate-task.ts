// The map side of a sharded estimate: task i of a stage reads shard i and returns
//   'units'   (under `in` only) its units in order and the rows of each;
//   'layout'  on the grid given (the panel's time range, or the whole sample's span when it is
//             narrower): its sample units' own span, the sums the collinearity check reads (blocks.ts
//             collinearitySums), the 'moments' partial on every regressor, and under `pca` the
//             GMM-style instruments' moments the principal components are taken from (pca.ts pcaSums);
//   'pass'    on the whole layout: the partial sums of the pass asked for (passes.ts), serialized
//             (partial-io.ts) — the 'moments' pass also counts every excluded row by reason.
// A shard with no sample unit (every unit lacks y or a regressor in every period, e.g. units with one
// period under L.y, or the command's `if` leaves none of its rows) returns { empty: true } with its
// rows counted by reason; the driver leaves it out of every merge and of the later stages.
// The layout and moments tasks keep the shard's per-unit blocks in their stage folder
// (blocks-cache.ts); the weight and correction tasks of the same layout read them (blocksFrom) and
// never open the shard, unless the file is missing or damaged (then they rebuild, and say so) or the
// non-robust AR sums need the design.
import type { RunManifest } from '../run/run-dir.ts';
import { unitBlocks, type UnitBlocks } from '../gmm/blocks.ts';
import { buildDesign, EXCLUSION_REASONS, exclusionOutside, sampleRows, type Design } from '../gmm/design.ts';
import { instrumentPlan, type InstrumentPlan } from '../gmm/instruments.ts';
import { exclusions } from '../gmm/inference.ts';
import { computePass } from '../gmm/passes.ts';
import { pcaSums, type PcaSums } from '../gmm/pca.ts';
import type { PartialSums } from '../gmm/partial-sums.ts';
import { resolve } from 'node:path';
import { blocksPath, readBlocks, writeBlocks } from './blocks-cache.ts';
import { serializePartial } from '../gmm/partial-io.ts';
import type { Panel } from '../panel/panel.ts';
import type { ModelSpec } from '../spec/types.ts';
import { shardLayout, shardPanel, requestFromWire, type LayoutConfig, type ModelConfig, type WireRequest } from './shard-model.ts';

export type StageConfig = ModelConfig &
  (
    | { stage: 'units' }
    | { stage: 'layout'; layout: LayoutConfig }
    /** blocksFrom: the stage folder whose tasks wrote every shard's blocks on this layout (blocks-cache.ts),
     *  by its name in the run folder ('00-layout'): a run folder moved between resumes still finds it. */
    | { stage: 'pass'; layout: LayoutConfig; request: WireRequest; blocksFrom?: string }
  );

/** PcaSums as JSON. */
export type WirePcaSums = { sum: number[]; cross: number[]; rows: number };
const pcaWire = (p: PcaSums): WirePcaSums => ({ sum: Array.from(p.sum), cross: Array.from(p.cross), rows: p.rows });

/** Reasons a row is not an observation, in the order results list them (fit.ts exclusions). */
export const EXCLUSION_ORDER = ['missing unit id', 'missing time value', ...Object.keys(EXCLUSION_REASONS).sort().map((c) => EXCLUSION_REASONS[Number(c)])];

export async function shardedEstimateTask(manifest: RunManifest, index: number, dir: string): Promise<unknown> {
  const cfg = manifest.config as StageConfig;
  const shard = cfg.shards[index];
  // Weight and correction (robust or no AR sums) read only the blocks: from the stage that built them, when valid.
  if (cfg.stage === 'pass' && cfg.blocksFrom && cfg.request.pass !== 'moments' && !(cfg.request.pass === 'correction' && cfg.request.arMode === 'nonrobust')) {
    const from = resolve(dir, '..', cfg.blocksFrom);
    const cached = await readBlocks(blocksPath(from, shard));
    if (cached.state === 'ok') return { partial: encode(computePass({ blocks: cached.blocks }, requestFromWire(cfg.request))) };
    process.stderr.write(`shard ${shard}: blocks in ${from} ${cached.state === 'corrupt' ? `corrupt (${cached.why})` : 'missing'}; building them from the shard\n`);
  }
  const { panel, spec } = await shardPanel(cfg, index);
  if (cfg.stage === 'units') return { units: panel.units, rows: Array.from(panel.offsets.subarray(1), (o, i) => o - panel.offsets[i]) };
  if (cfg.stage === 'layout') {
    const empty = withoutSample(panel, spec, cfg.layout?.periods);
    if (empty) return { empty: true, excluded: empty };
    // On the grid given; its sampleSpan is the shard's own (the driver checks that the whole sample's
    // is the grid used here).
    const design = buildDesign(panel, spec, cfg.layout);
    const plan = instrumentPlan(design);
    const blocks = unitBlocks(design, plan, { keep: design.regressorNames.map((_, k) => k) });
    // The later stages read these when the whole sample keeps every regressor (and without `pca`).
    await writeBlocks(blocksPath(resolve(dir), shard), blocks);
    const c = blocks.collinearitySums;
    return {
      tmin: design.sampleSpan.tmin,
      tmax: design.sampleSpan.tmax,
      allWW: Array.from(c.allWW),
      levW: Array.from(c.levW),
      nLev: c.nLev,
      // The moments pass on every regressor: the driver uses it when the whole sample keeps every
      // regressor and there are no principal components (it is then that pass exactly).
      partial: momentsPartial(design, plan, blocks),
      ...(spec.pca ? { pca: pcaWire(pcaSums(design, plan)) } : {}),
    };
  }
  const { design, plan } = shardLayout(panel, spec, cfg.layout);
  const blocks = unitBlocks(design, plan, { keep: cfg.layout.keep });
  if (cfg.request.pass === 'moments') {
    await writeBlocks(blocksPath(resolve(dir), shard), blocks);
    return { partial: momentsPartial(design, plan, blocks) };
  }
  return { partial: encode(computePass({ blocks, design, plan }, requestFromWire(cfg.request))) };
}

const encode = (p: PartialSums): string => Buffer.from(serializePartial(p)).toString('base64');

/**
 * The exclusion counts of a shard none of whose rows is in the sample (design.ts sampleRows, the rule
 * buildDesign uses), by reason as fit.ts exclusions counts the rows of units outside the sample; null
 * when some row is in the sample.
 */
export function withoutSample(panel: Panel, spec: ModelSpec, periods?: readonly number[]): Record<string, number> | null {
  const { rows, ifIn, weightOut } = sampleRows(panel, spec, periods);
  if (rows.includes(1)) return null;
  const out: Record<string, number> = {};
  for (let r = 0; r < panel.nrows; r++) {
    const reason = EXCLUSION_REASONS[exclusionOutside(r, ifIn, weightOut)];
    out[reason] = (out[reason] ?? 0) + 1;
  }
  return out;
}

/** The 'moments' partial of a shard, with every exclusion reason and the σ² count (serialized, base64). */
function momentsPartial(design: Design, plan: InstrumentPlan, blocks: UnitBlocks): string {
  const p = computePass({ blocks, design, plan }, { pass: 'moments' });
  // Every shard carries every reason (partials merge only with the same quantities).
  const counts = new Map(exclusions(design, blocks).map((e) => [e.reason, e.count]));
  for (const reason of EXCLUSION_ORDER) p.sums[`exclusion:${reason}`] = Float64Array.of(counts.get(reason) ?? 0);
  p.sums.obsSigma = Float64Array.of(blocks.obsSigma.reduce((a, o) => a + o, 0));
  return encode(p);
}
