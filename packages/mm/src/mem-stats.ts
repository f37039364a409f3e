/**
 * Memory statistics views: per-node meminfo (`/sys/devices/system/node/nodeN/meminfo`), per-node
 * and global vmstat (`/sys/devices/system/node/nodeN/vmstat`, `/proc/vmstat`) and buddyinfo
 * (`/proc/buddyinfo`), as structured data for programs and as text the way the kernel prints it.
 *
 * The node-state counters are computed when asked by one pass over the memmap (free blocks are
 * skipped whole), from the same flags, mapcounts and lists the model keeps, so they can never
 * drift from the state they describe. Pages being migrated count where they are at that moment.
 */
import { HPAGE_PMD_NR, PAGE_SIZE, PGF_buddy, PGF_dirty, PGF_head, PGF_hugetlb, PGF_mlocked, PGF_movable_ops, PGF_swapbacked, PGF_writeback, PGF_zero } from '@pagemig/folio';
import { LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, LRU_UNEVICTABLE } from './lru';
import type { System } from './system';

/** One node's memory state, in base pages (huge page counts in huge pages). */
export interface NodeMemStats {
  nid: number;
  /** Pages the node manages (`MemTotal`). */
  total: number;
  /** Free pages in the buddy allocator (`MemFree`, `nr_free_pages`). */
  free: number;
  activeAnon: number;
  inactiveAnon: number;
  activeFile: number;
  inactiveFile: number;
  unevictable: number;
  /** mlocked pages (`Mlocked`, `nr_mlock`). */
  mlocked: number;
  /** Dirty page-cache pages (`Dirty`, `nr_dirty`). */
  dirty: number;
  /** Pages under writeback (`Writeback`, `nr_writeback`). */
  writeback: number;
  /** Page-cache pages, shmem included (`FilePages`, `nr_file_pages`). */
  filePages: number;
  /** Page-cache pages mapped into some process (`Mapped`, `nr_mapped`). */
  mapped: number;
  /** Anonymous pages mapped into some process (`AnonPages`, `nr_anon_pages`). */
  anonPages: number;
  /** shmem pages (`Shmem`, `nr_shmem`). */
  shmem: number;
  /** Pages of PMD-mapped anonymous THPs (`AnonHugePages`; `nr_anon_transparent_hugepages` × 512). */
  anonHugePages: number;
  /** Pages isolated from the LRU for migration (`nr_isolated_anon`, `nr_isolated_file`). */
  isolatedAnon: number;
  isolatedFile: number;
  /** movable_ops pages of balloon drivers (`Balloon`). */
  balloon: number;
  /** hugetlb pool in 2 MiB pages (`HugePages_Total`, `_Free`, `_Surp`). */
  hugePagesTotal: number;
  hugePagesFree: number;
  hugePagesSurp: number;
}

/** Every node's statistics from one pass over the memmap. */
export function nodeMemStats(sys: System): NodeMemStats[] {
  const m = sys.memmap;
  const lru = sys.lru;
  const out: NodeMemStats[] = [];
  for (let nid = 0; nid < sys.nrNodes; nid++) {
    const zone = sys.zones[nid]!;
    const s: NodeMemStats = {
      nid,
      total: zone.nrPages,
      free: zone.nrFreePages,
      activeAnon: lru.pages(nid, LRU_ACTIVE_ANON),
      inactiveAnon: lru.pages(nid, LRU_INACTIVE_ANON),
      activeFile: lru.pages(nid, LRU_ACTIVE_FILE),
      inactiveFile: lru.pages(nid, LRU_INACTIVE_FILE),
      unevictable: lru.pages(nid, LRU_UNEVICTABLE),
      mlocked: 0,
      dirty: 0,
      writeback: 0,
      filePages: 0,
      mapped: 0,
      anonPages: 0,
      shmem: 0,
      anonHugePages: 0,
      isolatedAnon: lru.nrIsolated[nid * 2]!,
      isolatedFile: lru.nrIsolated[nid * 2 + 1]!,
      balloon: 0,
      hugePagesTotal: sys.hugetlb.nrHugepages[nid]!,
      hugePagesFree: sys.hugetlb.freeHugepages(nid),
      hugePagesSurp: sys.hugetlb.surplusHugepages[nid]!,
    };
    const end = zone.startPfn + zone.nrPages;
    for (let pfn = zone.startPfn; pfn < end; ) {
      const f = m.flags[pfn]!;
      if ((f & PGF_buddy) !== 0) {
        pfn += 2 ** m.private[pfn]!;
        continue;
      }
      const nr = (f & PGF_head) !== 0 ? 2 ** m.index[pfn + 1]! : 1;
      if (m.refcount[pfn]! > 0 && (f & (PGF_hugetlb | PGF_zero)) === 0) countFolio(sys, s, pfn, f, nr);
      pfn += nr;
    }
    out.push(s);
  }
  return out;
}

