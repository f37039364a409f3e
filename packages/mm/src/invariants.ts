/**
 * `checkInvariants()`: every rule the memory model must keep, checked from independent
 * sources (page tables, rmap, free lists, LRU lists, TLBs, page cache, memcgs) and reported
 * all at once. Tests call it after every operation that moves or maps memory.
 */
import {
  HPAGE_PMD_NR,
  HPAGE_PMD_SIZE,
  PAGE_SIZE,
  PGF_buddy,
  PGF_head,
  PGF_hugetlb,
  PGF_hwpoison,
  PGF_locked,
  PGF_lru,
  PGF_private,
  PGF_reserved,
  PGF_swapbacked,
  PGF_tail,
} from '@pagemig/folio';
import { countFolioPtes } from './huge-memory';
import { NR_LRU_LISTS } from './lru';
import { NO_MEMCG } from './memcg';
import type { MmStruct } from './mm-struct';
import { PTE_MIGRATION, PTE_PRESENT, PTE_PROTNONE, PTE_SPECIAL, PTE_WRITE } from './page-table';
import type { System } from './system';

/** The distinct address spaces of live tasks. */
function liveMms(sys: System): MmStruct[] {
  return [...new Set([...sys.tasks.values()].map((t) => t.mm))];
}

/** Returns every violation found (empty when the system is consistent). */
export function checkInvariants(sys: System): string[] {
  const out: string[] = [];
  const m = sys.memmap;
  const total = sys.phys.totalPages;
  const hex = (n: number) => `0x${n.toString(16)}`;

  // free lists: well formed, disjoint, counted
  const free = new Uint8Array(total);
  for (const zone of sys.zones) {
    let pages = 0;
    zone.freeArea.forEach((list, order) => {
      let n = 0;
      for (let pfn = list.first(); pfn !== -1; pfn = list.nextOf(pfn)) {
        n++;
        if ((m.flags[pfn]! & PGF_buddy) === 0 || m.private[pfn] !== order) {
          out.push(`node ${zone.nid}: free block ${pfn} on order-${order} list lacks PG_buddy/order`);
        }
        for (let i = 0; i < 2 ** order; i++) {
          if (free[pfn + i] !== 0) out.push(`pfn ${pfn + i} is on two free blocks`);
          free[pfn + i] = 1;
        }
        pages += 2 ** order;
      }
      if (n !== list.count) out.push(`node ${zone.nid}: order-${order} list count ${list.count} but ${n} blocks linked`);
    });
    if (pages !== zone.nrFreePages) out.push(`node ${zone.nid}: nr_free_pages ${zone.nrFreePages} but free lists hold ${pages}`);
  }
  // a free frame is no one's: no references, no mappings, on no LRU (a use after free shows here)
  for (let pfn = 0; pfn < total; pfn++) {
    if (free[pfn] !== 1) continue;
    if (m.refcount[pfn] !== 0 || m.mapcount[pfn] !== 0 || (m.flags[pfn]! & (PGF_lru | PGF_head | PGF_tail)) !== 0) {
      out.push(`free pfn ${pfn} is in use: refcount ${m.refcount[pfn]}, mapcount ${m.mapcount[pfn]}, flags 0x${m.flags[pfn]!.toString(16)}`);
    }
  }

  // allocated frames: folios in use, hugetlb pools, reserved pages, poisoned frames held back
  let allocated = 0;
  for (const zone of sys.zones) {
    for (let pfn = zone.startPfn; pfn < zone.startPfn + zone.nrPages; ) {
      if (free[pfn] === 1) {
        pfn++;
        continue;
      }
      const f = m.flags[pfn]!;
      if ((f & PGF_tail) !== 0) {
        out.push(`pfn ${pfn} is a tail page outside any folio`);
        pfn++;
        continue;
      }
      const nr = m.folioNrPages(pfn);
      const inPool = (f & PGF_hugetlb) !== 0;
      if (m.refcount[pfn]! <= 0 && !inPool && (f & PGF_hwpoison) === 0) {
        out.push(`pfn ${pfn} is neither free nor referenced (refcount ${m.refcount[pfn]})`);
      }
      allocated += nr;
      pfn += nr;
    }
  }
  const freeTotal = sys.zones.reduce((s, z) => s + z.nrFreePages, 0);
  const managed = sys.zones.reduce((s, z) => s + z.nrPages, 0);
  if (freeTotal + allocated !== managed) {
    out.push(`free ${freeTotal} + allocated ${allocated} = ${freeTotal + allocated} but the nodes manage ${managed} pages`);
  }

  // page tables → per-page mapcounts, counted independently of the rmap
  const pte = new Int32Array(total);
  const pmd = new Int32Array(total);
  const mms = liveMms(sys);
  for (const mm of mms) {
    const pt = mm.pageTable;
    const rss = { anon: 0, file: 0, shmem: 0 };
    const countRss = (vma: (typeof mm.vmas)[number], pfn: number, pages: number) => {
      const folio = m.compoundHead(pfn);
      if (vma.file === null || m.folioTestAnon(folio)) rss.anon += pages;
      else if ((m.flags[folio]! & PGF_swapbacked) !== 0) rss.shmem += pages;
      else rss.file += pages;
    };
    for (const vma of mm.vmas) {
      for (const index of pt.pmdIndexesIn(vma.start, vma.end)) {
        const pmdStart = index * HPAGE_PMD_SIZE;
        const leaf = pt.pmdLeaf(pmdStart);
        if (leaf !== null) {
          if (pmdStart < vma.start || pmdStart + HPAGE_PMD_SIZE > vma.end) out.push(`pid mm ${mm.id}: PMD leaf at ${hex(pmdStart)} crosses VMA bounds`);
          if ((leaf.bits & PTE_SPECIAL) !== 0) continue;
          checkEntry(sys, out, mm, pmdStart, leaf.pfn, leaf.bits, free);
          if ((leaf.bits & PTE_PRESENT) !== 0) pmd[leaf.pfn]!++;
          countRss(vma, leaf.pfn, HPAGE_PMD_NR);
          continue;
        }
        const lo = Math.max(vma.start, pmdStart);
        const hi = Math.min(vma.end, pmdStart + HPAGE_PMD_SIZE);
        for (let addr = lo; addr < hi; addr += PAGE_SIZE) {
          const slot = pt.pteSlot(addr);
          if (slot < 0) continue;
          const bits = pt.bitsAt(slot);
          if (bits === 0 || (bits & PTE_SPECIAL) !== 0) continue;
          const pfn = pt.pfnAt(slot);
          checkEntry(sys, out, mm, addr, pfn, bits, free);
          if ((bits & PTE_PRESENT) !== 0) pte[pfn]!++;
          countRss(vma, pfn, 1);
        }
      }
    }
    if (rss.anon !== mm.rss.anon || rss.file !== mm.rss.file || rss.shmem !== mm.rss.shmem) {
      out.push(
        `mm ${mm.id}: RSS counters anon/file/shmem ${mm.rss.anon}/${mm.rss.file}/${mm.rss.shmem} ` +
          `but the page tables map ${rss.anon}/${rss.file}/${rss.shmem}`,
      );
    }
  }

  // the reverse map only links VMAs that are alive in a live mm
  const liveVmas = new Set(mms.flatMap((mm) => mm.vmas));
  for (const av of sys.rmap.anonVmas) {
    for (const vma of av?.vmas ?? []) if (!liveVmas.has(vma)) out.push(`anon_vma ${av!.handle} links a dead VMA at 0x${vma.start.toString(16)}`);
  }
  for (const file of sys.rmap.addressSpaces) {
    for (const vma of file?.iMmap ?? []) if (!liveVmas.has(vma)) out.push(`${file!.name}: i_mmap links a dead VMA at 0x${vma.start.toString(16)}`);
  }

  // every folio: mapcounts match the page tables, the rmap finds them, refcount covers them
  const memcgUsage = new Map<number, number>();
  for (let pfn = 0; pfn < total; pfn++) {
    const f = m.flags[pfn]!;
    if (free[pfn] === 1 || (f & PGF_tail) !== 0 || (f & PGF_reserved) !== 0) continue;
    if (m.refcount[pfn]! <= 0) continue;
    const nr = m.folioNrPages(pfn);
    let ptes = 0;
    for (let i = 0; i < nr; i++) {
      if (m.mapcount[pfn + i] !== pte[pfn + i]) {
        out.push(`folio ${pfn}: page ${pfn + i} mapcount ${m.mapcount[pfn + i]} but ${pte[pfn + i]} PTEs map it`);
      }
      ptes += pte[pfn + i]!;
    }
    if ((f & PGF_head) !== 0) {
      if (m.folioEntireMapcount(pfn) !== pmd[pfn]) out.push(`folio ${pfn}: entire mapcount ${m.folioEntireMapcount(pfn)} but ${pmd[pfn]} PMDs map it`);
      if (m.folioMapcount(pfn) !== ptes + pmd[pfn]!) out.push(`folio ${pfn}: large mapcount ${m.folioMapcount(pfn)} but ${ptes + pmd[pfn]!} mappings`);
    }
    if (ptes + pmd[pfn]! > 0) {
      const viaRmap = countFolioPtes(sys, pfn);
      if (viaRmap.ptes !== ptes || viaRmap.pmds !== pmd[pfn]) {
        out.push(`folio ${pfn}: rmap finds ${viaRmap.ptes} PTEs + ${viaRmap.pmds} PMDs, page tables hold ${ptes} + ${pmd[pfn]}`);
      }
    }
    const expected = m.folioExpectedRefCount(pfn);
    if (m.refcount[pfn]! < expected) out.push(`folio ${pfn}: refcount ${m.refcount[pfn]} below expected ${expected}`);
    if ((f & PGF_hugetlb) === 0 && m.memcg[pfn] !== NO_MEMCG) {
      memcgUsage.set(m.memcg[pfn]!, (memcgUsage.get(m.memcg[pfn]!) ?? 0) + nr);
    }
  }
  for (const group of sys.memcgs.all()) {
    const used = memcgUsage.get(group.id) ?? 0;
    if (used !== group.usage) out.push(`memcg ${group.name}: usage ${group.usage} but ${used} pages charged to it`);
  }

  // LRU lists: members are LRU heads on the right list and node; counts agree; no PG_lru outside
  const onLru = new Set<number>();
  sys.lru.lists.forEach((list, idx) => {
    const nid = Math.floor(idx / NR_LRU_LISTS);
    let pages = 0;
    for (let folio = list.first(); folio !== -1; folio = list.nextOf(folio)) {
      onLru.add(folio);
      pages += m.folioNrPages(folio);
      if ((m.flags[folio]! & PGF_lru) === 0) out.push(`folio ${folio} is on an LRU list without PG_lru`);
      if (sys.phys.pfnToNid(folio) !== nid) out.push(`folio ${folio} is on node ${nid}'s LRU but lives on node ${sys.phys.pfnToNid(folio)}`);
      if (sys.lru.folioLruList(folio) !== idx % NR_LRU_LISTS) out.push(`folio ${folio} is on LRU list ${idx % NR_LRU_LISTS}, its flags say ${sys.lru.folioLruList(folio)}`);
      if (m.refcount[folio]! <= 0) out.push(`folio ${folio} is on an LRU with refcount ${m.refcount[folio]}`);
    }
    if (pages !== sys.lru.nrPages[idx]) out.push(`LRU list ${idx}: counted ${sys.lru.nrPages[idx]} pages, holds ${pages}`);
  });
  for (let pfn = 0; pfn < total; pfn++) {
    if ((m.flags[pfn]! & PGF_lru) !== 0 && !onLru.has(pfn)) out.push(`folio ${pfn} has PG_lru but is on no LRU list`);
  }

  // page cache slots point at live folios of that file and index
  for (const file of sys.rmap.addressSpaces) {
    if (file === undefined) continue;
    const folios = new Set(file.pages.values());
    if (folios.size !== file.nrFolios) out.push(`${file.name}: nrpages counts ${file.nrFolios} folios, the cache holds ${folios.size}`);
    for (const folio of folios) if (m.refcount[folio]! <= 0) out.push(`${file.name}: caches folio ${folio} with refcount ${m.refcount[folio]}`);
    for (const [folio, bh] of file.buffers) {
      if ((m.flags[folio]! & PGF_private) === 0 || !folios.has(folio)) out.push(`${file.name}: buffers of folio ${folio} without PG_private or outside the cache`);
      if (bh.locked < 0 || bh.refs < 0) out.push(`${file.name}: buffers of folio ${folio} have negative counts`);
    }
    for (const [index, folio] of file.pages) {
      if (m.mappingHandle(folio) !== file.handle || m.folioTestAnon(folio)) {
        out.push(`${file.name}: slot ${index} holds folio ${folio} of another mapping`);
      } else if (index < m.index[folio]! || index >= m.index[folio]! + m.folioNrPages(folio)) {
        out.push(`${file.name}: slot ${index} holds folio ${folio} with index ${m.index[folio]}`);
      }
    }
  }

  // TLBs agree with the page tables: no stale translation (to an old frame in particular), no
  // write permission the PTE no longer grants, nothing cached for a protnone entry
  const byId = new Map(mms.map((mm) => [mm.id, mm] as const));
  for (const entry of sys.tlb.entries()) {
    const mm = byId.get(entry.mmId);
    const addr = entry.vpn * PAGE_SIZE;
    const bits = mm === undefined ? 0 : accessibleBits(mm, addr);
    const current = mm === undefined || bits === 0 ? -1 : presentPfn(mm, addr);
    if (current !== entry.pfn) {
      out.push(`stale TLB entry on cpu ${entry.cpu}: mm ${entry.mmId} ${hex(addr)} → pfn ${entry.pfn}, page tables say ${current}`);
    } else if (entry.writable && (bits & PTE_WRITE) === 0) {
      out.push(`stale TLB entry on cpu ${entry.cpu}: mm ${entry.mmId} ${hex(addr)} is writable, the PTE is read-only`);
    }
  }

  // hugetlb pools: free huge folios are unreferenced pool folios of their node
  sys.hugetlb.free.forEach((list, nid) => {
    for (let folio = list.first(); folio !== -1; folio = list.nextOf(folio)) {
      if ((m.flags[folio]! & (PGF_hugetlb | PGF_head)) !== (PGF_hugetlb | PGF_head) || m.refcount[folio] !== 0 || sys.phys.pfnToNid(folio) !== nid) {
        out.push(`hugetlb: free folio ${folio} on node ${nid}'s pool is in use or misplaced`);
      }
    }
  });

  // movable_ops drivers (balloons) check their own pages
  for (const ops of sys.movableOps) if (ops.check !== undefined) out.push(...ops.check());
  return out;
}

