/**
 * Whether a folio is mapped by more than one process (mirrors `folio_maybe_mapped_shared()`):
 * what makes `move_pages(2)` answer -EACCES and `migrate_pages(2)`/`mbind(2)` skip a folio
 * unless the caller asked for MPOL_MF_MOVE_ALL.
 */
import { HPAGE_PMD_NR, HPAGE_PMD_SIZE, PAGE_SIZE, PGF_hugetlb } from '@pagemig/folio';
import { PTE_PRESENT, type MmStruct, type RmapHit, type System } from '@pagemig/mm';

/** True when the VMA of `hit` really maps a page of `folio` (present PTE or PMD). */
function hitMapsFolio(hit: RmapHit, folio: number, nr: number): boolean {
  const { vma, address } = hit;
  const pt = vma.mm.pageTable;
  if (nr === HPAGE_PMD_NR && address % HPAGE_PMD_SIZE === 0 && pt.isPmdLeaf(address)) {
    const leaf = pt.pmdLeaf(address)!;
    return leaf.pfn === folio && (leaf.bits & PTE_PRESENT) !== 0;
  }
  const lo = Math.max(address, vma.start);
  const hi = Math.min(address + nr * PAGE_SIZE, vma.end);
  for (let addr = lo; addr < hi; addr += PAGE_SIZE) {
    const slot = pt.pteSlot(addr);
    if (slot < 0 || (pt.bitsAt(slot) & PTE_PRESENT) === 0) continue;
    const pfn = pt.pfnAt(slot);
    if (pfn >= folio && pfn < folio + nr) return true;
  }
  return false;
}

/**
 * True when `folio` may be mapped by more than one address space: a small folio mapped more
 * than once, a hugetlb folio with more than one PMD mapping, or a large folio whose mappings
 * belong to more than one mm (the kernel tracks the mm ids; pagemig asks the reverse map).
 */
export function folioMaybeMappedShared(sys: System, folio: number): boolean {
  const m = sys.memmap;
  if (!m.folioTestLarge(folio)) return m.mapcount[folio]! > 1;
  if ((m.flags[folio]! & PGF_hugetlb) !== 0) return m.folioEntireMapcount(folio) > 1;
  if (m.folioMapcount(folio) <= 1) return false;
  const nr = m.folioNrPages(folio);
  let first: MmStruct | null = null;
  for (const hit of sys.rmap.walk(folio)) {
    if (!hitMapsFolio(hit, folio, nr)) continue;
    if (first === null) first = hit.vma.mm;
    else if (hit.vma.mm !== first) return true;
  }
  return false;
}
