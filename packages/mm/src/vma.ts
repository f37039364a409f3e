/**
 * Virtual memory areas and the mmap-family constants (Linux uapi values). A VMA covers
 * [start, end) of one mm with one set of flags, an optional file (address_space) and the
 * anon_vma chain that lets the reverse map find its anonymous folios.
 */
import type { AddressSpace } from './address-space';
import type { AnonVma } from './anon-vma';
import type { MemPolicy } from './mempolicy';
import type { MmStruct } from './mm-struct';

export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_LOCKED = 0x2000;
export const MAP_POPULATE = 0x8000;
export const MAP_HUGETLB = 0x40000;

export const MADV_DONTNEED = 4;
export const MADV_HUGEPAGE = 14;
export const MADV_NOHUGEPAGE = 15;

export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_LOCKED = 0x2000;
export const VM_HUGETLB = 0x400000;
export const VM_HUGEPAGE = 0x20000000;
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