/** Bits of the present, accessible (not protnone) entry mapping `addr`, or 0. */
function accessibleBits(mm: MmStruct, addr: number): number {
  const pt = mm.pageTable;
  const pmdStart = Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  const leaf = pt.pmdLeaf(pmdStart);
  let bits = 0;
  if (leaf !== null) bits = leaf.bits;
  else {
    const slot = pt.pteSlot(addr);
    if (slot >= 0) bits = pt.bitsAt(slot);
  }
  return (bits & PTE_PRESENT) !== 0 && (bits & PTE_PROTNONE) === 0 ? bits : 0;
}

function presentPfn(mm: MmStruct, addr: number): number {
  const pt = mm.pageTable;
  const pmdStart = Math.floor(addr / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  const leaf = pt.pmdLeaf(pmdStart);
  if (leaf !== null) return (leaf.bits & PTE_PRESENT) !== 0 ? leaf.pfn + (addr - pmdStart) / PAGE_SIZE : -1;
  const slot = pt.pteSlot(addr);
  return slot >= 0 && (pt.bitsAt(slot) & PTE_PRESENT) !== 0 ? pt.pfnAt(slot) : -1;
}

function checkEntry(sys: System, out: string[], mm: MmStruct, addr: number, pfn: number, bits: number, free: Uint8Array): void {
  const m = sys.memmap;
  const where = `mm ${mm.id} 0x${addr.toString(16)}`;
  if (!sys.phys.pfnValid(pfn)) {
    out.push(`${where}: entry points at invalid pfn ${pfn}`);
    return;
  }
  if (free[pfn] === 1) out.push(`${where}: entry points at free pfn ${pfn}`);
  const folio = m.compoundHead(pfn);
  if ((bits & PTE_MIGRATION) !== 0) {
    if ((m.flags[folio]! & PGF_locked) === 0) out.push(`${where}: migration entry for pfn ${pfn} outside a running migration (folio unlocked)`);
    return;
  }
  if (m.refcount[folio]! <= 0) out.push(`${where}: maps pfn ${pfn} of folio ${folio} with refcount ${m.refcount[folio]}`);
}
