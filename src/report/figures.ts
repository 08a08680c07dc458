// Study figures drawn without a browser: Vega-Lite specs compiled to Vega, rendered to SVG by a
// headless vega View, and rasterised to PNG by resvg with a bundled font (assets/fonts), so the
// PNG text looks the same on every machine whatever fonts it has.
import { writeFile } from 'node:fs/promises';
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
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: { x, y: { field: 'low', type: 'quantitative', title: yTitle }, y2: { field: 'high' }, ...color },
        },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: { x, y: { field: 'estimate', type: 'quantitative' }, ...color },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: CONFIG,
  };
}

/** A curve with its 95% band, e.g. the marginal effect of CA along efficiency; optional rug of observed x values. */
export function bandCurveSpec(
  curve: { x: number; estimate: number; low: number; high: number }[],
  opts: { title: string; xTitle: string; yTitle: string; rug?: number[] },
): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative' as const, title: opts.xTitle, scale: { zero: false, nice: false } };
  const layers: object[] = [
    { data: { values: curve }, mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: { x, y: { field: 'low', type: 'quantitative', title: opts.yTitle }, y2: { field: 'high' } } },
    { data: { values: curve }, mark: { type: 'line', color: '#4c78a8', strokeWidth: 2 }, encoding: { x, y: { field: 'estimate', type: 'quantitative' } } },
    { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } },
  ];
  if (opts.rug?.length) {
    const lo = curve[0].x;
    const hi = curve[curve.length - 1].x;
    const values = opts.rug.filter((v) => v >= lo && v <= hi).map((v) => ({ x: v }));
    layers.push({ data: { values }, mark: { type: 'tick', color: '#555', opacity: 0.15, thickness: 1, size: 8 }, encoding: { x, y: { value: 216 } } });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: 460,
    height: 220,
    layer: layers,
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

/** Write <base>.svg and <base>.png; returns both paths. */
export async function writeFigure(spec: TopLevelSpec, base: string): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(spec);
  await writeFile(`${base}.svg`, svg);
  await writeFile(`${base}.png`, svgToPng(svg));
  return { svg: `${base}.svg`, png: `${base}.png` };
}
