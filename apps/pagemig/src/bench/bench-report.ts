/**
 * Text outputs of a bench run: the table printed on a terminal (cli-table3), CSV, and the JSON
 * object of `--json` (`{ host: { copyGBps }, rows: [...] }`, field names kept stable).
 */
import Table from 'cli-table3';
import { formatSize } from '@pagemig/folio';
import type { BenchResult } from './run-bench';

const fmt = (n: number | null, digits = 2) => (n === null ? '-' : n.toFixed(digits));

/** The results table. */
export function benchTable(result: BenchResult): string {
  const table = new Table({
    head: ['folio', 'path', 'workers', 'mode', 'GB/s', 'speedup', 'x copy', 'us/folio', 'verified'],
    colAligns: ['right', 'left', 'right', 'left', 'right', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const row of result.rows) {
    table.push([
      formatSize(row.folioSize),
      row.path,
      String(row.workers),
      row.mode,
      fmt(row.GBps),
      row.speedup === null ? '-' : `${fmt(row.speedup)}x`,
      fmt(row.ratioToCopy, 3),
      fmt(row.usPerFolio, 1),
      row.verified ? 'yes' : `NO: ${row.problem ?? ''}`,
    ]);
  }
  const host = result.host;
  const header =
    `host: ${host.cpus} CPUs, Node.js ${host.node}; raw single-thread copy ${host.copyGBps.toFixed(2)} GB/s ` +
    `(TypedArray.set between the two nodes' memory, measured in this run)\n` +
    `moved ${formatSize(result.options.total)} per row, median of ${result.options.repeat}, ` +
    `NR_MAX_BATCHED_MIGRATION ${result.options.batchLimit}`;
  return `${header}\n${table.toString()}`;
}

/** CSV with one line per row. */
export function benchCsv(result: BenchResult): string {
  const head = 'path,folioSize,workers,mode,GBps,speedup,ratioToCopy,usPerFolio,verified';
  const lines = result.rows.map((r) =>
    [r.path, r.folioSize, r.workers, r.mode, r.GBps, r.speedup ?? '', r.ratioToCopy ?? '', r.usPerFolio, r.verified].join(','),
  );
  return `${[head, ...lines].join('\n')}\n`;
}

/** The `--json` object. */
export function benchJson(result: BenchResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
