/**
 * The speedup chart of a bench run: speedup over the legacy path (same folio size and mode)
 * against the number of threads or DMA channels, one line per path, one panel per folio size:
 * the 2M rows (where batching pays off), and the 4K rows (where per-folio costs dominate) when
 * they were run. A dotted rule marks 1× (no gain). Without 2M or 4K rows the largest size run
 * is shown.
 */
import type { TopLevelSpec } from 'vega-lite';
import { HPAGE_PMD_SIZE, PAGE_SIZE, formatSize } from '@pagemig/folio';
import type { BenchPath } from '../bench/bench-options';
import type { BenchResult } from '../bench/run-bench';
import { CHART_CONFIG, CHART_HEIGHT, log2Domain, modeDashes, modeDomain, pathDomain } from './chart-style';

/** One plotted point of the speedup chart. */
export interface SpeedupDatum {
  path: BenchPath;
  mode: string;
  size: string;
  workers: number;
  speedup: number;
}

/** The folio sizes the speedup chart shows: 2M and 4K when run, else the largest size run. */
export function speedupSizes(result: BenchResult): number[] {
  const run = new Set(result.rows.map((r) => r.folioSize));
  const picked = [HPAGE_PMD_SIZE, PAGE_SIZE].filter((s) => run.has(s));
  if (picked.length > 0 || run.size === 0) return picked;
  return [Math.max(...run)];
}

/** Verified rows of the shown sizes that have a speedup, as chart data. */
export function speedupData(result: BenchResult): SpeedupDatum[] {
  const sizes = speedupSizes(result);
  return result.rows
    .filter((r) => r.verified && r.speedup !== null && Number.isFinite(r.speedup) && sizes.includes(r.folioSize))
    .map((r) => ({ path: r.path, mode: r.mode, size: formatSize(r.folioSize), workers: r.workers, speedup: r.speedup! }));
}

/** The vega-lite spec of the speedup chart (one panel per shown folio size). */
export function speedupSpec(result: BenchResult): TopLevelSpec {
  const data = speedupData(result);
  const sizes = speedupSizes(result).map(formatSize);
  const workers = [...new Set(data.map((d) => d.workers))].sort((a, b) => a - b);
  const rows = result.rows.filter((r) => r.verified && r.speedup !== null);
  const modes = modeDomain(rows);
  const width = sizes.length > 1 ? 300 : 460;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Speedup over legacy by threads or channels', subtitle: 'same folio size and mode; 1× = legacy per-folio copy' },
    data: { values: data },
    facet: { column: { field: 'size', type: 'nominal', title: 'folio size', sort: sizes, header: { labelFontSize: 12, titleFontSize: 12 } } },
    spec: {
      width,
      height: CHART_HEIGHT,
      layer: [
        { mark: { type: 'rule', color: '#888', strokeDash: [2, 2] }, encoding: { y: { datum: 1 } } },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: {
              field: 'workers',
              type: 'quantitative',
              title: 'threads or DMA channels',
              scale: { type: 'log', base: 2, domain: workers.length > 0 ? log2Domain(workers) : [1, 2] },
              axis: { values: workers, format: 'd', grid: true },
            },
            y: { field: 'speedup', type: 'quantitative', title: 'speedup (×)', scale: { zero: true } },
            color: { field: 'path', type: 'nominal', title: 'path', scale: { domain: pathDomain(rows), scheme: 'tableau10' } },
            strokeDash: { field: 'mode', type: 'nominal', title: 'mode', scale: { domain: modes, range: modeDashes(modes) }, legend: { symbolType: 'stroke' } },
            detail: { field: 'mode' },
            order: { field: 'workers', type: 'quantitative' },
          },
        },
      ],
    },
    config: CHART_CONFIG,
  };
}
