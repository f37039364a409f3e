/**
 * Capability bits of a DMA device (`enum dma_transaction_type` used as bit numbers of a
 * `dma_cap_mask_t`). A mask is a plain number with bit `cap` set for each capability, so it can
 * be stored, compared and printed cheaply. Only the operations pagemig models are defined.
 */
import { KernelError } from '@pagemig/kernel';

/** Single-range memory-to-memory copy (`device_prep_dma_memcpy`). */
export const DMA_MEMCPY = 0;
/** Scatter-gather memory-to-memory copy (`device_prep_dma_memcpy_sg`; removed upstream twice, wanted by dcbm). */
export const DMA_MEMCPY_SG = 1;
/** The device can raise an interrupt per descriptor (completion callbacks). */
export const DMA_INTERRUPT = 8;
/** Channels are only handed out exclusively (`dma_request_chan_by_mask`), never as public channels. */
export const DMA_PRIVATE = 9;

const CAP_NAMES: Readonly<Record<number, string>> = {
  [DMA_MEMCPY]: 'DMA_MEMCPY',
  [DMA_MEMCPY_SG]: 'DMA_MEMCPY_SG',
  [DMA_INTERRUPT]: 'DMA_INTERRUPT',
  [DMA_PRIVATE]: 'DMA_PRIVATE',
};

/** A set of capabilities as a bit mask (`dma_cap_mask_t`). */
export type DmaCapMask = number;

/** Checks that `cap` is one of the defined capabilities; throws EINVAL naming the accepted ones. */
function checkCap(cap: number): void {
  if (CAP_NAMES[cap] === undefined) {
    throw new KernelError('EINVAL', `DMA capability ${String(cap)} is unknown; accepted: ${Object.entries(CAP_NAMES).map(([bit, name]) => `${name} (${bit})`).join(', ')}`);
  }
}

/** Builds a mask from capabilities; `dma_cap_zero()` followed by `dma_cap_set()` for each. */
export function dmaCapMask(...caps: number[]): DmaCapMask {
  let mask = 0;
  for (const cap of caps) {
    checkCap(cap);
    mask |= 1 << cap;
  }
  return mask;
}

/** True when `mask` has `cap`. Mirrors `dma_has_cap()`. */
export function dmaHasCap(cap: number, mask: DmaCapMask): boolean {
  return (mask & (1 << cap)) !== 0;
}

/** Names of the capabilities in `mask` (`DMA_MEMCPY|DMA_PRIVATE`), for logs and errors. */
export function dmaCapNames(mask: DmaCapMask): string {
  const names = Object.entries(CAP_NAMES)
    .filter(([bit]) => (mask & (1 << Number(bit))) !== 0)
    .map(([, name]) => name);
  return names.length === 0 ? 'none' : names.join('|');
}

/** Every bit pagemig defines; a device mask with other bits is rejected at registration. */
export const DMA_CAP_ALL: DmaCapMask = dmaCapMask(DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT, DMA_PRIVATE);
