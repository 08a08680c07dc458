// Study figures drawn without a browser: Vega-Lite specs compiled to Vega, rendered to SVG by a
// headless vega View, and rasterised to PNG by resvg with a bundled font (assets/fonts), so the
// PNG text looks the same on every machine whatever fonts it has.
import { writeFileAtomic } from '../data/write-atomic.ts';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

export const FIGURE_FONT = 'DejaVu Sans';
const FONT_FILE = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));

const CONFIG = {
  font: FIGURE_FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eee' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
  legend: { labelFontSize: 11, titleFontSize: 12 },
};

/** One estimate with its 95% interval, for the coefficient plot. */
export interface CoefficientPoint {
  /** Sample or specification, e.g. "Inland", "2010-2016". */
  group: string;
  /** Kind of group, used for colour, e.g. "Region". */
  dimension: string;
  /** Coefficient label, one panel each, e.g. "CA". */
  coefficient: string;
  estimate: number;
  low: number;
  high: number;
}

/** Point estimates with interval bars, one panel per coefficient, groups along the x axis in the given order. */
export function coefficientPlotSpec(points: CoefficientPoint[], title: string, yTitle = 'Estimate (95% CI)'): TopLevelSpec {
  const groups = [...new Set(points.map((p) => p.group))];
  const coefficients = [...new Set(points.map((p) => p.coefficient))];
  const x = { field: 'group', type: 'nominal' as const, sort: groups, title: null, axis: { labelAngle: -35, labelLimit: 240 } };
  // Colour tells the kinds of group apart; with one kind a legend says nothing.
  const color = new Set(points.map((p) => p.dimension)).size > 1 ? { color: { field: 'dimension', type: 'nominal' as const, title: null } } : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: points },
    facet: { column: { field: 'coefficient', type: 'nominal', sort: coefficients, title: null } },
    spec: {
      width: Math.max(140, 34 * groups.length),
      height: 220,
      layer: [
        { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } },
        {
          mark: { type: 'rule', strokeWidth: 2, color: '#4c78a8' },
          encoding: { x, y: { field: 'low', type: 'quantitative', title: yTitle }, y2: { field: 'high' }, ...color },
        },
        {
          mark: { type: 'point', filled: true, size: 60, color: '#4c78a8', opacity: 1 },
          encoding: { x, y: { field: 'estimate', type: 'quantitative' }, ...color },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: CONFIG,
  };
}

/**
 * A curve with its 95% band, e.g. the marginal effect of CA along efficiency; with `distribution`,
 * a histogram of the observed x values below it on the same x scale.
 */
export function bandCurveSpec(
  curve: { x: number; estimate: number; low: number; high: number }[],
  opts: { title: string; xTitle: string; yTitle: string; distribution?: number[] },
): TopLevelSpec {
  const domain = [curve[0].x, curve[curve.length - 1].x];
  const x = { field: 'x', type: 'quantitative' as const, title: opts.xTitle, scale: { domain, nice: false } };
  const band = {
    width: 460,
    height: 220,
    data: { values: curve },
    layer: [
      { mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: { x, y: { field: 'low', type: 'quantitative', title: opts.yTitle }, y2: { field: 'high' } } },
      { mark: { type: 'line', color: '#4c78a8', strokeWidth: 2 }, encoding: { x, y: { field: 'estimate', type: 'quantitative' } } },
      { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } },
    ],
  };
  const values = (opts.distribution ?? []).filter((v) => v >= domain[0] && v <= domain[1]).map((v) => ({ x: v }));
  const histogram = {
    width: 460,
    height: 60,
    data: { values },
    mark: { type: 'bar', color: '#9aa7b4' },
    encoding: {
      x: { ...x, bin: { maxbins: 40, extent: domain } },
      y: { aggregate: 'count', type: 'quantitative' as const, title: 'Obs.' },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    ...(values.length ? { vconcat: [band, histogram], spacing: 8 } : band),
    config: CONFIG,
  } as TopLevelSpec;
}

/** Render a Vega-Lite spec to an SVG string, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterise an SVG at the given zoom with only the bundled font (system fonts are not consulted). */
export function svgToPng(svg: string, zoom = 2): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: [FONT_FILE], defaultFontFamily: FIGURE_FONT, sansSerifFamily: FIGURE_FONT },
    fitTo: { mode: 'zoom', value: zoom },
    background: 'white',
  });
  return resvg.render().asPng();
}

/** Write <base>.svg and <base>.png; returns both paths. A failure names `option` when given. */
export async function writeFigure(spec: TopLevelSpec, base: string, option?: string): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(spec);
  await writeFileAtomic(`${base}.svg`, svg, option);
  await writeFileAtomic(`${base}.png`, svgToPng(svg), option);
  return { svg: `${base}.svg`, png: `${base}.png` };
}
