/**
 * The latency chart of a latency run, two panels side by side on a shared log-2 batch-size
 * axis (`NR_MAX_BATCHED_MIGRATION` in base pages, or folios per `move_pages` call): the
 * first-folio latency and the total time, both on log axes, one line per copy path and
 * worker count, measured solid and modelled dashed. Points that failed verification are left out.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatSize } from '@pagemig/folio';
import type { LatencyResult } from '../latency/run-latency';
import { CHART_CONFIG, CHART_HEIGHT, COUNT_LABEL_EXPR, log2Domain, modeDashes, modeDomain, seriesDomain, seriesName } from './chart-style';

/** One plotted point of the latency chart. */
export interface LatencyDatum {
  series: string;
  mode: string;
  x: number;
  firstFolioUs: number;
  totalMs: number;
}

/** The verified points as chart data; `x` is the swept parameter. */
export function latencyData(result: LatencyResult): LatencyDatum[] {
  return result.points
    .filter((p) => p.verified && p.firstFolioUs > 0 && p.totalUs > 0)
    .map((p) => ({
      series: seriesName(p.path, p.workers),
      mode: p.mode,
      x: result.options.sweep === 'limit' ? p.limit : p.foliosPerCall,
      firstFolioUs: p.firstFolioUs,
      totalMs: p.totalUs / 1000,
    }));
}

/** The vega-lite spec of the latency chart. */
export function latencySpec(result: LatencyResult): TopLevelSpec {
  const data = latencyData(result);
  const points = result.points.filter((p) => p.verified);
  const xs = [...new Set(data.map((d) => d.x))].sort((a, b) => a - b);
  const modes = modeDomain(points);
  const o = result.options;
  const xTitle = o.sweep === 'limit' ? 'NR_MAX_BATCHED_MIGRATION (base pages)' : 'folios per move_pages call';
  const panel = (field: 'firstFolioUs' | 'totalMs', title: string, yTitle: string) => ({
    title,
    width: 340,
    height: CHART_HEIGHT,
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative' as const,
        title: xTitle,
        scale: { type: 'log' as const, base: 2, domain: xs.length > 0 ? log2Domain(xs) : [512, 262144] },
        axis: { values: xs, labelExpr: COUNT_LABEL_EXPR, grid: true, labelOverlap: true },
      },
      y: { field, type: 'quantitative' as const, title: yTitle, scale: { type: 'log' as const } },
      color: { field: 'series', type: 'nominal' as const, title: 'path', scale: { domain: seriesDomain(points), scheme: 'tableau10' } },
      strokeDash: { field: 'mode', type: 'nominal' as const, title: 'mode', scale: { domain: modes, range: modeDashes(modes) }, legend: { symbolType: 'stroke' } },
      detail: { field: 'mode' },
      order: { field: 'x', type: 'quantitative' as const },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'First-folio latency and total time by batch size',
      subtitle: `${formatSize(o.total)} region of ${o.folios} ${formatSize(o.folioSize)} folios, ${o.mode}`,
    },
    data: { values: data },
    hconcat: [panel('firstFolioUs', 'first folio', 'first-folio latency (µs)'), panel('totalMs', 'total', 'total time (ms)')],
    config: CHART_CONFIG,
  };
}
