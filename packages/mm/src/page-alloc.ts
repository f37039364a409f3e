/**
 * The page allocator front end: gfp flags, zonelists ordered by NUMA distance, folio
 * allocation and freeing with memcg charges, and the `fail_page_alloc` fault point
 * (mirrors `__alloc_pages()`, `get_page_from_freelist()`, `folio_put()` → `__folio_put()`).
 */
import { MAX_PAGE_ORDER, PGF_hugetlb, PGF_hwpoison, PGF_lru } from '@pagemig/folio';
import type { BuddyZone } from './buddy';
import { PGF_needs_zero } from './buddy';
import { NIL } from './folio-list';
import type { Lru } from './lru';
import type { MemCgroups } from './memcg';
import type { Memmap } from './memmap';
import type { PhysMem } from './phys-mem';

/** Only the requested node; no fallback (`__GFP_THISNODE`). */
export const __GFP_THISNODE = 0x1;
/** Zero the frames (`__GFP_ZERO`); user pages are always zeroed. */
export const __GFP_ZERO = 0x2;
/** No allocation-failure warning (`__GFP_NOWARN`). */
export const __GFP_NOWARN = 0x4;
/** Must not fail: fault injection skips it (`__GFP_NOFAIL`). */
export const __GFP_NOFAIL = 0x8;
/** Highuser movable allocation for user pages (`GFP_HIGHUSER_MOVABLE`, zeroed). */
export const GFP_HIGHUSER_MOVABLE = __GFP_ZERO;
/** Migration target on one node (what `alloc_migration_target()` uses for move_pages). */
export const GFP_MIGRATE_THISNODE = __GFP_THISNODE | __GFP_NOWARN;

/** Hooks the allocator calls back into (kept small so the allocator stays one idea). */
export interface PageAllocHooks {
  /** The `fail_page_alloc` fault point. */
  shouldFailAlloc(order: number, gfp: number): boolean;
  /** A hugetlb folio reached refcount 0: give it back to its pool (`free_huge_folio()`). */
  freeHugetlbFolio(folio: number): void;
  /** Event counting (`pgalloc`, `pgfree`, `allocstall`...). */
  countEvent(name: 'pgalloc' | 'pgfree' | 'pgalloc_fail', n: number): void;
}

/** Allocation and freeing of folios across nodes. */
export class PageAlloc {
  readonly zones: readonly BuddyZone[];
  /** zonelists[nid] = nodes in fallback order from nid (nearest first, `build_zonelists()`). */
  readonly zonelists: readonly (readonly number[])[];
  /** thisNode[nid] = [nid]: the `__GFP_THISNODE` list, built once instead of per allocation. */
  private readonly thisNode: readonly (readonly number[])[];
  private readonly memmap: Memmap;
  private readonly phys: PhysMem;
  private readonly lru: Lru;
  private readonly memcgs: MemCgroups;
  private readonly hooks: PageAllocHooks;

  constructor(
    memmap: Memmap,
    phys: PhysMem,
    zones: readonly BuddyZone[],
    distance: readonly (readonly number[])[],
    lru: Lru,
    memcgs: MemCgroups,
    hooks: PageAllocHooks,
  ) {
    this.memmap = memmap;
    this.phys = phys;
    this.zones = zones;
    this.lru = lru;
    this.memcgs = memcgs;
    this.hooks = hooks;
    this.thisNode = zones.map((_, nid) => [nid]);
    this.zonelists = zones.map((_, nid) =>
      zones
        .map((__, other) => other)
        .sort((a, b) => (distance[nid]![a]! - distance[nid]![b]!) || a - b),
    );
  }

  /**
   * Allocates 2^order frames, preferring `nid` and falling back along its zonelist unless
   * `__GFP_THISNODE`; `allowed` restricts nodes (mempolicy bind, cpuset). Returns the first PFN
   * or NIL. The frames are a plain block: no refcount, no compound state.
   */
  allocPages(nid: number, order: number, gfp: number, allowed?: readonly boolean[], compound = false): number {
    if (order < 0 || order > MAX_PAGE_ORDER) return NIL;
    if ((gfp & __GFP_NOFAIL) === 0 && this.hooks.shouldFailAlloc(order, gfp)) {
      this.hooks.countEvent('pgalloc_fail', 1);
      return NIL;
    }
    const list = (gfp & __GFP_THISNODE) !== 0 ? this.thisNode[nid]! : this.zonelists[nid]!;
    for (const candidate of list) {
      if (allowed !== undefined && allowed[candidate] !== true) continue;
      const pfn = this.zones[candidate]!.rmqueue(order);
      if (pfn === NIL) continue;
      this.prepNewPages(pfn, order, gfp, compound);
      this.hooks.countEvent('pgalloc', 2 ** order);
      return pfn;
    }
    this.hooks.countEvent('pgalloc_fail', 1);
    return NIL;
  }

