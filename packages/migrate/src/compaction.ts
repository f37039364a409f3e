/**
 * Memory compaction of one node (mirrors `compact_zone()` for a full compaction, with
 * `isolate_migratepages()`, `isolate_freepages()`, `compaction_alloc()` and
 * `compaction_free()`): a migrate scanner walks up from the bottom of the node isolating
 * movable folios (on an LRU, or movable_ops pages), at most `clusterMax` base pages per
 * `migratePages()` call (COMPACT_CLUSTER_MAX, the folio that reaches the cap included); a free
 * scanner walks down from the top taking free blocks of the size each folio needs, so used
 * memory gathers at the top and free memory merges into large blocks at the bottom. Stops
 * when the scanners meet (or, with a target order, as soon as a free block of that order
 * exists). MR_COMPACTION; counts `compact_migrate_scanned`, `compact_isolated` and
 * `compact_success`/`compact_fail`.
 */
import { KernelError } from '@pagemig/kernel';
import {
  MAX_PAGE_ORDER,
  MIGRATE_SYNC_LIGHT,
  MR_COMPACTION,
  PGF_buddy,
  PGF_head,
  PGF_hugetlb,
  PGF_lru,
  PGF_movable_ops,
  PGF_reserved,
  PGF_tail,
  isMigrateMode,
  type MigrateMode,
} from '@pagemig/folio';
import { FolioList, NIL, NO_MEMCG, type BuddyZone } from '@pagemig/mm';
import type { MigrateEngine } from './engine';
import { isolateFolioForMigration, putbackMovablePages } from './isolate';
import { migratePages } from './migrate-pages';

/** Base pages isolated per round by the migrate scanner upstream (`COMPACT_CLUSTER_MAX`). */
export const COMPACT_CLUSTER_MAX = 32;

/** How to compact. */
export interface CompactOptions {
  /** Base pages isolated per `migratePages()` call (default COMPACT_CLUSTER_MAX = 32; the series' open question 5). */
  clusterMax?: number;
  /** Migration mode (default MIGRATE_SYNC_LIGHT, as kcompactd and proactive compaction use). */
  mode?: MigrateMode;
  /** Stop once a free block of this order exists; -1 (default) compacts the whole node. */
  order?: number;
}

/** What a compaction run did. */
export interface CompactResult {
  /** `complete`: the scanners met; `success`: a free block of the asked order appeared first. */
  status: 'complete' | 'success';
  /** Free blocks per order before and after (`/proc/buddyinfo` of the node). */
  freeBefore: number[];
  freeAfter: number[];
  /** Largest order with a free block before and after (-1 = none). */
  largestFreeOrderBefore: number;
  largestFreeOrderAfter: number;
  /** `migratePages()` calls made (one per isolated cluster). */
  migrateCalls: number;
  /** Base pages the migrate scanner looked at, isolated, migrated, and failed to migrate. */
  scanned: number;
  isolated: number;
  /** Base pages the free scanner took as targets. */
  freeIsolated: number;
  migrated: number;
  failed: number;
}

/** Largest order with a free block, or -1. */
function largestFreeOrder(counts: readonly number[]): number {
  for (let order = counts.length - 1; order >= 0; order--) if (counts[order]! > 0) return order;
  return -1;
}

/** The state of one run (mirrors `struct compact_control`). */
class CompactControl {
  readonly eng: MigrateEngine;
  readonly zone: BuddyZone;
  readonly clusterMax: number;
  /** Next PFN the migrate scanner looks at. */
  migratePfn: number;
  /** Lowest PFN the free scanner has taken: targets come from below it, above `migratePfn`. */
  freePfn: number;
  /** The free scanner ran into the migrate scanner. */
  met = false;
  /** Unused targets handed back, by order (`cc->freepages[]`). */
  readonly pool: number[][] = Array.from({ length: MAX_PAGE_ORDER + 1 }, () => []);
  scanned = 0;
  isolated = 0;
  freeIsolated = 0;

