/**
 * The series' experiment: for each folio size, move a fixed total between two nodes with
 * `move_pages` semantics along every copy path, verify every move, and report GB/s, the
 * speedup over the legacy path at the same size and mode, and the ratio to this host's raw
 * single-thread copy bandwidth measured in the same run.
 */
import { cpus } from 'node:os';
import { HPAGE_PMD_SIZE, formatSize } from '@pagemig/folio';
import type { BenchOptions, BenchPath } from './bench-options';
import { createBenchWorld } from './bench-world';
import { copyPaths, type CopyPath } from './copy-paths';
import { hostCopyGBps } from './host-copy';
import { moveRegion } from './move-region';

/** One row of results (the `--json` fields keep these names). */
export interface BenchRow {
  path: BenchPath;
  folioSize: number;
  workers: number;
  mode: string;
  GBps: number;
  speedup: number | null;
  ratioToCopy: number | null;
  verified: boolean;
  /** GB/s of every repetition (the row reports their median). */
  samples: number[];
  usPerFolio: number;
  problem?: string;
}

/** What a bench run returns. */
export interface BenchResult {
  host: { copyGBps: number; copyGBpsBySize: Record<string, number>; cpus: number; node: string };
  options: { total: number; sizes: number[]; repeat: number; batchLimit: number; mode: string };
  rows: BenchRow[];
}

/** Progress callbacks (a progress bar or plain lines). */
export interface BenchProgress {
  start(totalSteps: number): void;
  step(label: string): void;
  stop(): void;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Runs the measured bench. */
export async function runBench(
  options: BenchOptions,
  progress: BenchProgress,
  migrators: Parameters<typeof copyPaths>[3] = {},
): Promise<BenchResult> {
  const paths = copyPaths(options.paths, options.threads, options.channels, migrators);
  progress.start(options.sizes.length * paths.length * options.repeat);
  const rows: BenchRow[] = [];
  const copyBySize: Record<string, number> = {};
  let copyGBps = 0;
  for (const folioSize of options.sizes) {
    const world = createBenchWorld(options.total, folioSize, options.batchLimit, true);
    if (copyGBps === 0) copyGBps = hostCopyGBps(world.sys, HPAGE_PMD_SIZE, options.total);
    copyBySize[formatSize(folioSize)] = hostCopyGBps(world.sys, folioSize, Math.min(options.total, 64 * 2 ** 20));
    for (const path of paths) {
      rows.push(await runRow(world, path, options, progress));
    }
    await Promise.all(paths.map((p) => p.dispose?.()));
  }
  for (const row of rows) {
    const legacy = rows.find((r) => r.path === 'legacy' && r.folioSize === row.folioSize && r.mode === row.mode);
    row.speedup = legacy === undefined ? null : row.GBps / legacy.GBps;
    row.ratioToCopy = row.GBps / copyGBps;
  }
  progress.stop();
  return {
    host: { copyGBps, copyGBpsBySize: copyBySize, cpus: cpus().length, node: process.version },
    options: { total: options.total, sizes: options.sizes, repeat: options.repeat, batchLimit: options.batchLimit, mode: 'measured' },
    rows,
  };
}

async function runRow(world: ReturnType<typeof createBenchWorld>, path: CopyPath, options: BenchOptions, progress: BenchProgress): Promise<BenchRow> {
  await path.enter(world);
  const samples: number[] = [];
  let verified = true;
  let problem: string | undefined;
  let nsTotal = 0;
  try {
    // one untimed move first: JIT warm-up, worker start-up and first-touch costs stay out of the numbers
    const warm = await moveRegion(world);
    if (!warm.verified) {
      verified = false;
      problem = warm.problem ?? undefined;
    }
    for (let r = 0; r < options.repeat; r++) {
      progress.step(`${formatSize(world.folioSize)} ${path.path}${path.path === 'mtcopy' || path.path === 'dcbm' ? ` x${path.workers}` : ''}`);
      const sample = await moveRegion(world);
      samples.push(options.total / sample.ns);
      nsTotal += sample.ns;
      if (!sample.verified) {
        verified = false;
        problem ??= sample.problem ?? undefined;
      }
    }
  } finally {
    await path.leave(world);
  }
  const row: BenchRow = {
    path: path.path,
    folioSize: world.folioSize,
    workers: path.workers,
    mode: 'measured',
    GBps: median(samples),
    speedup: null,
    ratioToCopy: null,
    verified,
    samples,
    usPerFolio: nsTotal / options.repeat / 1000 / (options.total / world.folioSize),
  };
  if (problem !== undefined) row.problem = problem;
  return row;
}
