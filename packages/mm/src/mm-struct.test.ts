import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { KernelError } from '@pagemig/kernel';
import { HPAGE_PMD_NR, HPAGE_PMD_SIZE, PAGE_SIZE, PGF_partially_mapped } from '@pagemig/folio';
import { checkInvariants } from './invariants';
import { PTE_MIGRATION, PTE_WRITE } from './page-table';
import { createSystem, type System } from './system';
import type { Task } from './task';
import { MiB, expectClean, folioAt, frameAt, pattern, peek, poke, startMigration, twoNodes } from './testing/fixture';
import { MADV_DONTNEED, MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_NONE, PROT_READ, PROT_WRITE } from './vma';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

describe('mmap, munmap, mprotect, fork and exit', () => {
  it('takes a free page-aligned hint as it is and places big mappings PMD-aligned', () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const hint = 0x5000_0000_3000;
    expect(task.mm.mmap(hint, 4 * MiB, RW, ANON)).toBe(hint);
    const big = task.mm.mmap(0, 4 * MiB, RW, ANON);
    expect(big % HPAGE_PMD_SIZE).toBe(0);
    expect(task.mm.mmap(hint, PAGE_SIZE, RW, ANON)).not.toBe(hint);
    expect(task.mm.mmap(hint, PAGE_SIZE, RW, ANON | MAP_FIXED)).toBe(hint);
    expect(task.mm.mmap(0, 0, RW, ANON)).toBe(-22);
    expect(task.mm.mmap(0, PAGE_SIZE, RW, MAP_ANONYMOUS)).toBe(-22);
  });

  it('munmap in the middle of a PMD-mapped THP splits it and keeps the rest', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 2 * MiB, RW, ANON);
    expect(task.mm.madvise(addr, 2 * MiB, MADV_HUGEPAGE)).toBe(0);
    const data = pattern(11, 2 * MiB);
    await poke(task, addr, data);
    const folio = folioAt(task, addr);
    expect(task.mm.pageTable.isPmdLeaf(addr)).toBe(true);
    expect(task.mm.munmap(addr + 4 * PAGE_SIZE, 8 * PAGE_SIZE)).toBe(0);
    expect(task.mm.pageTable.isPmdLeaf(addr)).toBe(false);
    expect(sys.memmap.folioMapcount(folio)).toBe(HPAGE_PMD_NR - 8);
    expect(sys.memmap.flags[folio]! & PGF_partially_mapped).not.toBe(0);
    expect(task.mm.rss.anon).toBe(HPAGE_PMD_NR - 8);
    expect(await peek(task, addr, 4 * PAGE_SIZE)).toEqual(data.subarray(0, 4 * PAGE_SIZE));
    expect(await peek(task, addr + 12 * PAGE_SIZE, 100)).toEqual(data.subarray(12 * PAGE_SIZE, 12 * PAGE_SIZE + 100));
    await expect(peek(task, addr + 5 * PAGE_SIZE, 1)).rejects.toThrow(/no mapping/);
    expectClean(sys);
    expect(task.mm.munmap(addr, 2 * MiB)).toBe(0);
    expect(sys.memmap.refcount[folio]).toBe(0);
    expectClean(sys);
  });

  it('mprotect of part of a THP splits the PMD so each VMA maps only its own range', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 2 * MiB, RW, ANON);
    task.mm.madvise(addr, 2 * MiB, MADV_HUGEPAGE);
    await poke(task, addr, pattern(12, PAGE_SIZE));
    expect(task.mm.mprotect(addr + MiB, MiB, PROT_READ)).toBe(0);
    expect(task.mm.vmas).toHaveLength(2);
    expect(task.mm.pageTable.isPmdLeaf(addr)).toBe(false);
    await poke(task, addr + 10, Uint8Array.of(1));
    await expect(poke(task, addr + MiB, Uint8Array.of(1))).rejects.toThrow(/segmentation fault/);
    expectClean(sys);
  });

  it('mprotect while a migration entry is installed: the restored PTE is read-only', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(task, addr, Uint8Array.of(3));
    const step = startMigration(sys, folioAt(task, addr), 1);
    const slot = task.mm.pageTable.pteSlot(addr);
    expect(task.mm.pageTable.bitsAt(slot) & PTE_MIGRATION).not.toBe(0);
    expect(task.mm.mprotect(addr, PAGE_SIZE, PROT_READ)).toBe(0);
    expect(task.mm.pageTable.bitsAt(slot) & PTE_WRITE).toBe(0);
    expect(step.copy()).toBe(0);
    step.finish();
    expect(task.mm.pageTable.bitsAt(slot) & PTE_WRITE).toBe(0);
    await expect(poke(task, addr, Uint8Array.of(4))).rejects.toThrow(/write at/);
    expect(await peek(task, addr, 1)).toEqual(Uint8Array.of(3));
    expect(task.mm.mprotect(addr, PAGE_SIZE, PROT_NONE)).toBe(0);
    await expect(peek(task, addr, 1)).rejects.toThrow(/segmentation fault/);
    expectClean(sys);
  });

  it('munmap of zero-page mappings flushes their TLB entries too', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const file = sys.createFile('/f', PAGE_SIZE);
    expect(await sys.pwrite(task, file, Uint8Array.of(42), 0)).toBe(1);
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    expect(await peek(task, addr, 1)).toEqual(Uint8Array.of(0));
    expect(task.mm.munmap(addr, PAGE_SIZE)).toBe(0);
    expectClean(sys);
    // the same address now maps the file: a stale zero-page translation would read 0
    expect(task.mm.mmap(addr, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, file)).toBe(addr);
    expect(await peek(task, addr, 1)).toEqual(Uint8Array.of(42));
  });

  it('frees shared anonymous memory when its last mapping goes away', async () => {
    const sys = twoNodes();
    const free = sys.zones[0]!.nrFreePages;
    const parent = sys.createTask();
    const addr = parent.mm.mmap(0, 16 * PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS);
    await poke(parent, addr, pattern(13, 16 * PAGE_SIZE));
    const child = sys.fork(parent);
    sys.exitTask(parent);
    expect(await peek(child, addr, 16 * PAGE_SIZE)).toEqual(pattern(13, 16 * PAGE_SIZE));
    expect(sys.zones[0]!.nrFreePages).toBe(free - 16);
    sys.exitTask(child);
    expect(sys.zones[0]!.nrFreePages).toBe(free);
    expectClean(sys);
  });

  it('MADV_DONTNEED drops private pages (they read as zero) and keeps shared ones', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const anon = task.mm.mmap(0, 4 * PAGE_SIZE, RW, ANON);
    const shared = task.mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS);
    await poke(task, anon, pattern(14, 4 * PAGE_SIZE));
    await poke(task, shared, pattern(15, 4 * PAGE_SIZE));
    expect(task.mm.madvise(anon, 4 * PAGE_SIZE, MADV_DONTNEED)).toBe(0);
    expect(task.mm.madvise(shared, 4 * PAGE_SIZE, MADV_DONTNEED)).toBe(0);
    expect(task.mm.rss.anon + task.mm.rss.shmem).toBe(0);
    expect(await peek(task, anon, 4 * PAGE_SIZE)).toEqual(new Uint8Array(4 * PAGE_SIZE));
    expect(await peek(task, shared, 4 * PAGE_SIZE)).toEqual(pattern(15, 4 * PAGE_SIZE));
    expectClean(sys);
  });

  it('MADV_DONTNEED on part of a VMA zaps those pages and keeps one VMA (madvise_dontneed_free)', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 8 * PAGE_SIZE, RW, ANON);
    await poke(task, addr, pattern(16, 8 * PAGE_SIZE));
    expect(task.mm.madvise(addr + 2 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED)).toBe(0);
    expect(task.mm.vmas.length).toBe(1);
    const after = await peek(task, addr, 8 * PAGE_SIZE);
    const expected = pattern(16, 8 * PAGE_SIZE);
    expected.fill(0, 2 * PAGE_SIZE, 3 * PAGE_SIZE);
    expect(after).toEqual(expected);
    expect(task.mm.madvise(addr, 16 * PAGE_SIZE, MADV_DONTNEED)).toBe(-12);
    expectClean(sys);
  });

  it('hands the mm to another thread when its owner exits, so populate still works', async () => {
    const sys = twoNodes();
    const leader = sys.createTask();
    const thread = sys.cloneThread(leader, { cpu: 2 });
    sys.exitTask(leader);
    expect(thread.mm.owner).toBe(thread);
    const addr = thread.mm.mmap(0, 4 * PAGE_SIZE, RW, ANON);
    expect(thread.mm.populate(addr, 4 * PAGE_SIZE, true)).toBe(0);
    expect(sys.phys.pfnToNid(frameAt(thread, addr))).toBe(1);
    expect(sys.sysfs.stat(`/proc/${leader.pid}`)).toBeUndefined();
    expect(sys.sysfs.stat(`/proc/${thread.pid}/numa_maps`)).toBeDefined();
    await expect(peek(leader, addr, 1)).rejects.toThrow(/has exited/);
    expectClean(sys);
  });
});

