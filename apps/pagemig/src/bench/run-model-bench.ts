/**
 * `pagemig bench --model <preset>`: the same experiment on an emulated machine. Every row is a
 * real functional run (modelled DMA device, virtual copy threads, real bytes checked after
 * the move), recorded and timed by `@pagemig/timing` with the preset, so 16 channels or 16
 * threads run on a 2-core host and give the same numbers on every run.
 */
import { cpus } from 'node:os';
import { HPAGE_PMD_SIZE, formatSize } from '@pagemig/folio';
import { NR_MAX_BATCHED_MIGRATION } from '@pagemig/migrate';
import { PRESET_NAMES, calibrateHost, getPreset, predictMovePages, type Preset } from '@pagemig/timing';
import { usageError } from '../cli-error';
import type { BenchOptions, BenchPath } from './bench-options';
import { createBenchWorld } from './bench-world';
import { hostCopyGBps } from './host-copy';
import type { BenchProgress, BenchResult, BenchRow } from './run-bench';

/** Loads a preset by name (`host` is measured on this machine first). */
export async function loadModelPreset(name: string): Promise<Preset> {
  if (name === 'host') return calibrateHost();
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    throw usageError(`--model ${JSON.stringify(name)} is not accepted: give ${PRESET_NAMES.join(', ')} or host (measured on this machine first)`);
  }
  return getPreset(name);
}

const TIMING_PATH: Record<BenchPath, 'baseline' | 'batch' | 'mtcopy' | 'dcbm'> = {
  legacy: 'baseline',
  batch: 'batch',
  mtcopy: 'mtcopy',
  dcbm: 'dcbm',
};

/** Runs the modelled bench. */
export async function runModelBench(options: BenchOptions, preset: Preset, progress: BenchProgress): Promise<BenchResult> {
  const lanesOf = (path: BenchPath) => (path === 'mtcopy' ? options.threads : path === 'dcbm' ? options.channels : [1]);
  const plan = options.sizes.flatMap((folioSize) => options.paths.flatMap((path) => lanesOf(path).map((workers) => ({ folioSize, path, workers }))));
  progress.start(plan.length);
  // the host line still shows this machine's raw copy bandwidth, measured now
  const probe = createBenchWorld(HPAGE_PMD_SIZE, HPAGE_PMD_SIZE, options.batchLimit, false);
  const copyGBps = hostCopyGBps(probe.sys, HPAGE_PMD_SIZE, HPAGE_PMD_SIZE);
  const rows: BenchRow[] = [];
  for (const { folioSize, path, workers } of plan) {
    progress.step(`${formatSize(folioSize)} ${path}${path === 'mtcopy' || path === 'dcbm' ? ` x${workers}` : ''} (${preset.name})`);
    const count = options.total / folioSize;
    const prediction = await predictMovePages({
      folioSize,
      count,
      path: TIMING_PATH[path],
      lanes: workers,
      dataless: false,
      batchLimit: path === 'legacy' ? NR_MAX_BATCHED_MIGRATION : options.batchLimit,
      preset,
    });
    const run = prediction.report;
    rows.push({
      path,
      folioSize,
      workers,
      mode: preset.name,
      GBps: run.throughputGBps,
      speedup: null,
      ratioToCopy: null,
      verified: prediction.verified,
      samples: [run.throughputGBps],
      usPerFolio: run.totalNs / 1000 / count,
      ...(prediction.verified ? {} : { problem: prediction.problem ?? 'the functional run did not verify' }),
    });
  }
  for (const row of rows) {
    const legacy = rows.find((r) => r.path === 'legacy' && r.folioSize === row.folioSize);
    row.speedup = legacy === undefined ? null : row.GBps / legacy.GBps;
  }
  progress.stop();
  return {
    host: { copyGBps, copyGBpsBySize: {}, cpus: cpus().length, node: process.version },
    options: { total: options.total, sizes: options.sizes, repeat: 1, batchLimit: options.batchLimit, mode: preset.name },
    rows,
  };
}
