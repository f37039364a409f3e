/**
 * Submitting, starting and polling transfers: `dmaengine_submit()`, `dma_async_issue_pending()`,
 * `dmaengine_tx_status()`. Submit only queues (the descriptor then belongs to the engine); issue
 * pending starts everything submitted on the channel.
 */
import { EINVAL, ENODEV } from '@pagemig/kernel';
import type { DmaChan } from './dma-chan';
import type { DmaAsyncTxDescriptor } from './dma-descriptor';
import { DMA_ERROR, dmaSubmitError, type DmaCookie, type DmaTxState } from './dma-status';

/**
 * Queues a prepared descriptor; returns its cookie (> 0, increasing per channel) or a negative
 * errno: -EINVAL if it was already submitted, -ENODEV if its channel is no longer registered or
 * held. Emits `dma_desc_submit`. Mirrors `dmaengine_submit()`.
 */
export function dmaengineSubmit(desc: DmaAsyncTxDescriptor): DmaCookie {
  const chan = desc.chan;
  if (desc.cookie !== 0) return -EINVAL;
  if (chan.engine === null || chan.clientCount === 0) return -ENODEV;
  const cookie = desc.txSubmit(desc);
  if (dmaSubmitError(cookie)) return cookie;
  chan.inProgress.set(cookie, desc);
  chan.submittedSinceIssue++;
  const tp = chan.engine.tp.dmaDescSubmit;
  if (tp.enabled) tp.emit({ chan: chan.name, cookie, len: desc.len });
  return cookie;
}

/** Starts every descriptor submitted on `chan`; emits `dma_issue_pending` with their count. Mirrors `dma_async_issue_pending()`. */
export function dmaAsyncIssuePending(chan: DmaChan): void {
  const count = chan.submittedSinceIssue;
  chan.submittedSinceIssue = 0;
  const tp = chan.engine?.tp.dmaIssuePending;
  if (tp?.enabled === true) tp.emit({ chan: chan.name, count });
  chan.device.deviceIssuePending(chan);
}

/**
 * Status and residue (bytes not transferred) of `cookie`: DMA_COMPLETE, DMA_IN_PROGRESS,
 * DMA_PAUSED (channel paused or halted) or DMA_ERROR (failed, aborted, or a cookie <= 0).
 * Mirrors `dmaengine_tx_status()`.
 */
export function dmaengineTxStatus(chan: DmaChan, cookie: DmaCookie): DmaTxState {
  if (!Number.isInteger(cookie) || cookie <= 0) return { status: DMA_ERROR, residue: 0 };
  return chan.device.deviceTxStatus(chan, cookie);
}
