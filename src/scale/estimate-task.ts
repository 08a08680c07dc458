// The map side of a sharded estimate: task i of a stage reads shard i and returns
//   'layout'  on the grid given (the panel's time range, or the whole sample's span when it is
//             narrower): its sample units' own span, its zero-lag masks (instruments.ts
//             zeroLevelLags), the sums the collinearity check reads (blocks.ts collinearitySums) and
//             the 'moments' partial on every regressor;
//   'pass'    on the whole layout: the partial sums of the pass asked for (passes.ts), serialized
//             (partial-io.ts) — the 'moments' pass also counts every excluded row by reason.
import type { RunManifest } from '../run/run-dir.ts';
import { unitBlocks, type UnitBlocks } from '../gmm/blocks.ts';
import { buildDesign, EXCLUSION_REASONS, type Design } from '../gmm/design.ts';
import { instrumentPlan, zeroLevelLags, type InstrumentPlan } from '../gmm/instruments.ts';
import { exclusions } from '../gmm/inference.ts';
import { computePass } from '../gmm/passes.ts';
import { serializePartial } from '../gmm/partial-io.ts';
import { shardLayout, shardPanel, requestFromWire, type LayoutConfig, type ModelConfig, type WireRequest } from './shard-model.ts';

export type StageConfig = ModelConfig & ({ stage: 'layout'; layout: LayoutConfig } | { stage: 'pass'; layout: LayoutConfig; request: WireRequest });

/** Reasons a row is not an observation, in the order results list them (fit.ts exclusions). */
export const EXCLUSION_ORDER = ['missing unit id', 'missing time value', ...Object.keys(EXCLUSION_REASONS).sort().map((c) => EXCLUSION_REASONS[Number(c)])];

export async function shardedEstimateTask(manifest: RunManifest, index: number): Promise<unknown> {
  const cfg = manifest.config as StageConfig;
  const { panel, spec } = await shardPanel(cfg, index);
  if (cfg.stage === 'layout') {
    // The shard's own sample span (the driver checks that the whole sample's is the grid used here).
    const own = buildDesign(panel, spec);
    const design = buildDesign(panel, spec, cfg.layout);
    const plan = instrumentPlan(design);
    const blocks = unitBlocks(design, plan, { keep: design.regressorNames.map((_, k) => k) });
    const c = blocks.collinearitySums;
    return {
      tmin: own.tmin,
      tmax: own.tmin + own.T - 1,
      nonzero: zeroLevelLags(design, plan).map((r) => Array.from(r)),
      allWW: Array.from(c.allWW),
      levW: Array.from(c.levW),
      nLev: c.nLev,
      // The moments pass on every regressor and the unmoved instruments: the driver uses it when the
      // whole sample keeps every regressor and moves no instrument (it is then that pass exactly).
      partial: momentsPartial(design, plan, blocks),
    };
  }
  const { design, plan } = shardLayout(panel, spec, cfg.layout);
  const blocks = unitBlocks(design, plan, { keep: cfg.layout.keep });
  if (cfg.request.pass === 'moments') return { partial: momentsPartial(design, plan, blocks) };
  return { partial: Buffer.from(serializePartial(computePass({ blocks, design, plan }, requestFromWire(cfg.request)))).toString('base64') };
}

/** The 'moments' partial of a shard, with every exclusion reason and the σ² count (serialized, base64). */
function momentsPartial(design: Design, plan: InstrumentPlan, blocks: UnitBlocks): string {
  const p = computePass({ blocks, design, plan }, { pass: 'moments' });
  // Every shard carries every reason (partials merge only with the same quantities).
  for (const k of Object.keys(p.sums)) if (k.startsWith('excluded.')) delete p.sums[k];
  const counts = new Map(exclusions(design, blocks).map((e) => [e.reason, e.count]));
  for (const reason of EXCLUSION_ORDER) p.sums[`exclusion:${reason}`] = Float64Array.of(counts.get(reason) ?? 0);
  p.sums.obsSigma = Float64Array.of(blocks.obsSigma.reduce((a, o) => a + o, 0));
  return Buffer.from(serializePartial(p)).toString('base64');
}
