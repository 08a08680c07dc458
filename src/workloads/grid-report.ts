// Grid results: the stability summary of each focus coefficient, the tables (grid.json, .md, .tex,
// .csv) and the specification curve (Simonsohn, Simmons & Nelson 2020, "Specification curve
// analysis", Nature Human Behaviour 4): estimates with their 95% intervals sorted, and below them the
// indicator panel marking which value of each axis (and which sample) every specification uses.
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_FONT, renderSvg, svgToPng } from '../report/figures.ts';
import { figureSlugs } from '../report/figure-names.ts';
import { quantileSorted } from '../bootstrap/intervals.ts';
import { writeFileAtomic } from '../data/write-atomic.ts';
import { runSubfolder } from '../run/run-dir.ts';
import type { Grid, Stability } from './grid-spec.ts';
import type { GridRow } from './grid-task.ts';
import { fmt, toCsv, toLatex, toMarkdown, type Column, type CsvColumn } from './tables.ts';

/** The dimensions a grid varies: its axes with more than one value, and the sample when there are several. */
function dimensions(grid: Grid): string[] {
  const axes = Object.keys(grid.axes).filter((a) => grid.axes[a].length > 1);
  return Object.keys(grid.samples).length > 1 ? ['sample', ...axes] : axes;
}

const valueOf = (r: GridRow, dim: string): string => (dim === 'sample' ? r.sample : r.axes[dim]);

export function stability(grid: Grid, rows: GridRow[]): Stability[] {
  return grid.focus.map((f) => {
    const ok = rows.filter((r) => !r.failure && r.focus[f]);
    const est = ok.map((r) => r.focus[f]!.estimate);
    const sorted = Float64Array.from(est).sort();
    const median = quantileSorted(sorted, 0.5);
    const sign = Math.sign(median);
    const share = (pred: (r: GridRow) => boolean) => (ok.length ? ok.filter(pred).length / ok.length : NaN);
    const axisSpread: Record<string, number> = Object.create(null); // keyed by the user's axis names
    for (const dim of dimensions(grid)) {
      const groups = new Map<string, number[]>();
      for (const r of ok) groups.set(valueOf(r, dim), [...(groups.get(valueOf(r, dim)) ?? []), r.focus[f]!.estimate]);
      const means = [...groups.values()].map((g) => g.reduce((a, b) => a + b, 0) / g.length);
      axisSpread[dim] = means.length > 1 ? Math.max(...means) - Math.min(...means) : 0;
    }
    const dims = Object.keys(axisSpread);
    const mostInfluential = dims.length ? dims.reduce((a, b) => (axisSpread[b] > axisSpread[a] ? b : a)) : null;
    return {
      coefficient: f,
      specs: ok.length,
      median,
      sameSign: share((r) => Math.sign(r.focus[f]!.estimate) === sign),
      significant: share((r) => r.focus[f]!.p < 0.05),
      sameSignSignificant: share((r) => Math.sign(r.focus[f]!.estimate) === sign && r.focus[f]!.p < 0.05),
      min: sorted[0] ?? NaN,
      max: sorted[sorted.length - 1] ?? NaN,
      range: sorted.length ? sorted[sorted.length - 1] - sorted[0] : NaN,
      axisSpread,
      mostInfluential,
    };
  });
}

/** The bootstrap replications of a row that failed, or 0 where none did or the counts are unknown. */
export function bootFailed(r: GridRow): number {
  return r.bootstrap ? r.bootstrap.failed.singular + r.bootstrap.failed.nonFinite : 0;
}

function flagText(r: GridRow): string {
  const f: string[] = [];
  if (r.flags.instrumentsAboveGroups) f.push('instr>groups');
  if (r.flags.hansenNearOne) f.push('Hansen p high');
  if (r.flags.ar2Rejected) f.push('AR(2) rejected');
  if (bootFailed(r) > 0) f.push(`boot: ${bootFailed(r)} of ${bootFailed(r) + r.bootstrap!.used} failed`);
  return f.join(', ');
}