function countFolio(sys: System, s: NodeMemStats, folio: number, f: number, nr: number): void {
  const m = sys.memmap;
  if ((f & PGF_movable_ops) !== 0) {
    s.balloon += nr;
    return;
  }
  if ((f & PGF_mlocked) !== 0) s.mlocked += nr;
  if ((f & PGF_writeback) !== 0) s.writeback += nr;
  const entire = m.folioEntireMapcount(folio);
  let mappedPages = 0;
  if (entire > 0) mappedPages = nr;
  else for (let i = 0; i < nr; i++) if (m.mapcount[folio + i]! > 0) mappedPages++;
  if (m.folioTestAnon(folio)) {
    s.anonPages += mappedPages;
    if (entire > 0 && nr === HPAGE_PMD_NR) s.anonHugePages += nr;
  } else if (m.mapping[folio] !== 0) {
    s.filePages += nr;
    s.mapped += mappedPages;
    // shmem is always "dirty" in memory but has no writeback to account (`mapping_can_writeback()`)
    if ((f & PGF_swapbacked) !== 0) s.shmem += nr;
    else if ((f & PGF_dirty) !== 0) s.dirty += nr;
  }
}

function kB(pages: number): number {
  return (pages * PAGE_SIZE) / 1024;
}

/** `/sys/devices/system/node/nodeN/meminfo` text (the kernel's field names and column layout). */
export function formatNodeMeminfo(s: NodeMemStats): string {
  const line = (name: string, pages: number) => `Node ${s.nid} ${`${name}:`.padEnd(16)}${String(kB(pages)).padStart(8)} kB\n`;
  const huge = (name: string, n: number) => `Node ${s.nid} ${`${name}:`.padEnd(17)}${String(n).padStart(5)}\n`;
  return (
    line('MemTotal', s.total) +
    line('MemFree', s.free) +
    line('MemUsed', s.total - s.free) +
    line('Active', s.activeAnon + s.activeFile) +
    line('Inactive', s.inactiveAnon + s.inactiveFile) +
    line('Active(anon)', s.activeAnon) +
    line('Inactive(anon)', s.inactiveAnon) +
    line('Active(file)', s.activeFile) +
    line('Inactive(file)', s.inactiveFile) +
    line('Unevictable', s.unevictable) +
    line('Mlocked', s.mlocked) +
    line('Dirty', s.dirty) +
    line('Writeback', s.writeback) +
    line('FilePages', s.filePages) +
    line('Mapped', s.mapped) +
    line('AnonPages', s.anonPages) +
    line('Shmem', s.shmem) +
    line('AnonHugePages', s.anonHugePages) +
    line('Balloon', s.balloon) +
    huge('HugePages_Total', s.hugePagesTotal) +
    huge('HugePages_Free', s.hugePagesFree) +
    huge('HugePages_Surp', s.hugePagesSurp)
  );
}

/** Node-state counters as `/proc/vmstat` and the per-node `vmstat` files name them, in kernel order. */
export function nodeVmstat(s: NodeMemStats): [string, number][] {
  return [
    ['nr_free_pages', s.free],
    ['nr_mlock', s.mlocked],
    ['nr_inactive_anon', s.inactiveAnon],
    ['nr_active_anon', s.activeAnon],
    ['nr_inactive_file', s.inactiveFile],
    ['nr_active_file', s.activeFile],
    ['nr_unevictable', s.unevictable],
    ['nr_isolated_anon', s.isolatedAnon],
    ['nr_isolated_file', s.isolatedFile],
    ['nr_anon_pages', s.anonPages],
    ['nr_mapped', s.mapped],
    ['nr_file_pages', s.filePages],
    ['nr_dirty', s.dirty],
    ['nr_writeback', s.writeback],
    ['nr_shmem', s.shmem],
    // printed in THP units, as the kernel does
    ['nr_anon_transparent_hugepages', s.anonHugePages / HPAGE_PMD_NR],
    ['nr_balloon_pages', s.balloon],
  ];
}

/** `/proc/vmstat` as name/value pairs: the node-state counters summed over nodes, then every vm event. */
export function vmstat(sys: System): [string, number][] {
  const nodes = nodeMemStats(sys).map(nodeVmstat);
  const out: [string, number][] = nodes[0]!.map(([name], i) => [name, nodes.reduce((sum, node) => sum + node[i]![1], 0)]);
  const events = sys.vmstat.snapshot();
  for (const name of sys.vmstat.names) out.push([name, events[name]]);
  return out;
}

/** `name value` lines. */
export function formatVmstat(pairs: readonly (readonly [string, number])[]): string {
  let text = '';
  for (const [name, value] of pairs) text += `${name} ${value}\n`;
  return text;
}

/** Free blocks per order for each node (what `/proc/buddyinfo` shows). */
export function buddyinfo(sys: System): number[][] {
  return sys.zones.map((zone) => zone.freeCounts());
}

/** `/proc/buddyinfo` text: one zone (`Normal`) per node, free blocks of orders 0..10. */
export function formatBuddyinfo(counts: readonly (readonly number[])[]): string {
  let text = '';
  counts.forEach((orders, nid) => {
    text += `Node ${nid}, zone ${'Normal'.padStart(8)} `;
    for (const n of orders) text += `${String(n).padStart(6)} `;
    text += '\n';
  });
  return text;
}
