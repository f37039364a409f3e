/**
 * @pagemig/mtcopy: the multi-threaded CPU copy migrator (Zi Yan's `CPU_MT_COPY` design) for the
 * batch-copy offload registry: a piscina pool of copy workers that share node memory, a batch
 * split over threads as in the kernel driver, a SharedArrayBuffer doorbell hand-off, and the
 * `/sys/module/mtcopy/parameters/` knobs.
 */
export { Mtcopy, createMtcopy } from './mtcopy';
export type {
  MtcopyOptions,
  MtcopyOffloadRegistry,
  MtcopyDispatchEvent,
  MtcopySliceEvent,
  MtcopyCrashKind,
  MtcopyTiming,
  MtcopyBatchTiming,
  MtcopyStats,
} from './mtcopy';
export type { MtcopyHandoff } from './copy-lanes';
export { mtcopySplit, maxSlices } from './mtcopy-split';
export { MAX_LANES as MTCOPY_MAX_THREADS } from './lane-layout';
