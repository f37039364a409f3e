/**
 * The calibration set: the published RFC V3 numbers (cover letter of 23 Sep 2025; AMD Zen 3 EPYC,
 * 2 sockets, 32 cores, SMT on, one NUMA node per socket, AMD PTDMA; `move_pages()` of 1 GB
 * between the two nodes; GB/s, mean of runs), as cells the fit compares against. Only the
 * baseline and the 1-, 2- and 4-channel/thread rows, the 2 MB folio-count table and the
 * copy-share breakdown: the rows for more channels and threads are a held-back validation set
 * and are deliberately absent.
 */
import { formatSize, parseSize } from '@pagemig/folio';

/** The V3 calibration data as published (a copy of shared/data/v3-calibration.json). */
export const V3_CALIBRATION = {
  sizes: ['4K', '16K', '64K', '128K', '256K', '512K', '1M', '2M'],
  baseline: [3.73, 5.53, 5.9, 6.34, 6.5, 6.86, 6.92, 10.67],
  dcbm: {
    1: [2.75, 2.86, 3.28, 4.57, 5.03, 4.69, 4.78, 12.5],
    2: [3.35, 4.57, 5.35, 6.71, 7.4, 7.38, 7.21, 14.23],
    4: [4.01, 6.36, 7.71, 9.4, 10.27, 10.6, 12.35, 26.84],
  },
  mtcopy: {
    1: [3.84, 5.23, 6.01, 6.34, 7.16, 7.12, 7.1, 10.94],
    2: [4.04, 6.72, 7.68, 8.15, 8.45, 9.29, 9.87, 17.8],
    4: [4.72, 8.41, 10.08, 11.44, 10.45, 12.6, 12.38, 31.41],
  },
  /** 2 MB folios, 1 thread or channel: [count, baseline, mtcopy, dcbm]. */
  folioCount2M: [
    [1, 7.96, 6.43, 6.52],
    [8, 8.2, 8.82, 8.88],
    [16, 7.54, 9.06, 9.03],
    [32, 8.68, 10.11, 10.17],
    [64, 9.08, 10.12, 11.21],
    [256, 10.53, 10.77, 12.43],
    [512, 10.59, 10.81, 12.61],
    [2048, 10.86, 11.05, 12.75],
    [8192, 10.84, 11.12, 12.81],
  ],
  /** Share of folio copy in move_pages() time; the 4K x1 figure is an upper bound (published as <1%). */
  copyShare: { '4K x1': 0.01, '4K x512': 0.35, '2M x1': 0.66, '2M x512': 0.97 },
} as const;

/** Which copy path a cell runs. */
export type CellPath = 'baseline' | 'dcbm' | 'mtcopy';

/** One published number and the functional run that reproduces it. */
export interface CalibrationCell {
  /** `baseline/4K`, `dcbm2/64K`, `count/dcbm/256`, `share/2M x1`. */
  id: string;
  /** The table it comes from. */
  table: 'size' | 'count' | 'share';
  path: CellPath;
  /** Channels (dcbm) or threads (mtcopy); 0 for the baseline. */
  lanes: number;
  folioSize: number;
  /** Folios per `move_pages()` call. */
  count: number;
  /** `GBps`: bytes moved / call time (1 GB = 1e9 bytes); `share`: copy time / call time. */
  metric: 'GBps' | 'share';
  published: number;
  /** `upper`: the published value is an upper bound (the model passes at or below it). */
  bound?: 'upper';
}

/** Bytes each size-table cell moves (1 GiB, the benchmark's "1 GB"). */
export const V3_TOTAL_BYTES = 2 ** 30;

/** Every calibration cell, in table order. */
export function v3Cells(): CalibrationCell[] {
  const d = V3_CALIBRATION;
  const cells: CalibrationCell[] = [];
  const sizeRow = (path: CellPath, lanes: number, row: readonly number[]) => {
    d.sizes.forEach((s, i) => {
      const folioSize = parseSize(s);
      cells.push({
        id: `${path}${lanes === 0 ? '' : lanes}/${s}`,
        table: 'size',
        path,
        lanes,
        folioSize,
        count: V3_TOTAL_BYTES / folioSize,
        metric: 'GBps',
        published: row[i]!,
      });
    });
  };
  sizeRow('baseline', 0, d.baseline);
  for (const n of [1, 2, 4] as const) sizeRow('dcbm', n, d.dcbm[n]);
  for (const n of [1, 2, 4] as const) sizeRow('mtcopy', n, d.mtcopy[n]);
  const thp = parseSize('2M');
  for (const [count, base, mt, dma] of d.folioCount2M) {
    cells.push({ id: `count/baseline/${count}`, table: 'count', path: 'baseline', lanes: 0, folioSize: thp, count, metric: 'GBps', published: base });
    cells.push({ id: `count/mtcopy/${count}`, table: 'count', path: 'mtcopy', lanes: 1, folioSize: thp, count, metric: 'GBps', published: mt });
    cells.push({ id: `count/dcbm/${count}`, table: 'count', path: 'dcbm', lanes: 1, folioSize: thp, count, metric: 'GBps', published: dma });
  }
  for (const [key, value] of Object.entries(d.copyShare)) {
    const [size, times] = key.split(' x') as [string, string];
    const cell: CalibrationCell = {
      id: `share/${key}`,
      table: 'share',
      path: 'baseline',
      lanes: 0,
      folioSize: parseSize(size),
      count: Number(times),
      metric: 'share',
      published: value,
    };
    if (key === '4K x1') cell.bound = 'upper';
    cells.push(cell);
  }
  return cells;
}

/** The functional run a cell needs (several cells share one: the share cells reuse size runs). */
export function cellRunKey(cell: CalibrationCell): string {
  return `${cell.path}${cell.lanes === 0 ? '' : cell.lanes}/${formatSize(cell.folioSize)}x${cell.count}`;
}
