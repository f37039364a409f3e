/**
 * Text outputs of a latency run: the table printed on a terminal (cli-table3), CSV, and the
 * JSON object of `--json` (`{ host, options, skipped, points: [...] }`, field names kept
 * stable).
 */
import Table from 'cli-table3';
import { formatSize } from '@pagemig/folio';
import type { LatencyResult } from './run-latency';

const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** The header lines: what moved, what varied, and the clock. */
export function latencyHeader(result: LatencyResult): string {
  const o = result.options;
  const varied =
    o.sweep === 'limit'
      ? `NR_MAX_BATCHED_MIGRATION ${o.limits.join(', ')} base pages, ${o.foliosPerCall[0] === o.folios ? 'the whole region' : `${o.foliosPerCall[0]} folios`} per move_pages call`
      : `${o.foliosPerCall.join(', ')} folios per move_pages call, NR_MAX_BATCHED_MIGRATION ${o.limits[0]} base pages`;
  return (
    `latency: ${formatSize(o.total)} region of ${o.folios} ${formatSize(o.folioSize)} folios moved between two nodes, ${o.mode} ` +
    `(median of ${o.repeat}); host ${result.host.cpus} CPUs, Node.js ${result.host.node}\n` +
    `varied: ${varied}\n` +
    'first folio = first call start to its first migrate_folio_move rc 0; total = first call start to the last completion'
  );
}

/** The results table. */
export function latencyTable(result: LatencyResult): string {
  const table = new Table({
    head: ['path', 'workers', 'limit', 'folios/call', 'unmapped<1st', 'copied<1st', 'first us', 'mean us', 'total ms', 'GB/s', 'verified'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const p of result.points) {
    table.push([
      p.path,
      String(p.workers),
      String(p.limit),
      String(p.foliosPerCall),
      String(p.unmappedBeforeFirst),
      formatSize(p.copiedBeforeFirst),
      fmt(p.firstFolioUs, 1),
      fmt(p.meanFolioUs, 1),
      fmt(p.totalUs / 1000, 2),
      fmt(p.GBps, 2),
      p.verified ? 'yes' : `NO: ${p.problem ?? ''}`,
    ]);
  }
  const skipped = result.skipped.length > 0 ? `\nnot available in this build: ${result.skipped.join(', ')}` : '';
  return `${latencyHeader(result)}\n${table.toString()}${skipped}`;
}

/** CSV with one line per point. */
export function latencyCsv(result: LatencyResult): string {
  const head = 'path,workers,mode,folioSize,limit,foliosPerCall,calls,unmappedBeforeFirst,copiedBeforeFirst,firstFolioUs,meanFolioUs,totalUs,GBps,verified';
  const lines = result.points.map((p) =>
    [
      p.path,
      p.workers,
      p.mode,
      p.folioSize,
      p.limit,
      p.foliosPerCall,
      p.calls,
      p.unmappedBeforeFirst,
      p.copiedBeforeFirst,
      p.firstFolioUs,
      p.meanFolioUs,
      p.totalUs,
      p.GBps,
      p.verified,
    ].join(','),
  );
  return `${[head, ...lines].join('\n')}\n`;
}

/** The `--json` object. */
export function latencyJson(result: LatencyResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
