/**
 * Memory offline and online (mirrors `offline_pages()` with `do_migrate_range()`,
 * `dissolve_free_hugetlb_folios()` and `test_pages_isolated()`, and `online_pages()`): to take
 * a range of a node out of service, its free blocks are taken out of the buddy allocator
 * first (pagemig's stand-in for MIGRATE_ISOLATE pageblocks), every folio in it (hugetlb
 * included) is migrated to other memory (MR_MEMORY_HOTPLUG, MIGRATE_SYNC, preferably another
 * node), free huge pages of the pools are dissolved, and the frames freed by the migration are
 * taken as well. When something cannot move after a few passes the range goes back into
 * service and the call fails with -EBUSY; what already moved stays moved.
 *
 * Offline frames look like the kernel's PageOffline pages: reserved, one reference, and the
 * page type (kept in the mapcount word, as `page_type` overlays `_mapcount`) set to
 * PAGE_OFFLINE_MAPCOUNT. `onlinePages()` gives them back to the buddy allocator.
 */
import { EBUSY, EINVAL } from '@pagemig/kernel';
import { HPAGE_PMD_ORDER, MAX_PAGE_ORDER, MIGRATE_SYNC, MR_MEMORY_HOTPLUG, PGF_buddy, PGF_hugetlb, PGF_hwpoison, PGF_lru, PGF_movable_ops, PGF_reserved } from '@pagemig/folio';
import { FolioList, NIL, __GFP_NOWARN, type BuddyZone, type System } from '@pagemig/mm';
import { allocMigrationTarget } from './alloc-target';
import type { MigrateEngine } from './engine';
import { isolateFolioForMigration, putbackMovablePages } from './isolate';
import { migratePages } from './migrate-pages';
import type { NewFolioFn } from './types';

/** Offline and online work in whole pageblocks (`pageblock_nr_pages`, 2 MiB). */
export const PAGEBLOCK_NR_PAGES = 2 ** HPAGE_PMD_ORDER;
/** Migration passes before offlining gives up with -EBUSY (the kernel retries until a signal). */
export const OFFLINE_RETRIES = 5;
/** Mapcount word of an offline frame (its page type, `PGTY_offline`). */
export const PAGE_OFFLINE_MAPCOUNT = -0x2000;

/** True when `pfn` is an offline frame. */
export function pageOffline(sys: System, pfn: number): boolean {
  return (sys.memmap.flags[pfn]! & PGF_reserved) !== 0 && sys.memmap.mapcount[pfn] === PAGE_OFFLINE_MAPCOUNT;
}

/** The zone holding [start, start + nr), or -EINVAL for a bad or unaligned range across nodes. */
function rangeZone(sys: System, start: number, nr: number): BuddyZone | number {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(nr) || nr <= 0 || start < 0) return -EINVAL;
  if (start % PAGEBLOCK_NR_PAGES !== 0 || nr % PAGEBLOCK_NR_PAGES !== 0) return -EINVAL;
  const nid = sys.phys.pfnToNid(start);
  const zone = sys.zones[nid];
  if (zone === undefined || start < zone.startPfn || start + nr > zone.startPfn + zone.nrPages) return -EINVAL;
  return zone;
}

/** One offline attempt over [start, end). */
class OfflineRange {
  readonly sys: System;
  readonly zone: BuddyZone;
  readonly start: number;
  readonly end: number;
  /** Free blocks taken out of the allocator: [pfn, order]. */
  readonly taken: [number, number][] = [];
  /** Frames of the range that are out of service (taken, or poisoned and never free). */
  readonly done: Uint8Array;

  constructor(sys: System, zone: BuddyZone, start: number, nr: number) {
    this.sys = sys;
    this.zone = zone;
    this.start = start;
    this.end = start + nr;
    this.done = new Uint8Array(nr);
  }

