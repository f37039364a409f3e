/**
 * `/proc/<pid>/numa_maps`: per VMA, its start address, memory policy, backing file and how many
 * of its mapped pages live on each node, counted from the page tables the way the kernel's
 * `show_numa_map()` / `gather_stats()` count them (present entries only, NUMA-hinting protnone
 * ones included; the zero page left out; a PMD-mapped THP counts 512 pages, a hugetlb page 1).
 */
import { HPAGE_PMD_NR, HPAGE_PMD_SIZE, PAGE_SIZE, PGF_active, PGF_dirty, PGF_swapcache, PGF_unevictable, PGF_writeback } from '@pagemig/folio';
import { formatMemPolicy } from './mempolicy';
import { PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL } from './page-table';
import type { Task } from './task';
import { VM_HUGETLB, type Vma } from './vma';

/** One line of numa_maps. */
export interface NumaMapsEntry {
  /** VMA start address. */
  start: number;
  /** Policy as `mpol_to_str()` prints it (`default`, `bind:0-1`, `interleave:0,2`, `prefer:1`, `local`). */
  policy: string;
  /** Backing file name, or null for private anonymous memory. */
  file: string | null;
  /** A hugetlb mapping. */
  huge: boolean;
  /** Pages mapped (in `kernelPageSizeKb` units). */
  pages: number;
  anon: number;
  dirty: number;
  /** Highest mapcount of one mapped page (shared by that many mappings). */
  mapmax: number;
  swapcache: number;
  active: number;
  writeback: number;
  /** Pages per node, indexed by node id. */
  nodes: number[];
  kernelPageSizeKb: number;
}

function emptyEntry(task: Task, vma: Vma): NumaMapsEntry {
  const huge = (vma.flags & VM_HUGETLB) !== 0;
  let file = vma.file?.name ?? null;
  // private hugetlb memory is backed by an unlinked hugetlbfs file, as the kernel shows
  if (file === null && huge) file = '/anon_hugepage (deleted)';
  return {
    start: vma.start,
    policy: formatMemPolicy(vma.policy ?? task.policy),
    file,
    huge,
    pages: 0,
    anon: 0,
    dirty: 0,
    mapmax: 0,
    swapcache: 0,
    active: 0,
    writeback: 0,
    nodes: new Array<number>(task.mm.sys.nrNodes).fill(0),
    kernelPageSizeKb: huge ? HPAGE_PMD_SIZE / 1024 : PAGE_SIZE / 1024,
  };
}

/** Adds `nr` pages of one mapping of `page` (mirrors `gather_stats()`). */
function gather(task: Task, e: NumaMapsEntry, page: number, pteDirty: boolean, nr: number): void {
  const sys = task.mm.sys;
  const m = sys.memmap;
  const folio = m.compoundHead(page);
  const f = m.flags[folio]!;
  // folio_precise_page_mapcount(): the page's PTE mappings plus the folio's PMD mappings
  const count = m.mapcount[page]! + m.folioEntireMapcount(folio);
  e.pages += nr;
  if (pteDirty || (f & PGF_dirty) !== 0) e.dirty += nr;
  if ((f & PGF_swapcache) !== 0) e.swapcache += nr;
  if ((f & (PGF_active | PGF_unevictable)) !== 0) e.active += nr;
  if ((f & PGF_writeback) !== 0) e.writeback += nr;
  if (m.folioTestAnon(folio)) e.anon += nr;
  if (count > e.mapmax) e.mapmax = count;
  e.nodes[sys.phys.pfnToNid(folio)]! += nr;
}

/** The numa_maps entries of a task's address space, one per VMA in address order. */
export function numaMaps(task: Task): NumaMapsEntry[] {
  const mm = task.mm;
  const sys = mm.sys;
  const pt = mm.pageTable;
  const out: NumaMapsEntry[] = [];
  for (const vma of mm.vmas) {
    const e = emptyEntry(task, vma);
    for (const pmd of pt.pmdIndexesIn(vma.start, vma.end)) {
      const pmdStart = pmd * HPAGE_PMD_SIZE;
      const leaf = pt.pmdLeaf(pmdStart);
      if (leaf !== null) {
        if ((leaf.bits & PTE_PRESENT) === 0 || (leaf.bits & PTE_SPECIAL) !== 0) continue;
        gather(task, e, leaf.pfn, (leaf.bits & PTE_DIRTY) !== 0, e.huge ? 1 : HPAGE_PMD_NR);
        continue;
      }
      const lo = Math.max(vma.start, pmdStart);
      const hi = Math.min(vma.end, pmdStart + HPAGE_PMD_SIZE);
      for (let addr = lo; addr < hi; addr += PAGE_SIZE) {
        const slot = pt.pteSlot(addr);
        if (slot < 0) continue;
        const bits = pt.bitsAt(slot);
        if ((bits & PTE_PRESENT) === 0 || (bits & PTE_SPECIAL) !== 0) continue;
        const pfn = pt.pfnAt(slot);
        if (sys.isZeroPfn(pfn)) continue;
        gather(task, e, pfn, (bits & PTE_DIRTY) !== 0, 1);
      }
    }
    out.push(e);
  }
  return out;
}

/** Escapes a path the way `seq_path()` does (space, tab, newline and backslash as octal). */
function escapePath(path: string): string {
  return path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** numa_maps text (mirrors `show_numa_map()`: fields appear only when they say something). */
export function formatNumaMaps(entries: readonly NumaMapsEntry[]): string {
  let text = '';
  for (const e of entries) {
    let line = `${e.start.toString(16).padStart(8, '0')} ${e.policy}`;
    if (e.file !== null) line += ` file=${escapePath(e.file)}`;
    if (e.huge) line += ' huge';
    if (e.pages > 0) {
      if (e.anon > 0) line += ` anon=${e.anon}`;
      if (e.dirty > 0) line += ` dirty=${e.dirty}`;
      if (e.pages !== e.anon && e.pages !== e.dirty) line += ` mapped=${e.pages}`;
      if (e.mapmax > 1) line += ` mapmax=${e.mapmax}`;
      if (e.swapcache > 0) line += ` swapcache=${e.swapcache}`;
      if (e.active < e.pages && !e.huge) line += ` active=${e.active}`;
      if (e.writeback > 0) line += ` writeback=${e.writeback}`;
      e.nodes.forEach((n, nid) => {
        if (n > 0) line += ` N${nid}=${n}`;
      });
      line += ` kernelpagesize_kB=${e.kernelPageSizeKb}`;
    }
    text += `${line}\n`;
  }
  return text;
}
