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
  const header =
    `${benchHostLine(result)}\n` +
    `moved ${formatSize(result.options.total)} per row, median of ${result.options.repeat}, ` +
    `NR_MAX_BATCHED_MIGRATION ${result.options.batchLimit} (legacy: 512, the vanilla kernel)`;
  return `${header}\n${table.toString()}`;
}

/** The host line: CPUs, Node.js and the raw single-thread copy bandwidth measured in the run. */
export function benchHostLine(result: BenchResult): string {
  const host = result.host;
  return (
    `host: ${host.cpus} CPUs, Node.js ${host.node}; raw single-thread copy ${host.copyGBps.toFixed(2)} GB/s ` +
    `(TypedArray.set between the two nodes' memory, measured in this run)`
  );
}

/**
 * The cover letter's shape: one line per path and worker count, one column per folio size,
 * GB/s in each cell (how the series' tables read).
 */
export function benchMatrix(result: BenchResult): string {
  const sizes = result.options.sizes;
  const table = new Table({
    head: ['path', ...sizes.map(formatSize)],
    colAligns: ['left', ...sizes.map(() => 'right' as const)],
    style: { head: [], border: [] },
  });
  const keys = [...new Set(result.rows.map((r) => `${r.path}|${r.workers}`))];
  for (const key of keys) {
    const [path, workers] = key.split('|') as [string, string];
    const label = path === 'legacy' ? 'baseline (legacy)' : path === 'batch' ? 'batch (CPU)' : `${path} ${workers} ${path === 'dcbm' ? 'ch' : 'thr'}`;
    table.push([
      label,
      ...sizes.map((size) => {
        const row = result.rows.find((r) => `${r.path}|${r.workers}` === key && r.folioSize === size);
        return row === undefined ? '-' : `${row.GBps.toFixed(2)}${row.verified ? '' : ' !'}`;
      }),
    ]);
  }
  return `GB/s, ${formatSize(result.options.total)} moved with move_pages() per cell, mode ${result.options.mode}\n${table.toString()}`;
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
