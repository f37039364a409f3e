/**
 * The batch copy of dcbm (mirrors the driver's `folios_copy_dma()`, its `offload_copy`):
 *
 * 1. Decline batches below `min_batch_bytes` (-EOPNOTSUPP; pagemig's answer to open question 6).
 * 2. Take up to min(nr_dma_chan, folios, 16) channels with `dmaRequestChanByMask(DMA_MEMCPY)`, one
 *    after another, stopping at the first failure; none → -ENODEV.
 * 3. Split the folios into contiguous even chunks: channel i gets
 *    floor(n(i+1)/c) − floor(n·i/c) folios.
 * 4. Per channel: build, map and check the scatter lists (`DcbmDmaWork.setup`), then prepare and
 *    submit the descriptors; any problem → cleanup and the error (-EINVAL, -EIO).
 * 5. Issue pending on every channel, then wait for each with the timeout (-ETIMEDOUT).
 * 6. Cleanup: terminate where the engine may still be busy (V5 `last`: every used channel),
 *    with `each` + V6 mark the destinations that landed cleanly, unmap, release.
 * 7. Count: success → folios_migrated += n; failure → folios_failures += the folios not marked.
 *
 * Device time charged to the batch (`offload.chargeTime(ctx, ns, 'device')`): for each channel, from
 * its issue to its last completion (or to the end of the wait when it never completed), summed
 * over channels. That is channel-busy time, the DMA analogue of summing the CPU time of copy
 * threads: two channels busy for 1 ms each charge 2 ms. The wall time of the DMA phase is kept in
 * the stats too.
 */
import { EIO, EOPNOTSUPP, ENODEV, ETIMEDOUT } from '@pagemig/kernel';
import type { BatchCopyContext } from '@pagemig/migrate';
import type { System } from '@pagemig/mm';
import { DMA_MEMCPY, dmaCapMask, dmaRequestChanByMask, type DmaEngine } from '@pagemig/dmaengine';
import { DcbmDmaWork } from './dcbm-dma-work';
import { MAX_DMA_CHANNELS, type DcbmParams } from './dcbm-params';
import type { DcbmBatchRecord, DcbmStats } from './dcbm-stats';

/** The capability mask dcbm requests. */
const MEMCPY_MASK = dmaCapMask(DMA_MEMCPY);

/** What the batch copy needs from its driver instance. */
export interface DcbmCopyHost {
  readonly system: System;
  readonly dma: DmaEngine;
  /** The tunables, read once at the start of each batch. */
  readonly params: Readonly<DcbmParams>;
  /** The counters the batch updates. */
  readonly counters: DcbmStats;
  /** Use one memcpy_sg per channel where the channel has DMA_MEMCPY_SG. */
  readonly useMemcpySg: boolean;
  /** True when the engine runs V6 retry semantics (per-folio copied markers). */
  v6(): boolean;
  /** Charges device time to the batch; false when the registry does not know the batch. */
  chargeDevice(ctx: BatchCopyContext, ns: number): boolean;
  /** The latest batch, for tests and views. */
  lastBatch: DcbmBatchRecord | null;
}

/**
 * Copies `count` pairs `dst[i] ← src[i]` over DMA. Resolves to 0 (all copied), -EOPNOTSUPP
 * (declined), -ENODEV (no channel), -EINVAL (segments do not line up, sizes differ), -EIO
 * (prep, submit or descriptor failure, halted channel) or -ETIMEDOUT. With `each` completion and
 * V6 semantics a failed batch has its cleanly copied destinations marked, so the core copies only
 * the rest. Mirrors `folios_copy_dma()`.
 */
