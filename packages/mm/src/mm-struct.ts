/**
 * mm_struct: a process's address space, its VMAs and page tables, and the mmap family of
 * system calls on it (`mmap`, `munmap`, `mprotect`, `madvise`, VMA policies), plus fork's copy
 * (`dup_mmap()`) and exit's teardown (`exit_mmap()`). Calls return what the syscall returns:
 * an address or 0, or a negative errno.
 */
import { EFAULT, EINVAL, ENOMEM } from '@pagemig/kernel';
import {
  HPAGE_PMD_NR,
  HPAGE_PMD_SIZE,
  PAGE_SIZE,
  PGF_dirty,
  PGF_partially_mapped,
  PGF_swapbacked,
} from '@pagemig/folio';
import type { AddressSpace } from './address-space';
import { releaseDeletedFile } from './filemap';
import { folioPartiallyMapped, splitHugePmd } from './huge-memory';
import { MPOL_DEFAULT, type MemPolicy } from './mempolicy';
import { PTE_DIRTY, PTE_MIGRATION, PTE_PRESENT, PTE_PROTNONE, PTE_SPECIAL, PTE_WRITE, PageTable } from './page-table';
import type { System } from './system';
import type { Task } from './task';
import {
  MADV_DONTNEED,
  MADV_HUGEPAGE,
  MADV_NOHUGEPAGE,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_HUGETLB,
  MAP_LOCKED,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  VM_HUGEPAGE,
  VM_HUGETLB,
  VM_LOCKED,
  VM_NOHUGEPAGE,
  VM_EXEC,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  Vma,
  vmFlagsFor,
} from './vma';

/** Lowest address mmap hands out without a hint. */
export const MMAP_BASE = 0x7f00_0000_0000;
/** Top of the user address space (47 bits). */
export const TASK_SIZE = 0x8000_0000_0000;

/** RSS counters (mirrors `MM_ANONPAGES`, `MM_FILEPAGES`, `MM_SHMEMPAGES`). */
export interface RssCounters {
  anon: number;
  file: number;
  shmem: number;
}

/** One address space. */
export class MmStruct {
  readonly id: number;
  readonly sys: System;
  /** VMAs sorted by start address. */
  readonly vmas: Vma[] = [];
  readonly pageTable = new PageTable();
  /** CPUs that have run this mm (`mm_cpumask()`): who gets TLB shootdowns. */
  cpumask = 0;
  readonly rss: RssCounters = { anon: 0, file: 0, shmem: 0 };
  /** Tasks using this mm. */
  users = 0;
  /** The process's first task (`mm->owner`): populate faults run as it. */
  owner: Task | null = null;
  private mmapCursor = MMAP_BASE;
  private lastVma: Vma | null = null;

  constructor(sys: System, id: number) {
    this.sys = sys;
    this.id = id;
  }

