import { describe, it, expect } from 'vitest';
import { EAGAIN, EBUSY, EEXIST, EINVAL, ENOENT } from '@pagemig/kernel';
import { PAGE_SIZE, PGF_dirty, PGF_private, PGF_writeback } from '@pagemig/folio';
import { createEmptyBuffers, getBh, lockBuffer, putBh, tryToFreeBuffers, unlockBuffer, waitOnBuffers } from './buffer-head';
import { MPOL_BIND } from './mempolicy';
import { PTE_DIRTY, PTE_WRITE } from './page-table';
import { expectBytes, expectClean, folioAt, pattern, peek, poke, startMigration, twoNodes } from './testing/fixture';
import { MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from './vma';

const RW = PROT_READ | PROT_WRITE;

describe('pread and pwrite through the page cache', () => {
  it('writes and reads bytes across pages, growing the file, with folios placed by the writer policy', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/log', 0);
    const writer = sys.createTask({ cpu: 0 });
    expect(sys.setMempolicy(writer, MPOL_BIND, [1])).toBe(0);
    const data = pattern(61, 3 * PAGE_SIZE + 100);
    expect(await sys.pwrite(writer, file, data, 50)).toBe(data.length);
    expect(file.size).toBe(50 + data.length);
    expect(file.sizePages).toBe(4);
    for (let i = 0; i < 4; i++) expect(sys.phys.pfnToNid(file.lookup(i))).toBe(1);
    expect(sys.memmap.flags[file.lookup(0)]! & PGF_dirty).not.toBe(0);
    const reader = sys.createTask({ cpu: 2 });
    const out = new Uint8Array(data.length + 500);
    expect(await sys.pread(reader, file, out, 50)).toBe(data.length);
    expectBytes(out.subarray(0, data.length), data);
    const head = new Uint8Array(50);
    expect(await sys.pread(reader, file, head, 0)).toBe(50);
    expect(head).toEqual(new Uint8Array(50));
    expect(await sys.pread(reader, file, head, file.size)).toBe(0);
    expect(await sys.pread(reader, file, head, -1)).toBe(-EINVAL);
    expect(sys.memcgs.get(1).usage).toBe(4);
    expectClean(sys);
  });

  it('reads a hole of a sparse file as zeros, caching a folio on the reader node', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/sparse', 8 * PAGE_SIZE);
    const reader = sys.createTask({ cpu: 3 });
    const out = new Uint8Array(PAGE_SIZE).fill(9);
    expect(await sys.pread(reader, file, out, 5 * PAGE_SIZE)).toBe(PAGE_SIZE);
    expect(out).toEqual(new Uint8Array(PAGE_SIZE));
    expect(sys.phys.pfnToNid(file.lookup(5))).toBe(1);
    expect(file.nrFolios).toBe(1);
    expectClean(sys);
  });

  it('a writer waits for a migration holding the folio lock, then writes into the new folio', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/busy', PAGE_SIZE);
    const task = sys.createTask({ cpu: 0 });
    expect(await sys.pwrite(task, file, pattern(62, PAGE_SIZE), 0)).toBe(PAGE_SIZE);
    const step = startMigration(sys, file.lookup(0), 1);
    let done = false;
    const write = sys.pwrite(task, file, Uint8Array.of(1, 2), 10).then((n) => {
      done = true;
      return n;
    });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(done).toBe(false);
    expect(sys.memmap.refcount[step.src]).toBe(3); // cache + isolation + the writer's
    expect(step.copy()).toBe(0);
    step.finish();
    expect(await write).toBe(2);
    const expected = pattern(62, PAGE_SIZE);
    expected.set([1, 2], 10);
    const out = new Uint8Array(PAGE_SIZE);
    await sys.pread(task, file, out, 0);
    expectBytes(out, expected);
    expect(sys.phys.pfnToNid(file.lookup(0))).toBe(1);
    expectClean(sys);
  });

  it('refuses hugetlbfs writes and bad offsets', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const huge = sys.createFile('/hugetlbfs/f', 2 << 20, { kind: 'hugetlbfs' });
    expect(huge.migrateFolio).toBe('hugetlbfs');
    expect(await sys.pwrite(task, huge, Uint8Array.of(1), 0)).toBe(-EINVAL);
    const out = new Uint8Array(16).fill(1);
    expect(await sys.pread(task, huge, out, 0)).toBe(16);
    expect(out).toEqual(new Uint8Array(16));
    const file = sys.createFile('/f', 0);
    expect(await sys.pwrite(task, file, Uint8Array.of(1), 1.5)).toBe(-EINVAL);
    expect(() => sys.createFile('/g', -1)).toThrow(/file size -1/);
    expect(() => sys.createFile('/g', 0, { kind: 'tape' as never })).toThrow(/file kind "tape"/);
  });
});

