/**
 * @pagemig/dmaengine: the dmaengine client API in the shape of Linux's (channels, descriptors,
 * cookies, callbacks with result and residue), streaming DMA mapping of scatter-gather tables with
 * an IOMMU merge model, a hardware-shaped software DMA device whose channels copy on worker threads
 * with seeded fault injection, and dmatest.
 */
export {
  /** Capability: single-range memcpy, what dcbm requests. */
  DMA_MEMCPY,
  /** Capability: scatter-gather memcpy, the out-of-order-safe alternative. */
  DMA_MEMCPY_SG,
  /** Capability: per-descriptor completion interrupts. */
  DMA_INTERRUPT,
  /** Capability: channels only handed out exclusively (PTDMA). */
  DMA_PRIVATE,
  /** Every capability bit pagemig defines, to validate masks. */
  DMA_CAP_ALL,
  /** Builds a capability mask for requests and devices. */
  dmaCapMask,
  /** Tests a capability in a mask (`dma_has_cap()`). */
  dmaHasCap,
  /** Prints a mask as `DMA_MEMCPY|DMA_PRIVATE` for logs. */
  dmaCapNames,
} from './dma-caps';
export type {
  /** A capability bit mask (`dma_cap_mask_t`). */
  DmaCapMask,
} from './dma-caps';

export {
  /** Status: finished (maybe short; see residue). */
  DMA_COMPLETE,
  /** Status: submitted, not finished. */
  DMA_IN_PROGRESS,
  /** Status: not finished and the channel is paused or halted. */
  DMA_PAUSED,
  /** Status: failed, aborted or timed out. */
  DMA_ERROR,
  /** Status names for messages. */
  DMA_STATUS_NAMES,
  /** Result: completed without error. */
  DMA_TRANS_NOERROR,
  /** Result: the source could not be read. */
  DMA_TRANS_READ_FAILED,
  /** Result: the destination could not be written. */
  DMA_TRANS_WRITE_FAILED,
  /** Result: aborted by a terminate. */
  DMA_TRANS_ABORTED,
  /** Result names for messages. */
  DMA_TRANS_NAMES,
  /** Prep flag: interrupt (wake the client) after this descriptor. */
  DMA_PREP_INTERRUPT,
  /** Prep flag: the client acknowledges the descriptor. */
  DMA_CTRL_ACK,
  /** Every prep flag, to validate flags. */
  DMA_PREP_FLAGS_ALL,
  /** First cookie of a channel. */
  DMA_MIN_COOKIE,
  /** Largest cookie before wrapping. */
  DMA_MAX_COOKIE,
  /** Tells a submit error from a cookie (`dma_submit_error()`). */
  dmaSubmitError,
} from './dma-status';
export type {
  /** `enum dma_status`. */
  DmaStatus,
  /** `enum dmaengine_tx_result`. */
  DmaengineTxResult,
  /** What `callbackResult` receives. */
  DmaengineResult,
  /** What `dmaengineTxStatus()` returns. */
  DmaTxState,
  /** A cookie or a negative errno. */
  DmaCookie,
} from './dma-status';

export {
  /** The transaction descriptor clients fill with callbacks and providers extend. */
  DmaAsyncTxDescriptor,
} from './dma-descriptor';
export type {
  /** Callback without result. */
  DmaAsyncTxCallback,
  /** Callback with result and residue. */
  DmaAsyncTxCallbackResult,
} from './dma-descriptor';

export {
  /** A channel; providers construct them, clients request them. */
  DmaChan,
  /** Provider helper: next cookie (`dma_cookie_assign()`). */
  dmaCookieAssign,
  /** Provider helper: cookie status from the bookkeeping (`dma_cookie_status()`). */
  dmaCookieStatus,
  /** Provider helper: complete a descriptor, count it, trace it, call back. */
  dmaCookieComplete,
} from './dma-chan';
export type {
  /** The provider interface (`struct dma_device`). */
  DmaDevice,
} from './dma-device';

export {
  /** The dmaengine core of one system: devices, channels, tracepoints, sysfs. */
  DmaEngine,
  /** Registers a provider (`dma_async_device_register()`). */
  dmaAsyncDeviceRegister,
  /** Unregisters a provider (`dma_async_device_unregister()`). */
  dmaAsyncDeviceUnregister,
  /** Sysfs directory of a channel's counters. */
  dmaChanSysfsDir,
} from './dma-engine';
export type {
  /** What an engine attaches to (sysfs, trace registry). */
  DmaEngineOptions,
  /** The engine's tracepoints. */
  DmaTracepoints,
  /** Payload of `dma_desc_submit`. */
  DmaDescSubmitEvent,
  /** Payload of `dma_issue_pending`. */
  DmaIssuePendingEvent,
  /** Payload of `dma_desc_complete`. */
  DmaDescCompleteEvent,
} from './dma-engine';

export {
  /** Exclusive channel with a filter (`__dma_request_channel()`). */
  dmaRequestChannel,
  /** Exclusive channel by mask (`dma_request_chan_by_mask()`); null when none. */
  dmaRequestChanByMask,
  /** Shared public channel (`dma_find_channel()`); never DMA_PRIVATE. */
  dmaFindChannel,
  /** Gives a channel back (`dma_release_channel()`). */
  dmaReleaseChannel,
} from './dma-request';
export type {
  /** Filter of an exclusive request. */
  DmaFilterFn,
} from './dma-request';

