// One grid task: specifications [first, last) of the grid, each estimated on its sample, with the
// focus coefficients, counts, specification tests and Roodman's (2009) warning flags; with a
// bootstrap, pairs-bootstrap intervals of the focus coefficients (B replications per specification,
// batched; draws keyed by (seed, specification)).
import { unitClusters } from '../gmm/clusters.ts';
import { dataSha256 } from '../data/checksum.ts';
import type { DataFormat } from '../data/read.ts';
import { DataError } from '../errors.ts';
import { blocksKey, fitOnBlocks, modelBlocks, prepareGmm, type PreparedGmm } from '../gmm/fit.ts';
import type { UnitBlocks } from '../gmm/blocks.ts';
import { unidentifiedNames } from '../gmm/inference.ts';
import { bootstrapGmm } from '../bootstrap/run.ts';
import { tooFewReplications } from '../bootstrap/intervals.ts';
import { loadModel } from '../input/load-model.ts';
import { defaultFloat64Backend, getBackend } from '../kernels/registry.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import { coefficientName } from '../spec/coefficient-name.ts';
import type { RunManifest } from '../run/run-dir.ts';
import { selectSample, type SampleSelection } from './condition.ts';
import type { Grid } from './grid-spec.ts';
import { keyedSeed } from '../stats/streams.ts';

export interface GridConfig {
  /** A file, dataset folder or glob (src/data/dataset.ts), and its checksum (src/data/checksum.ts). */
  data: { path: string; sha256: string; id: string; time: string; inputFormat?: string; sheet?: string; delimiter?: string };
  grid: Grid;
  bootstrap: number;
  seed: number;
  perTask: number;
}

export interface FocusEstimate {
  estimate: number;
  se: number;
  ciLow: number;
  ciHigh: number;
  p: number;
  /** Bootstrap intervals (95%) and p-value, with --bootstrap. */
  boot: { se: number; percentile: [number, number]; studentized: [number, number] | null; p: number } | null;
}

export interface GridRow {
  index: number;
  sample: string;
  axes: Record<string, string>;
  command: string;
  failure: string | null;
  /** Rows of the data in the sample and left out by its condition. */
  sampleRows: SampleSelection['rows'] | null;
  nobs: number | null;
  groups: number | null;
  instruments: number | null;
  ar2P: number | null;
  hansenP: number | null;
  sarganP: number | null;
  /** Per focus coefficient (null where the specification does not estimate it, or leaves it unidentified). */
  focus: Record<string, FocusEstimate | null>;
  /** Coefficients the fit leaves unidentified (xtabond2's invsym reports them as 0 with SE 0), and the
   *  fit's warnings as `estimate` prints them; both absent from rows of an older version. */
  unidentified?: string[];
  warnings?: string[];
  flags: { instrumentsAboveGroups: boolean; hansenNearOne: boolean; ar2Rejected: boolean };
  /** With --bootstrap, its replications used and failed (as BootstrapResult counts them); absent from
   *  rows written by an older version, where the counts are unknown. */
  bootstrap?: BootstrapCounts | null;
}

export interface BootstrapCounts {
  used: number;
  failed: { singular: number; nonFinite: number };
  /** The bootstrap's own warnings (pca components kept, generalized inverses, too few successes); absent
   *  from rows of an older version. */
  warnings?: string[];
}

/** Hansen p above which, with many instruments, the test is suspect (Roodman 2009, "A note on the theme of too many instruments", section 4). */
export const HANSEN_SUSPECT_P = 0.25;

export function gridTaskRange(config: GridConfig, index: number): { first: number; last: number } {
  const first = index * config.perTask;
  return { first, last: Math.min(config.grid.specs.length, first + config.perTask) };
}

/** Whether task i's payload holds a row for each specification of its block, in order: null if it does, else what is wrong. */
export function gridMisfit(config: GridConfig, p: unknown, index: number): string | null {
  const { first, last } = gridTaskRange(config, index);
  const want = config.grid.specs.slice(first, last).map((s) => s.index);
  const got = Array.isArray(p) ? p.map((r) => (r as Partial<GridRow> | null)?.index) : null;
  if (!got) return 'not a list of specifications';
  if (JSON.stringify(got) !== JSON.stringify(want)) return `specifications ${got.map((i) => `#${i}`).join(', ')} where task ${index} holds ${want.map((i) => `#${i}`).join(', ')}`;
  return null;
}

