import { describe, it, expect } from 'vitest';
import { EAGAIN, EBUSY } from '@pagemig/kernel';
import { HPAGE_PMD_NR, PAGE_SIZE, PGF_head, PGF_locked, PGF_lru } from '@pagemig/folio';
import { FolioList } from './folio-list';
import { splitFolioToList } from './huge-memory';
import { createSystem } from './system';
import { MiB, expectBytes, expectClean, folioAt, frameAt, pattern, peek, poke, twoNodes } from './testing/fixture';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_HUGETLB, MAP_PRIVATE, PROT_READ, PROT_WRITE } from './vma';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

async function thp(sys: ReturnType<typeof twoNodes>) {
  const parent = sys.createTask();
  const addr = parent.mm.mmap(0, 2 * MiB, RW, ANON);
  parent.mm.madvise(addr, 2 * MiB, MADV_HUGEPAGE);
  const data = pattern(81, 2 * MiB);
  await poke(parent, addr, data);
  const child = sys.fork(parent);
  return { parent, child, addr, data, folio: folioAt(parent, addr) };
}

describe('splitFolioToList', () => {
  it('splits an isolated PMD-mapped THP: tails join the list isolated and locked, mappings and data stay', async () => {
    const sys = twoNodes();
    const { parent, child, addr, data, folio } = await thp(sys);
    expect(sys.lru.folioIsolateLru(folio)).toBe(true);
    sys.lru.modIsolated(folio, 1);
    sys.locks.folioTrylock(folio);
    const list = new FolioList(sys.memmap);
    list.add(folio);
    expect(splitFolioToList(sys, folio, list)).toBe(0);
    expect(list.count).toBe(HPAGE_PMD_NR);
    expect(list.first()).toBe(folio);
    expect(sys.memmap.flags[folio]! & PGF_head).toBe(0);
    for (const page of [folio, folio + 1, folio + 511]) {
      expect(sys.memmap.refcount[page]).toBe(3); // two PTEs + the isolation reference
      expect(sys.memmap.mapcount[page]).toBe(2);
      expect(sys.memmap.flags[page]! & PGF_locked).not.toBe(0);
      expect(sys.memmap.flags[page]! & PGF_lru).toBe(0);
    }
    expect(parent.mm.pageTable.isPmdLeaf(addr)).toBe(false);
    expect(frameAt(child, addr + 7 * PAGE_SIZE)).toBe(folio + 7);
    // put everything back: unlock, return to the LRU, drop the isolation references
    // NR_ISOLATED counted 512 pages at isolation; each split page is put back on its own
    expect(sys.lru.nrIsolated[0]).toBe(HPAGE_PMD_NR);
    for (let page = list.shift(); page !== -1; page = list.shift()) {
      sys.locks.folioUnlock(page);
      sys.lru.modIsolated(page, -1);
      sys.lru.folioAddLru(page);
      sys.alloc.folioPut(page);
    }
    expect(sys.lru.nrIsolated[0]).toBe(0);
    expectClean(sys);
    expectBytes(await peek(child, addr, 2 * MiB), data);
    expect(sys.vmstat.get('thp_split_page')).toBe(1);
    expect(sys.vmstat.get('thp_split_pmd')).toBe(2);
  });

  it('splits onto the LRU when no list is given, and refuses with -EAGAIN while someone else holds a reference', async () => {
    const sys = twoNodes();
    const { addr, parent, folio } = await thp(sys);
    sys.memmap.folioGet(folio); // the caller's reference
    sys.memmap.folioGet(folio); // an unexpected one
    expect(splitFolioToList(sys, folio, null)).toBe(-EAGAIN);
    expect(sys.vmstat.get('thp_split_page_failed')).toBe(1);
    sys.alloc.folioPut(folio);
    expect(splitFolioToList(sys, folio, null)).toBe(0);
    sys.alloc.folioPut(folio);
    expect(sys.lru.pages(0, 0)).toBe(HPAGE_PMD_NR);
    expect(sys.memmap.refcount[folio + 3]).toBe(2);
    expectClean(sys);
    expect(parent.mm.munmap(addr, 2 * MiB)).toBe(0);
    expectClean(sys);
  });

  it('does not split hugetlb folios', async () => {
    const sys = createSystem({ nodes: [{ size: 16 * MiB, hugepages: 1 }] });
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 2 * MiB, RW, ANON | MAP_HUGETLB);
    await poke(task, addr, Uint8Array.of(1));
    expect(splitFolioToList(sys, folioAt(task, addr), null)).toBe(-EBUSY);
  });
});
