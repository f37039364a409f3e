/**
 * @pagemig/mtcopy: the multi-threaded CPU copy migrator (Zi Yan's `CPU_MT_COPY` design) for the
 * batch-copy offload registry: a piscina pool of copy workers that share node memory, a batch
 * split over threads as in the kernel driver (with work stealing among its slices), a
 * SharedArrayBuffer doorbell hand-off, and the `/sys/module/mtcopy/parameters/` knobs.
 */
export {
  /** The driver class (migrator, knobs, counters, unload); create it with `createMtcopy()`. */
  Mtcopy,
  /** Loads module `mtcopy` for a system: migrator, worker pool and sysfs parameters. */
  createMtcopy,
} from './mtcopy';
export type {
  /** Options of `createMtcopy()` (threads, alignment, sharing, stealing, hand-off, ...). */
  MtcopyOptions,
  /** What mtcopy needs of `@pagemig/offload`'s registry (a `MigrateOffload` is one). */
  MtcopyOffloadRegistry,
  /** Payload of the `mtcopy_dispatch` tracepoint (a batch handed to the threads). */
  MtcopyDispatchEvent,
  /** Payload of the `mtcopy_slice` tracepoint (what one thread copied, with its busy time). */
  MtcopySliceEvent,
  /** Test-only fault of the next worker batch: `none`, `throw`, `exit`. */
  MtcopyCrashKind,
  /** Measured timing sums of the batches so far (for benchmarks). */
  MtcopyTiming,
  /** Measured timing of the last batch (for benchmarks). */
  MtcopyBatchTiming,
  /** The driver's counters (folios copied, failures, declined, charged time, ...). */
  MtcopyStats,
} from './mtcopy';
export type {
  /** How a batch reaches the workers: `doorbell` (shared memory) or `piscina` (per-task messages). */
  MtcopyHandoff,
} from './copy-lanes';
export {
  /** Zi Yan's work split of a batch over threads, as a pure function over typed arrays. */
  mtcopySplit,
  /** The most slices `mtcopySplit()` can produce, to size its descriptor. */
  maxSlices,
} from './mtcopy-split';
export {
  /** The largest thread count (the `threads` parameter's limit, the kernel driver's 64). */
  MAX_LANES as MTCOPY_MAX_THREADS,
} from './lane-layout';
