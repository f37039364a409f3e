/**
 * `pagemig latency --model <preset>`: the latency sweep on an emulated machine. Each point is a
 * functional `move_pages()` run recorded and timed by `@pagemig/timing` (first-folio latency,
 * mean folio latency and total time in virtual time); the clock-independent counts (folios
 * unmapped and bytes copied before the first completion) come from the same probe as measured
 * mode, attached to the run's system.
 */
import { cpus } from 'node:os';
import { formatSize } from '@pagemig/folio';
import { predictMovePages, type Preset } from '@pagemig/timing';
import type { BenchPath } from '../bench/bench-options';
import type { BenchProgress } from '../bench/run-bench';
import { CompletionProbe } from './completion-probe';
import type { LatencyOptions } from './latency-options';
import type { LatencyPoint, LatencyResult } from './run-latency';

const TIMING_PATH: Record<BenchPath, 'baseline' | 'batch' | 'mtcopy' | 'dcbm'> = { legacy: 'baseline', batch: 'batch', mtcopy: 'mtcopy', dcbm: 'dcbm' };

/** Runs the modelled latency sweep. */
export async function runModelLatency(options: LatencyOptions, preset: Preset, progress: BenchProgress): Promise<LatencyResult> {
  const folios = options.total / options.size;
  const lanesOf = (path: BenchPath) => (path === 'mtcopy' ? options.threads : path === 'dcbm' ? options.channels : [1]);
  const plan = options.paths.flatMap((path) =>
    lanesOf(path).flatMap((workers) => options.limits.flatMap((limit) => options.folios.map((foliosPerCall) => ({ path, workers, limit, foliosPerCall })))),
  );
  progress.start(plan.length);
  const points: LatencyPoint[] = [];
  for (const { path, workers, limit, foliosPerCall } of plan) {
    progress.step(`${path}${workers > 1 || path === 'mtcopy' || path === 'dcbm' ? ` x${workers}` : ''} limit ${limit} ${foliosPerCall}/call (${formatSize(options.size)}, ${preset.name})`);
    let probe: CompletionProbe | null = null;
    const prediction = await predictMovePages({
      folioSize: options.size,
      count: foliosPerCall,
      path: TIMING_PATH[path],
      lanes: workers,
      dataless: false,
      batchLimit: limit,
      preset,
      onSystem: (sys) => {
        probe = new CompletionProbe(sys, { mode: preset.name, now: () => 0 });
        probe.begin(1);
        probe.onCall();
      },
    });
    const counts = (probe as CompletionProbe | null)?.end();
    (probe as CompletionProbe | null)?.close();
    const timing = prediction.timing;
    const call = timing.calls[0];
    const callNs = call === undefined ? timing.totalNs : call.endNs - call.startNs;
    let sum = 0;
    let n = 0;
    for (const run of timing.completions) {
      sum += run.count * (run.start - (call?.startNs ?? 0)) + (run.step * run.count * (run.count - 1)) / 2;
      n += run.count;
    }
    // every call of the sweep moves the same number of folios: the region takes `folios / foliosPerCall` of them
    const totalUs = (callNs * Math.ceil(folios / foliosPerCall)) / 1000;
    const point: LatencyPoint = {
      path,
      workers,
      mode: preset.name,
      folioSize: options.size,
      limit,
      foliosPerCall,
      calls: Math.ceil(folios / foliosPerCall),
      unmappedBeforeFirst: counts?.unmappedBeforeFirst ?? 0,
      copiedBeforeFirst: counts?.copiedBeforeFirst ?? 0,
      firstFolioUs: (call?.firstFolioNs ?? Number.NaN) / 1000,
      meanFolioUs: n > 0 ? sum / n / 1000 : Number.NaN,
      totalUs,
      GBps: options.total / (totalUs * 1000),
      samples: { firstFolioUs: [(call?.firstFolioNs ?? Number.NaN) / 1000], totalUs: [totalUs] },
      verified: prediction.verified,
    };
    if (prediction.problem !== null) point.problem = prediction.problem;
    points.push(point);
  }
  progress.stop();
  return {
    host: { cpus: cpus().length, node: process.version },
    options: {
      total: options.total,
      folioSize: options.size,
      folios,
      sweep: options.sweep,
      limits: options.limits,
      foliosPerCall: options.folios,
      repeat: 1,
      mode: preset.name,
    },
    skipped: [],
    points,
  };
}