export async function foliosCopyDma(host: DcbmCopyHost, dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext): Promise<number> {
  if (count <= 0) return 0;
  const stats = host.counters;
  const { nrDmaChan, completion, align, minBatchBytes, timeoutMs } = host.params;
  stats.batches++;
  if (ctx.bytes < minBatchBytes) {
    stats.batchesDeclined++;
    return -EOPNOTSUPP;
  }
  const system = host.system;
  const clock = system.clock;
  const t0 = clock.now();
  const maxChannels = Math.min(nrDmaChan, count, MAX_DMA_CHANNELS);
  const works: DcbmDmaWork[] = [];
  for (let i = 0; i < maxChannels; i++) {
    const chan = dmaRequestChanByMask(host.dma, MEMCPY_MASK);
    if (chan === null) break;
    works.push(new DcbmDmaWork(chan, clock, completion));
  }
  const c = works.length;
  if (c === 0) {
    stats.batchesNoChannel++;
    return -ENODEV;
  }
  const memmap = system.memmap;
  let rc = 0;
  let setupNs = 0;
  let issueNs = 0;
  let copied = 0;
  try {
    for (let i = 0; i < c; i++) {
      const start = Math.floor((count * i) / c);
      const end = Math.floor((count * (i + 1)) / c);
      const w = works[i]!;
      rc = w.setup(memmap, dst, src, start, end - start, align, host.useMemcpySg);
      if (rc !== 0) {
        if (w.problem === 'nents-mismatch') stats.nentsMismatch++;
        break;
      }
    }
    if (rc === 0) {
      for (let i = 0; i < c; i++) {
        rc = works[i]!.submit();
        if (rc !== 0) break;
      }
    }
    const tIssue = clock.now();
    if (rc === 0) for (let i = 0; i < c; i++) works[i]!.issue();
    const tEnd = clock.now();
    setupNs = tEnd - t0;
    issueNs = tEnd - tIssue;
    if (rc === 0) {
      // Wait channel by channel like the driver. A channel whose descriptors all reported (some
      // failed) does not stop the wait for the others; a timeout or a halt ends it.
      for (let i = 0; i < c; i++) {
        const w = works[i]!;
        const wrc = await w.wait(timeoutMs);
        if (wrc === 0) continue;
        if (rc === 0) rc = wrc;
        if (wrc === -ETIMEDOUT) stats.timeouts++;
        if (w.pending > 0) break;
      }
    }
  } catch (error) {
    // A bug or a throwing provider: clean up below and let the registry count it as -EIO.
    if (rc === 0) rc = -EIO;
    throw error;
  } finally {
    const endNs = clock.now();
    for (let i = 0; i < c; i++) {
      const w = works[i]!;
      if (!w.needsTerminate()) continue;
      try {
        await w.terminate();
      } catch {
        // A provider whose terminate throws: fail the batch, still unmap and release below.
        if (w.rc === 0) w.rc = -EIO;
      }
    }
    let poisoned = false;
    for (let i = 0; i < c; i++) {
      const w = works[i]!;
      if (rc === 0 && w.rc !== 0) rc = w.rc;
      if (w.sg?.poisoned != null) poisoned = true;
    }
    // A poisoned source was consumed by the engine: never report it copied (the CPU path returns -EHWPOISON).
    if (rc === 0 && poisoned) rc = -EIO;
    if (rc !== 0 && completion === 'each' && host.v6()) {
      for (let i = 0; i < c; i++) copied += works[i]!.markCopied(memmap, dst);
    }
    let deviceNs = 0;
    let firstIssue = Infinity;
    let lastDone = -Infinity;
    let descriptors = 0;
    let failed = 0;
    let aligned = false;
    let memcpySg = false;
    for (let i = 0; i < c; i++) {
      const w = works[i]!;
      descriptors += w.nDesc;
      failed += w.failed;
      if (w.aligned) aligned = true;
      if (w.useSg) memcpySg = true;
      if (w.issueNs >= 0) {
        const done = w.doneNs >= 0 ? w.doneNs : endNs;
        deviceNs += done - w.issueNs;
        if (w.issueNs < firstIssue) firstIssue = w.issueNs;
        if (done > lastDone) lastDone = done;
      }
      w.release();
    }
    const wallNs = lastDone > firstIssue ? lastDone - firstIssue : 0;
    if (rc === 0) copied = count;
    stats.descriptors += descriptors;
    stats.descriptorsFailed += failed;
    stats.channels += c;
    stats.deviceNs += deviceNs;
    stats.wallNs += wallNs;
    stats.setupNs += setupNs;
    stats.issueNs += issueNs;
    stats.setupFolios += count;
    if (aligned && descriptors > 0) stats.alignedBatches++;
    stats.foliosMigrated += copied;
    stats.foliosFailures += count - copied;
    if (rc === 0) stats.batchesCopied++;
    else if (copied > 0) stats.batchesPartial++;
    else stats.batchesFailed++;
    if (deviceNs > 0 && !host.chargeDevice(ctx, deviceNs)) stats.unchargedBatches++;
    host.lastBatch = {
      batchId: ctx.batchId,
      count,
      bytes: ctx.bytes,
      completion,
      channels: c,
      descriptors,
      memcpySg,
      aligned,
      rc,
      copied,
      deviceNs,
      wallNs,
      setupNs,
      issueNs,
    };
  }
  return rc;
}
