import { describe, it, expect } from 'vitest';
import { PAGE_SIZE, PGF_active, PGF_lru } from '@pagemig/folio';
import { Balloon } from './balloon';
import { checkInvariants } from './invariants';
import { PTE_PRESENT, PTE_WRITE, PTE_YOUNG } from './page-table';
import type { System } from './system';
import type { Task } from './task';
import { expectClean, folioAt, peek, poke, twoNodes } from './testing/fixture';
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from './vma';

const RW = PROT_READ | PROT_WRITE;

/** A clean system with a parent and a forked child sharing two written anonymous pages, and a mapped file page. */
async function populated(): Promise<{ sys: System; parent: Task; child: Task; addr: number; fileAddr: number }> {
  const sys = twoNodes();
  const parent = sys.createTask();
  const addr = parent.mm.mmap(0, 2 * PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  await poke(parent, addr, new Uint8Array(2 * PAGE_SIZE).fill(1));
  const file = sys.createFile('/f', PAGE_SIZE);
  const fileAddr = parent.mm.mmap(0, PAGE_SIZE, RW, MAP_SHARED, file);
  await poke(parent, fileAddr, Uint8Array.of(2));
  const child = sys.fork(parent);
  await peek(child, addr, 1);
  expectClean(sys);
  return { sys, parent, child, addr, fileAddr };
}

/** Asserts that some reported violation matches `pattern`. */
function expectViolation(sys: System, pattern: RegExp): void {
  const problems = checkInvariants(sys);
  expect(problems.some((p) => pattern.test(p)), `no violation matching ${pattern} in ${JSON.stringify(problems)}`).toBe(true);
}

describe('checkInvariants catches planted corruption', () => {
  it('a wrong mapcount', async () => {
    const { sys, parent, addr } = await populated();
    sys.memmap.mapcount[folioAt(parent, addr)]!++;
    expectViolation(sys, /mapcount 3 but 2 PTEs map it/);
  });

  it('a refcount below what its mappings need', async () => {
    const { sys, parent, addr } = await populated();
    sys.memmap.refcount[folioAt(parent, addr)]!--;
    expectViolation(sys, /refcount 1 below expected 2/);
  });

  it('a PTE pointing at a free frame', async () => {
    const { sys, parent, addr } = await populated();
    const free = sys.zones[1]!.freeArea[10]!.first();
    const pt = parent.mm.pageTable;
    pt.setAt(pt.pteSlot(addr + PAGE_SIZE), free, PTE_PRESENT | PTE_YOUNG);
    expectViolation(sys, new RegExp(`entry points at free pfn ${free}`));
  });

  it('a free list whose count disagrees with its links, and free + allocated != managed', async () => {
    const { sys } = await populated();
    sys.zones[1]!.freeArea[10]!.count++;
    expectViolation(sys, /node 1: order-10 list count \d+ but \d+ blocks linked/);
    sys.zones[1]!.freeArea[10]!.count--;
    expectClean(sys);
    sys.zones[0]!.nrFreePages += 3;
    expectViolation(sys, /node 0: nr_free_pages \d+ but free lists hold/);
  });

  it('a migration entry whose folio is not locked', async () => {
    const { sys, parent, addr } = await populated();
    sys.rmap.tryToMigrate(folioAt(parent, addr), 0);
    expectViolation(sys, /migration entry for pfn \d+ outside a running migration \(folio unlocked\)/);
  });

  it('PG_lru without a list, and a folio on the wrong LRU list', async () => {
    const { sys, parent, addr } = await populated();
    const block = sys.alloc.allocFolio(1, 0, 0, 0);
    sys.memmap.flags[block]! |= PGF_lru;
    expectViolation(sys, new RegExp(`folio ${block} has PG_lru but is on no LRU list`));
    sys.memmap.flags[block]! &= ~PGF_lru;
    expectClean(sys);
    sys.memmap.flags[folioAt(parent, addr)]! |= PGF_active;
    expectViolation(sys, /is on LRU list 0, its flags say 1/);
  });

  it('a stale TLB entry, and a writable one over a read-only PTE', async () => {
    const { sys, parent, child, addr } = await populated();
    sys.tlb.fill(0, parent.mm.id, addr / PAGE_SIZE, folioAt(parent, addr) + 1000, false);
    expectViolation(sys, /stale TLB entry on cpu 0: mm \d+ 0x[0-9a-f]+ → pfn \d+, page tables say \d+/);
    sys.tlb.flushMm(parent.mm.id);
    expectClean(sys);
    // after fork the page is write-protected: a writable translation would bypass copy-on-write
    sys.tlb.fill(0, child.mm.id, addr / PAGE_SIZE, folioAt(child, addr), true);
    expectViolation(sys, /is writable, the PTE is read-only/);
  });

  it('memcg usage that does not match the folios charged to it', async () => {
    const { sys } = await populated();
    sys.memcgs.get(1).usage += 5;
    expectViolation(sys, /memcg \/: usage \d+ but \d+ pages charged to it/);
  });

  it('a page-cache slot holding a foreign folio', async () => {
    const { sys, parent, addr } = await populated();
    const file = sys.rmap.addressSpaces.find((f) => f?.name === '/f')!;
    file.pages.set(0, folioAt(parent, addr));
    expectViolation(sys, /\/f: slot 0 holds folio \d+ of another mapping/);
  });

  it('a mapping the rmap cannot find (VMA unlinked from its anon_vma)', async () => {
    const { sys, child, addr } = await populated();
    const vma = child.mm.findVma(addr)!;
    vma.anonVmaChain[0]!.unlink(vma);
    expectViolation(sys, /rmap finds 1 PTEs \+ 0 PMDs, page tables hold 2 \+ 0/);
  });

  it('RSS counters that do not match the page tables', async () => {
    const { sys, child } = await populated();
    child.mm.rss.anon++;
    expectViolation(sys, /RSS counters anon\/file\/shmem 3\/1\/0 but the page tables map 2\/1\/0/);
  });

  it('a dead VMA left linked in the rmap, and a free frame still referenced', async () => {
    const { sys, parent, addr } = await populated();
    const vma = parent.mm.findVma(addr)!;
    parent.mm.vmas.splice(parent.mm.vmas.indexOf(vma), 1);
    expectViolation(sys, /anon_vma \d+ links a dead VMA/);
    parent.mm.vmas.unshift(vma);
    parent.mm.vmas.sort((a, b) => a.start - b.start);
    expectClean(sys);
    const free = sys.zones[1]!.freeArea[10]!.first() + 5;
    sys.memmap.refcount[free] = 1;
    expectViolation(sys, new RegExp(`free pfn ${free} is in use`));
  });

  it('a balloon whose list and pages disagree', async () => {
    const { sys } = await populated();
    const balloon = new Balloon(sys);
    expect(balloon.inflate(1, 4)).toBe(4);
    expectClean(sys);
    const page = balloon.pages.first();
    balloon.pages.del(page);
    expectViolation(sys, /balloon balloon: 4 pages carry its id but 3 are listed/);
  });

  it('a writable PTE in place of a write-protected one is not flagged (it is legal), so the checks are not just noise', async () => {
    const { sys, parent, fileAddr } = await populated();
    const pt = parent.mm.pageTable;
    const slot = pt.pteSlot(fileAddr);
    pt.setAt(slot, pt.pfnAt(slot), pt.bitsAt(slot) | PTE_WRITE);
    expectClean(sys);
  });
});