function columns(grid: Grid, boot: boolean): Column<GridRow>[] {
  const dims = dimensions(grid);
  return [
    { title: '#', cell: (r) => String(r.index) },
    ...dims.map((d) => ({ title: d, cell: (r: GridRow) => valueOf(r, d) || '(none)' })),
    ...grid.focus.flatMap((f) => [
      { title: f, cell: (r: GridRow) => (r.focus[f] ? `${fmt(r.focus[f]!.estimate)} (${fmt(r.focus[f]!.se)})` : '') },
      { title: `${f} 95% CI`, cell: (r: GridRow) => (r.focus[f] ? `[${fmt(r.focus[f]!.ciLow)}, ${fmt(r.focus[f]!.ciHigh)}]` : '') },
      ...(boot
        ? [{ title: `${f} boot-t CI`, cell: (r: GridRow) => (r.focus[f]?.boot?.studentized ? `[${fmt(r.focus[f]!.boot!.studentized![0])}, ${fmt(r.focus[f]!.boot!.studentized![1])}]` : '') }]
        : []),
    ]),
    { title: 'N', cell: (r) => (r.nobs === null ? '' : String(r.nobs)) },
    { title: 'Groups', cell: (r) => (r.groups === null ? '' : String(r.groups)) },
    { title: 'Instr.', cell: (r) => (r.instruments === null ? '' : String(r.instruments)) },
    { title: 'AR(2) p', cell: (r) => fmt(r.ar2P) },
    { title: 'Hansen p', cell: (r) => fmt(r.hansenP) },
    { title: 'Flags', cell: (r) => (r.failure ? `failed: ${r.failure}` : flagText(r)) },
  ];
}

function csvColumns(grid: Grid): CsvColumn<GridRow>[] {
  return [
    { name: 'spec', value: (r) => r.index },
    { name: 'sample', value: (r) => r.sample },
    ...Object.keys(grid.axes).map((a) => ({ name: a, value: (r: GridRow) => r.axes[a] })),
    { name: 'command', value: (r) => r.command },
    ...grid.focus.flatMap((f) =>
      (['estimate', 'se', 'ciLow', 'ciHigh', 'p'] as const).map((k) => ({ name: `${f}_${k}`, value: (r: GridRow) => r.focus[f]?.[k] ?? null })).concat([
        { name: `${f}_boot_se`, value: (r: GridRow) => r.focus[f]?.boot?.se ?? null },
        { name: `${f}_boot_pct_low`, value: (r: GridRow) => r.focus[f]?.boot?.percentile[0] ?? null },
        { name: `${f}_boot_pct_high`, value: (r: GridRow) => r.focus[f]?.boot?.percentile[1] ?? null },
        { name: `${f}_boot_t_low`, value: (r: GridRow) => r.focus[f]?.boot?.studentized?.[0] ?? null },
        { name: `${f}_boot_t_high`, value: (r: GridRow) => r.focus[f]?.boot?.studentized?.[1] ?? null },
        { name: `${f}_boot_p`, value: (r: GridRow) => r.focus[f]?.boot?.p ?? null },
      ]),
    ),
    { name: 'nobs', value: (r) => r.nobs },
    { name: 'groups', value: (r) => r.groups },
    { name: 'instruments', value: (r) => r.instruments },
    { name: 'ar2_p', value: (r) => r.ar2P },
    { name: 'hansen_p', value: (r) => r.hansenP },
    { name: 'sargan_p', value: (r) => r.sarganP },
    { name: 'boot_used', value: (r) => r.bootstrap?.used ?? null },
    { name: 'boot_failed_singular', value: (r) => r.bootstrap?.failed.singular ?? null },
    { name: 'boot_failed_nonfinite', value: (r) => r.bootstrap?.failed.nonFinite ?? null },
    { name: 'flag_instruments_above_groups', value: (r) => Number(r.flags.instrumentsAboveGroups) },
    { name: 'flag_hansen_near_one', value: (r) => Number(r.flags.hansenNearOne) },
    { name: 'flag_ar2_rejected', value: (r) => Number(r.flags.ar2Rejected) },
    { name: 'failure', value: (r) => r.failure },
  ];
}

export function stabilityMarkdown(s: Stability[]): string {
  const cols: Column<Stability>[] = [
    { title: 'Coefficient', cell: (x) => x.coefficient },
    { title: 'Specs', cell: (x) => String(x.specs) },
    { title: 'Median', cell: (x) => fmt(x.median) },
    { title: 'Range', cell: (x) => `[${fmt(x.min)}, ${fmt(x.max)}]` },
    { title: 'Same sign', cell: (x) => fmt(x.sameSign, 2) },
    { title: 'Significant 5%', cell: (x) => fmt(x.significant, 2) },
    { title: 'Same sign & sig.', cell: (x) => fmt(x.sameSignSignificant, 2) },
    { title: 'Moves it most (spread of means)', cell: (x) => (x.mostInfluential ? `${x.mostInfluential} (${fmt(x.axisSpread[x.mostInfluential])})` : '') },
  ];
  return toMarkdown(cols, s);
}

