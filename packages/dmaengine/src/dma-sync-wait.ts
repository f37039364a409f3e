/**
 * Waiting for one cookie: `dma_sync_wait()`. The kernel spins; here the wait sleeps until a
 * completion (or a pause/halt) on the channel wakes it, or until the timeout, so waiting never
 * busy-polls the main thread.
 */
import type { DmaChan } from './dma-chan';
import { DMA_ERROR, DMA_IN_PROGRESS, type DmaCookie, type DmaStatus } from './dma-status';
import { dmaAsyncIssuePending, dmaengineTxStatus } from './dma-submit';

/** The kernel's fixed `dma_sync_wait()` timeout: 5 s. */
export const DMA_SYNC_WAIT_TIMEOUT_MS = 5000;

/**
 * Issues pending descriptors, then waits until `cookie` is no longer in progress and resolves to its
 * status (DMA_COMPLETE, DMA_ERROR or DMA_PAUSED), or to DMA_ERROR after `timeoutMs` (the descriptor
 * stays queued: terminate the channel to reclaim it). Mirrors `dma_sync_wait()`.
 */
export function dmaSyncWait(chan: DmaChan, cookie: DmaCookie, timeoutMs: number = DMA_SYNC_WAIT_TIMEOUT_MS): Promise<DmaStatus> {
  dmaAsyncIssuePending(chan);
  const first = dmaengineTxStatus(chan, cookie).status;
  if (first !== DMA_IN_PROGRESS) return Promise.resolve(first);
  return new Promise<DmaStatus>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let state = chan.stateGeneration;
    const remove = chan.addWaiter(() => {
      // Called after every completion on the channel: stay cheap while this cookie is still queued.
      if (chan.inProgress.has(cookie) && state === chan.stateGeneration) return;
      state = chan.stateGeneration;
      const status = dmaengineTxStatus(chan, cookie).status;
      if (status === DMA_IN_PROGRESS) return;
      remove();
      if (timer !== undefined) clearTimeout(timer);
      resolve(status);
    });
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        remove();
        resolve(DMA_ERROR);
      }, Math.max(0, timeoutMs));
    }
  });
}
