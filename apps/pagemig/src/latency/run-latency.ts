/**
 * The downside of batching that Huang Ying asked to measure: the latency of the first folio
 * (how long until the first folio of a `move_pages` call is usable at its new place) and the
 * total time, against the batch size, for every copy path. The world is the bench's (two
 * nodes, one region of one folio size); each point sets `NR_MAX_BATCHED_MIGRATION` and the
 * number of folios per call, moves the whole region with a completion probe on the system's
 * tracepoints, and verifies the data like a bench row.
 */
import { cpus } from 'node:os';
import { formatSize } from '@pagemig/folio';
import type { BenchPath } from '../bench/bench-options';
import type { BenchProgress } from '../bench/run-bench';
import { createBenchWorld, type BenchWorld } from '../bench/bench-world';
import { copyPaths, type CopyPath } from '../bench/copy-paths';
import { moveRegion } from '../bench/move-region';
import { CompletionProbe } from './completion-probe';
import { measuredClock, type LatencyClockFactory } from './latency-clock';
import type { LatencyOptions, LatencySweep } from './latency-options';

/** One point: a path at one batch size (the `--json` fields keep these names). */
export interface LatencyPoint {
  path: BenchPath;
  workers: number;
  mode: string;
  folioSize: number;
  /** `NR_MAX_BATCHED_MIGRATION` in base pages. */
  limit: number;
  foliosPerCall: number;
  calls: number;
  /** Folios unmapped before the first folio completed (the first batch; clock-independent). */
  unmappedBeforeFirst: number;
  /** Bytes copied before the first folio completed (clock-independent). */
  copiedBeforeFirst: number;
  /** First-folio latency: median over calls of first completion − call start (median of repeats). */
  firstFolioUs: number;
  /** Mean completion latency of a folio from the start of its call (median of repeats). */
  meanFolioUs: number;
  /** First call start to last completion (median of repeats). */
  totalUs: number;
  /** Region bytes over `totalUs`. */
  GBps: number;
  samples: { firstFolioUs: number[]; totalUs: number[] };
  verified: boolean;
  problem?: string;
}

/** What a latency run returns. */
export interface LatencyResult {
  host: { cpus: number; node: string };
  options: { total: number; folioSize: number; folios: number; sweep: LatencySweep; limits: number[]; foliosPerCall: number[]; repeat: number; mode: string };
  /** Requested paths that are not available in this build (no migrator wired). */
  skipped: BenchPath[];
  points: LatencyPoint[];
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Runs the latency sweep; `clock` builds the clock on the world (measured wall clock by default). */
export async function runLatency(
  options: LatencyOptions,
  progress: BenchProgress,
  migrators: Parameters<typeof copyPaths>[3] = {},
  clock: LatencyClockFactory = () => measuredClock(),
): Promise<LatencyResult> {
  const paths = copyPaths(options.paths, options.threads, options.channels, migrators);
  const skipped = options.paths.filter((p) => (p === 'mtcopy' && migrators.mtcopy === undefined) || (p === 'dcbm' && migrators.dcbm === undefined));
  const grid = options.limits.flatMap((limit) => options.folios.map((foliosPerCall) => ({ limit, foliosPerCall })));
  progress.start(paths.length * (grid.length * options.repeat + 1));
  // measured runs back node memory up front, so page faults of the allocator do not land in the timings
  const world = createBenchWorld(options.total, options.size, options.limits[0]!, options.model === undefined);
  const latencyClock = clock(world);
  const probe = new CompletionProbe(world.sys, latencyClock);
  const points: LatencyPoint[] = [];
  try {
    for (const path of paths) {
      await path.enter(world);
      try {
        // one unrecorded move per path, so the first point does not pay for warming up
        progress.step(`${label(path)} warm-up`);
        await moveRegion(world);
        for (const { limit, foliosPerCall } of grid) {
          points.push(await runPoint(world, path, probe, latencyClock.mode, limit, foliosPerCall, options, progress));
        }
      } finally {
        await path.leave(world);
      }
    }
  } finally {
    probe.close();
    latencyClock.close?.();
    await Promise.all(paths.map((p) => p.dispose?.()));
    progress.stop();
  }
  return {
    host: { cpus: cpus().length, node: process.version },
    options: {
      total: options.total,
      folioSize: options.size,
      folios: options.total / options.size,
      sweep: options.sweep,
      limits: options.limits,
      foliosPerCall: options.folios,
      repeat: options.repeat,
      mode: latencyClock.mode,
    },
    skipped,
    points,
  };
}

function label(path: CopyPath): string {
  return `${path.path}${path.path === 'mtcopy' || path.path === 'dcbm' ? ` x${path.workers}` : ''}`;
}

async function runPoint(
  world: BenchWorld,
  path: CopyPath,
  probe: CompletionProbe,
  mode: string,
  limit: number,
  foliosPerCall: number,
  options: LatencyOptions,
  progress: BenchProgress,
): Promise<LatencyPoint> {
  world.eng.nrMaxBatchedMigration = limit;
  const count = world.total / world.folioSize;
  const calls = Math.ceil(count / foliosPerCall);
  const first: number[] = [];
  const mean: number[] = [];
  const total: number[] = [];
  let unmappedBeforeFirst = 0;
  let copiedBeforeFirst = 0;
  let verified = true;
  let problem: string | undefined;
  for (let r = 0; r < options.repeat; r++) {
    progress.step(`${label(path)} limit ${limit} ${foliosPerCall}/call (${formatSize(world.folioSize)})`);
    probe.begin(calls);
    const sample = await moveRegion(world, { foliosPerCall, onCall: probe.onCall });
    const s = probe.end();
    if (s.completed !== count && sample.verified) {
      verified = false;
      problem ??= `${s.completed} of ${count} folios completed`;
    }
    if (!sample.verified) {
      verified = false;
      problem ??= sample.problem ?? undefined;
    }
    first.push(s.firstNs / 1000);
    mean.push(s.meanNs / 1000);
    total.push(s.totalNs / 1000);
    if (r === 0) {
      unmappedBeforeFirst = s.unmappedBeforeFirst;
      copiedBeforeFirst = s.copiedBeforeFirst;
    }
  }
  const totalUs = median(total);
  const point: LatencyPoint = {
    path: path.path,
    workers: path.workers,
    mode,
    folioSize: world.folioSize,
    limit,
    foliosPerCall,
    calls,
    unmappedBeforeFirst,
    copiedBeforeFirst,
    firstFolioUs: median(first),
    meanFolioUs: median(mean),
    totalUs,
    GBps: world.total / (totalUs * 1000),
    samples: { firstFolioUs: first, totalUs: total },
    verified,
  };
  if (problem !== undefined) point.problem = problem;
  return point;
}
