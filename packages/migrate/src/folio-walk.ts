/**
 * Finding the folio a user address maps (mirrors `folio_walk_start()` with `FW_ZEROPAGE`):
 * the folio of a present PTE or PMD (protnone entries are present), the zero page as its own
 * answer, nothing for an empty or non-present entry (a migration entry included).
 */
import { HPAGE_PMD_SIZE } from '@pagemig/folio';
import { PTE_PRESENT, PTE_SPECIAL, type System, type Vma } from '@pagemig/mm';

/** No folio: the entry is empty or not present. */
export const FW_NONE = -1;
/** The entry maps the shared zero page or the huge zero page. */
export const FW_ZERO = -2;

/**
 * The head PFN of the folio mapped at `addr` of `vma`, FW_ZERO, or FW_NONE. Allocates nothing
 * for PTE-mapped addresses (the per-page path of `move_pages`).
 */
export function folioWalk(sys: System, vma: Vma, addr: number): number {
  const pt = vma.mm.pageTable;
  const pmdStart = Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  let pfn: number;
  let bits: number;
  if (pt.isPmdLeaf(pmdStart)) {
    const leaf = pt.pmdLeaf(pmdStart)!;
    pfn = leaf.pfn;
    bits = leaf.bits;
  } else {
    const slot = pt.pteSlot(addr);
    if (slot < 0) return FW_NONE;
    pfn = pt.pfnAt(slot);
    bits = pt.bitsAt(slot);
  }
  if ((bits & PTE_PRESENT) === 0) return FW_NONE;
  if ((bits & PTE_SPECIAL) !== 0 || sys.isZeroPfn(pfn)) return FW_ZERO;
  return sys.memmap.compoundHead(pfn);
}

/**
 * True when folios of `vma` may be migrated (mirrors `vma_migratable()`). pagemig has no
 * VM_IO/VM_PFNMAP or DAX mappings, and hugetlb migration is supported, so every VMA is.
 */
export function vmaMigratable(_vma: Vma): boolean {
  return true;
}
