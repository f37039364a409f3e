/**
 * Page faults (mirrors `handle_mm_fault()` and what it calls): a read of untouched anonymous
 * memory maps the shared zero page (the huge zero page in a THP-eligible PMD); a write allocates
 * by memory policy (a PMD THP or an mTHP when enabled); copy-on-write after fork; file and shmem
 * faults go through the page cache; hugetlb faults take from the pools; a fault on a migration
 * entry asks the caller to wait for that migration and retry; a NUMA hinting fault (protnone
 * entry) asks the caller to run the NUMA balancing hook.
 *
 * The handler is synchronous; waiting is the caller's job (the async access path), so the
 * common fault allocates no promise.
 */
import {
  HPAGE_PMD_NR,
  HPAGE_PMD_ORDER,
  HPAGE_PMD_SIZE,
  PAGE_SIZE,
  PGF_dirty,
  PGF_mlocked,
  PGF_swapbacked,
  PGF_uptodate,
  mappingEncodeAnon,
  mappingEncodeFile,
} from '@pagemig/folio';
import type { AddressSpace } from './address-space';
import { NIL } from './folio-list';
import { splitHugePmd } from './huge-memory';
import type { MmStruct } from './mm-struct';
import {
  PTE_DIRTY,
  PTE_MIGRATION,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_SPECIAL,
  PTE_WRITE,
  PTE_YOUNG,
} from './page-table';
import type { System } from './system';
import type { Task } from './task';
import { VM_EXEC, VM_HUGEPAGE, VM_HUGETLB, VM_LOCKED, VM_NOHUGEPAGE, VM_READ, VM_SHARED, VM_WRITE, type Vma } from './vma';
import { VM_PGFAULT, VM_THP_FAULT_ALLOC, VM_THP_FAULT_FALLBACK, VM_ZERO_PAGE_FAULT } from './vm-events';

/** Out of memory (allocation or memcg limit). */
export const VM_FAULT_OOM = 0x0001;
/** No backing page (beyond end of file, empty hugetlb pool). */
export const VM_FAULT_SIGBUS = 0x0002;
/** Bad access: no VMA, or the VMA does not allow it. */
export const VM_FAULT_SIGSEGV = 0x0040;
/** Wait for `sys.fault.waitFolio` to be unlocked (a migration entry), then retry. */
export const VM_FAULT_RETRY = 0x0400;
/** NUMA hinting fault on `sys.fault.numaFolio`: run the NUMA balancing hook, then retry (pagemig's own code). */
export const VM_FAULT_NUMA = 0x10000;

/** The fault is a write. */
export const FAULT_FLAG_WRITE = 0x01;

/** Side results of the last fault (kept on the system so faults allocate nothing). */
export interface FaultResult {
  waitFolio: number;
  numaFolio: number;
  numaAddr: number;
}

const PRESENT_RW = PTE_PRESENT | PTE_WRITE | PTE_DIRTY | PTE_YOUNG;

