// The map side of a sharded estimate: task i of a stage reads shard i and returns
//   'grid'    the first and last period of its sample units;
//   'layout'  on the whole grid: its zero-lag masks (instruments.ts zeroLevelLags) and the sums the
//             collinearity check reads (blocks.ts collinearitySums);
//   'pass'    on the whole layout: the partial sums of the pass asked for (passes.ts), serialized
//             (partial-io.ts) — the 'moments' pass also counts every excluded row by reason.
import type { RunManifest } from '../run/run-dir.ts';
import { unitBlocks } from '../gmm/blocks.ts';
import { buildDesign, EXCLUSION_REASONS } from '../gmm/design.ts';
import { instrumentPlan, zeroLevelLags } from '../gmm/instruments.ts';
import { exclusions } from '../gmm/fit.ts';
import { computePass } from '../gmm/passes.ts';
import { serializePartial } from '../gmm/partial-io.ts';
import { shardLayout, shardPanel, requestFromWire, type LayoutConfig, type ModelConfig, type WireRequest } from './shard-model.ts';

export type StageConfig = ModelConfig & ({ stage: 'grid' } | { stage: 'layout'; layout: LayoutConfig } | { stage: 'pass'; layout: LayoutConfig; request: WireRequest });

/** Reasons a row is not an observation, in the order results list them (fit.ts exclusions). */
export const EXCLUSION_ORDER = ['missing unit id', 'missing time value', ...Object.keys(EXCLUSION_REASONS).sort().map((c) => EXCLUSION_REASONS[Number(c)])];

export async function shardedEstimateTask(manifest: RunManifest, index: number): Promise<unknown> {
  const cfg = manifest.config as StageConfig;
  const { panel, spec } = await shardPanel(cfg, index);
  if (cfg.stage === 'grid') {
    const d = buildDesign(panel, spec);
    return { tmin: d.tmin, tmax: d.tmin + d.T - 1 };
  }
  if (cfg.stage === 'layout') {
    const design = buildDesign(panel, spec, cfg.layout);
    const plan = instrumentPlan(design);
    const b = unitBlocks(design, plan, { keep: design.regressorNames.map((_, k) => k) });
    const c = b.collinearitySums;
    return { nonzero: zeroLevelLags(design, plan).map((r) => Array.from(r)), allWW: Array.from(c.allWW), levW: Array.from(c.levW), nLev: c.nLev };
  }
  const { design, plan } = shardLayout(panel, spec, cfg.layout);
  const blocks = unitBlocks(design, plan, { keep: cfg.layout.keep });
  const p = computePass({ blocks, design, plan }, requestFromWire(cfg.request));
  if (cfg.request.pass === 'moments') {
    // Every shard carries every reason (partials merge only with the same quantities).
    for (const k of Object.keys(p.sums)) if (k.startsWith('excluded.')) delete p.sums[k];
    const counts = new Map(exclusions(design, blocks).map((e) => [e.reason, e.count]));
    for (const reason of EXCLUSION_ORDER) p.sums[`exclusion:${reason}`] = Float64Array.of(counts.get(reason) ?? 0);
    p.sums.obsSigma = Float64Array.of(blocks.obsSigma.reduce((a, o) => a + o, 0));
  }
  return { partial: Buffer.from(serializePartial(p)).toString('base64') };
}