  constructor(eng: MigrateEngine, nid: number, clusterMax: number) {
    this.eng = eng;
    this.zone = eng.sys.zones[nid]!;
    this.clusterMax = clusterMax;
    this.migratePfn = this.zone.startPfn;
    this.freePfn = this.zone.startPfn + this.zone.nrPages;
  }

  /** Turns a free block into a target folio with one reference (`post_alloc_hook()` + `prep_compound_page()`). */
  private prepTarget(pfn: number, order: number): number {
    const alloc = this.eng.sys.alloc;
    alloc.prepNewPages(pfn, order, 0, order > 0);
    alloc.initFolio(pfn, order, NO_MEMCG);
    return pfn;
  }

  /**
   * The free scanner (mirrors `isolate_freepages()` for one block): the highest free block of
   * `order` below the last one taken and at or above the migrate scanner, or NIL when the
   * scanners meet.
   */
  private isolateFreeBlock(order: number): number {
    const size = 2 ** order;
    const start = this.zone.startPfn;
    for (let pfn = start + Math.floor((this.freePfn - start - size) / size) * size; pfn >= this.migratePfn && pfn >= start; pfn -= size) {
      if (this.zone.takeBlockContaining(pfn, order)) {
        this.freePfn = pfn;
        this.freeIsolated += size;
        return pfn;
      }
    }
    this.met = true;
    return NIL;
  }

  /** The target of `src` (mirrors `compaction_alloc()`): the pool first, then the free scanner. */
  readonly alloc = (src: number): number => {
    const order = this.eng.sys.memmap.folioOrder(src);
    for (let current = order; current <= MAX_PAGE_ORDER; current++) {
      const pfn = this.pool[current]!.pop();
      if (pfn === undefined) continue;
      // split: the upper halves go back to the pool
      while (current > order) {
        current--;
        this.pool[current]!.push(pfn + 2 ** current);
      }
      return this.prepTarget(pfn, order);
    }
    const pfn = this.isolateFreeBlock(order);
    return pfn === NIL ? NIL : this.prepTarget(pfn, order);
  };

  /** Takes back an unused target (mirrors `compaction_free()`). */
  readonly free = (dst: number): void => {
    const m = this.eng.sys.memmap;
    if (--m.refcount[dst]! !== 0) return; // someone else holds it: not ours any more
    const order = m.folioOrder(dst);
    m.clearCompound(dst, order);
    m.mapping[dst] = 0;
    m.index[dst] = 0;
    m.private[dst] = 0;
    m.mapcount[dst] = 0;
    m.flags[dst] = 0;
    this.pool[order]!.push(dst);
  };

  /**
   * The migrate scanner (mirrors `isolate_migratepages()`): isolates movable folios from
   * `migratePfn` up, until `clusterMax` base pages are isolated or it reaches the free scanner.
   */
  isolateMigratepages(list: FolioList): void {
    const sys = this.eng.sys;
    const m = sys.memmap;
    let taken = 0;
    while (this.migratePfn < this.freePfn && taken < this.clusterMax) {
      const pfn = this.migratePfn;
      const f = m.flags[pfn]!;
      this.scanned++;
      if ((f & PGF_buddy) !== 0) {
        this.migratePfn += 2 ** m.private[pfn]!;
        continue;
      }
      const nr = (f & PGF_head) !== 0 ? m.folioNrPages(pfn) : 1;
      const movable =
        (f & PGF_tail) === 0 &&
        (f & (PGF_hugetlb | PGF_reserved)) === 0 &&
        m.refcount[pfn]! > 0 &&
        ((f & PGF_lru) !== 0 || (f & PGF_movable_ops) !== 0) &&
        pfn + nr <= this.freePfn;
      if (movable && isolateFolioForMigration(sys, pfn, list)) taken += nr;
      this.migratePfn += nr;
    }
    this.isolated += taken;
  }

