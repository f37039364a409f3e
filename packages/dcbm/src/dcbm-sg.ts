/**
 * Scatter lists of one channel's chunk and the DMA pieces copied from them. Mirrors the driver's
 * `setup_sg_tables()` (one entry per folio: physical address `pfn * PAGE_SIZE`, length the folio
 * size, as `sg_set_folio()` does), the nents check after `dma_map_sgtable()`, and what pagemig
 * adds: a segment-by-segment comparison and an alignment that splits segments so both sides line
 * up when the IOMMU merged them unevenly.
 *
 * Everything is typed arrays (`SgTable` keeps its entries in Float64Arrays): no object per folio.
 */
import { PAGE_SIZE, PGF_head, PGF_hwpoison } from '@pagemig/folio';
import type { Memmap } from '@pagemig/mm';
import { DMA_NONE, type SgTable } from '@pagemig/dmaengine';

/** The two tables of a chunk, and what the build found. */
export interface DcbmSgPair {
  readonly src: SgTable;
  readonly dst: SgTable;
  /** Bytes of the chunk (equal on both sides). */
  readonly bytes: number;
  /** False when a source and its destination differ in size (never from the core): -EINVAL. */
  readonly sizesMatch: boolean;
  /** Index within the chunk of every source folio holding a hardware-poisoned page, or null (usually). */
  readonly poisoned: Uint8Array | null;
}

/**
 * Builds the source and destination tables of folios `dst/src[start .. start + count)`: one entry
 * per folio. A source with a poisoned page is flagged: a DMA engine would consume the poison (the
 * CPU path stops with -EHWPOISON), so the driver never reports such a folio as copied. Mirrors the
 * table half of `setup_sg_tables()`.
 */
export function dcbmBuildSgTables(memmap: Memmap, dst: Int32Array, src: Int32Array, start: number, count: number): DcbmSgPair {
  // Both tables share one allocation: 8 arrays of `count` entries (CPU and DMA sides of each).
  const buf = new Float64Array(8 * count);
  const srcSg = sgTableOver(buf, 0, count);
  const dstSg = sgTableOver(buf, 4 * count, count);
  const sAddr = srcSg.addr;
  const sLen = srcSg.length;
  const dAddr = dstSg.addr;
  const dLen = dstSg.length;
  const flags = memmap.flags;
  const index = memmap.index;
  let bytes = 0;
  let sizesMatch = true;
  let poisoned: Uint8Array | null = null;
  for (let k = 0; k < count; k++) {
    const s = src[start + k]!;
    const d = dst[start + k]!;
    // folio_nr_pages() inlined: the order of a large folio sits in the first tail's index
    const sn = (flags[s]! & PGF_head) !== 0 ? 1 << index[s + 1]! : 1;
    const dn = (flags[d]! & PGF_head) !== 0 ? 1 << index[d + 1]! : 1;
    if (sn !== dn) sizesMatch = false;
    const len = sn * PAGE_SIZE;
    sAddr[k] = s * PAGE_SIZE;
    sLen[k] = len;
    dAddr[k] = d * PAGE_SIZE;
    dLen[k] = dn * PAGE_SIZE;
    bytes += len;
    for (let p = 0; p < sn; p++) {
      if ((flags[s + p]! & PGF_hwpoison) !== 0) {
        poisoned ??= new Uint8Array(count);
        poisoned[k] = 1;
        break;
      }
    }
  }
  return { src: srcSg, dst: dstSg, bytes, sizesMatch, poisoned };
}

/** An unmapped table of `n` entries over `buf[at .. at + 4n)` (what `sgAllocTable()` builds, without four allocations). */
function sgTableOver(buf: Float64Array, at: number, n: number): SgTable {
  return {
    origNents: n,
    addr: buf.subarray(at, at + n),
    length: buf.subarray(at + n, at + 2 * n),
    nents: 0,
    dmaAddress: buf.subarray(at + 2 * n, at + 3 * n),
    dmaLength: buf.subarray(at + 3 * n, at + 4 * n),
    dir: DMA_NONE,
  };
}