  /** Takes every free block inside the range out of the buddy allocator (splitting blocks that stick out). */
  takeFreeBlocks(): void {
    const m = this.sys.memmap;
    for (let pfn = this.start; pfn < this.end; ) {
      if (this.done[pfn - this.start] === 1) {
        pfn++;
        continue;
      }
      let took = -1;
      for (let order = MAX_PAGE_ORDER; order >= 0 && took < 0; order--) {
        const size = 2 ** order;
        if ((pfn - this.zone.startPfn) % size !== 0 || pfn + size > this.end) continue;
        if (this.zone.takeBlockContaining(pfn, order)) took = order;
      }
      if (took >= 0) {
        this.taken.push([pfn, took]);
        this.done.fill(1, pfn - this.start, pfn - this.start + 2 ** took);
        pfn += 2 ** took;
        continue;
      }
      // a poisoned frame the allocator holds back: nothing uses it, it can go offline as it is
      if ((m.flags[pfn]! & PGF_hwpoison) !== 0 && m.refcount[pfn] === 0 && (m.flags[pfn]! & (PGF_buddy | PGF_hugetlb)) === 0) {
        this.done[pfn - this.start] = 1;
      }
      pfn++;
    }
  }

  /** Gives the free huge folios of the pools inside the range back to the buddy allocator. */
  dissolveFreeHugetlbFolios(): void {
    const { hugetlb, memmap: m, alloc } = this.sys;
    const nid = this.zone.nid;
    const pool = hugetlb.free[nid]!;
    for (let folio = pool.first(), next = NIL; folio !== NIL; folio = next) {
      next = pool.nextOf(folio);
      if (folio < this.start || folio >= this.end) continue;
      pool.del(folio);
      m.flags[folio]! &= ~PGF_hugetlb;
      m.clearCompound(folio, hugetlb.order);
      alloc.freePages(folio, hugetlb.order);
      hugetlb.nrHugepages[nid]!--;
    }
  }

  /** True when `pfn` lies in a free buddy block (mirrors `is_free_buddy_page()`). */
  isFree(pfn: number): boolean {
    const m = this.sys.memmap;
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const base = this.zone.startPfn + Math.floor((pfn - this.zone.startPfn) / 2 ** order) * 2 ** order;
      if ((m.flags[base]! & PGF_buddy) !== 0 && m.private[base]! >= order) return true;
    }
    return false;
  }

  /** True when every frame of the range is out of service. */
  empty(): boolean {
    return this.done.every((v) => v === 1);
  }

  /**
   * The folios in use in the range, as heads, or -EBUSY when one of them can never move
   * (reserved frames, or in-use memory that is neither on an LRU, movable_ops, nor hugetlb).
   */
  folios(): number[] | number {
    const m = this.sys.memmap;
    const out: number[] = [];
    for (let pfn = this.start; pfn < this.end; ) {
      if (this.done[pfn - this.start] === 1 || this.isFree(pfn)) {
        pfn++;
        continue;
      }
      const head = m.compoundHead(pfn);
      const f = m.flags[head]!;
      const nr = m.folioNrPages(head);
      if ((f & PGF_reserved) !== 0) return -EBUSY;
      if (m.refcount[head]! > 0) {
        if ((f & (PGF_lru | PGF_movable_ops | PGF_hugetlb)) === 0) return -EBUSY;
        if (out[out.length - 1] !== head) out.push(head);
      }
      pfn = head + nr;
    }
    return out;
  }

  /** Puts the taken free blocks back (the offline failed). */
  undo(): void {
    for (const [pfn, order] of this.taken) this.sys.alloc.freePages(pfn, order);
    this.taken.length = 0;
  }

  /** Marks every frame of the range offline. */
  commit(): void {
    const m = this.sys.memmap;
    for (let pfn = this.start; pfn < this.end; pfn++) {
      m.flags[pfn] = (m.flags[pfn]! & PGF_hwpoison) | PGF_reserved;
      m.refcount[pfn] = 1;
      m.mapcount[pfn] = PAGE_OFFLINE_MAPCOUNT;
      m.mapping[pfn] = 0;
      m.index[pfn] = 0;
      m.private[pfn] = 0;
      m.memcg[pfn] = 0;
    }
  }
}