describe('dirty and writeback', () => {
  it('startWriteback cleans the folio (and its shared PTEs), endWriteback wakes waiters, data stays', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/wb', 2 * PAGE_SIZE);
    const task = sys.createTask({ cpu: 0 });
    const addr = task.mm.mmap(0, 2 * PAGE_SIZE, RW, MAP_SHARED, file);
    await poke(task, addr, pattern(63, 100));
    const folio = file.lookup(0);
    const pt = task.mm.pageTable;
    const slot = pt.pteSlot(addr);
    expect(pt.bitsAt(slot) & PTE_DIRTY).not.toBe(0);
    expect(sys.startWriteback(file, 0)).toBe(0);
    expect(sys.memmap.flags[folio]! & PGF_writeback).not.toBe(0);
    expect(sys.memmap.flags[folio]! & PGF_dirty).toBe(0);
    expect(pt.bitsAt(slot) & (PTE_DIRTY | PTE_WRITE)).toBe(0);
    expect(sys.startWriteback(file, 0)).toBe(-EBUSY);
    expect(sys.startWriteback(file, 1)).toBe(-ENOENT);
    expectClean(sys);
    let woken = false;
    const waiter = sys.locks.folioWaitWriteback(folio).then(() => {
      woken = true;
    });
    await Promise.resolve();
    expect(woken).toBe(false);
    expect(sys.endWriteback(file, 0)).toBe(0);
    await waiter;
    expect(woken).toBe(true);
    expect(sys.endWriteback(file, 0)).toBe(-EINVAL);
    expect(await peek(task, addr, 100)).toEqual(pattern(63, 100));
    // the next write through the mapping faults and dirties the folio again
    await poke(task, addr + 1, Uint8Array.of(5));
    expect(sys.memmap.flags[folio]! & PGF_dirty).not.toBe(0);
    expectClean(sys);
  });

  it('writeback skips a locked folio', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/wb', PAGE_SIZE);
    await sys.pwrite(sys.createTask(), file, Uint8Array.of(1), 0);
    sys.locks.folioTrylock(file.lookup(0));
    expect(sys.startWriteback(file, 0)).toBe(-EAGAIN);
    sys.locks.folioUnlock(file.lookup(0));
  });
});

describe('buffer heads', () => {
  it('attach with PG_private and one reference, lock and reference them, free them only when idle', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/ext4/f', PAGE_SIZE, { migrateFolio: 'buffer_migrate_folio' });
    const task = sys.createTask();
    await sys.pwrite(task, file, Uint8Array.of(1), 0);
    const folio = file.lookup(0);
    const refs = sys.memmap.refcount[folio]!;
    expect(createEmptyBuffers(sys, file, folio)).toBe(0);
    expect(createEmptyBuffers(sys, file, folio)).toBe(-EEXIST);
    expect(sys.memmap.flags[folio]! & PGF_private).not.toBe(0);
    expect(sys.memmap.refcount[folio]).toBe(refs + 1);
    expect(sys.memmap.folioExpectedRefCount(folio)).toBe(2);
    expectClean(sys);
    expect(lockBuffer(file, folio)).toBe(0);
    expect(getBh(file, folio)).toBe(0);
    expect(file.buffers.get(folio)).toEqual({ locked: 1, refs: 1 });
    expect(tryToFreeBuffers(sys, file, folio)).toBe(-EBUSY);
    let unlocked = false;
    const wait = waitOnBuffers(file, folio).then(() => {
      unlocked = true;
    });
    await Promise.resolve();
    expect(unlocked).toBe(false);
    expect(unlockBuffer(file, folio)).toBe(0);
    await wait;
    expect(unlockBuffer(file, folio)).toBe(-EINVAL);
    expect(putBh(file, folio)).toBe(0);
    expect(putBh(file, folio)).toBe(-EINVAL);
    expect(tryToFreeBuffers(sys, file, folio)).toBe(0);
    expect(sys.memmap.refcount[folio]).toBe(refs);
    expect(sys.memmap.flags[folio]! & PGF_private).toBe(0);
    expect(lockBuffer(file, folio)).toBe(-ENOENT);
    expect(createEmptyBuffers(sys, file, folio + 1)).toBe(-ENOENT);
    expectClean(sys);
  });

  it('move with the folio when the page cache slot is replaced', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/ext4/g', PAGE_SIZE, { migrateFolio: 'buffer_migrate_folio' });
    await sys.pwrite(sys.createTask(), file, Uint8Array.of(1), 0);
    const folio = file.lookup(0);
    createEmptyBuffers(sys, file, folio);
    file.replace(0, folio, folio + 1, 1);
    expect(file.buffers.has(folio)).toBe(false);
    expect(file.buffers.get(folio + 1)).toEqual({ locked: 0, refs: 0 });
    file.replace(0, folio + 1, folio, 1);
  });
});

