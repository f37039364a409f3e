/**
 * Virtual memory areas and the mmap-family constants (Linux uapi values). A VMA covers
 * [start, end) of one mm with one set of flags, an optional file (address_space) and the
 * anon_vma chain that lets the reverse map find its anonymous folios.
 */
import type { AddressSpace } from './address-space';
import type { AnonVma } from './anon-vma';
import type { MemPolicy } from './mempolicy';
import type { MmStruct } from './mm-struct';

/** No access: every access faults with SIGSEGV (`mmap(2)` prot). */
export const PROT_NONE = 0x0;
/** Pages may be read. */
export const PROT_READ = 0x1;
/** Pages may be written (on x86 this implies read). */
export const PROT_WRITE = 0x2;
/** Pages may be executed (counts as an accessible mapping). */
export const PROT_EXEC = 0x4;

/** Writes are shared with every mapper of the object (file or shmem). */
export const MAP_SHARED = 0x01;
/** Copy-on-write private mapping. */
export const MAP_PRIVATE = 0x02;
/** Place the mapping exactly at `addr`, replacing what is there. */
export const MAP_FIXED = 0x10;
/** No file: zero-filled anonymous memory (shmem when combined with MAP_SHARED). */
export const MAP_ANONYMOUS = 0x20;
/** mlock the mapping (VM_LOCKED) and fault it in. */
export const MAP_LOCKED = 0x2000;
/** Fault every page in at mmap time. */
export const MAP_POPULATE = 0x8000;
/** Back the mapping with 2 MiB hugetlb pages from the node pools. */
export const MAP_HUGETLB = 0x40000;

/** Drop the pages of a range (private ones read back as zeros). */
export const MADV_DONTNEED = 4;
/** Allow THP in the range under the `madvise` setting (VM_HUGEPAGE). */
export const MADV_HUGEPAGE = 14;
/** Forbid THP in the range (VM_NOHUGEPAGE). */
export const MADV_NOHUGEPAGE = 15;

/** VMA flag: readable. */
export const VM_READ = 0x1;
/** VMA flag: writable. */
export const VM_WRITE = 0x2;
/** VMA flag: executable. */
export const VM_EXEC = 0x4;
/** VMA flag: shared mapping (no copy-on-write). */
export const VM_SHARED = 0x8;
/** VMA flag: mlocked; its folios are on the unevictable LRU. */
export const VM_LOCKED = 0x2000;
/** VMA flag: hugetlb mapping. */
export const VM_HUGETLB = 0x400000;
/** VMA flag: MADV_HUGEPAGE was given. */
export const VM_HUGEPAGE = 0x20000000;
/** VMA flag: MADV_NOHUGEPAGE was given. */
export const VM_NOHUGEPAGE = 0x40000000;

/** One virtual memory area. */
export class Vma {
  readonly mm: MmStruct;
  start: number;
  end: number;
  flags: number;
  /** Page offset of `start` in the file, or `start / PAGE_SIZE` (mod 2^32) for anonymous memory. */
  pgoff: number;
  /** Backing file (page cache), shmem object for shared anonymous memory, or null. */
  readonly file: AddressSpace | null;
  /** The anon_vma new anonymous folios of this VMA belong to (created on first fault). */
  anonVma: AnonVma | null = null;
  /** Every anon_vma this VMA is linked into (its own and its ancestors', after fork). */
  anonVmaChain: AnonVma[] = [];
  /** VMA memory policy (mbind), or null to use the task's. */
  policy: MemPolicy | null = null;

  constructor(mm: MmStruct, start: number, end: number, flags: number, pgoff: number, file: AddressSpace | null) {
    this.mm = mm;
    this.start = start;
    this.end = end;
    this.flags = flags;
    this.pgoff = pgoff;
    this.file = file;
  }

  /** Anonymous private memory (`vma_is_anonymous()` and not shared). */
  get isAnonymous(): boolean {
    return this.file === null;
  }

  /** Pages covered. */
  get nrPages(): number {
    return (this.end - this.start) / 4096;
  }

  /**
   * Page offset of `addr` in the VMA's object (mirrors `linear_page_index()`). Offsets are kept
   * modulo 2^32, the width of the memmap's `index`; differences are taken the same way.
   */
  linearPageIndex(addr: number): number {
    return (this.pgoff + Math.floor((addr - this.start) / 4096)) >>> 0;
  }

  /** Address where page offset `pgoff` would be mapped (may lie outside the VMA). */
  addressOf(pgoff: number): number {
    return this.start + ((pgoff - this.pgoff) | 0) * 4096;
  }
}

/** VM flags for mmap's prot and flags (mirrors `calc_vm_prot_bits()` + `calc_vm_flag_bits()`). */
export function vmFlagsFor(prot: number, mapFlags: number): number {
  let flags = 0;
  if ((prot & PROT_READ) !== 0) flags |= VM_READ;
  if ((prot & PROT_WRITE) !== 0) flags |= VM_WRITE;
  if ((prot & PROT_EXEC) !== 0) flags |= VM_EXEC;
  if ((mapFlags & MAP_SHARED) !== 0) flags |= VM_SHARED;
  if ((mapFlags & MAP_LOCKED) !== 0) flags |= VM_LOCKED;
  if ((mapFlags & MAP_HUGETLB) !== 0) flags |= VM_HUGETLB;
  return flags;
}
