/**
 * Folio copy on the real bytes. `folioMcCopy()` copies base page by base page and stops with
 * -EHWPOISON at a poisoned source page, having copied nothing past it (mirrors the
 * machine-check-safe `folio_mc_copy()`); `foliosMcCopy()` copies a batch of pairs and stops at
 * the first error (mirrors the series' `folios_mc_copy()`, the default batch copy).
 */
import { EHWPOISON } from '@pagemig/kernel';
import { PGF_hwpoison } from '@pagemig/folio';
import type { Memmap } from './memmap';
import type { PhysMemView } from './phys-mem';

/** Copies `src` into `dst` (same size); 0 or -EHWPOISON. */
export function folioMcCopy(memmap: Memmap, phys: PhysMemView, dst: number, src: number): number {
  const nr = memmap.folioNrPages(src);
  const flags = memmap.flags;
  let clean = 0;
  while (clean < nr && (flags[src + clean]! & PGF_hwpoison) === 0) clean++;
  if (clean > 0) phys.copyPages(dst, src, clean);
  return clean === nr ? 0 : -EHWPOISON;
}

/** Copies `count` pairs `dst[i] ← src[i]`; stops at the first error and returns it, else 0. */
export function foliosMcCopy(memmap: Memmap, phys: PhysMemView, dst: ArrayLike<number>, src: ArrayLike<number>, count: number): number {
  for (let i = 0; i < count; i++) {
    const rc = folioMcCopy(memmap, phys, dst[i]!, src[i]!);
    if (rc !== 0) return rc;
  }
  return 0;
}