/** grid.json, grid.md, grid.tex, grid.csv; returns the Markdown. */
export async function writeGridTables(out: string, grid: Grid, rows: GridRow[], stab: Stability[], meta: Record<string, unknown>): Promise<string> {
  const boot = rows.some((r) => Object.values(r.focus).some((f) => f?.boot));
  const cols = columns(grid, boot);
  const md = `${stabilityMarkdown(stab)}\n${toMarkdown(cols, rows)}`;
  await writeFileAtomic(join(out, 'grid.json'), JSON.stringify({ ...meta, template: grid.template, axes: grid.axes, samples: grid.samples, focus: grid.focus, stability: stab, specifications: rows }, null, 1) + '\n');
  await writeFileAtomic(join(out, 'grid.md'), md);
  await writeFileAtomic(join(out, 'grid.tex'), toLatex(cols, rows, `Robustness grid: ${rows.length} specifications; standard errors in parentheses`));
  await writeFileAtomic(join(out, 'grid.csv'), toCsv(csvColumns(grid), rows));
  return md;
}

/** The specification curve of one focus coefficient with its indicator panel. */
export function specCurveSpec(grid: Grid, rows: GridRow[], focus: string): TopLevelSpec {
  const ok = rows.filter((r) => !r.failure && r.focus[focus]).sort((a, b) => a.focus[focus]!.estimate - b.focus[focus]!.estimate);
  const dims = dimensions(grid);
  const curve = ok.map((r, i) => ({ rank: i + 1, spec: r.index, estimate: r.focus[focus]!.estimate, low: r.focus[focus]!.ciLow, high: r.focus[focus]!.ciHigh, significant: r.focus[focus]!.p < 0.05 ? 'p < 0.05' : 'p ≥ 0.05' }));
  const indicator = ok.flatMap((r, i) => dims.map((d) => ({ rank: i + 1, row: `${d}: ${valueOf(r, d) || '(none)'}` })));
  const order = dims.flatMap((d) => (d === 'sample' ? Object.keys(grid.samples) : grid.axes[d]).map((v) => `${d}: ${v || '(none)'}`));
  const width = Math.min(900, Math.max(300, 8 * ok.length));
  const x = { field: 'rank', type: 'quantitative' as const, title: null, scale: { domain: [0, ok.length + 1] }, axis: null };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    // Two short lines: headless vega sizes the figure by an estimate of the text's width (0.8 em a
    // character), which for one long title left half the PNG blank.
    title: { text: `Specification curve of ${focus}`, subtitle: `${ok.length} specifications sorted by estimate (95% intervals)` },
    vconcat: [
      {
        width,
        height: 200,
        data: { values: curve },
        layer: [
          { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } },
          { mark: { type: 'rule', opacity: 0.6 }, encoding: { x, y: { field: 'low', type: 'quantitative', title: focus }, y2: { field: 'high' }, color: { field: 'significant', type: 'nominal', title: null } } },
          { mark: { type: 'point', filled: true, size: 25 }, encoding: { x, y: { field: 'estimate', type: 'quantitative' }, color: { field: 'significant', type: 'nominal', title: null } } },
        ],
      },
      {
        width,
        height: Math.max(40, 14 * order.length),
        data: { values: indicator },
        mark: { type: 'tick', orient: 'vertical', color: '#333', thickness: 2 },
        encoding: { x: { ...x, title: 'specification (sorted by estimate)', axis: { labels: false, ticks: false, grid: false } }, y: { field: 'row', type: 'nominal', sort: order, title: null } },
      },
    ],
    spacing: 6,
    config: { font: FIGURE_FONT, background: 'white', axis: { grid: true, gridColor: '#eee' }, title: { anchor: 'start' } },
  } as TopLevelSpec;
}

export async function writeSpecCurves(out: string, grid: Grid, rows: GridRow[]): Promise<string[]> {
  await runSubfolder(out, 'figures');
  const written: string[] = [];
  const slugs = figureSlugs(grid.focus);
  for (const [i, f] of grid.focus.entries()) {
    if (!rows.some((r) => !r.failure && r.focus[f])) continue;
    const base = `figures/spec-curve-${slugs[i]}`;
    const svg = await renderSvg(specCurveSpec(grid, rows, f));
    await writeFileAtomic(join(out, `${base}.svg`), svg);
    await writeFileAtomic(join(out, `${base}.png`), svgToPng(svg));
    written.push(base);
  }
  return written;
}
