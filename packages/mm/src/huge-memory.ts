/**
 * Large-folio splitting (mirrors `split_folio_to_list()` / `__split_huge_page()` for splitting
 * to order 0). The folio must be locked and hold no references beyond its mappings, its page
 * cache slots and the caller's one (`can_split_folio()`), else -EAGAIN. PMD mappings are first
 * split into PTEs; each base page then becomes an order-0 folio with its own refcount and
 * mapcount, keeping mapping, index and flags, and the tails are appended to `list`.
 */
import { EAGAIN, EBUSY } from '@pagemig/kernel';
import {
  HPAGE_PMD_NR,
  HPAGE_PMD_SIZE,
  PAGE_SIZE,
  PGF_head,
  PGF_hugetlb,
  PGF_hwpoison,
  PGF_lru,
  PGF_partially_mapped,
  PGF_large_rmappable,
  PGF_waiters,
} from '@pagemig/folio';
import type { FolioList } from './folio-list';
import { PTE_MIGRATION, PTE_PRESENT, PTE_SPECIAL, type PageTable } from './page-table';
import type { System } from './system';

/**
 * Splits a locked large folio into order-0 folios; returns 0 or -errno. The head keeps its
 * PFN and its place; every new folio is locked like the head was and is appended to `list`
 * when given (the head stays where it is, as in the kernel), otherwise put on the LRU.
 * A tail put on `list` is isolated like the head: it carries one reference for it, as
 * `lru_add_split_folio()` takes one (`folio_get()`) for each folio it adds to the list.
 */
export function splitFolioToList(sys: System, folio: number, list: FolioList | null): number {
  const mm = sys.memmap;
  if ((mm.flags[folio]! & PGF_head) === 0) return 0;
  if ((mm.flags[folio]! & PGF_hugetlb) !== 0) return -EBUSY;
  const nr = mm.folioNrPages(folio);
  const callerRefs = 1;
  if (mm.refcount[folio]! !== mm.folioExpectedRefCount(folio) + callerRefs) {
    sys.vmstat.count('thp_split_page_failed');
    return -EAGAIN;
  }
  // PMD mappings become PTE mappings of the same frames (one reference per PTE)
  for (const hit of sys.rmap.walk(folio)) {
    const pt = hit.vma.mm.pageTable;
    if (nr === HPAGE_PMD_NR && hit.address % HPAGE_PMD_SIZE === 0 && pt.pmdLeaf(hit.address)?.pfn === folio) {
      splitHugePmd(sys, pt, hit.address);
    }
  }
  const fileRefs = mm.folioTestAnon(folio) || mm.mapping[folio] === 0 ? 0 : 1;
  const headFlags = mm.flags[folio]! & ~(PGF_head | PGF_partially_mapped | PGF_large_rmappable | PGF_lru);
  const onLru = (mm.flags[folio]! & PGF_lru) !== 0;
  if (onLru) sys.lru.lruDel(folio);
  const mapping = mm.mapping[folio]!;
  const index = mm.index[folio]!;
  const memcg = mm.memcg[folio]!;
  mm.clearCompound(folio, mm.folioOrder(folio));
  const file = mm.folioTestAnon(folio) ? undefined : sys.rmap.addressSpaces[mm.mappingHandle(folio)];
  for (let i = 0; i < nr; i++) {
    const page = folio + i;
    // the lock bit is inherited; the lock's waiters stay queued on the head
    mm.flags[page] = (i === 0 ? headFlags : headFlags & ~PGF_waiters) | (mm.flags[page]! & PGF_hwpoison);
    mm.mapping[page] = mapping;
    mm.index[page] = index + i;
    mm.memcg[page] = memcg;
    mm.private[page] = 0;
    // the caller's reference stays with the head; a tail going on `list` gets its own
    mm.refcount[page] = mm.mapcount[page]! + fileRefs + (i === 0 || list !== null ? callerRefs : 0);
    if (file !== undefined && file.pages.get(index + i) === folio) file.pages.set(index + i, page);
    if (i === 0) continue;
    if (list !== null) list.add(page);
    else sys.lru.folioAddLru(page);
  }
  if (file !== undefined) file.nrFolios += nr - 1;
  if (onLru) sys.lru.folioAddLru(folio);
  // refs the page cache held for the tails are now held per page; nothing else changes
  sys.vmstat.count('thp_split_page');
  return 0;
}

/**
 * Replaces a PMD leaf by 512 PTEs of the same frames (mirrors `__split_huge_pmd()`): a present
 * leaf's one mapping becomes 512 page mappings, each with its reference; a migration leaf
 * becomes 512 migration entries.
 */
export function splitHugePmd(sys: System, pt: PageTable, addr: number): void {
  const leaf = pt.pmdLeaf(addr);
  if (leaf === null) return;
  pt.splitPmd(addr);
  // the huge zero page becomes 512 special PTEs of its frames: no references, no mapcounts
  if ((leaf.bits & PTE_PRESENT) !== 0 && (leaf.bits & PTE_SPECIAL) === 0) {
    const mm = sys.memmap;
    const folio = leaf.pfn;
    mm.mapping[folio + 1]!--;
    mm.private[folio + 1]! += HPAGE_PMD_NR - 1;
    mm.refcount[folio]! += HPAGE_PMD_NR - 1;
    for (let i = 0; i < HPAGE_PMD_NR; i++) mm.mapcount[folio + i]!++;
  }
  sys.vmstat.count('thp_split_pmd');
}

/** True when the folio is PTE-mapped somewhere over only part of its pages (for deferred split). */
export function folioPartiallyMapped(sys: System, folio: number): boolean {
  const mm = sys.memmap;
  const nr = mm.folioNrPages(folio);
  if (nr === 1 || mm.folioEntireMapcount(folio) > 0 || mm.folioMapcount(folio) === 0) return false;
  for (let i = 0; i < nr; i++) if (mm.mapcount[folio + i] === 0) return true;
  return false;
}

/** Counts present and migration PTEs mapping each page of a folio (for invariants and views). */
export function countFolioPtes(sys: System, folio: number): { ptes: number; pmds: number; migration: number } {
  const mm = sys.memmap;
  const nr = mm.folioNrPages(folio);
  let ptes = 0;
  let pmds = 0;
  let migration = 0;
  for (const hit of sys.rmap.walk(folio)) {
    const pt = hit.vma.mm.pageTable;
    const leaf = nr === HPAGE_PMD_NR && hit.address % HPAGE_PMD_SIZE === 0 ? pt.pmdLeaf(hit.address) : null;
    if (leaf !== null) {
      if (leaf.pfn === folio && (leaf.bits & PTE_PRESENT) !== 0) pmds++;
      if (leaf.pfn === folio && (leaf.bits & PTE_MIGRATION) !== 0) migration++;
      continue;
    }
    for (let i = 0; i < nr; i++) {
      const addr = hit.address + i * PAGE_SIZE;
      if (addr < hit.vma.start || addr >= hit.vma.end) continue;
      const slot = pt.pteSlot(addr);
      if (slot < 0 || pt.pfnAt(slot) !== folio + i) continue;
      if ((pt.bitsAt(slot) & PTE_PRESENT) !== 0) ptes++;
      else if ((pt.bitsAt(slot) & PTE_MIGRATION) !== 0) migration++;
    }
  }
  return { ptes, pmds, migration };
}
