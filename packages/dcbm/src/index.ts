/**
 * @pagemig/dcbm: the DMA Core Batch Migrator of the batch-copy series (patch 6). It registers the
 * migrator `dcbm` with a migrate engine's offload registry and copies each migration batch over
 * dmaengine DMA_MEMCPY channels: even contiguous chunks per channel, scatter lists mapped through
 * the device's IOMMU, one descriptor per segment (or one memcpy_sg), a timeout, and a sysfs group
 * under /sys/module/dcbm. Beyond V5: per-descriptor completion tracking with V6 partial success,
 * segment alignment when the IOMMU merges unevenly, a batch-size threshold, device-time accounting.
 */
export {
  /** Loads the driver: module `dcbm`, its migrator and `/sys/module/dcbm/` (offloading off). */
  createDcbm,
  /** The module and migrator name (`dcbm`). */
  DCBM_NAME,
} from './dcbm';
export type {
  /** What `createDcbm()` takes: system, offload registry, DMA engine and initial tunables. */
  DcbmOptions,
  /** A loaded driver: module, migrator, tunables, counters, offloading switch, unload. */
  Dcbm,
} from './dcbm';

export {
  /** The batch copy as a function of a host, for drivers that embed dcbm's algorithm (`folios_copy_dma()`). */
  foliosCopyDma,
} from './dcbm-copy';
export type {
  /** What `foliosCopyDma()` needs from its driver instance. */
  DcbmCopyHost,
} from './dcbm-copy';

export {
  /** Most channels one batch uses (`MAX_DMA_CHANNELS`, 16). */
  MAX_DMA_CHANNELS,
  /** The V5 completion timeout per channel (10000 ms), the default of `timeout_ms`. */
  DCBM_TIMEOUT_MS,
  /** Longest accepted `timeout_ms`. */
  DCBM_TIMEOUT_MS_MAX,
  /** The completion modes (`each`, `last`), for CLIs and views. */
  DCBM_COMPLETION_MODES,
  /** Default tunables (V5 behaviour except `completion: each`). */
  DCBM_DEFAULT_PARAMS,
  /** Validates one tunable with the message the sysfs file gives. */
  checkDcbmParam,
  /** Fills in defaults and validates partial tunables. */
  resolveDcbmParams,
} from './dcbm-params';
export type {
  /** The tunables (nr_dma_chan, completion, align, min_batch_bytes, timeout_ms). */
  DcbmParams,
  /** `each` (per-descriptor tracking) or `last` (V5: trust the last descriptor). */
  DcbmCompletion,
} from './dcbm-params';

export {
  /** Zeroed counters, for hosts of `foliosCopyDma()`. */
  newDcbmStats,
} from './dcbm-stats';
export type {
  /** Driver counters (folios migrated/failed, batch outcomes, descriptors, device time). */
  DcbmStats,
  /** What the driver did with one batch. */
  DcbmBatchRecord,
} from './dcbm-stats';

export {
  /** `/sys/module/dcbm`, where the group lives. */
  DCBM_SYSFS_DIR,
} from './dcbm-sysfs';

export {
  /** Builds one channel's scatter lists (one entry per folio), for tools that inspect them. */
  dcbmBuildSgTables,
  /** True when two mapped tables have the same segments (count and lengths). */
  sgSegmentsMatch,
  /** Splits unevenly merged segments into pieces contiguous on both sides (align mode). */
  sgAlignPieces,
  /** Which folios of a chunk landed, from the outcome of its pieces. */
  foliosCopiedByPieces,
} from './dcbm-sg';
export type {
  /** A chunk's source and destination tables. */
  DcbmSgPair,
  /** DMA pieces (address pairs and lengths) as typed arrays. */
  DcbmPieces,
} from './dcbm-sg';
