/**
 * Collecting the folios of an address range that sit on the wrong nodes (mirrors
 * `queue_pages_range()` in mm/mempolicy.c with its PTE, PMD and hugetlb walkers), for
 * `migrate_pages(2)` (folios on a source node) and `mbind(2)` (folios outside the new
 * policy's nodes, `MPOL_MF_INVERT`). Shared folios are skipped silently without
 * MPOL_MF_MOVE_ALL; folios that cannot be isolated, or are in the middle of a migration, count
 * as failures.
 */
import { EFAULT, EIO } from '@pagemig/kernel';
import { HPAGE_PMD_SIZE, PAGE_SIZE, PGF_hugetlb, PGF_reserved } from '@pagemig/folio';
import {
  MPOL_MF_MOVE,
  MPOL_MF_MOVE_ALL,
  MPOL_MF_STRICT,
  NIL,
  PTE_MIGRATION,
  PTE_PRESENT,
  PTE_SPECIAL,
  VM_HUGETLB,
  type FolioList,
  type MmStruct,
  type System,
  type Vma,
} from '@pagemig/mm';
import { folioMaybeMappedShared } from './folio-shared';
import { vmaMigratable } from './folio-walk';
import { isolateFolioForMigration } from './isolate';

/** Holes in the range are fine (`MPOL_MF_DISCONTIG_OK`, internal flag). */
export const MPOL_MF_DISCONTIG_OK = 1 << 4;
/** Queue folios *outside* the node set (`MPOL_MF_INVERT`, internal flag). */
export const MPOL_MF_INVERT = 1 << 5;

