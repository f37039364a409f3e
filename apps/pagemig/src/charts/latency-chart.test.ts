import { describe, expect, it } from 'vitest';
import type { BenchPath } from '../bench/bench-options';
import type { LatencyPoint, LatencyResult } from '../latency/run-latency';
import { latencyData, latencySpec } from './latency-chart';
import { renderSvg } from './render-chart';

const M = 1024 * 1024;

function point(path: BenchPath, workers: number, limit: number, firstFolioUs: number, verified = true): LatencyPoint {
  return {
    path,
    workers,
    mode: 'measured',
    folioSize: 2 * M,
    limit,
    foliosPerCall: 128,
    calls: 1,
    unmappedBeforeFirst: Math.min(128, limit / 512),
    copiedBeforeFirst: Math.min(128, limit / 512) * 2 * M,
    firstFolioUs,
    meanFolioUs: firstFolioUs * 2,
    totalUs: 50_000,
    GBps: 5,
    samples: { firstFolioUs: [firstFolioUs], totalUs: [50_000] },
    verified,
  };
}

function fixture(): LatencyResult {
  const limits = [512, 2048, 8192, 32768];
  return {
    host: { cpus: 2, node: 'v20.20.2' },
    options: { total: 256 * M, folioSize: 2 * M, folios: 128, sweep: 'limit', limits, foliosPerCall: [128], repeat: 3, mode: 'measured' },
    skipped: [],
    points: [
      ...limits.map((l) => point('legacy', 1, l, 500)),
      ...limits.map((l) => point('batch', 1, l, l / 10)),
      ...limits.map((l) => point('mtcopy', 2, l, l / 20, l !== 8192)),
    ],
  };
}

describe('latencySpec', () => {
  it('has a first-folio panel and a total panel on the swept batch size', () => {
    const spec = latencySpec(fixture()) as any;
    expect(spec.hconcat).toHaveLength(2);
    const [first, total] = spec.hconcat;
    expect(first.encoding.y.field).toBe('firstFolioUs');
    expect(total.encoding.y.field).toBe('totalMs');
    for (const panel of spec.hconcat) {
      expect(panel.encoding.x).toMatchObject({ field: 'x', scale: { type: 'log', base: 2 } });
      expect(panel.encoding.x.title).toBe('NR_MAX_BATCHED_MIGRATION (base pages)');
      expect(panel.encoding.x.axis.values).toEqual([512, 2048, 8192, 32768]);
      expect(panel.encoding.color.scale.domain).toEqual(['legacy', 'batch', 'mtcopy ×2 threads']);
    }
  });

  it('plots folios per call when that is what varied, and leaves out unverified points', () => {
    const result = fixture();
    result.options.sweep = 'folios';
    result.points.forEach((p, i) => (p.foliosPerCall = 2 ** (i % 4)));
    const data = latencyData(result);
    expect(data).toHaveLength(11);
    expect(new Set(data.map((d) => d.x))).toEqual(new Set([1, 2, 4, 8]));
    expect((latencySpec(result) as any).hconcat[0].encoding.x.title).toBe('folios per move_pages call');
  });

  it('renders one line per series in each panel', async () => {
    const svg = await renderSvg(latencySpec(fixture()));
    expect((svg.match(/class="mark-line role-mark/g) ?? []).length).toBe(6);
    expect(svg).toContain('first-folio latency (µs)');
    expect(svg).toContain('total time (ms)');
  });
});