export async function gridTask(manifest: RunManifest, index: number): Promise<GridRow[]> {
  const config = manifest.config as GridConfig;
  const { data, grid } = config;
  if ((await dataSha256(data.path, data.inputFormat as DataFormat | undefined)) !== data.sha256) throw new DataError(`${data.path} changed since the run started (checksum differs); start a new run`, { file: data.path });
  const { first, last } = gridTaskRange(config, index);
  const { panel } = await loadModel(data.path, { id: data.id, time: data.time, xtabond2: grid.specs[first].command, inputFormat: data.inputFormat, sheet: data.sheet, delimiter: data.delimiter });
  const columns = panel.variables();
  const samples = new Map<string, SampleSelection>();
  // Specifications of one sample that differ only in steps, robust, small or level share their
  // design and per-unit blocks (blocksKey): built once, fitted many times.
  const prepared = new Map<string, { prep: PreparedGmm; blocks: UnitBlocks }>();
  const backend = config.bootstrap > 0 ? await getBackend(defaultFloat64Backend(), { precision: 'float32', workload: 'bootstrap' }) : null;
  // A bootstrap's warning on B, which the run gives once (grid.ts gridWarnings), not each row; a row's
  // bootstrap warns on the replications it used (intervals.ts tooFewReplications).
  const tooFew = tooFewReplications(config.bootstrap, 0.95);
  const rows: GridRow[] = [];
  try {
    for (const s of grid.specs.slice(first, last)) {
      const row: GridRow = {
        index: s.index,
        sample: s.sample,
        axes: s.axes,
        command: s.command,
        failure: null,
        sampleRows: null,
        nobs: null,
        groups: null,
        instruments: null,
        ar2P: null,
        hansenP: null,
        sarganP: null,
        focus: Object.fromEntries(grid.focus.map((f) => [f, null])),
        flags: { instrumentsAboveGroups: false, hansenNearOne: false, ar2Rejected: false },
        bootstrap: null,
        unidentified: [],
        warnings: [],
      };
      try {
        if (!samples.has(s.sample)) samples.set(s.sample, selectSample(panel, s.condition));
        const sel = samples.get(s.sample)!;
        row.sampleRows = sel.rows;
        const spec = parseXtabond2(s.command, columns);
        const key = `${s.sample}\u0000${blocksKey(spec)}`;
        if (!prepared.has(key)) {
          const prep = prepareGmm(sel.panel, spec);
          prepared.set(key, { prep, blocks: modelBlocks(prep) });
        }
        const shared = prepared.get(key)!;
        const fit = fitOnBlocks(shared.prep, shared.blocks, spec, s.command);
        // The bootstrap resamples whole clusters of units: a specification whose clusters are not (multi-way,
        // or a variable that changes within units) keeps its estimate, without intervals.
        const c = shared.blocks.clustering;
        const resamplable = !c || unitClusters(c, shared.blocks.n, shared.blocks.obsMain) !== null;
        const boot = backend && resamplable ? await bootstrapGmm(sel.panel, spec, { reps: config.bootstrap, seed: keyedSeed(config.seed, s.index), threads: 1, backend }, s.command) : null;
        // Too few used is the run's warning again where B itself is too few; else it is this row's own.
        const usedTooFew = boot && tooFew ? tooFewReplications(boot.used, 0.95, config.bootstrap) : null;
        row.bootstrap = boot ? { used: boot.used, failed: boot.failed, warnings: boot.warnings.filter((w) => w !== usedTooFew) } : null;
        row.nobs = fit.nobs;
        row.groups = fit.ngroups;
        row.instruments = fit.ninstruments;
        row.ar2P = fit.ar.find((a) => a.order === 2)?.p ?? null;
        row.hansenP = fit.hansen?.p ?? null;
        row.sarganP = fit.sargan?.p ?? null;
        row.unidentified = unidentifiedNames(fit.coefficients);
        row.warnings = backend && !resamplable
          ? [...fit.warnings, `no bootstrap intervals: cluster(${spec.cluster!.join(' ')}) is not a set of whole units the bootstrap can resample (it takes one cluster variable, constant within each unit)`]
          : fit.warnings;
        for (const f of grid.focus) {
          // The focus as coefficientName reads it: ibn.'s first level is named 1976bn.year in the fit.
          const c = fit.coefficients.find((x) => x.name === f || coefficientName(x.name) === f);
          // A coefficient reported as 0 with SE 0 is no estimate: out of the curves and the stability.
          if (!c || row.unidentified.includes(c.name)) continue;
          const b = boot?.coefficients.find((x) => x.name === c.name);
          row.focus[f] = {
            estimate: c.estimate,
            se: c.se,
            ciLow: c.ciLow,
            ciHigh: c.ciHigh,
            p: c.p,
            boot: b ? { se: b.bootSe, percentile: [b.percentile.low, b.percentile.high], studentized: b.studentized ? [b.studentized.low, b.studentized.high] : null, p: b.p } : null,
          };
        }
        // Roodman (2009): instruments should not outnumber groups; a Hansen p-value near 1 (above 0.25
        // with an instrument count of at least half the groups, our threshold) signals a weakened test.
        row.flags = {
          instrumentsAboveGroups: fit.ninstruments > fit.ngroups,
          hansenNearOne: row.hansenP !== null && row.hansenP > HANSEN_SUSPECT_P && fit.ninstruments >= fit.ngroups / 2,
          ar2Rejected: row.ar2P !== null && row.ar2P < 0.05,
        };
      } catch (err) {
        row.failure = err instanceof Error ? err.message : String(err);
      }
      rows.push(row);
    }
  } finally {
    await backend?.dispose();
  }
  return rows;
}
