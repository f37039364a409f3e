/**
 * The buddy allocator, one per node: free lists for orders 0..MAX_PAGE_ORDER linked through the
 * memmap, split on allocation and merge on free (mirrors `__rmqueue_smallest()`, `expand()` and
 * `__free_one_page()` in mm/page_alloc.c). Free blocks carry `PG_buddy` and their order in
 * `private`, as in the kernel.
 */
import { MAX_PAGE_ORDER, NR_PAGE_ORDERS, PGF_buddy, PGF_hwpoison } from '@pagemig/folio';
import { FolioList, NIL } from './folio-list';
import type { Memmap } from './memmap';

/** Frame bytes may be non-zero (the frame was handed out before): zero it before reuse. */
export const PGF_needs_zero = 1 << 28;

/** One node's free memory. */
export class BuddyZone {
  readonly nid: number;
  readonly startPfn: number;
  readonly nrPages: number;
  /** Free blocks per order. */
  readonly freeArea: FolioList[];
  /** Free pages in the zone. */
  nrFreePages = 0;
  private readonly memmap: Memmap;

  constructor(memmap: Memmap, nid: number, startPfn: number, nrPages: number) {
    this.memmap = memmap;
    this.nid = nid;
    this.startPfn = startPfn;
    this.nrPages = nrPages;
    this.freeArea = Array.from({ length: NR_PAGE_ORDERS }, () => new FolioList(memmap));
    const block = 2 ** MAX_PAGE_ORDER;
    for (let pfn = startPfn; pfn + block <= startPfn + nrPages; pfn += block) this.addFree(pfn, MAX_PAGE_ORDER, false);
  }

  /** Free blocks of each order (what `/proc/buddyinfo` shows). */
  freeCounts(): number[] {
    return this.freeArea.map((list) => list.count);
  }

  private addFree(pfn: number, order: number, atHead: boolean): void {
    this.memmap.flags[pfn]! |= PGF_buddy;
    this.memmap.private[pfn] = order;
    if (atHead) this.freeArea[order]!.addHead(pfn);
    else this.freeArea[order]!.add(pfn);
    this.nrFreePages += 2 ** order;
  }

  private delFree(pfn: number, order: number): void {
    this.freeArea[order]!.del(pfn);
    this.memmap.flags[pfn]! &= ~PGF_buddy;
    this.memmap.private[pfn] = 0;
    this.nrFreePages -= 2 ** order;
  }

  /**
   * Takes a block of `order` (splitting a larger one, the upper halves going back to the free
   * lists), or returns NIL. Mirrors `__rmqueue_smallest()` + `expand()`.
   */
  rmqueue(order: number): number {
    for (let current = order; current <= MAX_PAGE_ORDER; current++) {
      const area = this.freeArea[current]!;
      if (area.count === 0) continue;
      const pfn = area.head;
      this.delFree(pfn, current);
      while (current > order) {
        current--;
        this.addFree(pfn + 2 ** current, current, true);
      }
      return pfn;
    }
    return NIL;
  }

  /** Takes one specific free block of `order` that contains `pfn` (for contiguous-range allocation). */
  takeBlockContaining(pfn: number, order: number): boolean {
    for (let current = order; current <= MAX_PAGE_ORDER; current++) {
      const base = this.startPfn + Math.floor((pfn - this.startPfn) / 2 ** current) * 2 ** current;
      if ((this.memmap.flags[base]! & PGF_buddy) === 0 || this.memmap.private[base] !== current) continue;
      this.delFree(base, current);
      // give back everything of the block except the wanted aligned sub-block
      let blockPfn = base;
      while (current > order) {
        current--;
        const half = 2 ** current;
        if (pfn >= blockPfn + half) {
          this.addFree(blockPfn, current, true);
          blockPfn += half;
        } else {
          this.addFree(blockPfn + half, current, true);
        }
      }
      return true;
    }
    return false;
  }

  /**
   * Returns a block to the free lists, merging with free buddies (mirrors `__free_one_page()`).
   * Poisoned frames are never handed out again: a block containing one is not freed.
   */
  free(pfn: number, order: number): void {
    const flags = this.memmap.flags;
    const nr = 2 ** order;
    // one pass: every frame becomes "used before" (zero it on reuse), and poison is found
    let poisoned = 0;
    for (let i = 0; i < nr; i++) {
      const f = flags[pfn + i]! & PGF_hwpoison;
      poisoned |= f;
      flags[pfn + i] = f | PGF_needs_zero;
    }
    if (poisoned !== 0) {
      this.quarantine(pfn, order);
      return;
    }
    while (order < MAX_PAGE_ORDER) {
      const buddy = this.startPfn + ((pfn - this.startPfn) ^ (2 ** order));
      if (buddy >= this.startPfn + this.nrPages) break;
      if ((flags[buddy]! & PGF_buddy) === 0 || this.memmap.private[buddy] !== order) break;
      this.delFree(buddy, order);
      pfn = Math.min(pfn, buddy);
      order++;
    }
    this.addFree(pfn, order, true);
  }

  /** Frees the healthy parts of a block that contains poisoned frames, leaving those frames out. */
  private quarantine(pfn: number, order: number): void {
    if (order === 0) {
      this.poisoned++;
      return;
    }
    const half = 2 ** (order - 1);
    for (const part of [pfn, pfn + half]) {
      let bad = false;
      for (let i = 0; i < half && !bad; i++) bad = (this.memmap.flags[part + i]! & PGF_hwpoison) !== 0;
      if (bad) this.quarantine(part, order - 1);
      else this.free(part, order - 1);
    }
  }

  /** Frames withheld from the allocator because they are poisoned. */
  poisoned = 0;
}
