/**
 * Populating a range (mirrors `populate_vma_page_range()` for MAP_POPULATE / MAP_LOCKED):
 * faults every page in synchronously as the mm's owner. This is also the fast path the memory
 * benchmark measures, so it walks before faulting and allocates nothing per page.
 */
import { EBUSY, EFAULT, EINVAL, ENOMEM } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import { translate } from './access';
import { FAULT_FLAG_WRITE, VM_FAULT_OOM, VM_FAULT_RETRY, VM_FAULT_NUMA, handleMmFault } from './fault';
import type { MmStruct } from './mm-struct';
import { PTE_PRESENT, PTE_PROTNONE, PTE_WRITE } from './page-table';
import { VM_EXEC, VM_READ, VM_WRITE } from './vma';

/**
 * True when a NUMA hinting (protnone) entry already maps `va` well enough for GUP, which follows
 * protnone entries without taking the hinting fault (`gup_can_follow_protnone()`).
 */
function presentProtnone(mm: MmStruct, va: number, write: boolean): boolean {
  const pt = mm.pageTable;
  const leaf = pt.isPmdLeaf(va) ? pt.pmdLeaf(va) : null;
  let bits: number;
  if (leaf !== null) bits = leaf.bits;
  else {
    const slot = pt.pteSlot(va);
    if (slot < 0) return false;
    bits = pt.bitsAt(slot);
  }
  if ((bits & (PTE_PRESENT | PTE_PROTNONE)) !== (PTE_PRESENT | PTE_PROTNONE) || (write && (bits & PTE_WRITE) === 0)) return false;
  // an inaccessible VMA (mprotect PROT_NONE) uses the same bit: that one is a fault
  const vma = mm.findVma(va);
  return vma !== null && (vma.flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
}

/** Faults in [addr, addr + length); 0, or -ENOMEM, -EFAULT, -EBUSY (a page is being migrated). */
export function populateRange(mm: MmStruct, addr: number, length: number, write: boolean): number {
  const task = mm.owner;
  if (task === null || task.exited) return -EINVAL;
  if (addr % PAGE_SIZE !== 0 || !Number.isSafeInteger(length) || length < 0) return -EINVAL;
  const end = addr + length;
  mm.cpumask |= 1 << task.cpu;
  const flags = write ? FAULT_FLAG_WRITE : 0;
  for (let va = addr; va < end; va += PAGE_SIZE) {
    if (translate(mm, va, write) >= 0 || presentProtnone(mm, va, write)) continue;
    const rc = handleMmFault(mm, va, flags, task);
    if (rc === 0) continue;
    if (rc === VM_FAULT_RETRY || rc === VM_FAULT_NUMA) return -EBUSY;
    return rc === VM_FAULT_OOM ? -ENOMEM : -EFAULT;
  }
  return 0;
}
