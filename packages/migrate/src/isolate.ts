/**
 * Taking folios off their lists for migration and putting back the ones that did not move:
 * LRU folios (`folio_isolate_lru()` + `NR_ISOLATED_*`), hugetlb folios (`isolate_hugetlb()`),
 * and movable_ops pages through their driver (`isolate_movable_page()`); and
 * `putback_movable_pages()` for whatever is left on the list after `migratePages()`.
 */
import { PGF_hugetlb, PGF_isolated, PGF_movable_ops } from '@pagemig/folio';
import { NIL, type FolioList, type System } from '@pagemig/mm';

/**
 * Isolates `folio` (a head PFN) onto `list`; false when it cannot be isolated (already
 * isolated, not on an LRU, a movable_ops driver refuses, ...).
 */
export function isolateFolioForMigration(sys: System, folio: number, list: FolioList): boolean {
  const m = sys.memmap;
  const flags = m.flags[folio]!;
  if ((flags & PGF_hugetlb) !== 0) {
    // isolate_hugetlb(): an in-use huge folio not already isolated
    if (m.refcount[folio]! <= 0 || (flags & PGF_isolated) !== 0) return false;
    m.flags[folio]! |= PGF_isolated;
    m.refcount[folio]!++;
    list.add(folio);
    return true;
  }
  if ((flags & PGF_movable_ops) !== 0) {
    const owner = sys.movableOpsOwner(folio);
    if (owner === undefined || (flags & PGF_isolated) !== 0) return false;
    if (!sys.locks.folioTrylock(folio)) return false;
    m.refcount[folio]!++;
    const ok = owner.isolate(folio);
    sys.locks.folioUnlock(folio);
    if (!ok) {
      sys.alloc.folioPut(folio);
      return false;
    }
    m.flags[folio]! |= PGF_isolated;
    list.add(folio);
    return true;
  }
  if (!sys.lru.folioIsolateLru(folio)) return false;
  sys.lru.modIsolated(folio, 1);
  list.add(folio);
  return true;
}

/** Puts every folio of `list` back where it came from (mirrors `putback_movable_pages()`). */
export function putbackMovablePages(sys: System, list: FolioList): void {
  const m = sys.memmap;
  for (let folio = list.first(), next = NIL; folio !== NIL; folio = next) {
    next = list.nextOf(folio);
    list.del(folio);
    const flags = m.flags[folio]!;
    if ((flags & PGF_hugetlb) !== 0) {
      m.flags[folio]! &= ~PGF_isolated;
      sys.alloc.folioPut(folio);
    } else if ((flags & PGF_movable_ops) !== 0) {
      const owner = sys.movableOpsOwner(folio);
      m.flags[folio]! &= ~PGF_isolated;
      owner?.putback(folio);
      sys.alloc.folioPut(folio);
    } else {
      sys.lru.modIsolated(folio, -1);
      sys.lru.folioAddLru(folio);
      sys.alloc.folioPut(folio);
    }
  }
}