// ---- random sequences against a model of what each address must read -------------------

type Kind = 'anon' | 'shared' | 'file' | 'thp';
type Op =
  | { op: 'mmap'; t: number; kind: Kind; pages: number; off: number }
  | { op: 'write'; t: number; pick: number; value: number }
  | { op: 'read'; t: number; pick: number }
  | { op: 'fork'; t: number; cpu: number }
  | { op: 'thread'; t: number; cpu: number }
  | { op: 'munmap'; t: number; pick: number; pages: number }
  | { op: 'mprotect'; t: number; pick: number; pages: number; prot: number }
  | { op: 'dontneed'; t: number; pick: number; pages: number }
  | { op: 'exit'; t: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('mmap' as const), t: fc.nat(), kind: fc.constantFrom<Kind>('anon', 'anon', 'shared', 'file', 'thp'), pages: fc.integer({ min: 1, max: 8 }), off: fc.nat({ max: 40 }) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('write' as const), t: fc.nat(), pick: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('read' as const), t: fc.nat(), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fork' as const), t: fc.nat(), cpu: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('thread' as const), t: fc.nat(), cpu: fc.nat({ max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('munmap' as const), t: fc.nat(), pick: fc.nat(), pages: fc.integer({ min: 1, max: 8 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('mprotect' as const), t: fc.nat(), pick: fc.nat(), pages: fc.integer({ min: 1, max: 8 }), prot: fc.constantFrom(PROT_NONE, PROT_READ, RW) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dontneed' as const), t: fc.nat(), pick: fc.nat(), pages: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('exit' as const), t: fc.nat() }) },
);

