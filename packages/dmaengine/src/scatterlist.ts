/**
 * Scatter-gather tables (`struct sg_table`): one CPU-side entry per region (physical address and
 * length, `sg_set_buf()`), and after `dmaMapSgtable()` the DMA segments the device sees
 * (`sg_dma_address()` / `sg_dma_len()`, `nents` of them). Entries live in typed arrays so a table of
 * thousands of folios costs a few allocations, not one object per entry (the sg_table overhead
 * the dcbm reviewers complained about is what we avoid modelling in JS objects).
 */
import { KernelError } from '@pagemig/kernel';

/** A scatter-gather table; build it with `sgAllocTable()` or `sgTableFromRegions()`. */
export interface SgTable {
  /** CPU-side entries (`orig_nents`). */
  readonly origNents: number;
  /** Physical byte address of each entry. */
  readonly addr: Float64Array;
  /** Length in bytes of each entry. */
  readonly length: Float64Array;
  /** DMA segments after mapping (0 while unmapped); may be fewer than `origNents` when the IOMMU merged. */
  nents: number;
  /** DMA address of each mapped segment (`sg_dma_address()`), valid below `nents`. */
  readonly dmaAddress: Float64Array;
  /** Length of each mapped segment (`sg_dma_len()`), valid below `nents`. */
  readonly dmaLength: Float64Array;
  /** Direction of the current mapping (`DMA_NONE` while unmapped). */
  dir: number;
}

/** A region for `sgTableFromRegions()`. */
export interface SgRegion {
  readonly addr: number;
  readonly length: number;
}

/** Allocates a table of `nents` empty entries; mirrors `sg_alloc_table()`. Throws EINVAL for a bad count. */
export function sgAllocTable(nents: number): SgTable {
  if (!Number.isInteger(nents) || nents < 1 || nents > 1 << 24) {
    throw new KernelError('EINVAL', `sgAllocTable: ${String(nents)} entries is invalid; accepted: an integer from 1 to ${1 << 24}`);
  }
  return {
    origNents: nents,
    addr: new Float64Array(nents),
    length: new Float64Array(nents),
    nents: 0,
    dmaAddress: new Float64Array(nents),
    dmaLength: new Float64Array(nents),
    dir: 3,
  };
}

/** Sets entry `i` to a physical region; mirrors `sg_set_buf()` / `sg_set_folio()`. Throws EINVAL for bad values. */
export function sgSetBuf(sgt: SgTable, i: number, addr: number, length: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= sgt.origNents) {
    throw new KernelError('EINVAL', `sgSetBuf: entry ${String(i)} is outside the table; accepted: 0 to ${sgt.origNents - 1}`);
  }
  if (!Number.isSafeInteger(addr) || addr < 0 || !Number.isSafeInteger(length) || length < 1) {
    throw new KernelError('EINVAL', `sgSetBuf: region ${String(addr)}+${String(length)} is invalid; accepted: an address >= 0 and a length >= 1 (integers)`);
  }
  sgt.addr[i] = addr;
  sgt.length[i] = length;
}

/** A table with one entry per region, in order. */
export function sgTableFromRegions(regions: readonly SgRegion[]): SgTable {
  const sgt = sgAllocTable(regions.length);
  regions.forEach((r, i) => sgSetBuf(sgt, i, r.addr, r.length));
  return sgt;
}

/** Total bytes of the CPU-side entries. */
export function sgTableBytes(sgt: SgTable): number {
  let total = 0;
  for (let i = 0; i < sgt.origNents; i++) total += sgt.length[i] as number;
  return total;
}
