/**
 * Stopping a channel: `dmaengine_terminate_sync()` (abort everything queued or in flight and wait
 * until the engine no longer touches memory for it), and `dmaengine_pause()` / `dmaengine_resume()`.
 */
import { ENOSYS } from '@pagemig/kernel';
import type { DmaChan } from './dma-chan';

/**
 * Aborts every descriptor submitted, queued or in flight on `chan` (their `callbackResult` gets
 * DMA_TRANS_ABORTED with the residue) and resolves to 0 once the engine is quiet. Clears a halt.
 * Mirrors `dmaengine_terminate_sync()`.
 */
export function dmaengineTerminateSync(chan: DmaChan): Promise<number> {
  chan.submittedSinceIssue = 0;
  return chan.device.deviceTerminateAll(chan);
}

/** Stops the channel from starting further descriptors (status DMA_PAUSED); 0 or -ENOSYS. Mirrors `dmaengine_pause()`. */
export function dmaenginePause(chan: DmaChan): number {
  return chan.device.devicePause?.(chan) ?? -ENOSYS;
}

/** Lets a paused channel continue; 0 or -ENOSYS. Mirrors `dmaengine_resume()`. */
export function dmaengineResume(chan: DmaChan): number {
  return chan.device.deviceResume?.(chan) ?? -ENOSYS;
}
