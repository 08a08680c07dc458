// `sysgmm grid`: every specification of a robustness grid as tasks of a run directory, then the
// stability summary, the tables and the specification curves written into the same folder.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SpecError } from '../errors.ts';
import { readFailure } from '../file-errors.ts';
import { DATA_FORMATS, readTable, type DataFormat } from '../data/read.ts';
import { Panel } from '../panel/panel.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import { term } from '../spec/types.ts';
import { refuseOutOfScale } from '../gmm/design.ts';
import { unidentifiedNames } from '../gmm/inference.ts';
import { isNumericColumn } from '../data/columns.ts';
import { modelColumns } from '../spec/model-columns.ts';
import { selectSample } from './condition.ts';
import { parseGrid, type Grid, type Stability } from './grid-spec.ts';
import { dataSha256 } from '../data/checksum.ts';
import { gridMisfit, type GridConfig, type GridRow } from './grid-task.ts';
import { bootFailed, stability, writeGridTables, writeSpecCurves } from './grid-report.ts';
import { tooFewReplications } from '../bootstrap/intervals.ts';
import { runWorkload, type WorkloadOptions } from './run-workload.ts';

export interface GridOptions {
  id: string;
  time: string;
  inputFormat?: string;
  sheet?: string;
  /** CSV field separator (default: detected). */
  delimiter?: string;
  bootstrap: number;
  seed: number;
  /** Specifications per task. */
  perTask: number;
}

export interface GridResult {
  grid: Grid;
  rows: GridRow[];
  stability: Stability[];
  markdown: string;
  figures: string[];
  tasks: number;
  ran: number;
  /** Bootstrap replications too few for the intervals' level; specifications whose bootstrap had failed replications. */
  warnings: string[];
}

/** Read and check the grid against the data: commands parse, sample conditions evaluate. */
export async function prepareGrid(dataPath: string, gridPath: string, opts: GridOptions): Promise<{ grid: Grid; config: GridConfig }> {
  let text: string;
  try {
    text = await readFile(gridPath, 'utf8');
  } catch (err) {
    throw new SpecError(readFailure(gridPath, err), '--grid');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`${gridPath}: cannot read the grid as JSON (${(err as Error).message})`, '--grid');
  }
  if (opts.inputFormat !== undefined && !DATA_FORMATS.includes(opts.inputFormat as DataFormat))
    throw new SpecError(`--input-format must be one of ${DATA_FORMATS.join(', ')}, got '${opts.inputFormat}'`, '--input-format');
  const format = opts.inputFormat as DataFormat | undefined;
  // The checksum first: it refuses standard input, which the run's tasks could not read again, before
  // any of it is read.
  const sha256 = await dataSha256(dataPath, format);
  const table = await readTable(dataPath, { format, sheet: opts.sheet, delimiter: opts.delimiter, ids: [opts.id] });
  const panel = Panel.fromTable(table, { id: opts.id, time: opts.time, source: dataPath });
  const columns = table.schema.fields.map((f) => f.name);
  let grid: Grid;
  try {
    grid = parseGrid(raw, columns);
  } catch (err) {
    if (err instanceof SpecError) throw new SpecError(`${gridPath}: ${err.message}`, err.option);
    throw err;
  }
  // A model variable read as text is read again declared numeric, as `estimate` reads it: a value
  // that is not a number stops the command here, naming its row and column, before any task runs.
  const used = [...new Set(grid.specs.flatMap((s) => modelColumns(parseXtabond2(s.command, columns))))];
  const textual = used.filter((c) => !isNumericColumn(table, c));
  if (textual.length) await readTable(dataPath, { format, sheet: opts.sheet, delimiter: opts.delimiter, ids: [opts.id], numeric: textual });
  // So does a value beyond the bound every fit refuses (design.ts refuseOutOfScale), in any row.
  refuseOutOfScale(panel, used.map((c) => term(c)));
  for (const [name, condition] of Object.entries(grid.samples)) {
    try {
      selectSample(panel, condition);
    } catch (err) {
      throw new SpecError(`${gridPath}: samples.${name}: ${(err as Error).message}`, `samples.${name}`);
    }
  }
  const config: GridConfig = {
    data: { path: resolve(dataPath), sha256, id: opts.id, time: opts.time, inputFormat: opts.inputFormat, sheet: opts.sheet, delimiter: opts.delimiter },
    grid,
    bootstrap: opts.bootstrap,
    seed: opts.seed,
    perTask: opts.perTask,
  };
  return { grid, config };
}

