import { describe, it, expect } from 'vitest';
import { HPAGE_PMD_ORDER, PAGE_SIZE } from '@pagemig/folio';
import { accessVm } from './access';
import { checkInvariants } from './invariants';
import { PTE_MIGRATION } from './page-table';
import { TTU_BATCH_FLUSH } from './rmap';
import { createSystem, type System } from './system';
import type { Task } from './task';
import { MiB, expectBytes, expectClean, folioAt, frameAt, migrateByHand, pattern, peek, poke, startMigration, twoNodes } from './testing/fixture';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_HUGETLB, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from './vma';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

/** Every mapper reads `data` at `addr`, through frames of `folio` on node `nid`, and the old folio is gone. */
async function expectMovedEverywhere(sys: System, mappers: Task[], addr: number, data: Uint8Array, dst: number, src: number, nid: number): Promise<void> {
  const nr = sys.memmap.folioNrPages(dst);
  for (const task of mappers) {
    expectBytes(await peek(task, addr, data.length), data, `pid ${task.pid}`);
    for (let i = 0; i < Math.min(nr, data.length / PAGE_SIZE); i++) expect(frameAt(task, addr + i * PAGE_SIZE)).toBe(dst + i);
    // the translation an access caches now is the new frame too
    await peek(task, addr, 1);
    expect(sys.tlb.lookup(task.cpu, task.mm.id, addr / PAGE_SIZE, false)).toBe(dst);
  }
  expect(sys.phys.pfnToNid(dst)).toBe(nid);
  expect(sys.memmap.refcount[src]).toBe(0);
  expectClean(sys);
}

