/**
 * The reverse map: from a folio to every page-table entry that maps it, through its anon_vma
 * (anonymous) or its address_space's `i_mmap` (file). `tryToMigrate()` replaces each mapping
 * with a migration entry, deferring the TLB flush into the pending batch when asked
 * (`TTU_BATCH_FLUSH`); `removeMigrationPtes()` maps the new folio where the old one was.
 *
 * Accounting per mapping, as in the kernel: one folio reference, one mapcount on the page
 * (PTE) and the large mapcount (PTE or PMD), plus the entire mapcount for a PMD mapping.
 * These loops are the hot path of migration: no allocation per folio.
 */
import { HPAGE_PMD_NR, HPAGE_PMD_SIZE, PAGE_SIZE, PGF_dirty, PGF_head } from '@pagemig/folio';
import type { AddressSpace } from './address-space';
import type { AnonVma } from './anon-vma';
import type { Memmap } from './memmap';
import { PTE_DIRTY, PTE_MIGRATION, PTE_PRESENT, PTE_PROTNONE, PTE_WRITE, PTE_YOUNG } from './page-table';
import type { Tlb } from './tlb';
import { VM_EXEC, VM_READ, VM_WRITE, type Vma } from './vma';

/** Defer TLB flushes into the pending batch (`TTU_BATCH_FLUSH`). */
export const TTU_BATCH_FLUSH = 0x1;

/** Bits a migration entry keeps from the PTE it replaced. */
const KEEP_BITS = PTE_WRITE | PTE_DIRTY | PTE_YOUNG;

/** One place a folio is mapped: a VMA and the address of the folio's first page in it. */
export interface RmapHit {
  vma: Vma;
  /** Address of the folio's first page in the VMA (may lie before vma.start for a partial overlap). */
  address: number;
}

/** Reverse-map operations over the handles stored in folio mapping words. */
export class Rmap {
  private readonly memmap: Memmap;
  private readonly tlb: Tlb;
  /** Handle → anon_vma. */
  readonly anonVmas: (AnonVma | undefined)[] = [undefined];
  /** Handle → address_space. */
  readonly addressSpaces: (AddressSpace | undefined)[] = [undefined];

  constructor(memmap: Memmap, tlb: Tlb) {
    this.memmap = memmap;
    this.tlb = tlb;
  }

  /** The VMAs that may map a folio (anon_vma's or the file's), or an empty list. */
  private candidates(folio: number): readonly Vma[] {
    const word = this.memmap.mapping[folio]!;
    if (word === 0) return [];
    const handle = word >>> 2;
    if ((word & 1) !== 0) return this.anonVmas[handle]?.vmas ?? [];
    return this.addressSpaces[handle]?.iMmap ?? [];
  }

  /** Every (vma, address) where the folio's range of page offsets overlaps a VMA (mirrors `rmap_walk()`). */
  walk(folio: number): RmapHit[] {
    const out: RmapHit[] = [];
    const index = this.memmap.index[folio]!;
    const nr = this.memmap.folioNrPages(folio);
    for (const vma of this.candidates(folio)) {
      const address = vma.addressOf(index);
      if (address + nr * PAGE_SIZE > vma.start && address < vma.end) out.push({ vma, address });
    }
    return out;
  }