/** What one mapped page of one address space must behave like. */
interface PageModel {
  /** Key of the contents: private pages per mm, shared pages per object and offset. */
  key: string;
  prot: number;
  shared: boolean;
}

class Model {
  readonly tasks: Task[] = [];
  /** mm id → address → page. */
  readonly mms = new Map<number, Map<number, PageModel>>();
  /** contents key → byte at offset 0 of the page (absent = 0). */
  readonly bytes = new Map<string, number>();

  pages(task: Task): Map<number, PageModel> {
    let pages = this.mms.get(task.mm.id);
    if (pages === undefined) {
      pages = new Map();
      this.mms.set(task.mm.id, pages);
    }
    return pages;
  }

  /**
   * A mapped page of a task's address space, or undefined: an odd `pick` chooses among pages
   * that hold data (so histories revisit pages after forks and protection changes), an even one
   * among all pages.
   */
  pick(task: Task, pick: number): number | undefined {
    const map = this.pages(task);
    let addrs = [...map.keys()].sort((a, b) => a - b);
    if (pick % 2 === 1) {
      const written = addrs.filter((va) => this.bytes.has(map.get(va)!.key));
      if (written.length > 0) addrs = written;
    }
    return addrs.length === 0 ? undefined : addrs[(pick >> 1) % addrs.length];
  }

  covered(task: Task, addr: number, pages: number): boolean {
    const map = this.pages(task);
    for (let i = 0; i < pages; i++) if (!map.has(addr + i * PAGE_SIZE)) return false;
    return true;
  }
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (KernelError.isInstance(error)) return error.code;
    throw error;
  }
}