describe('truncate', () => {
  it('unmaps and frees pages past the new end, zeroes the partial page, and later faults there get SIGBUS', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/t', 4 * PAGE_SIZE, { migrateFolio: 'buffer_migrate_folio' });
    const a = sys.createTask();
    const b = sys.createTask({ cpu: 2 });
    const va = a.mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_SHARED, file);
    const vb = b.mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_PRIVATE, file);
    await poke(a, va, pattern(64, 4 * PAGE_SIZE));
    expect(await peek(b, vb + 3 * PAGE_SIZE, 4)).toEqual(pattern(64, 4 * PAGE_SIZE).subarray(3 * PAGE_SIZE, 3 * PAGE_SIZE + 4));
    await poke(b, vb + 2 * PAGE_SIZE, Uint8Array.of(1)); // a private copy: truncation unmaps it too
    createEmptyBuffers(sys, file, file.lookup(3));
    const gone = [file.lookup(2), file.lookup(3)];
    const free = sys.zones[0]!.nrFreePages + sys.zones[1]!.nrFreePages;
    expect(await sys.truncate(file, PAGE_SIZE + 100)).toBe(0);
    expect(file.sizePages).toBe(2);
    expect(file.nrFolios).toBe(2);
    for (const folio of gone) expect(sys.memmap.refcount[folio]).toBe(0);
    expect(sys.zones[0]!.nrFreePages + sys.zones[1]!.nrFreePages).toBe(free + 3);
    const tail = await peek(a, va + PAGE_SIZE, PAGE_SIZE);
    expect(tail.subarray(0, 100)).toEqual(pattern(64, 4 * PAGE_SIZE).subarray(PAGE_SIZE, PAGE_SIZE + 100));
    expect(tail.subarray(100)).toEqual(new Uint8Array(PAGE_SIZE - 100));
    await expect(peek(a, va + 2 * PAGE_SIZE, 1)).rejects.toThrow(/bus error/);
    await expect(peek(b, vb + 3 * PAGE_SIZE, 1)).rejects.toThrow(/bus error/);
    expect(await sys.truncate(file, -5)).toBe(-EINVAL);
    expectClean(sys);
  });

  it('waits for a locked folio and for writeback before it drops a page', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/w', 2 * PAGE_SIZE);
    const task = sys.createTask();
    await sys.pwrite(task, file, pattern(65, 2 * PAGE_SIZE), 0);
    const folio = file.lookup(1);
    expect(sys.startWriteback(file, 1)).toBe(0);
    sys.locks.folioTrylock(folio);
    let done = false;
    const truncation = sys.truncate(file, PAGE_SIZE).then(() => {
      done = true;
    });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(done).toBe(false);
    sys.locks.folioUnlock(folio);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(done).toBe(false);
    expect(sys.memmap.flags[folio]! & PGF_writeback).not.toBe(0);
    sys.locks.folioEndWriteback(folio);
    await truncation;
    expect(file.lookup(1)).toBe(-1);
    expect(sys.memmap.refcount[folio]).toBe(0);
    expectClean(sys);
  });

  it('a truncated folio a migration still holds stays allocated until it is released', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/m', PAGE_SIZE);
    const task = sys.createTask();
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, MAP_SHARED, file);
    await poke(task, addr, Uint8Array.of(1));
    const folio = folioAt(task, addr);
    sys.memmap.folioGet(folio); // someone else's reference (a GUP pin, a migration's isolation)
    expect(await sys.truncate(file, 0)).toBe(0);
    expect(sys.memmap.refcount[folio]).toBe(1);
    expect(sys.memmap.mapping[folio]).toBe(0);
    expectClean(sys);
    sys.alloc.folioPut(folio);
    expect(sys.memmap.refcount[folio]).toBe(0);
    expectClean(sys);
  });
});
