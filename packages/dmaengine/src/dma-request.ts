/**
 * Getting and giving back channels. An exclusive request (`dma_request_chan_by_mask()`,
 * `__dma_request_channel()`) takes a free channel of any device whose capabilities cover the mask,
 * DMA_PRIVATE devices included, and makes the device private while it holds it. A public lookup
 * (`dma_find_channel()`) shares a channel of a non-private device and never hands out DMA_PRIVATE
 * devices or devices with an exclusively held channel.
 */
import { DMA_PRIVATE, dmaHasCap, type DmaCapMask } from './dma-caps';
import type { DmaChan } from './dma-chan';
import type { DmaEngine } from './dma-engine';

/** Optional filter of an exclusive request (`dma_filter_fn`): return true to accept the channel. */
export type DmaFilterFn = (chan: DmaChan) => boolean;

/**
 * Takes a free channel whose device has every capability in `mask` and that `filter` accepts, for
 * exclusive use. Returns null when none is free (the kernel returns `ERR_PTR(-ENODEV)`; test for null).
 * Mirrors `__dma_request_channel()`.
 */
export function dmaRequestChannel(engine: DmaEngine, mask: DmaCapMask, filter: DmaFilterFn | null = null): DmaChan | null {
  for (const dev of engine.devices) {
    if ((dev.capMask & mask) !== mask) continue;
    for (const chan of dev.channels) {
      if (chan.clientCount > 0) continue;
      if (filter !== null && !filter(chan)) continue;
      chan.clientCount = 1;
      chan.exclusive = true;
      engine.adjustPrivateCnt(dev, 1);
      return chan;
    }
  }
  return null;
}

/** Exclusive channel by capability mask, or null (kernel: -ENODEV). Mirrors `dma_request_chan_by_mask()`. */
export function dmaRequestChanByMask(engine: DmaEngine, mask: DmaCapMask): DmaChan | null {
  return dmaRequestChannel(engine, mask, null);
}

/**
 * A shared public channel with capability `cap` (a capability number such as DMA_MEMCPY), or null.
 * Skips DMA_PRIVATE devices and devices with an exclusively held channel; picks the channel with
 * the fewest clients. Each call counts as one client (`in_use`) until `dmaReleaseChannel()`; the
 * kernel counts clients with `dmaengine_get()` instead. Mirrors `dma_find_channel()`.
 */
export function dmaFindChannel(engine: DmaEngine, cap: number): DmaChan | null {
  let best: DmaChan | null = null;
  for (const dev of engine.devices) {
    if (!dmaHasCap(cap, dev.capMask) || dmaHasCap(DMA_PRIVATE, dev.capMask) || engine.privateCnt(dev) > 0) continue;
    for (const chan of dev.channels) {
      if (chan.exclusive) continue;
      if (best === null || chan.clientCount < best.clientCount) best = chan;
    }
  }
  if (best !== null) best.clientCount++;
  return best;
}

/**
 * Gives a channel back: an exclusive holder frees it (and the device stops being private when it
 * was the last); a public client drops its count. Descriptors still in flight are not touched:
 * terminate first. Mirrors `dma_release_channel()`.
 */
export function dmaReleaseChannel(chan: DmaChan): void {
  if (chan.clientCount === 0) return;
  if (chan.exclusive) {
    chan.exclusive = false;
    chan.clientCount = 0;
    chan.engine?.adjustPrivateCnt(chan.device, -1);
    return;
  }
  chan.clientCount--;
}