async function apply(sys: System, model: Model, file: ReturnType<System['createFile']>, op: Op): Promise<void> {
  if (model.tasks.length === 0) model.tasks.push(sys.createTask());
  const task = model.tasks[op.t % model.tasks.length]!;
  const pages = model.pages(task);
  switch (op.op) {
    case 'mmap': {
      const len = op.kind === 'thp' ? HPAGE_PMD_SIZE : op.pages * PAGE_SIZE;
      const addr =
        op.kind === 'file'
          ? task.mm.mmap(0, len, RW, MAP_SHARED, file, op.off * PAGE_SIZE)
          : task.mm.mmap(0, len, RW, op.kind === 'shared' ? MAP_SHARED | MAP_ANONYMOUS : ANON);
      expect(addr).toBeGreaterThan(0);
      if (op.kind === 'thp') expect(task.mm.madvise(addr, len, MADV_HUGEPAGE)).toBe(0);
      const vma = task.mm.findVma(addr)!;
      for (let va = addr; va < addr + len; va += PAGE_SIZE) {
        const key = vma.file === null ? `a:${task.mm.id}:${va}` : `${vma.file === file ? 'f' : `s${vma.file.handle}`}:${vma.linearPageIndex(va)}`;
        pages.set(va, { key, prot: RW, shared: vma.file !== null });
      }
      return;
    }
    case 'write':
    case 'read': {
      const addr = model.pick(task, op.pick);
      if (addr === undefined) {
        expect(await outcome(poke(task, 0x10000, Uint8Array.of(1)))).toBe('EFAULT');
        return;
      }
      const page = pages.get(addr)!;
      if (op.op === 'write') {
        const rc = await outcome(poke(task, addr, Uint8Array.of(op.value)));
        if ((page.prot & PROT_WRITE) === 0) expect(rc).toBe('EFAULT');
        else if (rc === 'ok') model.bytes.set(page.key, op.value);
        else expect(rc).toBe('ENOMEM');
      } else {
        const out = new Uint8Array(1);
        const rc = await outcome(peek(task, addr, 1).then((b) => out.set(b)));
        if (page.prot === PROT_NONE) expect(rc).toBe('EFAULT');
        else if (rc === 'ok') expect(out[0]).toBe(model.bytes.get(page.key) ?? 0);
        else expect(rc).toBe('ENOMEM');
      }
      return;
    }
    case 'fork': {
      const child = sys.fork(task, { cpu: op.cpu });
      const copy = model.pages(child);
      for (const [va, page] of pages) {
        if (page.shared) copy.set(va, { ...page });
        else {
          const key = `a:${child.mm.id}:${va}`;
          const value = model.bytes.get(page.key);
          if (value !== undefined) model.bytes.set(key, value);
          copy.set(va, { key, prot: page.prot, shared: false });
        }
      }
      model.tasks.push(child);
      return;
    }
    case 'thread':
      model.tasks.push(sys.cloneThread(task, { cpu: op.cpu }));
      return;
    case 'munmap': {
      const addr = model.pick(task, op.pick) ?? 0x10000;
      expect(task.mm.munmap(addr, op.pages * PAGE_SIZE)).toBe(0);
      for (let i = 0; i < op.pages; i++) pages.delete(addr + i * PAGE_SIZE);
      return;
    }
    case 'mprotect': {
      const addr = model.pick(task, op.pick) ?? 0x10000;
      const rc = task.mm.mprotect(addr, op.pages * PAGE_SIZE, op.prot);
      if (!model.covered(task, addr, op.pages)) {
        expect(rc).toBe(-12);
        return;
      }
      expect(rc).toBe(0);
      for (let i = 0; i < op.pages; i++) pages.get(addr + i * PAGE_SIZE)!.prot = op.prot;
      return;
    }
    case 'dontneed': {
      const addr = model.pick(task, op.pick) ?? 0x10000;
      const rc = task.mm.madvise(addr, op.pages * PAGE_SIZE, MADV_DONTNEED);
      if (!model.covered(task, addr, op.pages)) {
        expect(rc).toBe(-12);
        return;
      }
      expect(rc).toBe(0);
      for (let i = 0; i < op.pages; i++) {
        const page = pages.get(addr + i * PAGE_SIZE)!;
        if (!page.shared) model.bytes.delete(page.key);
      }
      return;
    }
    case 'exit': {
      sys.exitTask(task);
      model.tasks.splice(model.tasks.indexOf(task), 1);
      if (!model.tasks.some((t) => t.mm === task.mm)) model.mms.delete(task.mm.id);
      return;
    }
  }
}

describe('random address-space histories', () => {
  test.prop([fc.array(opArb, { minLength: 5, maxLength: 40 })], { numRuns: 30, seed: 20261126 })(
    'every step keeps checkInvariants() clean and every address reads what the model says',
    async (ops) => {
      const sys = createSystem({ nodes: [{ size: 64 * MiB }, { size: 64 * MiB }] });
      const file = sys.createFile('/data/shared', 64 * PAGE_SIZE);
      const model = new Model();
      sys.hugeZeroPfn(); // allocated on first use and kept, as in the kernel: take it out of the count
      const free0 = sys.zones.reduce((sum, z) => sum + z.nrFreePages, 0);
      for (const op of ops) {
        await apply(sys, model, file, op);
        const problems = checkInvariants(sys);
        expect(problems, `after ${JSON.stringify(op)}`).toEqual([]);
      }
      // every address of every live task still reads its model value
      for (const task of model.tasks) {
        for (const [va, page] of model.pages(task)) {
          if (page.prot === PROT_NONE) continue;
          const out = await peek(task, va, 1);
          expect(out[0], `pid ${task.pid} 0x${va.toString(16)}`).toBe(model.bytes.get(page.key) ?? 0);
        }
      }
      for (const task of [...model.tasks]) sys.exitTask(task);
      expect(await sys.truncate(file, 0)).toBe(0);
      expect(checkInvariants(sys)).toEqual([]);
      expect(sys.zones.reduce((sum, z) => sum + z.nrFreePages, 0)).toBe(free0);
      expect(sys.memcgs.get(1).usage).toBe(0);
    },
  );
});