describe('tryToMigrate → copy → removeMigrationPtes by hand', () => {
  it('anonymous: parent, forked child and a thread all read the same bytes from the new frame', async () => {
    const sys = twoNodes();
    const parent = sys.createTask({ cpu: 0 });
    const addr = parent.mm.mmap(0, 4 * PAGE_SIZE, RW, ANON);
    const data = pattern(21, 4 * PAGE_SIZE);
    await poke(parent, addr, data);
    const child = sys.fork(parent, { cpu: 1 });
    const thread = sys.cloneThread(parent, { cpu: 3 });
    for (const t of [parent, child, thread]) expect(await peek(t, addr, 4 * PAGE_SIZE)).toEqual(data);
    const hits = sys.rmap.walk(folioAt(parent, addr));
    expect(hits.map((h) => h.vma.mm.id).sort()).toEqual([parent.mm.id, child.mm.id].sort());
    for (let i = 0; i < 4; i++) {
      const va = addr + i * PAGE_SIZE;
      const src = folioAt(parent, va);
      const dst = migrateByHand(sys, src, 1);
      await expectMovedEverywhere(sys, [parent, child, thread], va, data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), dst, src, 1);
      expect(sys.memmap.mapcount[dst]).toBe(2);
    }
    // copy-on-write still works on the moved pages
    await poke(child, addr, Uint8Array.of(0xee));
    expect((await peek(parent, addr, 1))[0]).toBe(data[0]);
    expect(parent.mm.rss.anon).toBe(4);
    expectClean(sys);
  });

  it('an access made while the migration entry is installed waits, then sees the new frame', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 0 });
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(task, addr, pattern(22, PAGE_SIZE));
    const step = startMigration(sys, folioAt(task, addr), 1);
    expect(task.mm.pageTable.bitsAt(task.mm.pageTable.pteSlot(addr)) & PTE_MIGRATION).not.toBe(0);
    expectClean(sys);
    let done = false;
    const read = new Uint8Array(PAGE_SIZE);
    const reader = accessVm(task, addr, read, false).then(() => {
      done = true;
    });
    const writer = accessVm(task, addr + 8, Uint8Array.of(1, 2, 3), true);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(done).toBe(false);
    expect(step.copy()).toBe(0);
    step.finish();
    await reader;
    await writer;
    expect(read).toEqual(pattern(22, PAGE_SIZE));
    expect(frameAt(task, addr)).toBe(step.dst);
    // the write waited too, so it landed in the new frame
    const expected = pattern(22, PAGE_SIZE);
    expected.set([1, 2, 3], 8);
    expect(await peek(task, addr, PAGE_SIZE)).toEqual(expected);
    expectClean(sys);
  });

  it('without the TLB flush before the copy, a write through a stale entry lands in the old frame and is lost', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 0 });
    const thread = sys.cloneThread(task, { cpu: 2 });
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(task, addr, pattern(23, PAGE_SIZE));
    await poke(thread, addr, Uint8Array.of(0x10)); // the thread's CPU caches a writable translation
    const step = startMigration(sys, folioAt(task, addr), 1, false);
    expect(sys.tlb.flushPending()).toBe(true);
    expect(checkInvariants(sys).some((p) => p.startsWith('stale TLB entry on cpu 2'))).toBe(true);
    expect(step.copy()).toBe(0);
    // the thread's store goes through the stale entry, after the copy: into the old frame
    await poke(thread, addr, Uint8Array.of(0x99));
    expect(sys.phys.bytes(step.src, 1)![0]).toBe(0x99);
    expect(sys.phys.bytes(step.dst, 1)![0]).toBe(0x10);
    sys.tlb.tryToUnmapFlush(); // too late
    step.finish();
    expect((await peek(task, addr, 1))[0]).toBe(0x10);
    expect((await peek(thread, addr, 1))[0]).toBe(0x10);
    expectClean(sys);
    // with the flush first (startMigration's default) the same store waits and is kept
    const again = startMigration(sys, folioAt(task, addr), 0);
    const store = poke(thread, addr, Uint8Array.of(0x99));
    expect(again.copy()).toBe(0);
    again.finish();
    await store;
    expect((await peek(task, addr, 1))[0]).toBe(0x99);
    expectClean(sys);
  });

  it('shmem: every process mapping the shared object reads it from the new frame', async () => {
    const sys = twoNodes();
    const a = sys.createTask({ cpu: 0 });
    const addr = a.mm.mmap(0, 2 * PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS);
    const data = pattern(24, 2 * PAGE_SIZE);
    await poke(a, addr, data);
    const b = sys.fork(a, { cpu: 2 });
    const src = folioAt(a, addr + PAGE_SIZE);
    const file = a.mm.findVma(addr)!.file!;
    const dst = migrateByHand(sys, src, 1);
    expect(file.lookup(1)).toBe(dst);
    await expectMovedEverywhere(sys, [a, b], addr + PAGE_SIZE, data.subarray(PAGE_SIZE), dst, src, 1);
  });

  it('file: the page-cache slot, the mappings and pread all move to the new folio', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/moving', 2 * PAGE_SIZE);
    const writer = sys.createTask({ cpu: 0 });
    const data = pattern(25, 2 * PAGE_SIZE);
    expect(await sys.pwrite(writer, file, data, 0)).toBe(2 * PAGE_SIZE);
    const a = sys.createTask({ cpu: 1 });
    const b = sys.createTask({ cpu: 2 });
    const va = a.mm.mmap(0, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, file);
    const vb = b.mm.mmap(0, 2 * PAGE_SIZE, RW, MAP_SHARED, file);
    expect(await peek(a, va, 2 * PAGE_SIZE)).toEqual(data);
    expect(await peek(b, vb, 2 * PAGE_SIZE)).toEqual(data);
    const src = file.lookup(0);
    const dst = migrateByHand(sys, src, 1);
    expect(file.lookup(0)).toBe(dst);
    expect(sys.memmap.refcount[dst]).toBe(3); // page cache + two mappings
    await expectMovedEverywhere(sys, [a], va, data.subarray(0, PAGE_SIZE), dst, src, 1);
    await expectMovedEverywhere(sys, [b], vb, data.subarray(0, PAGE_SIZE), dst, src, 1);
    const buf = new Uint8Array(2 * PAGE_SIZE);
    expect(await sys.pread(writer, file, buf, 0)).toBe(2 * PAGE_SIZE);
    expect(buf).toEqual(data);
    await poke(b, vb + 1, Uint8Array.of(7));
    expect((await peek(a, va + 1, 1))[0]).toBe(7);
  });

  it('PMD-mapped THP: both PMD mappings after fork point at the new huge folio', async () => {
    const sys = twoNodes();
    const parent = sys.createTask({ cpu: 0 });
    const addr = parent.mm.mmap(0, 2 * MiB, RW, ANON);
    parent.mm.madvise(addr, 2 * MiB, MADV_HUGEPAGE);
    const data = pattern(26, 2 * MiB);
    await poke(parent, addr, data);
    const child = sys.fork(parent, { cpu: 2 });
    const src = folioAt(parent, addr);
    expect(sys.memmap.folioOrder(src)).toBe(HPAGE_PMD_ORDER);
    expect(sys.memmap.folioEntireMapcount(src)).toBe(2);
    const dst = migrateByHand(sys, src, 1);
    for (const t of [parent, child]) expect(t.mm.pageTable.pmdLeaf(addr)!.pfn).toBe(dst);
    expect(sys.memmap.folioEntireMapcount(dst)).toBe(2);
    await expectMovedEverywhere(sys, [parent, child], addr, data, dst, src, 1);
  });

  it('PTE-mapped large folio (64K mTHP): all 16 PTEs map the new folio', async () => {
    const sys = twoNodes(32 * MiB, { thp: { sizes: { '64K': 'always' } } });
    const task = sys.createTask({ cpu: 0 });
    const thread = sys.cloneThread(task, { cpu: 2 });
    const addr = task.mm.mmap(0, 64 * 1024, RW, ANON);
    const data = pattern(27, 64 * 1024);
    await poke(task, addr, data);
    const src = folioAt(task, addr);
    expect(sys.memmap.folioOrder(src)).toBe(4);
    const dst = migrateByHand(sys, src, 1);
    expect(sys.memmap.folioMapcount(dst)).toBe(16);
    await expectMovedEverywhere(sys, [task, thread], addr, data, dst, src, 1);
  });

  it('hugetlb: a private huge page moves to a pool page of the target node', async () => {
    const sys = createSystem({ nodes: [{ size: 16 * MiB, hugepages: 1 }, { size: 16 * MiB, hugepages: 1 }] });
    const task = sys.createTask({ cpu: 0 });
    const addr = task.mm.mmap(0, 2 * MiB, RW, ANON | MAP_HUGETLB);
    const data = pattern(28, 2 * MiB);
    await poke(task, addr, data);
    const src = folioAt(task, addr);
    const dst = migrateByHand(sys, src, 1);
    expect(sys.hugetlb.freeHugepages(0)).toBe(1);
    expect(sys.hugetlb.freeHugepages(1)).toBe(0);
    expectBytes(await peek(task, addr, 2 * MiB), data);
    expect(folioAt(task, addr)).toBe(dst);
    expectClean(sys);
  });

  it('an access never spins on a migration entry whose folio nobody holds locked: it reports the corruption', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(task, addr, Uint8Array.of(1));
    sys.rmap.tryToMigrate(folioAt(task, addr), 0);
    await expect(peek(task, addr, 1)).rejects.toThrow(/migration entry at 0x[0-9a-f]+ \(pid \d+\) for unlocked folio/);
  });

  it('a failed migration puts the original mapping back (removeMigrationPtes(src, src))', async () => {
    const sys = twoNodes();
    const parent = sys.createTask({ cpu: 0 });
    const addr = parent.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(parent, addr, pattern(29, 64));
    const child = sys.fork(parent);
    const src = folioAt(parent, addr);
    sys.locks.folioTrylock(src);
    sys.rmap.tryToMigrate(src, 0);
    expect(sys.memmap.folioMapped(src)).toBe(false);
    expect(sys.tlb.flushPending()).toBe(false);
    sys.rmap.removeMigrationPtes(src, src);
    sys.locks.folioUnlock(src);
    expect(sys.memmap.mapcount[src]).toBe(2);
    for (const t of [parent, child]) expect(await peek(t, addr, 64)).toEqual(pattern(29, 64));
    expectClean(sys);
    // the batched flag defers the flush into the pending batch
    sys.locks.folioTrylock(src);
    sys.rmap.tryToMigrate(src, TTU_BATCH_FLUSH);
    expect(sys.tlb.flushPending()).toBe(true);
    sys.tlb.tryToUnmapFlush();
    sys.rmap.removeMigrationPtes(src, src);
    sys.locks.folioUnlock(src);
    expectClean(sys);
  });
});
