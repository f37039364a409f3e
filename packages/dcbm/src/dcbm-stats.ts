/**
 * What dcbm counts. The V5 driver has two counters (`folios_migrated`, `folios_failures`, both in
 * sysfs, a write resets them); pagemig adds per-outcome batch counts, descriptor and channel
 * totals, device and setup time, and a record of the latest batch, so tests, benchmarks and
 * views can see what happened without a tracer.
 */
import type { DcbmCompletion } from './dcbm-params';

/** Driver counters since load (or the last reset of each). */
export interface DcbmStats {
  /** Folios copied by DMA (`folios_migrated`): a whole batch on success, the marked ones on V6 partial success. */
  foliosMigrated: number;
  /** Folios left to the CPU after the driver had taken channels (`folios_failures`). */
  foliosFailures: number;
  /** Batches that reached the driver with at least one folio. */
  batches: number;
  /** Batches copied completely (returned 0). */
  batchesCopied: number;
  /** Batches that failed with some folios marked copied (`each` + V6). */
  batchesPartial: number;
  /** Batches that failed with nothing copied (after channels were taken). */
  batchesFailed: number;
  /** Batches declined with -EOPNOTSUPP (below `min_batch_bytes`). */
  batchesDeclined: number;
  /** Batches refused with -ENODEV (no DMA_MEMCPY channel free); not failures, as in V5. */
  batchesNoChannel: number;
  /** Chunks whose mapped segments did not line up and were refused (-EINVAL, no `align`). */
  nentsMismatch: number;
  /** Batches offloaded after splitting segments to line up (`align`), counted separately. */
  alignedBatches: number;
  /** Channel waits that timed out (then the channel was terminated). */
  timeouts: number;
  /** Descriptors submitted, and those that completed with an error, a residue or an abort. */
  descriptors: number;
  descriptorsFailed: number;
  /** Channels used, summed over batches. */
  channels: number;
  /** Device time charged: per channel from issue to its last completion, summed over channels (ns). */
  deviceNs: number;
  /** Wall time of the DMA phase: first issue to last completion (ns). */
  wallNs: number;
  /** Main-thread time from entry to the last issue (tables, mapping, prep, submit, issue) (ns)... */
  setupNs: number;
  /**
   * The part of setupNs spent issuing (ringing the doorbells). On hardware that is an MMIO write;
   * on the software device it can be a futex wake of a sleeping channel thread, which the host
   * charges to the waker. Per-folio driver overhead as the driver defines it (tables, mapping,
   * prep, submit) = (setupNs - issueNs) / setupFolios.
   */
  issueNs: number;
  /** ...and the folios setupNs covered. */
  setupFolios: number;
  /** Batches whose device time could not be charged (offloadCopy called outside the registry). */
  unchargedBatches: number;
}

/** What the driver did with one batch. */
export interface DcbmBatchRecord {
  readonly batchId: number;
  readonly count: number;
  readonly bytes: number;
  readonly completion: DcbmCompletion;
  /** Channels used. */
  readonly channels: number;
  /** Descriptors submitted. */
  readonly descriptors: number;
  /** True when one memcpy_sg per channel was used. */
  readonly memcpySg: boolean;
  /** True when a chunk was aligned (align mode). */
  readonly aligned: boolean;
  /** What offloadCopy returned. */
  readonly rc: number;
  /** Folios reported copied (all on rc 0, the marked ones otherwise). */
  readonly copied: number;
  readonly deviceNs: number;
  readonly wallNs: number;
  readonly setupNs: number;
  /** The part of setupNs spent in issue pending. */
  readonly issueNs: number;
}

/** Zeroed counters. */
export function newDcbmStats(): DcbmStats {
  return {
    foliosMigrated: 0,
    foliosFailures: 0,
    batches: 0,
    batchesCopied: 0,
    batchesPartial: 0,
    batchesFailed: 0,
    batchesDeclined: 0,
    batchesNoChannel: 0,
    nentsMismatch: 0,
    alignedBatches: 0,
    timeouts: 0,
    descriptors: 0,
    descriptorsFailed: 0,
    channels: 0,
    deviceNs: 0,
    wallNs: 0,
    setupNs: 0,
    issueNs: 0,
    setupFolios: 0,
    unchargedBatches: 0,
  };
}
