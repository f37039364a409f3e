/**
 * Preparing transfers (`dmaengine_prep_dma_memcpy()`, `dmaengine_prep_dma_memcpy_sg()`). Addresses
 * are DMA addresses, which in pagemig are physical byte addresses (`pfn * PAGE_SIZE + offset`).
 * A prep returns a descriptor or null; null means the device cannot do it (capability missing,
 * invalid length or flags, channel not held by any client).
 */
import { DMA_MEMCPY, DMA_MEMCPY_SG, dmaHasCap } from './dma-caps';
import type { DmaChan } from './dma-chan';
import type { DmaAsyncTxDescriptor } from './dma-descriptor';
import { DMA_PREP_FLAGS_ALL } from './dma-status';
import type { SgTable } from './scatterlist';

/** Largest length of one descriptor or segment (2 GiB - 1). */
export const DMA_MAX_LEN = 0x7fff_ffff;

function usable(chan: DmaChan, flags: number): boolean {
  return chan.engine !== null && chan.clientCount > 0 && Number.isInteger(flags) && (flags & ~DMA_PREP_FLAGS_ALL) === 0;
}

function validRange(addr: number, len: number): boolean {
  return Number.isSafeInteger(addr) && addr >= 0 && Number.isSafeInteger(addr + len);
}

/**
 * A copy of `len` bytes from DMA address `src` to `dst`, or null. Flags: DMA_PREP_INTERRUPT to be
 * woken right after this descriptor, DMA_CTRL_ACK. Mirrors `dmaengine_prep_dma_memcpy()`.
 */
export function prepDmaMemcpy(chan: DmaChan, dst: number, src: number, len: number, flags: number): DmaAsyncTxDescriptor | null {
  const dev = chan.device;
  if (!dmaHasCap(DMA_MEMCPY, dev.capMask) || dev.devicePrepDmaMemcpy === undefined || !usable(chan, flags)) return null;
  if (!Number.isInteger(len) || len < 1 || len > DMA_MAX_LEN || !validRange(dst, len) || !validRange(src, len)) return null;
  return dev.devicePrepDmaMemcpy(chan, dst, src, len, flags);
}

/**
 * One descriptor copying the mapped segments of `srcSg` into those of `dstSg` (the segment
 * boundaries may differ; the totals must match), or null when the device lacks DMA_MEMCPY_SG, a
 * table is not mapped, or the totals differ. It completes once, after every segment landed, which
 * is the fix for engines that complete out of order. Mirrors `dmaengine_prep_dma_memcpy_sg()`.
 */
export function prepDmaMemcpySg(chan: DmaChan, dstSg: SgTable, srcSg: SgTable, flags: number): DmaAsyncTxDescriptor | null {
  const dev = chan.device;
  if (!dmaHasCap(DMA_MEMCPY_SG, dev.capMask) || dev.devicePrepDmaMemcpySg === undefined || !usable(chan, flags)) return null;
  if (dstSg.nents < 1 || srcSg.nents < 1) return null;
  let dstTotal = 0;
  let srcTotal = 0;
  for (let i = 0; i < dstSg.nents; i++) {
    const len = dstSg.dmaLength[i] as number;
    if (len < 1 || len > DMA_MAX_LEN || !validRange(dstSg.dmaAddress[i] as number, len)) return null;
    dstTotal += len;
  }
  for (let i = 0; i < srcSg.nents; i++) {
    const len = srcSg.dmaLength[i] as number;
    if (len < 1 || len > DMA_MAX_LEN || !validRange(srcSg.dmaAddress[i] as number, len)) return null;
    srcTotal += len;
  }
  if (dstTotal !== srcTotal) return null;
  return dev.devicePrepDmaMemcpySg(chan, dstSg, srcSg, flags);
}
