/**
 * The memmap: frame metadata as a struct of typed arrays indexed by PFN (no object per page),
 * 32 bytes per 4 KiB frame where the kernel's `struct page` takes 64. A folio is its head PFN.
 *
 * Large folios keep folio-wide fields in the first tail frame, as the kernel does in
 * `page[1]`: order in `index`, large mapcount in `private`, entire (PMD) mapcount in `mapping`,
 * pincount in `refcount`. Every tail's `lruNext` holds its head (the kernel's `compound_head`).
 * See docs/ARCHITECTURE.md for the full table.
 */
import {
  FOLIO_MAPPING_ANON,
  FOLIO_MAPPING_FLAGS,
  PGF_head,
  PGF_hugetlb,
  PGF_locked,
  PGF_lru,
  PGF_private,
  PGF_swapcache,
  PGF_tail,
  PGF_writeback,
  PGF_hwpoison,
} from '@pagemig/folio';

/** Bytes of metadata per frame held by the arrays below. */
export const MEMMAP_BYTES_PER_FRAME = 4 + 4 + 2 + 2 + 4 + 4 + 4 + 4 + 4;

/** Large mapcount bias: the kernel's `GUP_PIN_COUNTING_BIAS` for pins of small folios. */
export const GUP_PIN_COUNTING_BIAS = 1024;

/** Per-frame metadata for every PFN of the system. */
export class Memmap {
  readonly nrPages: number;
  /** `PG_*` bits (masks `PGF_*` from `@pagemig/folio`). */
  readonly flags: Uint32Array;
  /** Folio reference count (head); pincount of large folios (tail 1). */
  readonly refcount: Int32Array;
  /** PTE mappings of an order-0 folio. */
  readonly mapcount: Int16Array;
  /** Memory cgroup id the folio is charged to (head). */
  readonly memcg: Uint16Array;
  /** anon_vma / address_space handle << 2 | FOLIO_MAPPING_* (head); entire mapcount (tail 1). */
  readonly mapping: Uint32Array;
  /** Page offset in the file or linear page index (head); folio order (tail 1). */
  readonly index: Uint32Array;
  /** Private data, `migrate_info` of a migration dst, buddy order of a free block; large mapcount (tail 1). */
  readonly private: Uint32Array;
  /** List links (LRU, buddy free list, migration lists); compound head of a tail frame. */
  readonly lruNext: Int32Array;
  readonly lruPrev: Int32Array;

  constructor(nrPages: number) {
    this.nrPages = nrPages;
    this.flags = new Uint32Array(nrPages);
    this.refcount = new Int32Array(nrPages);
    this.mapcount = new Int16Array(nrPages);
    this.memcg = new Uint16Array(nrPages);
    this.mapping = new Uint32Array(nrPages);
    this.index = new Uint32Array(nrPages);
    this.private = new Uint32Array(nrPages);
    this.lruNext = new Int32Array(nrPages);
    this.lruPrev = new Int32Array(nrPages);
  }

  /** Head PFN of the folio containing `pfn` (mirrors `compound_head()`). */
  compoundHead(pfn: number): number {
    return (this.flags[pfn]! & PGF_tail) !== 0 ? this.lruNext[pfn]! : pfn;
  }

  /** Folio order (mirrors `folio_order()`). */
  folioOrder(folio: number): number {
    return (this.flags[folio]! & PGF_head) !== 0 ? this.index[folio + 1]! : 0;
  }

  /** Base pages in the folio (mirrors `folio_nr_pages()`). */
  folioNrPages(folio: number): number {
    return (this.flags[folio]! & PGF_head) !== 0 ? 2 ** this.index[folio + 1]! : 1;
  }

  /** True for a large folio (mirrors `folio_test_large()`). */
  folioTestLarge(folio: number): boolean {
    return (this.flags[folio]! & PGF_head) !== 0;
  }

  /** Tests one flag mask on the head frame. */
  test(folio: number, mask: number): boolean {
    return (this.flags[folio]! & mask) !== 0;
  }

  /** Sets flag bits on the head frame. */
  set(folio: number, mask: number): void {
    this.flags[folio]! |= mask;
  }

  /** Clears flag bits on the head frame. */
  clear(folio: number, mask: number): void {
    this.flags[folio]! &= ~mask;
  }

  /** Sets the bits and says whether any was set before (mirrors `folio_test_set_*`). */
  testAndSet(folio: number, mask: number): boolean {
    const old = this.flags[folio]!;
    this.flags[folio] = old | mask;
    return (old & mask) !== 0;
  }

  /** Clears the bits and says whether any was set before (mirrors `folio_test_clear_*`). */
  testAndClear(folio: number, mask: number): boolean {
    const old = this.flags[folio]!;
    this.flags[folio] = old & ~mask;
    return (old & mask) !== 0;
  }

  /** Anonymous folio (mirrors `folio_test_anon()`: the mapping word carries FOLIO_MAPPING_ANON). */
  folioTestAnon(folio: number): boolean {
    return (this.mapping[folio]! & FOLIO_MAPPING_ANON) !== 0;
  }

  /** The anon_vma or address_space handle behind the mapping word (0 = none). */
  mappingHandle(folio: number): number {
    return this.mapping[folio]! >>> 2;
  }

  /** The raw mapping word of the head frame (kernel `folio->mapping` with its low flag bits). */
  mappingFlags(folio: number): number {
    return this.mapping[folio]! & FOLIO_MAPPING_FLAGS;
  }

