/**
 * Renders a vega-lite spec headless: vega-lite compiles it to vega, a vega View with no
 * renderer draws it to SVG (pure JavaScript, no canvas), and resvg turns the SVG into a PNG at
 * twice the size. vega 6 and vega-lite 6 are ESM only, so they are loaded with `import()` on
 * first use: the CJS build of this library still loads, and commands that draw no chart do
 * not pay for them. The same spec always gives the same SVG (no timestamps, one font family).
 */
import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT } from './chart-style';

/** A chart drawn both ways. */
export interface RenderedChart {
  svg: string;
  png: Uint8Array;
}

/** The SVG of a vega-lite spec. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A PNG of an SVG at `scale` times its size (2 by default), text in the chart font, on white. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const mod = (await import('@resvg/resvg-js')) as typeof import('@resvg/resvg-js') & { default?: typeof import('@resvg/resvg-js') };
  const Resvg = mod.Resvg ?? mod.default!.Resvg;
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
    logLevel: 'off',
  });
  return new Uint8Array(resvg.render().asPng());
}

/** Both renderings of a spec. */
export async function renderChart(spec: TopLevelSpec): Promise<RenderedChart> {
  const svg = await renderSvg(spec);
  return { svg, png: await svgToPng(svg) };
}
