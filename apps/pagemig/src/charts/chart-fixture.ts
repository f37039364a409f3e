/**
 * Test fixture: a hand-written bench result with every path (measured and modelled rows, one
 * unverified row) so chart and report tests do not need a real run. Not exported.
 */
import type { BenchPath } from '../bench/bench-options';
import type { BenchResult, BenchRow } from '../bench/run-bench';

const K = 1024;
const M = 1024 * 1024;

function row(path: BenchPath, folioSize: number, workers: number, mode: string, GBps: number, legacy: number, verified = true): BenchRow {
  return {
    path,
    folioSize,
    workers,
    mode,
    GBps,
    speedup: GBps / legacy,
    ratioToCopy: GBps / 10,
    verified,
    samples: [GBps],
    usPerFolio: folioSize / GBps / 1000,
    ...(verified ? {} : { problem: 'the moved bytes differ from the original' }),
  };
}

/** A bench result: 4K, 64K and 2M; legacy, batch, mtcopy ×1/×2/×4, dcbm ×1/×2; modelled dcbm rows; one failed row. */
export function fixtureBenchResult(): BenchResult {
  const rows: BenchRow[] = [];
  const legacy = { [4 * K]: 3.3, [64 * K]: 6.6, [2 * M]: 11 } as Record<number, number>;
  for (const size of [4 * K, 64 * K, 2 * M]) {
    const l = legacy[size]!;
    rows.push(row('legacy', size, 1, 'measured', l, l));
    rows.push(row('batch', size, 1, 'measured', l * 1.1, l));
    for (const t of [1, 2, 4]) rows.push(row('mtcopy', size, t, 'measured', l * (1 + t / 3), l));
    for (const c of [1, 2]) rows.push(row('dcbm', size, c, 'measured', l * c * 0.9, l, !(size === 64 * K && c === 2)));
    rows.push(row('legacy', size, 1, 'modelled', l * 0.95, l * 0.95));
    for (const c of [1, 2, 4, 8]) rows.push(row('dcbm', size, c, 'modelled', l * c, l * 0.95));
  }
  return {
    host: { copyGBps: 10, copyGBpsBySize: { '4K': 8, '64K': 9.5, '2M': 10 }, cpus: 2, node: 'v20.20.2' },
    options: { total: 64 * M, sizes: [4 * K, 64 * K, 2 * M], repeat: 3, batchLimit: 262144, mode: 'measured' },
    rows,
  };
}