  /** All PTE and PMD mappings of the folio (mirrors `folio_mapcount()`). */
  folioMapcount(folio: number): number {
    return (this.flags[folio]! & PGF_head) !== 0 ? this.private[folio + 1]! : this.mapcount[folio]!;
  }

  /** True when mapped at least once (mirrors `folio_mapped()`). */
  folioMapped(folio: number): boolean {
    return this.folioMapcount(folio) > 0;
  }

  /** PMD mappings of a large folio (mirrors `folio_entire_mapcount()`). */
  folioEntireMapcount(folio: number): number {
    return (this.flags[folio]! & PGF_head) !== 0 ? this.mapping[folio + 1]! : 0;
  }

  /** Adds to the mapcount (order-0) or large mapcount; `entire` also counts a PMD mapping. */
  addMapcount(folio: number, nr: number, entire: number): void {
    if ((this.flags[folio]! & PGF_head) !== 0) {
      this.private[folio + 1] = this.private[folio + 1]! + nr;
      if (entire !== 0) this.mapping[folio + 1] = this.mapping[folio + 1]! + entire;
    } else {
      const next = this.mapcount[folio]! + nr;
      if (next > 32767) throw new RangeError(`mapcount overflow on pfn ${folio}: more than 32767 mappings`);
      this.mapcount[folio] = next;
    }
  }

  /** Long-term pins (mirrors `folio_maybe_dma_pinned()`'s count). */
  folioPincount(folio: number): number {
    if ((this.flags[folio]! & PGF_head) !== 0) return this.refcount[folio + 1]!;
    return Math.floor(this.refcount[folio]! / GUP_PIN_COUNTING_BIAS);
  }

  /** Reference count (mirrors `folio_ref_count()`). */
  folioRefCount(folio: number): number {
    return this.refcount[folio]!;
  }

  /** Takes a reference (mirrors `folio_get()`). */
  folioGet(folio: number): void {
    this.refcount[folio]!++;
  }

  /** Takes a reference unless the count is zero (mirrors `folio_try_get()`). */
  folioTryGet(folio: number): boolean {
    if (this.refcount[folio]! <= 0) return false;
    this.refcount[folio]!++;
    return true;
  }

  /**
   * References a folio is expected to hold with no one else using it (mirrors
   * `folio_expected_ref_count()`): page cache or swap cache refs, private data, and mappings.
   */
  folioExpectedRefCount(folio: number): number {
    const f = this.flags[folio]!;
    const nr = (f & PGF_head) !== 0 ? 2 ** this.index[folio + 1]! : 1;
    let refs = 0;
    if ((this.mapping[folio]! & FOLIO_MAPPING_ANON) !== 0) {
      if ((f & PGF_swapcache) !== 0) refs += nr;
    } else if (this.mapping[folio] !== 0) {
      // the page cache holds one reference per page, but one per hugetlb folio
      refs += (f & PGF_hugetlb) !== 0 ? 1 : nr;
      if ((f & PGF_private) !== 0) refs += 1;
    }
    return refs + this.folioMapcount(folio);
  }

  /** Tests the folio lock. */
  folioTestLocked(folio: number): boolean {
    return (this.flags[folio]! & PGF_locked) !== 0;
  }

  /** Tests writeback. */
  folioTestWriteback(folio: number): boolean {
    return (this.flags[folio]! & PGF_writeback) !== 0;
  }

  /** Tests whether the folio is on an LRU list. */
  folioTestLru(folio: number): boolean {
    return (this.flags[folio]! & PGF_lru) !== 0;
  }

  /** True when any base page of the folio is hardware-poisoned. */
  folioContainsHwpoison(folio: number): boolean {
    const nr = this.folioNrPages(folio);
    for (let i = 0; i < nr; i++) if ((this.flags[folio + i]! & PGF_hwpoison) !== 0) return true;
    return false;
  }

  /** Turns `nr` frames at `head` into a folio of `order` (mirrors `prep_compound_page()`). */
  prepCompound(head: number, order: number): void {
    if (order === 0) return;
    const nr = 2 ** order;
    this.flags[head]! |= PGF_head;
    for (let i = 1; i < nr; i++) {
      this.flags[head + i] = (this.flags[head + i]! & PGF_hwpoison) | PGF_tail;
      this.lruNext[head + i] = head;
    }
    this.index[head + 1] = order;
    this.private[head + 1] = 0;
    this.mapping[head + 1] = 0;
    this.refcount[head + 1] = 0;
  }

  /**
   * Clears the folio-wide state of a large folio without touching its tails (the free path:
   * the buddy allocator rewrites every frame's flags, and a free frame's compound-head link is
   * never read because its `PG_tail` is gone).
   */
  clearCompoundHead(head: number): void {
    this.flags[head]! &= ~PGF_head;
    this.index[head + 1] = 0;
    this.private[head + 1] = 0;
    this.mapping[head + 1] = 0;
    this.refcount[head + 1] = 0;
  }

  /** Clears the compound state of a folio's frames (used by split). */
  clearCompound(head: number, order: number): void {
    if (order === 0) return;
    const nr = 2 ** order;
    this.flags[head]! &= ~PGF_head;
    for (let i = 1; i < nr; i++) {
      this.flags[head + i]! &= PGF_hwpoison;
      this.lruNext[head + i] = 0;
      this.lruPrev[head + i] = 0;
    }
    this.index[head + 1] = 0;
    this.private[head + 1] = 0;
    this.mapping[head + 1] = 0;
    this.refcount[head + 1] = 0;
  }
}
