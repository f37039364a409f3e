/**
 * The copy paths a bench row runs on, set up on a world and torn down afterwards: `legacy`
 * (upstream per-folio copy: no batch path), `batch` (the series' batch path with the CPU
 * `folios_mc_copy`), and the registered migrators `mtcopy` (N threads) and `dcbm` (N channels).
 */
import { NR_MAX_BATCHED_MIGRATION } from '@pagemig/migrate';
import type { BenchPath } from './bench-options';
import type { BenchWorld } from './bench-world';

/** A path with its worker count, ready to enter and leave. */
export interface CopyPath {
  path: BenchPath;
  /** Threads or channels; 1 for legacy and batch. */
  workers: number;
  enter(world: BenchWorld): Promise<void>;
  leave(world: BenchWorld): Promise<void>;
  /** Releases what the path holds across worlds (worker pools, devices). */
  dispose?(): Promise<void>;
}

/**
 * The vanilla kernel: every folio copied by the CPU inside its move, and the upstream
 * `NR_MAX_BATCHED_MIGRATION` (512), as the series' baseline rows were measured.
 */
function legacyPath(): CopyPath {
  let saved: { doBatch: BenchWorld['eng']['doBatch']; limit: number } | null = null;
  return {
    path: 'legacy',
    workers: 1,
    enter: async (world) => {
      saved = { doBatch: world.eng.doBatch, limit: world.eng.nrMaxBatchedMigration };
      world.eng.doBatch = () => false;
      world.eng.nrMaxBatchedMigration = NR_MAX_BATCHED_MIGRATION;
    },
    leave: async (world) => {
      if (saved === null) return;
      world.eng.doBatch = saved.doBatch;
      world.eng.nrMaxBatchedMigration = saved.limit;
    },
  };
}

/** The batch path with no migrator: one CPU copy of the whole batch after the flush. */
function batchPath(): CopyPath {
  return {
    path: 'batch',
    workers: 1,
    enter: async (world) => {
      world.eng.batchingPolicy = 'always';
    },
    leave: async () => {},
  };
}

/** Every path of the options, in table order. */
export function copyPaths(paths: readonly BenchPath[], threads: readonly number[], channels: readonly number[], extra: {
  mtcopy?: (threads: number) => CopyPath;
  dcbm?: (channels: number) => CopyPath;
}): CopyPath[] {
  const out: CopyPath[] = [];
  if (paths.includes('legacy')) out.push(legacyPath());
  if (paths.includes('batch')) out.push(batchPath());
  if (paths.includes('mtcopy') && extra.mtcopy !== undefined) for (const n of threads) out.push(extra.mtcopy(n));
  if (paths.includes('dcbm') && extra.dcbm !== undefined) for (const n of channels) out.push(extra.dcbm(n));
  return out;
}
