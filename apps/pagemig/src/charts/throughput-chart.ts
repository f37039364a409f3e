/**
 * The throughput chart of a bench run: GB/s against folio size on a log-2 axis labelled with
 * the sizes that were run (4K .. 2M), one line per copy path and worker count, measured rows
 * drawn solid and modelled rows dashed. Rows that failed verification are left out.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatSize } from '@pagemig/folio';
import type { BenchResult } from '../bench/run-bench';
import {
  CHART_CONFIG,
  CHART_HEIGHT,
  CHART_WIDTH,
  SIZE_LABEL_EXPR,
  log2Domain,
  modeDashes,
  modeDomain,
  seriesDomain,
  seriesName,
} from './chart-style';

/** One plotted point of the throughput chart. */
export interface ThroughputDatum {
  series: string;
  mode: string;
  folioSize: number;
  size: string;
  GBps: number;
}

/** The verified rows of a result as chart data, in row order. */
export function throughputData(result: BenchResult): ThroughputDatum[] {
  return result.rows
    .filter((r) => r.verified && Number.isFinite(r.GBps))
    .map((r) => ({ series: seriesName(r.path, r.workers), mode: r.mode, folioSize: r.folioSize, size: formatSize(r.folioSize), GBps: r.GBps }));
}

/** The vega-lite spec of the throughput chart. */
export function throughputSpec(result: BenchResult): TopLevelSpec {
  const data = throughputData(result);
  const rows = result.rows.filter((r) => r.verified);
  const sizes = [...new Set(data.map((d) => d.folioSize))].sort((a, b) => a - b);
  const modes = modeDomain(rows);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Throughput by folio size', subtitle: `${formatSize(result.options.total)} moved per row between two nodes (move_pages)` },
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values: data },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'folioSize',
        type: 'quantitative',
        title: 'folio size',
        scale: { type: 'log', base: 2, domain: sizes.length > 0 ? log2Domain(sizes) : [4096, 2097152] },
        axis: { values: sizes, labelExpr: SIZE_LABEL_EXPR, grid: true },
      },
      y: { field: 'GBps', type: 'quantitative', title: 'GB/s', scale: { zero: true } },
      color: { field: 'series', type: 'nominal', title: 'path', scale: { domain: seriesDomain(rows), scheme: 'tableau10' } },
      strokeDash: { field: 'mode', type: 'nominal', title: 'mode', scale: { domain: modes, range: modeDashes(modes) }, legend: { symbolType: 'stroke' } },
      detail: { field: 'mode' },
      order: { field: 'folioSize', type: 'quantitative' },
    },
    config: CHART_CONFIG,
  };
}