/** STRICT without a MOVE flag: stop at the first misplaced folio (mirrors `strictly_unmovable()`). */
function strictlyUnmovable(flags: number): boolean {
  return (flags & (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) === MPOL_MF_STRICT;
}

/** The walk's state (mirrors `struct queue_pages`). */
interface QueuePages {
  readonly sys: System;
  readonly list: FolioList;
  readonly flags: number;
  readonly nodes: readonly boolean[];
  nrFailed: number;
}

/** The folio is on the wrong side of the node set (mirrors `queue_folio_required()`). */
function queueFolioRequired(qp: QueuePages, folio: number): boolean {
  const nid = qp.sys.phys.pfnToNid(folio);
  return (qp.nodes[nid] === true) === ((qp.flags & MPOL_MF_INVERT) === 0);
}

/**
 * Isolates a folio onto the list unless it is shared and MOVE_ALL was not asked (that skip
 * is not a failure); false when isolation failed (mirrors `migrate_folio_add()`).
 */
function migrateFolioAdd(qp: QueuePages, folio: number): boolean {
  if ((qp.flags & MPOL_MF_MOVE_ALL) === 0 && folioMaybeMappedShared(qp.sys, folio)) return true;
  return isolateFolioForMigration(qp.sys, folio, qp.list);
}

/** One folio found by the walk (the common tail of the PTE, PMD and hugetlb walkers). */
function queueFolio(qp: QueuePages, vma: Vma, folio: number): void {
  if (!queueFolioRequired(qp, folio)) return;
  if ((qp.flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) === 0 || !vmaMigratable(vma) || !migrateFolioAdd(qp, folio)) {
    qp.nrFailed++;
  }
}

/** Walks [lo, hi) of one VMA; -EIO when STRICT alone met a misplaced folio. */
function queueVmaRange(qp: QueuePages, vma: Vma, lo: number, hi: number): number {
  const m = qp.sys.memmap;
  const pt = vma.mm.pageTable;
  const hugetlb = (vma.flags & VM_HUGETLB) !== 0;
  for (const pmd of pt.pmdIndexesIn(lo, hi)) {
    const pmdStart = pmd * HPAGE_PMD_SIZE;
    if (pt.isPmdLeaf(pmdStart)) {
      // queue_folios_pmd() / queue_folios_hugetlb()
      const leaf = pt.pmdLeaf(pmdStart)!;
      if ((leaf.bits & PTE_PRESENT) === 0) {
        if ((leaf.bits & PTE_MIGRATION) !== 0) qp.nrFailed++;
      } else if ((leaf.bits & PTE_SPECIAL) === 0 && !qp.sys.isZeroPfn(leaf.pfn)) {
        const folio = m.compoundHead(leaf.pfn);
        if (hugetlb || (m.flags[folio]! & PGF_hugetlb) !== 0) {
          if (queueFolioRequired(qp, folio)) {
            if ((qp.flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) === 0 || !vmaMigratable(vma)) qp.nrFailed++;
            else if ((qp.flags & MPOL_MF_MOVE_ALL) !== 0 || !folioMaybeMappedShared(qp.sys, folio)) {
              if (!isolateFolioForMigration(qp.sys, folio, qp.list)) qp.nrFailed++;
            }
          }
        } else {
          queueFolio(qp, vma, folio);
        }
      }
      if (qp.nrFailed > 0 && strictlyUnmovable(qp.flags)) return -EIO;
      continue;
    }
    // queue_folios_pte_range(): a large folio is isolated once, at its first PTE
    let prev = NIL;
    const a = Math.max(lo, pmdStart);
    const b = Math.min(hi, pmdStart + HPAGE_PMD_SIZE);
    for (let addr = a; addr < b; addr += PAGE_SIZE) {
      const slot = pt.pteSlot(addr);
      if (slot < 0) break;
      const bits = pt.bitsAt(slot);
      if (bits === 0) continue;
      if ((bits & PTE_PRESENT) === 0) {
        if ((bits & PTE_MIGRATION) !== 0) qp.nrFailed++;
        continue;
      }
      if ((bits & PTE_SPECIAL) !== 0) continue;
      const folio = m.compoundHead(pt.pfnAt(slot));
      if ((m.flags[folio]! & PGF_reserved) !== 0 || !queueFolioRequired(qp, folio)) continue;
      if (m.folioTestLarge(folio)) {
        if (folio === prev) continue;
        prev = folio;
      }
      queueFolio(qp, vma, folio);
      if (qp.nrFailed > 0 && strictlyUnmovable(qp.flags)) break;
    }
    if (qp.nrFailed > 0 && strictlyUnmovable(qp.flags)) return -EIO;
  }
  return 0;
}

/**
 * Walks [start, end) of `mm` and isolates onto `list` the folios whose node is in `nodes`
 * (by node id), or not in it with MPOL_MF_INVERT. Returns the number of folios that could not be
 * queued, -EIO (STRICT without MOVE found a misplaced folio), or -EFAULT (a hole in the range
 * without MPOL_MF_DISCONTIG_OK, or no VMA in it at all). Folios queued before an error stay on
 * `list` for the caller's putback.
 */
export function queuePagesRange(
  sys: System,
  mm: MmStruct,
  start: number,
  end: number,
  nodes: readonly boolean[],
  flags: number,
  list: FolioList,
): number {
  const qp: QueuePages = { sys, list, flags, nodes, nrFailed: 0 };
  const vmas = mm.vmasIn(start, end);
  if (vmas.length === 0) return -EFAULT; // the whole range is a hole
  const discontigOk = (flags & MPOL_MF_DISCONTIG_OK) !== 0;
  if (!discontigOk && start < vmas[0]!.start) return -EFAULT;
  for (let i = 0; i < vmas.length; i++) {
    const vma = vmas[i]!;
    // queue_pages_test_walk(): a hole after this VMA inside the range is an error
    const next = vmas[i + 1];
    if (!discontigOk && vma.end < end && (next === undefined || vma.end < next.start)) return -EFAULT;
    if (!vmaMigratable(vma) && (flags & MPOL_MF_STRICT) === 0) continue;
    if ((flags & (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) === 0) continue;
    const rc = queueVmaRange(qp, vma, Math.max(start, vma.start), Math.min(end, vma.end));
    if (rc < 0) return rc;
  }
  return qp.nrFailed;
}