  /** Backs the frames with bytes and zeroes those that were used before (`post_alloc_hook()`). */
  prepNewPages(pfn: number, order: number, gfp: number, compound = false): void {
    const nr = 2 ** order;
    this.phys.materialize(pfn, nr);
    const flags = this.memmap.flags;
    // a data-less node stores no bytes: there is nothing to zero
    if ((gfp & __GFP_ZERO) !== 0 && this.phys.hasData(pfn)) {
      let i = 0;
      while (i < nr) {
        if ((flags[pfn + i]! & PGF_needs_zero) === 0) {
          i++;
          continue;
        }
        let j = i;
        while (j < nr && (flags[pfn + j]! & PGF_needs_zero) !== 0) j++;
        this.phys.zeroPages(pfn + i, j - i);
        i = j;
      }
    }
    // a compound allocation rewrites its tails in prepCompound(): only the head is reset here
    const reset = compound ? 1 : nr;
    for (let i = 0; i < reset; i++) flags[pfn + i]! &= PGF_hwpoison;
  }

  /** Allocates a folio with one reference, charged to `memcg` (mirrors `folio_alloc()` + charge). */
  allocFolio(nid: number, order: number, gfp: number, memcg: number, allowed?: readonly boolean[]): number {
    const nr = 2 ** order;
    if (!this.memcgs.tryCharge(memcg, nr)) return NIL;
    const folio = this.allocPages(nid, order, gfp, allowed, order > 0);
    if (folio === NIL) {
      this.memcgs.uncharge(memcg, nr);
      return NIL;
    }
    this.initFolio(folio, order, memcg);
    return folio;
  }

  /**
   * Makes a freshly taken block a folio with one reference, charged to `memcg` (the part of
   * `post_alloc_hook()` + `prep_compound_page()` after the frames were prepared).
   */
  initFolio(folio: number, order: number, memcg: number): void {
    const mm = this.memmap;
    mm.prepCompound(folio, order);
    mm.refcount[folio] = 1;
    mm.mapcount[folio] = 0;
    mm.mapping[folio] = 0;
    mm.index[folio] = 0;
    mm.private[folio] = 0;
    mm.memcg[folio] = memcg;
  }

  /** Drops a reference and frees the folio at zero (mirrors `folio_put()`). */
  folioPut(folio: number): void {
    const refs = --this.memmap.refcount[folio]!;
    if (refs === 0) this.freeFolio(folio);
    else if (refs < 0) throw new Error(`folio ${folio}: refcount underflow`);
  }

  /** Drops `nr` references (mirrors `folio_put_refs()`). */
  folioPutRefs(folio: number, nr: number): void {
    const refs = (this.memmap.refcount[folio]! -= nr);
    if (refs === 0) this.freeFolio(folio);
    else if (refs < 0) throw new Error(`folio ${folio}: refcount underflow`);
  }

  /** Frees a folio whose refcount reached zero (mirrors `__folio_put()`). */
  private freeFolio(folio: number): void {
    const mm = this.memmap;
    if ((mm.flags[folio]! & PGF_hugetlb) !== 0) {
      this.hooks.freeHugetlbFolio(folio);
      return;
    }
    if ((mm.flags[folio]! & PGF_lru) !== 0) this.lru.lruDel(folio);
    const order = mm.folioOrder(folio);
    this.memcgs.uncharge(mm.memcg[folio]!, 2 ** order);
    if (order > 0) mm.clearCompoundHead(folio);
    mm.mapping[folio] = 0;
    mm.index[folio] = 0;
    mm.private[folio] = 0;
    mm.mapcount[folio] = 0;
    mm.memcg[folio] = 0;
    this.freePages(folio, order);
  }

  /** Returns a plain block to its node's buddy allocator (mirrors `__free_pages()`). */
  freePages(pfn: number, order: number): void {
    this.zones[this.phys.pfnToNid(pfn)]!.free(pfn, order);
    this.hooks.countEvent('pgfree', 2 ** order);
  }
}