/** The results, or null when exec.prepare only wrote the run directory. */
export async function runGrid(dataPath: string, gridPath: string, out: string, opts: GridOptions, exec: WorkloadOptions): Promise<GridResult | null> {
  if (resolve(join(out, 'grid.json')) === resolve(gridPath)) throw new SpecError(`--out ${out}: the results would overwrite the grid file ${gridPath}; choose another folder`, '--out');
  const { grid, config } = await prepareGrid(dataPath, gridPath, opts);
  const tasks = Math.ceil(grid.specs.length / opts.perTask);
  // The data is known by its SHA-256; its path may change between resumes (a symbolic link, a copy).
  const run = await runWorkload(out, { kind: 'grid', tasks, config, locations: ['data.path'], check: (p, i) => gridMisfit(config, p, i) }, exec);
  if (!run) return null;
  const { payloads, ran } = run;
  const rows = (payloads as GridRow[][]).flat().sort((a, b) => a.index - b.index).map(withUnidentified);
  const stab = stability(grid, rows);
  const warnings = gridWarnings(grid.focus, opts.bootstrap, rows);
  const markdown = await writeGridTables(out, grid, rows, stab, { data: config.data.path, bootstrap: opts.bootstrap, seed: opts.seed, warnings });
  const figures = await writeSpecCurves(out, grid, rows);
  return { grid, rows, stability: stab, markdown, figures, tasks, ran, warnings };
}

/** A row written before rows kept `unidentified` (a resumed run): its focus coefficients reported as 0
 *  with SE 0 are taken as unidentified, as grid-task.ts now does, and left out. */
export function withUnidentified(r: GridRow): GridRow {
  if (r.unidentified) return r;
  const lost = unidentifiedNames(Object.entries(r.focus).flatMap(([name, f]) => (f ? [{ name, estimate: f.estimate, se: f.se }] : [])));
  return { ...r, unidentified: lost, focus: Object.fromEntries(Object.entries(r.focus).map(([name, f]) => [name, lost.includes(name) ? null : f])) };
}

/** The run's warnings: B too few, failed bootstrap replications and the bootstraps' own warnings by
 *  specification, and focus coefficients a specification leaves unidentified. */
export function gridWarnings(focus: string[], reps: number, rows: GridRow[]): string[] {
  const warnings: string[] = [];
  if (reps > 0) {
    // Every specification's intervals are at 95% (parseGrid refuses level()).
    const tooFew = tooFewReplications(reps, 0.95);
    if (tooFew) warnings.push(tooFew);
    const failed = rows.filter((r) => bootFailed(r) > 0);
    if (failed.length)
      warnings.push(
        `bootstrap replications failed in ${failed.length} specification(s), whose bootstrap statistics use only the rest (boot_used in grid.csv): ` +
          failed.map((r) => `#${r.index} ${bootFailed(r)} of ${reps} (${r.bootstrap!.failed.singular} singular, ${r.bootstrap!.failed.nonFinite} non-finite)`).join('; '),
      );
    // Each bootstrap warning once, with the specifications that gave it.
    const by = new Map<string, number[]>();
    for (const r of rows) for (const w of r.bootstrap?.warnings ?? []) by.set(w, [...(by.get(w) ?? []), r.index]);
    for (const [w, specs] of by) warnings.push(`bootstrap of specification(s) ${specs.map((i) => `#${i}`).join(', ')}: ${w}`);
  }
  const lost = rows.map((r) => ({ r, names: (r.unidentified ?? []).filter((n) => focus.includes(n)) })).filter((x) => x.names.length);
  if (lost.length)
    warnings.push(
      "focus coefficients not identified (X'ZWZ'X singular: xtabond2 reports them as 0 with SE 0), left out of the tables' statistics and the curves: " +
        lost.map(({ r, names }) => `#${r.index} ${names.join(', ')}`).join('; '),
    );
  return warnings;
}