/**
 * Migration targets outside the range (mirrors `do_migrate_range()`'s control: the source's
 * node preferred, every other node with memory allowed, the own node only when it is the only
 * one). A target the allocator hands out from inside the range (a frame freed by this very
 * migration) is held back and released after the call.
 */
function allocOutside(sys: System, range: OfflineRange, nid: number, held: number[]): NewFolioFn {
  const nodemask = Array.from({ length: sys.nrNodes }, (_, n) => n !== nid || sys.nrNodes === 1);
  const alloc = allocMigrationTarget(sys, { nid, gfp: __GFP_NOWARN, nodemask });
  return (src) => {
    for (;;) {
      const dst = alloc(src);
      if (dst === NIL) return NIL;
      if (dst + sys.memmap.folioNrPages(dst) <= range.start || dst >= range.end) return dst;
      held.push(dst);
    }
  };
}

/**
 * Takes [startPfn, startPfn + nrPages) of one node out of service (ends pageblock aligned).
 * Resolves to 0, -EINVAL (bad range, or part of it already offline) or -EBUSY (something in
 * it could not be moved; the range is back in service and no data was lost).
 */
export async function offlinePages(eng: MigrateEngine, startPfn: number, nrPages: number): Promise<number> {
  const sys = eng.sys;
  const zone = rangeZone(sys, startPfn, nrPages);
  if (typeof zone === 'number') return zone;
  for (let pfn = startPfn; pfn < startPfn + nrPages; pfn++) if (pageOffline(sys, pfn)) return -EINVAL;
  const range = new OfflineRange(sys, zone, startPfn, nrPages);
  // has_unmovable_pages(): refuse before touching anything
  const unmovable = range.folios();
  if (typeof unmovable === 'number') return unmovable;
  range.dissolveFreeHugetlbFolios();
  range.takeFreeBlocks();
  for (let pass = 0; pass < OFFLINE_RETRIES && !range.empty(); pass++) {
    const folios = range.folios();
    if (typeof folios === 'number') {
      range.undo();
      return folios;
    }
    const list = new FolioList(sys.memmap);
    for (const folio of folios) isolateFolioForMigration(sys, folio, list);
    if (!list.isEmpty()) {
      const held: number[] = [];
      await migratePages(eng, list, allocOutside(sys, range, zone.nid, held), null, { mode: MIGRATE_SYNC, reason: MR_MEMORY_HOTPLUG });
      if (!list.isEmpty()) putbackMovablePages(sys, list);
      for (const dst of held) sys.alloc.folioPut(dst);
    }
    range.dissolveFreeHugetlbFolios();
    range.takeFreeBlocks();
  }
  if (!range.empty()) {
    range.undo();
    return -EBUSY;
  }
  range.commit();
  return 0;
}

/**
 * Puts an offline range back into service (mirrors `online_pages()`): its frames return to
 * the buddy allocator (poisoned ones stay held back). 0, or -EINVAL when the range is bad or
 * not entirely offline.
 */
export function onlinePages(eng: MigrateEngine, startPfn: number, nrPages: number): number {
  const sys = eng.sys;
  const m = sys.memmap;
  const zone = rangeZone(sys, startPfn, nrPages);
  if (typeof zone === 'number') return zone;
  for (let pfn = startPfn; pfn < startPfn + nrPages; pfn++) if (!pageOffline(sys, pfn)) return -EINVAL;
  for (let pfn = startPfn; pfn < startPfn + nrPages; pfn++) {
    const poisoned = (m.flags[pfn]! & PGF_hwpoison) !== 0;
    m.flags[pfn] = poisoned ? PGF_hwpoison : 0;
    m.refcount[pfn] = 0;
    m.mapcount[pfn] = 0;
    if (!poisoned) sys.alloc.freePages(pfn, 0);
  }
  return 0;
}