export {
  /** Prepares a memcpy descriptor (`dmaengine_prep_dma_memcpy()`). */
  prepDmaMemcpy,
  /** Prepares a scatter-gather memcpy descriptor (`dmaengine_prep_dma_memcpy_sg()`). */
  prepDmaMemcpySg,
  /** Largest descriptor or segment length. */
  DMA_MAX_LEN,
} from './dma-prep';
export {
  /** Queues a descriptor and returns its cookie (`dmaengine_submit()`). */
  dmaengineSubmit,
  /** Starts submitted descriptors (`dma_async_issue_pending()`). */
  dmaAsyncIssuePending,
  /** Status and residue of a cookie (`dmaengine_tx_status()`). */
  dmaengineTxStatus,
} from './dma-submit';
export {
  /** Waits for one cookie without busy-polling (`dma_sync_wait()`). */
  dmaSyncWait,
  /** The kernel's fixed dma_sync_wait timeout (5 s), the default here. */
  DMA_SYNC_WAIT_TIMEOUT_MS,
} from './dma-sync-wait';
export {
  /** Aborts and waits for quiet (`dmaengine_terminate_sync()`). */
  dmaengineTerminateSync,
  /** Pauses a channel (`dmaengine_pause()`). */
  dmaenginePause,
  /** Resumes a channel (`dmaengine_resume()`). */
  dmaengineResume,
} from './dma-terminate';

export {
  /** Allocates a scatter-gather table (`sg_alloc_table()`). */
  sgAllocTable,
  /** Sets one entry (`sg_set_buf()`). */
  sgSetBuf,
  /** A table with one entry per region. */
  sgTableFromRegions,
  /** Total bytes of a table's entries. */
  sgTableBytes,
} from './scatterlist';
export type {
  /** A scatter-gather table (`struct sg_table`). */
  SgTable,
  /** A region for `sgTableFromRegions()`. */
  SgRegion,
} from './scatterlist';

export {
  /** Maps a table for a device (`dma_map_sgtable()`). */
  dmaMapSgtable,
  /** Unmaps it (`dma_unmap_sgtable()`). */
  dmaUnmapSgtable,
  /** Direction: both ways. */
  DMA_BIDIRECTIONAL,
  /** Direction: device reads (copy source). */
  DMA_TO_DEVICE,
  /** Direction: device writes (copy destination). */
  DMA_FROM_DEVICE,
  /** Direction: none (unmapped). */
  DMA_NONE,
  /** Attribute accepted for fidelity (dcbm passes it). */
  DMA_ATTR_SKIP_CPU_SYNC,
  /** Attribute accepted for fidelity (dcbm passes it). */
  DMA_ATTR_NO_KERNEL_MAPPING,
} from './dma-mapping';
export type {
  /** Anything with an IOMMU that can map memory. */
  DmaMapDevice,
} from './dma-mapping';

export {
  /** Builds an IOMMU merge model. */
  createIommu,
  /** The merge decision for one contiguous neighbour. */
  iommuShouldMerge,
} from './iommu';
export type {
  /** IOMMU configuration (merge mode, seed, max segment, directions). */
  IommuOptions,
  /** An IOMMU model. */
  Iommu,
  /** Merge policies. */
  IommuMergeMode,
} from './iommu';

export {
  /** Every fault kind, for CLIs and docs. */
  DMA_FAULT_KINDS,
  /** Validates a fault rule. */
  checkDmaFaultSpec,
  /** The fault rules of a device and their seeded decisions. */
  DmaFaultPlan,
} from './dma-fault';
export type {
  /** A fault kind. */
  DmaFaultKind,
  /** A fault rule. */
  DmaFaultSpec,
  /** The fault decided for one descriptor. */
  DmaFaultDecision,
} from './dma-fault';

export {
  /** Builds and registers a software DMA device on worker threads. */
  createSoftwareDmaDevice,
} from './software-dma-device';
export type {
  /** The software device (faults, stall release, ring statistics, shutdown). */
  SoftwareDmaDevice,
  /** Its configuration. */
  SoftwareDmaDeviceOptions,
  /** In-order or out-of-order completion. */
  DmaCompletionOrder,
  /** Ring counters of a channel. */
  SoftwareDmaRingStats,
} from './software-dma-device';

export {
  /** Runs dmatest. */
  runDmatest,
} from './dmatest';
export type {
  /** dmatest parameters (kernel names). */
  DmatestParams,
  /** dmatest log and memory options. */
  DmatestOptions,
  /** dmatest result. */
  DmatestResult,
  /** One thread's summary. */
  DmatestThreadResult,
  /** Failures by message. */
  DmatestFailureKinds,
} from './dmatest';
export {
  /** dmatest's fill of a source buffer. */
  dmatestInitSrc,
  /** dmatest's fill of a destination buffer. */
  dmatestInitDst,
  /** dmatest's region verifier with its messages. */
  dmatestVerify,
  /** The six region checks of one copy. */
  dmatestVerifyCopy,
} from './dmatest-pattern';
export type {
  /** Wrong bytes by message. */
  DmatestDataErrors,
} from './dmatest-pattern';
