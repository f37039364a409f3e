/**
 * anon_vma: the object anonymous folios point at (through `mapping`), listing every VMA that may
 * map them. After fork a child VMA is linked into its parent's anon_vmas and gets one of its own
 * for the folios it creates (mirrors `anon_vma_fork()`), so the reverse map of a parent's folio
 * also finds the child's copy-on-write mappings.
 */
import type { Vma } from './vma';

/** One anon_vma. */
export class AnonVma {
  /** Handle stored in folio mapping words (>= 1). */
  readonly handle: number;
  /** VMAs linked to this anon_vma (the kernel's anon_vma_chain interval tree). */
  readonly vmas: Vma[] = [];

  constructor(handle: number) {
    this.handle = handle;
  }

  /** Links a VMA (mirrors `anon_vma_chain_link()`). */
  link(vma: Vma): void {
    this.vmas.push(vma);
    vma.anonVmaChain.push(this);
  }

  /** Unlinks a VMA (mirrors `unlink_anon_vmas()` for one link). */
  unlink(vma: Vma): void {
    const i = this.vmas.indexOf(vma);
    if (i >= 0) this.vmas.splice(i, 1);
  }
}