  /** Gives the unused targets back to the buddy allocator (mirrors `release_free_list()`). */
  releaseFreeList(): void {
    this.pool.forEach((blocks, order) => {
      for (const pfn of blocks) this.eng.sys.alloc.freePages(pfn, order);
      blocks.length = 0;
    });
  }
}

function checkOptions(eng: MigrateEngine, nid: number, options: CompactOptions): Required<CompactOptions> {
  const { clusterMax = COMPACT_CLUSTER_MAX, mode = MIGRATE_SYNC_LIGHT, order = -1 } = options;
  if (!Number.isInteger(nid) || nid < 0 || nid >= eng.sys.nrNodes) {
    throw new KernelError('EINVAL', `compaction node ${nid} is not accepted: nodes are 0..${eng.sys.nrNodes - 1}`);
  }
  if (!Number.isInteger(clusterMax) || clusterMax < 1) {
    throw new KernelError('EINVAL', `compaction clusterMax ${clusterMax} is not accepted: give a whole number of base pages >= 1 (upstream 32)`);
  }
  if (!isMigrateMode(mode)) throw new KernelError('EINVAL', `compaction mode ${String(mode)} is not accepted: give MIGRATE_ASYNC (0), MIGRATE_SYNC_LIGHT (1) or MIGRATE_SYNC (2)`);
  if (!Number.isInteger(order) || order < -1 || order > MAX_PAGE_ORDER) {
    throw new KernelError('EINVAL', `compaction order ${order} is not accepted: give -1 (whole node) or 0..${MAX_PAGE_ORDER}`);
  }
  return { clusterMax, mode, order };
}

/**
 * Compacts node `nid` (throws KernelError EINVAL on bad options). Resolves to what changed.
 */
export async function compactNode(eng: MigrateEngine, nid: number, options: CompactOptions = {}): Promise<CompactResult> {
  const { clusterMax, mode, order } = checkOptions(eng, nid, options);
  const sys = eng.sys;
  const cc = new CompactControl(eng, nid, clusterMax);
  const freeBefore = cc.zone.freeCounts();
  const reached = (): boolean => order >= 0 && largestFreeOrder(cc.zone.freeCounts()) >= order;
  let status: CompactResult['status'] = 'complete';
  let migrateCalls = 0;
  let migrated = 0;
  let failed = 0;
  const list = new FolioList(sys.memmap);
  while (!cc.met && cc.migratePfn < cc.freePfn) {
    if (reached()) {
      status = 'success';
      break;
    }
    cc.isolateMigratepages(list);
    if (list.isEmpty()) continue;
    migrateCalls++;
    const before = list.toArray().reduce((n, folio) => n + sys.memmap.folioNrPages(folio), 0);
    const result = await migratePages(eng, list, cc.alloc, cc.free, { mode, reason: MR_COMPACTION });
    migrated += result.nrSucceeded;
    failed += before - result.nrSucceeded;
    if (!list.isEmpty()) putbackMovablePages(sys, list);
  }
  if (status === 'complete' && reached()) status = 'success';
  cc.releaseFreeList();
  const freeAfter = cc.zone.freeCounts();
  const largestFreeOrderBefore = largestFreeOrder(freeBefore);
  const largestFreeOrderAfter = largestFreeOrder(freeAfter);
  sys.vmstat.count('compact_migrate_scanned', cc.scanned);
  sys.vmstat.count('compact_isolated', cc.isolated + cc.freeIsolated);
  const success = order >= 0 ? status === 'success' : largestFreeOrderAfter > largestFreeOrderBefore;
  sys.vmstat.count(success ? 'compact_success' : 'compact_fail');
  return {
    status,
    freeBefore,
    freeAfter,
    largestFreeOrderBefore,
    largestFreeOrderAfter,
    migrateCalls,
    scanned: cc.scanned,
    isolated: cc.isolated,
    freeIsolated: cc.freeIsolated,
    migrated,
    failed,
  };
}
