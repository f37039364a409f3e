/**
 * Streaming DMA mapping of scatter-gather tables: `dma_map_sgtable()` / `dma_unmap_sgtable()`.
 * Addresses are identity-mapped; the device's IOMMU model may merge physically contiguous entries
 * (never splits them), so `sgt.nents` can be smaller than `sgt.origNents`.
 */
import { EINVAL } from '@pagemig/kernel';
import { iommuShouldMerge, type Iommu } from './iommu';
import type { SgTable } from './scatterlist';

/** Data moves both ways (`DMA_BIDIRECTIONAL`). */
export const DMA_BIDIRECTIONAL = 0;
/** The device reads this memory: a copy source (`DMA_TO_DEVICE`). */
export const DMA_TO_DEVICE = 1;
/** The device writes this memory: a copy destination (`DMA_FROM_DEVICE`). */
export const DMA_FROM_DEVICE = 2;
/** No direction; the state of an unmapped table (`DMA_NONE`). */
export const DMA_NONE = 3;

/** Skip the CPU cache maintenance (`DMA_ATTR_SKIP_CPU_SYNC`); no effect in the model, accepted for fidelity. */
export const DMA_ATTR_SKIP_CPU_SYNC = 1 << 5;
/** No kernel virtual mapping needed (`DMA_ATTR_NO_KERNEL_MAPPING`); no effect in the model. */
export const DMA_ATTR_NO_KERNEL_MAPPING = 1 << 4;

/** Anything that can map memory for DMA: a DMA device (its IOMMU, if any, decides merging). */
export interface DmaMapDevice {
  readonly iommu?: Iommu | undefined;
}

/**
 * Maps every entry of `sgt` for `dev`; fills `sgt.nents`, `dmaAddress`, `dmaLength`. Returns 0, or
 * -EINVAL for a bad direction or an already-mapped table. Mirrors `dma_map_sgtable()`.
 */
export function dmaMapSgtable(dev: DmaMapDevice, sgt: SgTable, dir: number, attrs = 0): number {
  void attrs;
  if (dir !== DMA_BIDIRECTIONAL && dir !== DMA_TO_DEVICE && dir !== DMA_FROM_DEVICE) return -EINVAL;
  if (sgt.nents !== 0 || sgt.origNents < 1) return -EINVAL;
  const iommu = dev.iommu;
  let n = 0;
  let segAddr = sgt.addr[0] as number;
  let segLen = sgt.length[0] as number;
  for (let i = 1; i < sgt.origNents; i++) {
    const addr = sgt.addr[i] as number;
    const len = sgt.length[i] as number;
    if (iommu !== undefined && addr === segAddr + segLen && segLen + len <= iommu.maxSegmentSize && iommuShouldMerge(iommu, dir)) {
      segLen += len;
      continue;
    }
    sgt.dmaAddress[n] = segAddr;
    sgt.dmaLength[n] = segLen;
    n++;
    segAddr = addr;
    segLen = len;
  }
  sgt.dmaAddress[n] = segAddr;
  sgt.dmaLength[n] = segLen;
  sgt.nents = n + 1;
  sgt.dir = dir;
  if (iommu !== undefined) iommu.mapped++;
  return 0;
}

/** Unmaps a table mapped by `dmaMapSgtable()`; returns 0 or -EINVAL (not mapped, or another direction). Mirrors `dma_unmap_sgtable()`. */
export function dmaUnmapSgtable(dev: DmaMapDevice, sgt: SgTable, dir: number, attrs = 0): number {
  void dev;
  void attrs;
  if (sgt.nents === 0 || sgt.dir !== dir) return -EINVAL;
  sgt.nents = 0;
  sgt.dir = DMA_NONE;
  return 0;
}