/**
 * True when the mapped tables have the same segments (count and every length), so segment i of the
 * source can be copied into segment i of the destination. V5 compares only `nents`; equal counts
 * with different boundaries (source merged as [A+B][C], destination as [A][B+C]) would copy past
 * the end of a destination segment, so pagemig compares the lengths too.
 */
export function sgSegmentsMatch(srcSg: SgTable, dstSg: SgTable): boolean {
  const n = srcSg.nents;
  if (n !== dstSg.nents) return false;
  const a = srcSg.dmaLength;
  const b = dstSg.dmaLength;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** DMA pieces: `count` copies of `len[i]` bytes from `src[i]` to `dst[i]` (DMA addresses). */
export interface DcbmPieces {
  readonly count: number;
  readonly src: Float64Array;
  readonly dst: Float64Array;
  readonly len: Float64Array;
}

/** The pieces of mapped tables whose segments match: the segments themselves (no copy of the arrays). */
export function sgMatchedPieces(srcSg: SgTable, dstSg: SgTable): DcbmPieces {
  return { count: srcSg.nents, src: srcSg.dmaAddress, dst: dstSg.dmaAddress, len: srcSg.dmaLength };
}

/**
 * Aligns mapped tables with equal totals but different segmentation: walks both segment lists in
 * lockstep and cuts a piece at every boundary of either side, so each piece is contiguous in both
 * the source and the destination. At most `src.nents + dst.nents - 1` pieces; returns null when the
 * totals differ (nothing to align).
 */
export function sgAlignPieces(srcSg: SgTable, dstSg: SgTable): DcbmPieces | null {
  const max = srcSg.nents + dstSg.nents - 1;
  const src = new Float64Array(max);
  const dst = new Float64Array(max);
  const len = new Float64Array(max);
  const sA = srcSg.dmaAddress;
  const sL = srcSg.dmaLength;
  const dA = dstSg.dmaAddress;
  const dL = dstSg.dmaLength;
  let i = 0;
  let j = 0;
  let so = 0;
  let dof = 0;
  let n = 0;
  while (i < srcSg.nents && j < dstSg.nents) {
    const sRest = sL[i]! - so;
    const dRest = dL[j]! - dof;
    const piece = sRest < dRest ? sRest : dRest;
    src[n] = sA[i]! + so;
    dst[n] = dA[j]! + dof;
    len[n] = piece;
    n++;
    so += piece;
    dof += piece;
    if (so === sL[i]) {
      i++;
      so = 0;
    }
    if (dof === dL[j]) {
      j++;
      dof = 0;
    }
  }
  if (i !== srcSg.nents || j !== dstSg.nents) return null;
  return { count: n, src, dst, len };
}

/**
 * Which folios of a chunk were copied, from the outcome of its DMA pieces. The pieces cover the
 * chunk's bytes in order; folio k (length `folioLen[k]`) is copied when every piece overlapping it
 * completed cleanly (`pieceOk[p] === 1`). Writes 1 (copied) or 0 into `out[0 .. nFolios)` and
 * returns the number copied. A piece that spans several folios (IOMMU-merged segment, memcpy_sg)
 * decides for all of them.
 */
export function foliosCopiedByPieces(
  folioLen: Float64Array,
  nFolios: number,
  pieceLen: Float64Array,
  nPieces: number,
  pieceOk: Uint8Array,
  out: Uint8Array,
): number {
  let p = 0;
  let used = 0; // bytes of piece p already attributed to earlier folios
  let copied = 0;
  for (let k = 0; k < nFolios; k++) {
    let rest = folioLen[k]!;
    let ok = true;
    while (rest > 0) {
      if (p >= nPieces) {
        ok = false; // the pieces do not cover the folio: never report it copied
        break;
      }
      const avail = pieceLen[p]! - used;
      const take = avail < rest ? avail : rest;
      if (pieceOk[p] !== 1) ok = false;
      rest -= take;
      used += take;
      if (used === pieceLen[p]) {
        p++;
        used = 0;
      }
    }
    out[k] = ok ? 1 : 0;
    if (ok) copied++;
  }
  return copied;
}