  /** The VMA containing `addr` (mirrors `vma_lookup()`). */
  findVma(addr: number): Vma | null {
    const last = this.lastVma;
    if (last !== null && addr >= last.start && addr < last.end) return last;
    const vmas = this.vmas;
    let lo = 0;
    let hi = vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const vma = vmas[mid]!;
      if (addr < vma.start) hi = mid - 1;
      else if (addr >= vma.end) lo = mid + 1;
      else {
        this.lastVma = vma;
        return vma;
      }
    }
    return null;
  }

  /** VMAs overlapping [start, end), in order. */
  vmasIn(start: number, end: number): Vma[] {
    return this.vmas.filter((vma) => vma.end > start && vma.start < end);
  }

  private insertVma(vma: Vma): void {
    let i = this.vmas.findIndex((v) => v.start > vma.start);
    if (i < 0) i = this.vmas.length;
    this.vmas.splice(i, 0, vma);
  }

  private rangeFree(start: number, end: number): boolean {
    return start >= PAGE_SIZE && end <= TASK_SIZE && this.vmasIn(start, end).length === 0;
  }

  /** Finds a free range (mirrors `get_unmapped_area()`; ≥ 2 MiB mappings are PMD aligned). */
  private getUnmappedArea(hint: number, len: number): number {
    const align = len >= HPAGE_PMD_SIZE ? HPAGE_PMD_SIZE : PAGE_SIZE;
    // a free page-aligned hint is taken as it is; only the search aligns big mappings for THP
    if (hint !== 0 && hint % PAGE_SIZE === 0 && this.rangeFree(hint, hint + len)) return hint;
    let addr = Math.ceil(this.mmapCursor / align) * align;
    for (;;) {
      if (addr + len > TASK_SIZE) return -ENOMEM;
      const clash = this.vmasIn(addr, addr + len);
      if (clash.length === 0) break;
      addr = Math.ceil(clash[clash.length - 1]!.end / align) * align;
    }
    this.mmapCursor = addr + len;
    return addr;
  }

  /**
   * Maps memory (mirrors `mmap(2)`): anonymous or file, private or shared, MAP_HUGETLB,
   * MAP_FIXED, MAP_POPULATE, MAP_LOCKED. Returns the address or -errno.
   */
  mmap(addr: number, length: number, prot: number, flags: number, file: AddressSpace | null = null, offset = 0): number {
    if (!Number.isSafeInteger(length) || length <= 0) return -EINVAL;
    if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0) return -EINVAL;
    const shared = (flags & MAP_SHARED) !== 0;
    if (shared === ((flags & MAP_PRIVATE) !== 0)) return -EINVAL;
    const anonymous = (flags & MAP_ANONYMOUS) !== 0;
    if (anonymous === (file !== null)) return -EINVAL;
    if (offset % PAGE_SIZE !== 0 || offset < 0) return -EINVAL;
    const hugetlb = (flags & MAP_HUGETLB) !== 0 || file?.kind === 'hugetlbfs';
    const unit = hugetlb ? HPAGE_PMD_SIZE : PAGE_SIZE;
    if (hugetlb && (offset % HPAGE_PMD_SIZE !== 0 || (file !== null && file.kind !== 'hugetlbfs'))) return -EINVAL;
    const len = Math.ceil(length / unit) * unit;
    let start: number;
    if ((flags & MAP_FIXED) !== 0) {
      if (addr % unit !== 0 || addr < PAGE_SIZE || addr + len > TASK_SIZE) return -EINVAL;
      this.munmap(addr, len);
      start = addr;
    } else {
      start = this.getUnmappedArea(hugetlb ? Math.ceil(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE : addr, len);
      if (start < 0) return start;
    }
    // mapping a file never changes its size: pages past the end fault with SIGBUS
    const backing = anonymous && shared ? this.sys.createSharedAnon(len, hugetlb) : file;
    const vmFlags = vmFlagsFor(prot, flags) | (hugetlb ? VM_HUGETLB : 0);
    const pgoff = backing === null ? (start / PAGE_SIZE) >>> 0 : offset / PAGE_SIZE;
    const vma = new Vma(this, start, start + len, vmFlags, pgoff, backing);
    backing?.link(vma);
    this.insertVma(vma);
    if ((flags & (MAP_POPULATE | MAP_LOCKED)) !== 0) {
      const rc = this.populate(start, len, (prot & PROT_WRITE) !== 0 && !shared ? true : false);
      if (rc < 0 && (flags & MAP_LOCKED) !== 0) {
        this.munmap(start, len);
        return rc;
      }
    }
    return start;
  }

  /** Splits a VMA at `addr` (mirrors `split_vma()`); returns the upper part. */
  private splitVma(vma: Vma, addr: number): Vma {
    // a PMD mapping across the boundary becomes PTEs first (`vma_adjust_trans_huge()`)
    if (addr % HPAGE_PMD_SIZE !== 0 && this.pageTable.isPmdLeaf(addr)) splitHugePmd(this.sys, this.pageTable, addr);
    const upper = new Vma(this, addr, vma.end, vma.flags, vma.linearPageIndex(addr), vma.file);
    upper.policy = vma.policy;
    upper.anonVma = vma.anonVma;
    for (const av of vma.anonVmaChain) av.link(upper);
    vma.file?.link(upper);
    vma.end = addr;
    this.insertVma(upper);
    return upper;
  }

  /** The VMAs exactly covering [start, end), splitting at the ends; null if part is unmapped. */
  private vmasCovering(start: number, end: number, allowHoles: boolean): Vma[] | null {
    let vmas = this.vmasIn(start, end);
    if (!allowHoles) {
      let at = start;
      for (const vma of vmas) {
        if (vma.start > at) return null;
        at = vma.end;
      }
      if (at < end) return null;
    }
    const first = vmas[0];
    if (first !== undefined && first.start < start) {
      if ((first.flags & VM_HUGETLB) !== 0 && start % HPAGE_PMD_SIZE !== 0) return null;
      this.splitVma(first, start);
    }
    vmas = this.vmasIn(start, end);
    const last = vmas[vmas.length - 1];
    if (last !== undefined && last.end > end) {
      if ((last.flags & VM_HUGETLB) !== 0 && end % HPAGE_PMD_SIZE !== 0) return null;
      this.splitVma(last, end);
    }
    return this.vmasIn(start, end);
  }

  /** Unmaps [addr, addr + length) (mirrors `munmap(2)`); returns 0 or -EINVAL. */
  munmap(addr: number, length: number): number {
    if (addr % PAGE_SIZE !== 0 || !Number.isSafeInteger(length) || length <= 0) return -EINVAL;
    const end = addr + Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    const vmas = this.vmasCovering(addr, end, true);
    if (vmas === null) return -EINVAL;
    for (const vma of vmas) {
      this.zapRange(vma, vma.start, vma.end);
      this.unlinkVma(vma);
    }
    this.pageTable.freeEmptyTables(addr, end);
    return 0;
  }

  private unlinkVma(vma: Vma): void {
    const i = this.vmas.indexOf(vma);
    if (i >= 0) this.vmas.splice(i, 1);
    for (const av of vma.anonVmaChain) av.unlink(vma);
    const file = vma.file;
    if (file !== null) {
      file.unlink(vma);
      // the unlinked file behind shared anonymous memory dies with its last mapping (`fput()` → evict)
      if (file.deleted && file.iMmap.length === 0) releaseDeletedFile(this.sys, file);
    }
    if (this.lastVma === vma) this.lastVma = null;
  }

  /**
   * Unmaps the pages of [start, end) inside `vma` (mirrors `zap_page_range_single()`): drops
   * mappings and references, moves PTE dirtiness to the folio, flushes the TLB before the folios
   * can be freed, and marks large folios left partially mapped.
   */
  zapRange(vma: Vma, start: number, end: number): void {
    const sys = this.sys;
    const mm = sys.memmap;
    const pt = this.pageTable;
    const toPut: number[] = [];
    const touched = new Set<number>();
    // any present entry may be cached in a TLB, the zero page's included
    let flush = false;
    for (const pmd of pt.pmdIndexesIn(start, end)) {
      const pmdStart = pmd * HPAGE_PMD_SIZE;
      const leaf = pt.pmdLeaf(pmdStart);
      if (leaf !== null) {
        if (start > pmdStart || end < pmdStart + HPAGE_PMD_SIZE) {
          splitHugePmd(sys, pt, pmdStart);
        } else {
          pt.clearPmd(pmdStart);
          if ((leaf.bits & PTE_PRESENT) !== 0) flush = true;
          // the huge zero page is mapped without a reference and is not counted in RSS
          if ((leaf.bits & PTE_SPECIAL) !== 0) continue;
          if ((leaf.bits & PTE_PRESENT) !== 0) {
            mm.mapping[leaf.pfn + 1]!--;
            mm.private[leaf.pfn + 1]!--;
            if ((leaf.bits & PTE_DIRTY) !== 0) mm.flags[leaf.pfn]! |= PGF_dirty;
            toPut.push(leaf.pfn);
          }
          this.rssAdd(vma, leaf.pfn, -HPAGE_PMD_NR);
          continue;
        }
      }
      const lo = Math.max(start, pmdStart);
      const hi = Math.min(end, pmdStart + HPAGE_PMD_SIZE);
      for (let addr = lo; addr < hi; addr += PAGE_SIZE) {
        const slot = pt.pteSlot(addr);
        if (slot < 0) continue;
        const bits = pt.bitsAt(slot);
        if (bits === 0) continue;
        const pfn = pt.pfnAt(slot);
        pt.setAt(slot, 0, 0);
        if ((bits & PTE_PRESENT) !== 0) flush = true;
        if ((bits & PTE_SPECIAL) !== 0) continue;
        this.rssAdd(vma, pfn, -1);
        if ((bits & PTE_MIGRATION) !== 0) continue;
        const folio = mm.compoundHead(pfn);
        mm.mapcount[pfn]!--;
        if (mm.folioTestLarge(folio)) {
          mm.private[folio + 1]!--;
          touched.add(folio);
        }
        if ((bits & PTE_DIRTY) !== 0) mm.flags[folio]! |= PGF_dirty;
        toPut.push(folio);
      }
    }
    if (flush) sys.tlb.flushRange(this.cpumask, this.id, start / PAGE_SIZE, (end - start) / PAGE_SIZE);
    for (const folio of touched) {
      if (folioPartiallyMapped(sys, folio)) mm.flags[folio]! |= PGF_partially_mapped;
    }
    for (const folio of toPut) sys.alloc.folioPut(folio);
  }

  /**
   * Counts a mapping of the folio holding `pfn` in the RSS counter of its kind (mirrors
   * `mm_counter()`): anonymous folios (copy-on-write copies in a private file mapping too),
   * shmem, or file pages.
   */
  private rssAdd(vma: Vma, pfn: number, pages: number): void {
    const mm = this.sys.memmap;
    const folio = mm.compoundHead(pfn);
    if (vma.file === null || mm.folioTestAnon(folio)) this.rss.anon += pages;
    else if ((mm.flags[folio]! & PGF_swapbacked) !== 0) this.rss.shmem += pages;
    else this.rss.file += pages;
  }

  /** Changes protection (mirrors `mprotect(2)`): 0, -ENOMEM (unmapped hole) or -EINVAL. */
  mprotect(addr: number, length: number, prot: number): number {
    if (addr % PAGE_SIZE !== 0 || !Number.isSafeInteger(length) || length < 0) return -EINVAL;
    if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0) return -EINVAL;
    if (length === 0) return 0;
    const end = addr + Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    const vmas = this.vmasCovering(addr, end, false);
    if (vmas === null) return -ENOMEM;
    const pt = this.pageTable;
    for (const vma of vmas) {
      const keep = vma.flags & ~(VM_READ | VM_WRITE | VM_EXEC);
      vma.flags = keep | vmFlagsFor(prot, 0);
      const inaccessible = (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) === 0;
      for (const pmd of pt.pmdIndexesIn(vma.start, vma.end)) {
        const pmdStart = pmd * HPAGE_PMD_SIZE;
        const leaf = pt.pmdLeaf(pmdStart);
        if (leaf !== null) {
          if ((leaf.bits & PTE_PRESENT) === 0) {
            // a writable migration entry becomes a readable one (`make_readable_migration_entry()`)
            if ((leaf.bits & PTE_MIGRATION) !== 0 && (prot & PROT_WRITE) === 0) pt.setPmdLeaf(pmdStart, leaf.pfn, leaf.bits & ~PTE_WRITE);
            continue;
          }
          let bits = leaf.bits;
          if ((prot & PROT_WRITE) === 0) bits &= ~PTE_WRITE;
          bits = inaccessible ? bits | PTE_PROTNONE : bits & ~PTE_PROTNONE;
          pt.setPmdLeaf(pmdStart, leaf.pfn, bits);
          continue;
        }
        const lo = Math.max(vma.start, pmdStart);
        const hi = Math.min(vma.end, pmdStart + HPAGE_PMD_SIZE);
        for (let a = lo; a < hi; a += PAGE_SIZE) {
          const slot = pt.pteSlot(a);
          if (slot < 0) continue;
          let bits = pt.bitsAt(slot);
          if ((bits & PTE_PRESENT) === 0) {
            if ((bits & PTE_MIGRATION) !== 0 && (prot & PROT_WRITE) === 0) pt.setAt(slot, pt.pfnAt(slot), bits & ~PTE_WRITE);
            continue;
          }
          if ((prot & PROT_WRITE) === 0) bits &= ~PTE_WRITE;
          bits = inaccessible ? bits | PTE_PROTNONE : bits & ~PTE_PROTNONE;
          pt.setAt(slot, pt.pfnAt(slot), bits);
        }
      }
    }
    this.sys.tlb.flushRange(this.cpumask, this.id, addr / PAGE_SIZE, (end - addr) / PAGE_SIZE);
    return 0;
  }

  /** Advice (mirrors `madvise(2)` for MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTNEED). */
  madvise(addr: number, length: number, advice: number): number {
    if (addr % PAGE_SIZE !== 0 || !Number.isSafeInteger(length) || length < 0) return -EINVAL;
    if (![MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTNEED].includes(advice)) return -EINVAL;
    if (length === 0) return 0;
    const end = addr + Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    if (advice === MADV_DONTNEED) {
      // madvise_dontneed_free() only zaps: the VMAs are neither changed nor split
      const vmas = this.vmasIn(addr, end);
      let at = addr;
      for (const vma of vmas) {
        if (vma.start > at) return -ENOMEM;
        at = vma.end;
      }
      if (at < end) return -ENOMEM;
      if (vmas.some((vma) => (vma.flags & (VM_LOCKED | VM_HUGETLB)) !== 0)) return -EINVAL;
      for (const vma of vmas) this.zapRange(vma, Math.max(addr, vma.start), Math.min(end, vma.end));
      return 0;
    }
    const vmas = this.vmasCovering(addr, end, false);
    if (vmas === null) return -ENOMEM;
    for (const vma of vmas) {
      if (advice === MADV_HUGEPAGE) vma.flags = (vma.flags | VM_HUGEPAGE) & ~VM_NOHUGEPAGE;
      else vma.flags = (vma.flags | VM_NOHUGEPAGE) & ~VM_HUGEPAGE;
    }
    return 0;
  }

  /** Sets the VMA policy over a range (the policy half of `mbind(2)`); 0 or -EFAULT/-EINVAL. */
  setVmaPolicy(addr: number, length: number, policy: MemPolicy | null): number {
    if (addr % PAGE_SIZE !== 0 || !Number.isSafeInteger(length) || length < 0) return -EINVAL;
    if (length === 0) return 0;
    const end = addr + Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    const vmas = this.vmasCovering(addr, end, false);
    if (vmas === null) return -EFAULT; // as mbind reports an unmapped range
    for (const vma of vmas) vma.policy = policy;
    return 0;
  }

  /**
   * One NUMA hinting scan over [start, end) (mirrors `change_prot_numa()` as `task_numa_work()`
   * runs it): present PTEs and PMDs become `PTE_PROTNONE` and the TLB is flushed, so the next
   * access takes a NUMA hinting fault (`VM_FAULT_NUMA` → `System.numaHintingFault()`). Skips
   * what the kernel skips: hugetlb, inaccessible and shared VMAs, read-only file mappings
   * (shared libraries), VMAs whose policy is not the default one (no `MPOL_F_MOF`), the zero
   * page, entries already protnone, folios shared copy-on-write, dirty file folios, and, in an
   * mm with one user, folios already on the node of the CPU its owner runs on. Returns the
   * base pages updated (counted in `numa_pte_updates`).
   */
  numaScan(start = 0, end = TASK_SIZE): number {
    const sys = this.sys;
    const m = sys.memmap;
    const pt = this.pageTable;
    const owner = this.owner;
    if (owner === null || owner.exited || owner.policy.mode !== MPOL_DEFAULT) return 0;
    const target = this.users === 1 ? sys.cpuNode(owner.cpu) : -1;
    let pages = 0;
    let hugePmds = 0;
    const skip = (folio: number): boolean => {
      const f = m.flags[folio]!;
      const nr = m.folioNrPages(folio);
      // folio_maybe_mapped_shared() in a copy-on-write mapping
      if (nr === 1 ? m.mapcount[folio]! > 1 : m.folioEntireMapcount(folio) > 1 || m.folioMapcount(folio) > nr) return true;
      if ((f & PGF_swapbacked) === 0 && !m.folioTestAnon(folio) && (f & PGF_dirty) !== 0) return true;
      return target >= 0 && sys.phys.pfnToNid(folio) === target;
    };
    for (const vma of this.vmasIn(start, end)) {
      const flags = vma.flags;
      if ((flags & (VM_HUGETLB | VM_SHARED)) !== 0 || (flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0) continue;
      if (vma.file !== null && (flags & (VM_READ | VM_WRITE)) === VM_READ) continue;
      if (vma.policy !== null && vma.policy.mode !== MPOL_DEFAULT) continue;
      const lo = Math.max(start, vma.start);
      const hi = Math.min(end, vma.end);
      for (const pmd of pt.pmdIndexesIn(lo, hi)) {
        const pmdStart = pmd * HPAGE_PMD_SIZE;
        const leaf = pt.pmdLeaf(pmdStart);
        if (leaf !== null) {
          const bits = leaf.bits;
          if ((bits & PTE_PRESENT) === 0 || (bits & (PTE_PROTNONE | PTE_SPECIAL)) !== 0 || skip(leaf.pfn)) continue;
          pt.setPmdLeaf(pmdStart, leaf.pfn, bits | PTE_PROTNONE);
          pages += HPAGE_PMD_NR;
          hugePmds++;
          continue;
        }
        const a = Math.max(lo, pmdStart);
        const b = Math.min(hi, pmdStart + HPAGE_PMD_SIZE);
        for (let addr = a; addr < b; addr += PAGE_SIZE) {
          const slot = pt.pteSlot(addr);
          if (slot < 0) continue;
          const bits = pt.bitsAt(slot);
          if ((bits & PTE_PRESENT) === 0 || (bits & (PTE_PROTNONE | PTE_SPECIAL)) !== 0) continue;
          if (skip(m.compoundHead(pt.pfnAt(slot)))) continue;
          pt.setAt(slot, pt.pfnAt(slot), bits | PTE_PROTNONE);
          pages++;
        }
      }
    }
    if (pages > 0) {
      sys.tlb.flushRange(this.cpumask, this.id, Math.floor(start / PAGE_SIZE), Math.ceil((end - start) / PAGE_SIZE));
      sys.vmstat.count('numa_pte_updates', pages);
      if (hugePmds > 0) sys.vmstat.count('numa_huge_pte_updates', hugePmds);
    }
    return pages;
  }

  /** Faults in every page of a range (mirrors `mm_populate()` / MAP_POPULATE); 0 or -errno. */
  populate(addr: number, length: number, write: boolean): number {
    return this.sys.populateRange(this, addr, length, write);
  }

  /** Copies this address space into a new child mm (mirrors `dup_mmap()`). */
  dupMmap(child: MmStruct): void {
    const sys = this.sys;
    const mm = sys.memmap;
    const pt = this.pageTable;
    for (const vma of this.vmas) {
      const copy = new Vma(child, vma.start, vma.end, vma.flags & ~VM_LOCKED, vma.pgoff, vma.file);
      copy.policy = vma.policy;
      vma.file?.link(copy);
      if (vma.anonVma !== null) {
        for (const av of vma.anonVmaChain) av.link(copy);
        const own = sys.newAnonVma();
        own.link(copy);
        copy.anonVma = own;
      }
      child.insertVma(copy);
      const cow = (vma.flags & VM_SHARED) === 0;
      for (const pmd of pt.pmdIndexesIn(vma.start, vma.end)) {
        const pmdStart = pmd * HPAGE_PMD_SIZE;
        const leaf = pt.pmdLeaf(pmdStart);
        if (leaf !== null) {
          const bits = cow ? leaf.bits & ~PTE_WRITE : leaf.bits;
          if (cow) pt.setPmdLeaf(pmdStart, leaf.pfn, bits);
          child.pageTable.setPmdLeaf(pmdStart, leaf.pfn, bits);
          // the huge zero page: shared without references, not in RSS
          if ((bits & PTE_SPECIAL) !== 0) continue;
          if ((bits & PTE_PRESENT) !== 0) {
            mm.refcount[leaf.pfn]!++;
            mm.mapping[leaf.pfn + 1]!++;
            mm.private[leaf.pfn + 1]!++;
          }
          child.rssAdd(copy, leaf.pfn, HPAGE_PMD_NR);
          continue;
        }
        const lo = Math.max(vma.start, pmdStart);
        const hi = Math.min(vma.end, pmdStart + HPAGE_PMD_SIZE);
        for (let a = lo; a < hi; a += PAGE_SIZE) {
          const slot = pt.pteSlot(a);
          if (slot < 0) continue;
          let bits = pt.bitsAt(slot);
          if (bits === 0) continue;
          const pfn = pt.pfnAt(slot);
          if (cow && (bits & PTE_WRITE) !== 0) {
            bits &= ~PTE_WRITE;
            pt.setAt(slot, pfn, bits);
          }
          child.pageTable.setAt(child.pageTable.pteSlotAlloc(a), pfn, bits);
          if ((bits & PTE_SPECIAL) !== 0) continue;
          child.rssAdd(copy, pfn, 1);
          if ((bits & PTE_PRESENT) === 0) continue;
          const folio = mm.compoundHead(pfn);
          mm.refcount[folio]!++;
          mm.mapcount[pfn]!++;
          if (mm.folioTestLarge(folio)) mm.private[folio + 1]!++;
        }
      }
    }
    sys.tlb.flushRange(this.cpumask, this.id, 0, TASK_SIZE / PAGE_SIZE);
  }

  /** Tears the address space down (mirrors `exit_mmap()`). */
  exitMmap(): void {
    for (const vma of [...this.vmas]) {
      this.zapRange(vma, vma.start, vma.end);
      this.unlinkVma(vma);
    }
    this.pageTable.freeEmptyTables(0, TASK_SIZE);
    this.sys.tlb.flushMm(this.id);
  }
}