/** Handles a fault at `addr` for `task` (which runs on `task.cpu`); 0 or VM_FAULT_* bits. */
export function handleMmFault(mm: MmStruct, addr: number, flags: number, task: Task): number {
  const sys = mm.sys;
  const vma = mm.findVma(addr);
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  if (vma === null) return VM_FAULT_SIGSEGV;
  if (write ? (vma.flags & VM_WRITE) === 0 : (vma.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0) return VM_FAULT_SIGSEGV;
  sys.vmstat.add(VM_PGFAULT, 1);
  if ((vma.flags & VM_HUGETLB) !== 0) return hugetlbFault(sys, mm, vma, addr, write, task);
  const pt = mm.pageTable;
  const pmdStart = Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  const leaf = pt.pmdLeaf(pmdStart);
  if (leaf !== null) {
    if ((leaf.bits & PTE_MIGRATION) !== 0) return retryOn(sys, leaf.pfn);
    if ((leaf.bits & PTE_PROTNONE) !== 0) return numaFault(sys, leaf.pfn, addr);
    if (write && (leaf.bits & PTE_WRITE) === 0) {
      if ((leaf.bits & PTE_SPECIAL) !== 0) {
        pt.clearPmd(pmdStart);
        mm.sys.tlb.flushRange(mm.cpumask, mm.id, pmdStart / PAGE_SIZE, HPAGE_PMD_NR);
        return doHugePmdAnonymousPage(sys, mm, vma, pmdStart, true, task) ?? doPteFault(sys, mm, vma, addr, write, task);
      }
      const folio = leaf.pfn;
      if ((vma.flags & VM_SHARED) !== 0 || (sys.memmap.folioTestAnon(folio) && sys.memmap.refcount[folio] === 1)) {
        pt.setPmdLeaf(pmdStart, folio, leaf.bits | PRESENT_RW);
        sys.memmap.flags[folio]! |= PGF_dirty;
        return 0;
      }
      splitHugePmd(sys, pt, pmdStart);
      return doPteFault(sys, mm, vma, addr, write, task);
    }
    pt.setPmdLeaf(pmdStart, leaf.pfn, leaf.bits | PTE_YOUNG | (write ? PTE_DIRTY : 0));
    return 0;
  }
  if (pt.pmdNone(pmdStart) && thpEligible(sys, vma, HPAGE_PMD_ORDER) && pmdStart >= vma.start && pmdStart + HPAGE_PMD_SIZE <= vma.end) {
    const rc = doHugePmdAnonymousPage(sys, mm, vma, pmdStart, write, task);
    if (rc !== null) return rc;
  }
  return doPteFault(sys, mm, vma, addr, write, task);
}

function retryOn(sys: System, pfn: number): number {
  sys.fault.waitFolio = sys.memmap.compoundHead(pfn);
  return VM_FAULT_RETRY;
}

function numaFault(sys: System, pfn: number, addr: number): number {
  sys.vmstat.count('numa_hint_faults');
  sys.fault.numaFolio = sys.memmap.compoundHead(pfn);
  sys.fault.numaAddr = addr;
  return VM_FAULT_NUMA;
}

/**
 * Orders of anonymous THP/mTHP that may back this VMA, as a bit mask (bit n = order n; mirrors
 * `thp_vma_allowable_orders()`): sizes set to `always`, plus those set to `madvise` in a
 * MADV_HUGEPAGE VMA; none in a MADV_NOHUGEPAGE, file or shared VMA. The System keeps the two
 * masks up to date when a setting changes, so a fault does no lookups.
 */
export function thpAllowableOrders(sys: System, vma: Vma): number {
  const flags = vma.flags;
  if (vma.file !== null || (flags & (VM_SHARED | VM_NOHUGEPAGE)) !== 0) return 0;
  return (flags & VM_HUGEPAGE) !== 0 ? sys.thpOrdersAlways | sys.thpOrdersMadvise : sys.thpOrdersAlways;
}

/** True when THP of `order` may back this VMA (mirrors `thp_vma_allowable_order()`). */
export function thpEligible(sys: System, vma: Vma, order: number): boolean {
  return (thpAllowableOrders(sys, vma) & (1 << order)) !== 0;
}

/** Maps a PMD THP (or the huge zero page on a read); null when the THP could not be had. */
function doHugePmdAnonymousPage(sys: System, mm: MmStruct, vma: Vma, pmdStart: number, write: boolean, task: Task): number | null {
  const pt = mm.pageTable;
  if (!write) {
    const zero = sys.hugeZeroPfn();
    if (zero === NIL) return null;
    pt.setPmdLeaf(pmdStart, zero, PTE_PRESENT | PTE_SPECIAL | PTE_YOUNG);
    sys.vmstat.add(VM_ZERO_PAGE_FAULT, 1);
    return 0;
  }
  const folio = sys.allocUserFolio(task, vma, pmdStart, HPAGE_PMD_ORDER);
  if (folio === NIL) {
    sys.vmstat.add(VM_THP_FAULT_FALLBACK, 1);
    sys.mthpStat(HPAGE_PMD_ORDER, 'anon_fault_fallback');
    return null;
  }
  sys.vmstat.add(VM_THP_FAULT_ALLOC, 1);
  sys.mthpStat(HPAGE_PMD_ORDER, 'anon_fault_alloc');
  newAnonRmap(sys, vma, folio, pmdStart);
  const m = sys.memmap;
  pt.setPmdLeaf(pmdStart, folio, PRESENT_RW);
  m.mapping[folio + 1]!++;
  m.private[folio + 1]!++;
  m.refcount[folio]!++;
  mm.rss.anon += HPAGE_PMD_NR;
  finishNewFolio(sys, vma, folio);
  return 0;
}

/** Sets up a new anonymous folio's rmap (mirrors `folio_add_new_anon_rmap()` minus the mapcount). */
function newAnonRmap(sys: System, vma: Vma, folio: number, addr: number): void {
  const av = sys.anonVmaPrepare(vma);
  const m = sys.memmap;
  m.mapping[folio] = mappingEncodeAnon(av.handle);
  m.index[folio] = vma.linearPageIndex(addr);
  m.flags[folio]! |= PGF_swapbacked | PGF_uptodate | PGF_dirty;
}

/** LRU insertion and mlock of a freshly mapped folio; drops the allocation reference. */
function finishNewFolio(sys: System, vma: Vma, folio: number): void {
  if ((vma.flags & VM_LOCKED) !== 0) sys.memmap.flags[folio]! |= PGF_mlocked;
  sys.lru.folioAddLru(folio);
  // the mapping took its own references; the allocation's reference is not needed
  sys.alloc.folioPut(folio);
}

function doPteFault(sys: System, mm: MmStruct, vma: Vma, addr: number, write: boolean, task: Task): number {
  const pt = mm.pageTable;
  const slot = pt.pteSlotAlloc(addr);
  if (slot < 0) throw new Error(`internal: PTE fault at 0x${addr.toString(16)} under a PMD leaf`);
  const bits = pt.bitsAt(slot);
  if (bits === 0) {
    if (vma.file === null) return doAnonymousPage(sys, mm, vma, addr, slot, write, task);
    return doFileFault(sys, mm, vma, addr, write, task);
  }
  if ((bits & PTE_MIGRATION) !== 0) return retryOn(sys, pt.pfnAt(slot));
  if ((bits & PTE_PROTNONE) !== 0) return numaFault(sys, pt.pfnAt(slot), addr);
  if (write && (bits & PTE_WRITE) === 0) return doWpPage(sys, mm, vma, addr, slot, task);
  pt.orBitsAt(slot, PTE_YOUNG | (write ? PTE_DIRTY : 0));
  return 0;
}

/**
 * Anonymous fault on an empty PTE at `slot` (mirrors `do_anonymous_page()` and
 * `alloc_anon_folio()`): a read maps the zero page; a write tries the enabled mTHP orders from
 * the largest whose aligned range fits the VMA and is still empty, falling back to smaller
 * ones when allocation fails, then order 0.
 */
function doAnonymousPage(sys: System, mm: MmStruct, vma: Vma, addr: number, slot: number, write: boolean, task: Task): number {
  const pt = mm.pageTable;
  if (!write) {
    pt.setAt(slot, sys.zeroPfn, PTE_PRESENT | PTE_SPECIAL | PTE_YOUNG);
    sys.vmstat.add(VM_ZERO_PAGE_FAULT, 1);
    return 0;
  }
  const orders = thpAllowableOrders(sys, vma) & ((1 << HPAGE_PMD_ORDER) - 2);
  for (let order = HPAGE_PMD_ORDER - 1; orders !== 0 && order > 0; order--) {
    if ((orders & (1 << order)) === 0) continue;
    const nr = 2 ** order;
    const size = PAGE_SIZE * nr;
    const start = Math.floor(addr / size) * size;
    if (start < vma.start || start + size > vma.end) continue;
    const first = slot - (addr - start) / PAGE_SIZE;
    let empty = true;
    for (let i = 0; i < nr && empty; i++) empty = pt.bitsAt(first + i) === 0;
    if (!empty) continue;
    const folio = sys.allocUserFolio(task, vma, start, order);
    if (folio === NIL) {
      sys.mthpStat(order, 'anon_fault_fallback');
      continue;
    }
    sys.mthpStat(order, 'anon_fault_alloc');
    mapNewAnonFolio(sys, mm, vma, folio, start, first, nr);
    return 0;
  }
  const folio = sys.allocUserFolio(task, vma, addr, 0);
  if (folio === NIL) return VM_FAULT_OOM;
  mapNewAnonFolio(sys, mm, vma, folio, addr, slot, 1);
  return 0;
}

/** Maps a new anonymous folio of `nr` pages at `start` by PTEs from `slot`, then LRU and mlock. */
function mapNewAnonFolio(sys: System, mm: MmStruct, vma: Vma, folio: number, start: number, slot: number, nr: number): void {
  newAnonRmap(sys, vma, folio, start);
  mapPtes(sys, mm.pageTable, slot, folio, nr, PRESENT_RW);
  mm.rss.anon += nr;
  finishNewFolio(sys, vma, folio);
}

/** Maps `nr` consecutive pages of a folio at consecutive PTE slots, one reference each. */
function mapPtes(sys: System, pt: MmStruct['pageTable'], slot: number, folio: number, nr: number, bits: number): void {
  const m = sys.memmap;
  for (let i = 0; i < nr; i++) {
    pt.setAt(slot + i, folio + i, bits);
    m.mapcount[folio + i]!++;
  }
  if (m.folioTestLarge(folio)) m.private[folio + 1]! += nr;
  m.refcount[folio]! += nr;
}

/**
 * Looks a file page up in the page cache, reading it in (a zero-filled folio) when missing;
 * returns the folio with an extra reference, or NIL (mirrors `filemap_fault()`).
 */
export function filemapGetFolio(sys: System, file: AddressSpace, index: number, task: Task, vma: Vma | null, addr: number): number {
  const cached = file.lookup(index);
  if (cached !== NIL) {
    sys.memmap.refcount[cached]!++;
    return cached;
  }
  const folio = vma !== null ? sys.allocUserFolio(task, vma, addr, 0) : sys.allocTaskFolio(task, 0);
  if (folio === NIL) return NIL;
  const m = sys.memmap;
  m.mapping[folio] = mappingEncodeFile(file.handle);
  m.index[folio] = index;
  m.flags[folio]! |= PGF_uptodate | (file.kind === 'shmem' ? PGF_swapbacked : 0);
  m.refcount[folio]! += 1;
  file.insert(index, folio, 1);
  sys.lru.folioAddLru(folio);
  // a read from "disk": a major fault when a mapping asked for it
  if (vma !== null && file.kind !== 'shmem') sys.vmstat.count('pgmajfault');
  return folio;
}

/** File or shmem fault on an empty PTE (mirrors `do_read_fault()`, `do_cow_fault()`, `do_shared_fault()`). */
function doFileFault(sys: System, mm: MmStruct, vma: Vma, addr: number, write: boolean, task: Task): number {
  const file = vma.file!;
  const index = vma.linearPageIndex(addr);
  if (index >= file.sizePages) return VM_FAULT_SIGBUS;
  const folio = filemapGetFolio(sys, file, index, task, vma, addr);
  if (folio === NIL) return VM_FAULT_OOM;
  const pt = mm.pageTable;
  const slot = pt.pteSlot(addr);
  const shared = (vma.flags & VM_SHARED) !== 0;
  if (write && !shared) {
    const rc = cowCopy(sys, mm, vma, addr, slot, folio, task);
    sys.alloc.folioPut(folio);
    return rc;
  }
  const m = sys.memmap;
  let bits = PTE_PRESENT | PTE_YOUNG;
  if (write) {
    bits |= PTE_WRITE | PTE_DIRTY;
    m.flags[folio]! |= PGF_dirty;
  }
  mapPtes(sys, pt, slot, folio, 1, bits);
  if (file.kind === 'shmem') mm.rss.shmem++;
  else mm.rss.file++;
  // the folio is on an LRU already: mlocking moves it to the unevictable list
  if ((vma.flags & VM_LOCKED) !== 0) sys.lru.mlockFolio(folio);
  sys.alloc.folioPut(folio);
  return 0;
}

/** Copies a page into a new anonymous folio and maps it writable at `slot` (the copy half of `wp_page_copy()`). */
function cowCopy(sys: System, mm: MmStruct, vma: Vma, addr: number, slot: number, srcPfn: number, task: Task): number {
  const copy = sys.allocUserFolio(task, vma, addr, 0);
  if (copy === NIL) return VM_FAULT_OOM;
  sys.vmstat.count('cow_fault');
  if (srcPfn === sys.zeroPfn) sys.phys.zeroPages(copy, 1);
  else sys.phys.copyPages(copy, srcPfn, 1);
  newAnonRmap(sys, vma, copy, addr);
  mm.pageTable.setAt(slot, 0, 0);
  mapPtes(sys, mm.pageTable, slot, copy, 1, PRESENT_RW);
  mm.rss.anon++;
  finishNewFolio(sys, vma, copy);
  return 0;
}

/** Write to a write-protected present PTE (mirrors `do_wp_page()`): reuse, share or copy. */
function doWpPage(sys: System, mm: MmStruct, vma: Vma, addr: number, slot: number, task: Task): number {
  const pt = mm.pageTable;
  const m = sys.memmap;
  const bits = pt.bitsAt(slot);
  const pfn = pt.pfnAt(slot);
  if ((bits & PTE_SPECIAL) !== 0) {
    const rc = cowCopy(sys, mm, vma, addr, slot, sys.zeroPfn, task);
    if (rc === 0) sys.tlb.flushRange(mm.cpumask, mm.id, addr / PAGE_SIZE, 1);
    return rc;
  }
  const folio = m.compoundHead(pfn);
  if ((vma.flags & VM_SHARED) !== 0) {
    pt.setAt(slot, pfn, bits | PRESENT_RW);
    m.flags[folio]! |= PGF_dirty;
    return 0;
  }
  if (m.folioTestAnon(folio) && !m.folioTestLarge(folio) && m.refcount[folio] === 1 && m.mapcount[folio] === 1) {
    pt.setAt(slot, pfn, bits | PRESENT_RW);
    return 0;
  }
  // copy: the old page loses this mapping and its reference
  const fileRss = vma.file !== null && !m.folioTestAnon(folio);
  const rssDelta = (delta: number): void => {
    if (!fileRss) mm.rss.anon += delta;
    else if (vma.file!.kind === 'shmem') mm.rss.shmem += delta;
    else mm.rss.file += delta;
  };
  m.mapcount[pfn]!--;
  if (m.folioTestLarge(folio)) m.private[folio + 1]!--;
  rssDelta(-1);
  const rc = cowCopy(sys, mm, vma, addr, slot, pfn, task);
  if (rc !== 0) {
    m.mapcount[pfn]!++;
    if (m.folioTestLarge(folio)) m.private[folio + 1]!++;
    rssDelta(1);
    return rc;
  }
  sys.tlb.flushRange(mm.cpumask, mm.id, addr / PAGE_SIZE, 1);
  sys.alloc.folioPut(folio);
  return 0;
}

/** hugetlb fault (mirrors `hugetlb_fault()`, `hugetlb_no_page()`, `hugetlb_wp()`). */
function hugetlbFault(sys: System, mm: MmStruct, vma: Vma, addr: number, write: boolean, task: Task): number {
  sys.vmstat.count('hugetlb_fault');
  const pt = mm.pageTable;
  const m = sys.memmap;
  const start = Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  const leaf = pt.pmdLeaf(start);
  const shared = (vma.flags & VM_SHARED) !== 0;
  if (leaf !== null) {
    if ((leaf.bits & PTE_MIGRATION) !== 0) return retryOn(sys, leaf.pfn);
    if ((leaf.bits & PTE_PROTNONE) !== 0) return numaFault(sys, leaf.pfn, addr);
    if (write && (leaf.bits & PTE_WRITE) === 0) {
      if (shared || (m.refcount[leaf.pfn] === 1 && m.folioTestAnon(leaf.pfn))) {
        pt.setPmdLeaf(start, leaf.pfn, leaf.bits | PRESENT_RW);
        return 0;
      }
      const copy = sys.hugetlb.allocHugetlbFolio(sys.policyNodes(task, vma, start));
      if (copy === NIL) return VM_FAULT_OOM;
      sys.phys.copyPages(copy, leaf.pfn, HPAGE_PMD_NR);
      newAnonRmap(sys, vma, copy, start);
      m.flags[copy]! &= ~PGF_swapbacked;
      pt.setPmdLeaf(start, copy, PRESENT_RW);
      m.mapping[copy + 1]!++;
      m.private[copy + 1]!++;
      m.mapping[leaf.pfn + 1]!--;
      m.private[leaf.pfn + 1]!--;
      sys.tlb.flushRange(mm.cpumask, mm.id, start / PAGE_SIZE, HPAGE_PMD_NR);
      sys.alloc.folioPut(leaf.pfn);
      return 0;
    }
    pt.setPmdLeaf(start, leaf.pfn, leaf.bits | PTE_YOUNG | (write ? PTE_DIRTY : 0));
    return 0;
  }
  let folio: number;
  if (shared) {
    const file = vma.file!;
    const index = vma.linearPageIndex(start);
    if (index >= file.sizePages) return VM_FAULT_SIGBUS;
    folio = file.lookup(index);
    if (folio === NIL) {
      folio = sys.hugetlb.allocHugetlbFolio(sys.policyNodes(task, vma, start));
      if (folio === NIL) return VM_FAULT_SIGBUS;
      m.mapping[folio] = mappingEncodeFile(file.handle);
      m.index[folio] = index;
      m.flags[folio]! |= PGF_uptodate;
      sys.phys.zeroPages(folio, HPAGE_PMD_NR);
      file.insert(index, folio, HPAGE_PMD_NR);
      m.refcount[folio]!++; // the page cache's one reference to a hugetlb folio
    } else {
      m.refcount[folio]!++;
    }
  } else {
    folio = sys.hugetlb.allocHugetlbFolio(sys.policyNodes(task, vma, start));
    if (folio === NIL) return VM_FAULT_SIGBUS;
    sys.phys.zeroPages(folio, HPAGE_PMD_NR);
    newAnonRmap(sys, vma, folio, start);
    m.flags[folio]! &= ~PGF_swapbacked;
    m.refcount[folio]!--; // the mapping's reference replaces the allocation's
  }
  pt.setPmdLeaf(start, folio, PTE_PRESENT | PTE_YOUNG | (write || shared ? PTE_WRITE : 0) | (write ? PTE_DIRTY : 0));
  m.mapping[folio + 1]!++;
  m.private[folio + 1]!++;
  m.refcount[folio]!++;
  if (shared) {
    m.refcount[folio]!--; // lookup/alloc reference became the mapping's
    mm.rss.file += HPAGE_PMD_NR;
  } else {
    mm.rss.anon += HPAGE_PMD_NR;
  }
  return 0;
}