  /**
   * Replaces every mapping of `folio` by a migration entry (mirrors `try_to_migrate()`): records
   * dirtiness in the folio, drops the mapping's reference and mapcount, and flushes the TLB now or,
   * with `TTU_BATCH_FLUSH`, later in `tryToUnmapFlush()`.
   */
  tryToMigrate(folio: number, flags: number): void {
    const mm = this.memmap;
    const nr = mm.folioNrPages(folio);
    const large = (mm.flags[folio]! & PGF_head) !== 0;
    const index = mm.index[folio]!;
    const vmas = this.candidates(folio);
    for (let v = 0; v < vmas.length; v++) {
      const vma = vmas[v]!;
      const base = vma.addressOf(index);
      if (base + nr * PAGE_SIZE <= vma.start || base >= vma.end) continue;
      const owner = vma.mm;
      const pt = owner.pageTable;
      if (nr === HPAGE_PMD_NR && base % HPAGE_PMD_SIZE === 0 && pt.isPmdLeaf(base)) {
        const leaf = pt.pmdLeaf(base)!;
        if ((leaf.bits & PTE_PRESENT) === 0 || leaf.pfn !== folio) continue;
        if ((leaf.bits & PTE_DIRTY) !== 0) mm.flags[folio]! |= PGF_dirty;
        pt.setPmdLeaf(base, folio, PTE_MIGRATION | (leaf.bits & KEEP_BITS));
        mm.mapping[folio + 1]!--;
        mm.private[folio + 1]!--;
        mm.refcount[folio]!--;
        this.flush(owner, base, HPAGE_PMD_NR, flags);
        continue;
      }
      const first = Math.max(base, vma.start);
      const last = Math.min(base + nr * PAGE_SIZE, vma.end);
      for (let addr = first; addr < last; addr += PAGE_SIZE) {
        const slot = pt.pteSlot(addr);
        if (slot < 0) continue;
        const bits = pt.bitsAt(slot);
        const pfn = pt.pfnAt(slot);
        if ((bits & PTE_PRESENT) === 0 || pfn < folio || pfn >= folio + nr) continue;
        if ((bits & PTE_DIRTY) !== 0) mm.flags[folio]! |= PGF_dirty;
        pt.setAt(slot, pfn, PTE_MIGRATION | (bits & KEEP_BITS));
        mm.mapcount[pfn]!--;
        if (large) mm.private[folio + 1]!--;
        mm.refcount[folio]!--;
        this.flush(owner, addr, 1, flags);
      }
    }
  }

  private flush(owner: Vma['mm'], addr: number, pages: number, flags: number): void {
    if ((flags & TTU_BATCH_FLUSH) !== 0) this.tlb.deferFlush(owner.cpumask, pages);
    else this.tlb.flushRange(owner.cpumask, owner.id, Math.floor(addr / PAGE_SIZE), pages);
  }

  /**
   * Maps `dst` wherever a migration entry for `src` is found, walking `dst`'s mapping (which the
   * move copied from `src`); `src === dst` restores the original mapping after a failed
   * migration (mirrors `remove_migration_ptes()`).
   */
  removeMigrationPtes(src: number, dst: number): void {
    const mm = this.memmap;
    const nr = mm.folioNrPages(dst);
    const large = (mm.flags[dst]! & PGF_head) !== 0;
    const index = mm.index[dst]!;
    const vmas = this.candidates(dst);
    for (let v = 0; v < vmas.length; v++) {
      const vma = vmas[v]!;
      const base = vma.addressOf(index);
      if (base + nr * PAGE_SIZE <= vma.start || base >= vma.end) continue;
      const pt = vma.mm.pageTable;
      // the new entry takes the VMA's protection as it is now (mprotect may have run while the
      // migration entry was installed), as `mk_pte(new, vma->vm_page_prot)` does
      const keep = (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE | PTE_DIRTY : PTE_DIRTY;
      const prot = PTE_PRESENT | PTE_YOUNG | ((vma.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0 ? PTE_PROTNONE : 0);
      if (nr === HPAGE_PMD_NR && base % HPAGE_PMD_SIZE === 0 && pt.isPmdLeaf(base)) {
        const leaf = pt.pmdLeaf(base)!;
        if ((leaf.bits & PTE_MIGRATION) === 0 || leaf.pfn !== src) continue;
        pt.setPmdLeaf(base, dst, prot | (leaf.bits & keep));
        mm.mapping[dst + 1]!++;
        mm.private[dst + 1]!++;
        mm.refcount[dst]!++;
        continue;
      }
      const first = Math.max(base, vma.start);
      const last = Math.min(base + nr * PAGE_SIZE, vma.end);
      for (let addr = first; addr < last; addr += PAGE_SIZE) {
        const slot = pt.pteSlot(addr);
        if (slot < 0) continue;
        const bits = pt.bitsAt(slot);
        const i = pt.pfnAt(slot) - src;
        if ((bits & PTE_MIGRATION) === 0 || i < 0 || i >= nr) continue;
        pt.setAt(slot, dst + i, prot | (bits & keep));
        mm.mapcount[dst + i]!++;
        if (large) mm.private[dst + 1]!++;
        mm.refcount[dst]!++;
      }
    }
  }
}
