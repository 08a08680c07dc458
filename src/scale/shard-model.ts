// One shard of a partitioned panel (partition.ts) as a model: read the Parquet file, parse the
// xtabond2 command, and lay the model out on the WHOLE panel's layout (time grid, periods for time
// dummies, instruments moved off all-zero lags, regressors kept), which the sharded driver decided
// from every shard's contribution (sharded-estimate.ts). Pass requests travel as JSON.
import { DataType, type Table } from 'apache-arrow';
import { readParquet } from '../data/parquet.ts';
import { float64Data, tableFromColumns, utf8FromStrings } from '../data/build.ts';
import { Panel } from '../panel/panel.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import type { Conventions, ModelSpec } from '../spec/types.ts';
import { buildDesign, type Design, type GlobalLayout } from '../gmm/design.ts';
import { instrumentPlan, type InstrumentPlan, type PcaTransform } from '../gmm/instruments.ts';
import { withComponents } from '../gmm/pca.ts';
import type { PassRequest } from '../gmm/passes.ts';
import type { KeyedRows } from '../gmm/partial-sums.ts';
import { checkedShard, readPartition } from './partition.ts';

export interface ModelConfig {
  /** The partitioned folder (absolute) and the SHA-256 of its manifest.json. */
  data: string;
  manifest: string;
  command: string;
  conventions: Conventions;
  /** Shard of each task. */
  shards: number[];
  /** Under `in`: by shard, the run of its own rows (1-based) the command's range of the whole panel's
   *  rows selects there (sharded-estimate.ts). */
  localIn?: ({ first: number; last: number } | null)[];
}

export interface LayoutConfig extends GlobalLayout {
  /** Regressors kept on the whole sample. */
  keep?: number[];
  /** `pca`: the components of the whole sample's GMM-style instruments (pca.ts), decided by the driver. */
  pca?: WirePca;
}

type WirePca = Omit<PcaTransform, 'index' | 'weights'> & { index: number[]; weights: number[] };

export const pcaToWire = (p: PcaTransform): WirePca => ({ ...p, index: Array.from(p.index), weights: Array.from(p.weights) });
const pcaFromWire = (w: WirePca): PcaTransform => ({ ...w, index: Int32Array.from(w.index), weights: Float64Array.from(w.weights) });

/**
 * A shard as one table whose numeric columns are each one contiguous Float64Array (Panel.fromTable
 * then takes them without a copy, and refuses an infinite value as readTable does).
 */
export async function readShard(path: string): Promise<Table> {
  const table = await readParquet(path);
  const columns = table.schema.fields.map((f) => {
    const vec = table.getChild(f.name)!;
    if (!DataType.isFloat(f.type)) return { name: f.name, data: utf8FromStrings(Array.from({ length: vec.length }, (_, r) => (vec.get(r) as string | null) ?? null)) };
    const out = new Float64Array(vec.length);
    let at = 0;
    for (const d of vec.data) {
      out.set((d.values as Float64Array).subarray(0, d.length), at);
      if (d.nullCount > 0) for (let i = 0; i < d.length; i++) if (!d.getValid(i)) out[at + i] = NaN;
      at += d.length;
    }
    return { name: f.name, data: float64Data(out) };
  });
  return tableFromColumns(columns);
}

export async function shardPanel(cfg: ModelConfig, task: number): Promise<{ panel: Panel; spec: ModelSpec }> {
  const m = await readPartition(cfg.data);
  const path = await checkedShard(cfg.data, m, cfg.shards[task]);
  const table = await readShard(path);
  const spec: ModelSpec = { ...parseXtabond2(cfg.command, table.schema.fields.map((f) => f.name)), conventions: cfg.conventions };
  const local = cfg.localIn?.[cfg.shards[task]];
  if (local) spec.inRange = local;
  return { panel: Panel.fromTable(table, { id: m.id, time: m.time, source: path }), spec };
}

/** Design and instrument plan of a shard on the whole panel's layout (with its principal components once decided). */
export function shardLayout(panel: Panel, spec: ModelSpec, layout: LayoutConfig): { design: Design; plan: InstrumentPlan } {
  const design = buildDesign(panel, spec, layout);
  const plan = instrumentPlan(design);
  return { design, plan: layout.pca ? withComponents(plan, pcaFromWire(layout.pca)) : plan };
}

export type WireRequest =
  | { pass: 'moments' }
  | { pass: 'weight'; beta1: number[] }
  | { pass: 'correction'; beta1: number[]; aze2: number[] | null; clusterG: { keys: string[]; width: number; rows: number[]; lo: number[] } | null; betaAr: number[] | null; arMode: 'robust' | 'nonrobust' | null; weightScale?: number; clusterFactors?: number[] };

const arr = (x: Float64Array | null): number[] | null => (x ? Array.from(x) : null);
const f64 = (x: number[] | null): Float64Array | null => (x ? Float64Array.from(x) : null);

export function requestToWire(r: PassRequest): WireRequest {
  if (r.pass === 'moments') return { pass: 'moments' };
  if (r.pass === 'weight') return { pass: 'weight', beta1: Array.from(r.beta1) };
  const g: KeyedRows | null = r.clusterG;
  return { pass: 'correction', beta1: Array.from(r.beta1), aze2: arr(r.aze2), clusterG: g && { keys: g.keys, width: g.width, rows: Array.from(g.rows), lo: Array.from(g.lo) }, betaAr: arr(r.betaAr), arMode: r.arMode, ...(r.weightScale !== undefined && r.weightScale !== 1 ? { weightScale: r.weightScale } : {}), ...(r.clusterFactors ? { clusterFactors: r.clusterFactors } : {}) };
}

export function requestFromWire(w: WireRequest): PassRequest {
  if (w.pass === 'moments') return w;
  if (w.pass === 'weight') return { pass: 'weight', beta1: Float64Array.from(w.beta1) };
  return {
    pass: 'correction',
    beta1: Float64Array.from(w.beta1),
    aze2: f64(w.aze2),
    clusterG: w.clusterG && { keys: w.clusterG.keys, width: w.clusterG.width, rows: Float64Array.from(w.clusterG.rows), lo: Float64Array.from(w.clusterG.lo) },
    betaAr: f64(w.betaAr),
    arMode: w.arMode,
    weightScale: w.weightScale ?? 1,
    ...(w.clusterFactors ? { clusterFactors: w.clusterFactors } : {}),
  };
}
