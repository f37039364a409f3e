import { describe, expect, it } from 'vitest';
import { fixtureBenchResult } from './chart-fixture';
import { CHART_FONT } from './chart-style';
import { renderChart, renderSvg, svgToPng } from './render-chart';
import { speedupSpec } from './speedup-chart';
import { throughputSpec } from './throughput-chart';

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('renderSvg', () => {
  const result = fixtureBenchResult();

  it('draws the throughput chart: one line mark per series and mode, every legend entry, the size labels', async () => {
    const svg = await renderSvg(throughputSpec(result));
    expect(svg.startsWith('<svg')).toBe(true);
    // 7 measured series (legacy, batch, mtcopy x1/x2/x4, dcbm x1/x2) + 5 modelled (legacy, dcbm x1/x2/x4/x8)
    expect(count(svg, /class="mark-line role-mark/g)).toBe(12);
    const lines = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*><path [^>]*d="([^"]+)"/g)].map((m) => m[1]!);
    expect(lines).toHaveLength(12);
    for (const d of lines) expect(d).toMatch(/^M[\d.,-]+L/);
    // 9 series + 2 modes in the legends
    expect(count(svg, /class="mark-symbol role-legend-symbol"/g)).toBe(11);
    const labels = texts(svg);
    for (const l of ['4K', '64K', '2M', 'GB/s', 'folio size', 'measured', 'modelled', 'mtcopy ×4 threads']) expect(labels).toContain(l);
  });

  it('draws the speedup chart with a panel per folio size', async () => {
    const svg = await renderSvg(speedupSpec(result));
    // per panel: measured legacy, batch, mtcopy, dcbm + modelled legacy, dcbm
    expect(count(svg, /class="mark-line role-mark/g)).toBe(12);
    expect(count(svg, /class="mark-rule role-mark/g)).toBe(2);
    const labels = texts(svg);
    expect(labels).toContain('2M');
    expect(labels).toContain('4K');
    expect(labels).toContain('threads or DMA channels');
  });

  it('uses only the chart font and gives the same SVG for the same spec', async () => {
    const a = await renderSvg(throughputSpec(result));
    const b = await renderSvg(throughputSpec(fixtureBenchResult()));
    expect(a).toBe(b);
    const families = new Set([...a.matchAll(/font-family="([^"]+)"/g)].map((m) => m[1]));
    expect([...families]).toEqual([CHART_FONT]);
  });
});

describe('svgToPng', () => {
  it('writes a PNG at twice the SVG size', async () => {
    const { svg, png } = await renderChart(throughputSpec(fixtureBenchResult()));
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
    const height = Number(/<svg[^>]* height="(\d+)"/.exec(svg)![1]);
    expect(view.getUint32(16)).toBe(width * 2);
    expect(view.getUint32(20)).toBe(height * 2);
  });

  it('scales by the factor given', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"><rect width="10" height="20" fill="red"/></svg>';
    const png = await svgToPng(svg, 3);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([30, 60]);
  });
});

describe('charts without data', () => {
  it('still render when no row qualifies (no legacy baseline, every row failed)', async () => {
    const result = fixtureBenchResult();
    result.rows = result.rows.filter((r) => r.path === 'batch' && r.folioSize === 2 * 1024 * 1024);
    for (const r of result.rows) r.speedup = null;
    const speedup = await renderSvg(speedupSpec(result));
    expect(speedup.startsWith('<svg')).toBe(true);
    expect(speedup).not.toContain('NaN');
    const single = await renderSvg(throughputSpec(result));
    expect((single.match(/class="mark-symbol role-mark/g) ?? []).length).toBe(1);
    expect(single).not.toContain('NaN');
    for (const r of result.rows) r.verified = false;
    expect(await renderSvg(throughputSpec(result))).not.toContain('NaN');
  });
});
