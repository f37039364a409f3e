import { describe, it, expect } from 'vitest';
import { KernelError } from '@pagemig/kernel';
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, PAGE_SIZE } from '@pagemig/folio';
import { MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED, mpolNew } from './mempolicy';
import { PTE_SPECIAL, PTE_WRITE } from './page-table';
import { createSystem } from './system';
import { MiB, expectClean, folioAt, frameAt, pattern, peek, poke, twoNodes } from './testing/fixture';
import {
  MADV_HUGEPAGE,
  MADV_NOHUGEPAGE,
  MAP_ANONYMOUS,
  MAP_HUGETLB,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from './vma';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

async function rejects(promise: Promise<unknown>, code: string, fragment: string): Promise<void> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  expect(KernelError.isInstance(thrown), `expected a KernelError, got ${String(thrown)}`).toBe(true);
  expect((thrown as KernelError).code).toBe(code);
  expect((thrown as KernelError).message).toContain(fragment);
}

describe('anonymous faults', () => {
  it('maps the shared zero page on a read and allocates nothing', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 4 * PAGE_SIZE, RW, ANON);
    const free = sys.zones[0]!.nrFreePages;
    expect(await peek(task, addr + 100, 3 * PAGE_SIZE)).toEqual(new Uint8Array(3 * PAGE_SIZE));
    expect(frameAt(task, addr)).toBe(sys.zeroPfn);
    expect(frameAt(task, addr + 3 * PAGE_SIZE)).toBe(sys.zeroPfn);
    expect(sys.zones[0]!.nrFreePages).toBe(free);
    expect(sys.vmstat.get('zero_page_fault')).toBe(4);
    expect(task.mm.rss.anon).toBe(0);
    expectClean(sys);
    // a write replaces the zero page by a private zeroed page; the neighbours keep the zero page
    await poke(task, addr + PAGE_SIZE + 5, Uint8Array.of(7));
    expect(frameAt(task, addr + PAGE_SIZE)).not.toBe(sys.zeroPfn);
    expect(frameAt(task, addr)).toBe(sys.zeroPfn);
    const page = await peek(task, addr + PAGE_SIZE, PAGE_SIZE);
    expect(page[5]).toBe(7);
    expect(page.reduce((a, b) => a + b, 0)).toBe(7);
    expect(task.mm.rss.anon).toBe(1);
    expect(sys.memmap.refcount[sys.zeroPfn]).toBe(1);
    expectClean(sys);
  });

  it('copies on write after fork: parent and child diverge, each keeps its data', async () => {
    const sys = twoNodes();
    const parent = sys.createTask();
    const addr = parent.mm.mmap(0, 8 * PAGE_SIZE, RW, ANON);
    const original = pattern(1, 8 * PAGE_SIZE);
    await poke(parent, addr, original);
    const child = sys.fork(parent);
    // shared read-only after fork: same frames, same bytes
    for (let i = 0; i < 8; i++) expect(frameAt(child, addr + i * PAGE_SIZE)).toBe(frameAt(parent, addr + i * PAGE_SIZE));
    expect(await peek(child, addr, 8 * PAGE_SIZE)).toEqual(original);
    expectClean(sys);
    const shared = frameAt(parent, addr + 2 * PAGE_SIZE);
    expect(sys.memmap.mapcount[shared]).toBe(2);
    await poke(child, addr + 2 * PAGE_SIZE + 10, pattern(2, 100));
    expect(frameAt(child, addr + 2 * PAGE_SIZE)).not.toBe(shared);
    expect(frameAt(parent, addr + 2 * PAGE_SIZE)).toBe(shared);
    expect(await peek(parent, addr, 8 * PAGE_SIZE)).toEqual(original);
    const expectedChild = original.slice();
    expectedChild.set(pattern(2, 100), 2 * PAGE_SIZE + 10);
    expect(await peek(child, addr, 8 * PAGE_SIZE)).toEqual(expectedChild);
    expect(sys.vmstat.get('cow_fault')).toBe(1);
    // the parent is the only mapper left: its write reuses the page in place
    await poke(parent, addr + 2 * PAGE_SIZE, Uint8Array.of(99));
    expect(frameAt(parent, addr + 2 * PAGE_SIZE)).toBe(shared);
    expect((await peek(child, addr + 2 * PAGE_SIZE, 1))[0]).toBe(original[2 * PAGE_SIZE]);
    expect(sys.vmstat.get('cow_fault')).toBe(1);
    expectClean(sys);
    sys.exitTask(child);
    sys.exitTask(parent);
    expectClean(sys);
    expect(sys.memcgs.get(1).usage).toBe(0);
  });

  it('shares MAP_SHARED|MAP_ANONYMOUS memory with forked children and threads', async () => {
    const sys = twoNodes();
    const parent = sys.createTask();
    const addr = parent.mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS);
    await poke(parent, addr, pattern(3, 64));
    const child = sys.fork(parent);
    const thread = sys.cloneThread(child, { cpu: 2 });
    await poke(thread, addr + PAGE_SIZE, pattern(4, 64));
    await poke(child, addr + 3 * PAGE_SIZE, pattern(5, 64));
    for (const t of [parent, child, thread]) {
      expect(await peek(t, addr, 64)).toEqual(pattern(3, 64));
      expect(await peek(t, addr + PAGE_SIZE, 64)).toEqual(pattern(4, 64));
      expect(await peek(t, addr + 3 * PAGE_SIZE, 64)).toEqual(pattern(5, 64));
      expect(frameAt(t, addr + PAGE_SIZE)).toBe(frameAt(parent, addr + PAGE_SIZE));
    }
    expect(sys.vmstat.get('cow_fault')).toBe(0);
    expect(parent.mm.rss.shmem).toBe(3);
    expectClean(sys);
  });
});

describe('file faults', () => {
  it('shows a MAP_SHARED file to every mapper and to pread; MAP_PRIVATE copies on write', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/f', 4 * PAGE_SIZE);
    const a = sys.createTask();
    const b = sys.createTask({ cpu: 2 });
    const va = a.mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_SHARED, file);
    const vb = b.mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_SHARED, file);
    await poke(a, va + 4000, pattern(6, 200));
    expect(await peek(b, vb + 4000, 200)).toEqual(pattern(6, 200));
    expect(frameAt(a, va)).toBe(frameAt(b, vb));
    const buf = new Uint8Array(200);
    expect(await sys.pread(a, file, buf, 4000)).toBe(200);
    expect(buf).toEqual(pattern(6, 200));
    // a private mapping reads the file until it writes, then keeps its own copy
    const c = sys.createTask();
    const vc = c.mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_PRIVATE, file);
    expect(await peek(c, vc + 4000, 200)).toEqual(pattern(6, 200));
    expect(frameAt(c, vc)).toBe(frameAt(a, va));
    await poke(c, vc + 4000, Uint8Array.of(1, 2, 3));
    expect(frameAt(c, vc)).not.toBe(frameAt(a, va));
    expect(await peek(a, va + 4000, 3)).toEqual(pattern(6, 3));
    // the read mapped pages 0 and 1 from the cache; the write replaced page 0 by an anon copy
    expect(c.mm.rss.anon).toBe(1);
    expect(c.mm.rss.file).toBe(1);
    expectClean(sys);
    expect(file.lookup(0)).toBe(folioAt(a, va));
  });

  it('gives SIGBUS past the end of the file; mmap does not grow it', async () => {
    const sys = twoNodes();
    const file = sys.createFile('/data/short', PAGE_SIZE);
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_SHARED, file);
    expect(file.sizePages).toBe(1);
    await poke(task, addr, Uint8Array.of(1));
    await rejects(poke(task, addr + PAGE_SIZE, Uint8Array.of(1)), 'EFAULT', 'bus error');
    expectClean(sys);
  });
});

describe('memory policy placement', () => {
  const nodeOf = (sys: ReturnType<typeof twoNodes>, task: ReturnType<ReturnType<typeof twoNodes>['createTask']>, addr: number) =>
    sys.phys.pfnToNid(frameAt(task, addr));

  it('default and local allocate on the node of the faulting CPU', async () => {
    const sys = twoNodes();
    const t0 = sys.createTask({ cpu: 1 });
    const t1 = sys.createTask({ cpu: 3 });
    const a0 = t0.mm.mmap(0, PAGE_SIZE, RW, ANON);
    const a1 = t1.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(t0, a0, Uint8Array.of(1));
    await poke(t1, a1, Uint8Array.of(1));
    expect(nodeOf(sys, t0, a0)).toBe(0);
    expect(nodeOf(sys, t1, a1)).toBe(1);
    // a thread on another node faults its own pages there
    const thread = sys.cloneThread(t0, { cpu: 2 });
    expect(sys.setMempolicy(thread, MPOL_LOCAL, [])).toBe(0);
    const a2 = t0.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(thread, a2, Uint8Array.of(1));
    expect(nodeOf(sys, t0, a2)).toBe(1);
    expectClean(sys);
  });

  it('bind stays on the bound nodes and fails rather than fall back', async () => {
    const sys = twoNodes(8 * MiB);
    const task = sys.createTask({ cpu: 0 });
    expect(sys.setMempolicy(task, MPOL_BIND, [1])).toBe(0);
    const pages = 8 * MiB / PAGE_SIZE;
    const addr = task.mm.mmap(0, (pages + 8) * PAGE_SIZE, RW, ANON);
    await poke(task, addr, Uint8Array.of(1));
    expect(nodeOf(sys, task, addr)).toBe(1);
    expect(task.mm.populate(addr, pages * PAGE_SIZE, true)).toBe(0);
    for (let i = 0; i < pages; i += 97) expect(nodeOf(sys, task, addr + i * PAGE_SIZE)).toBe(1);
    await rejects(poke(task, addr + pages * PAGE_SIZE, Uint8Array.of(1)), 'ENOMEM', 'out of memory');
    expect(sys.zones[0]!.nrFreePages).toBeGreaterThan(1000);
    expectClean(sys);
  });

  it('preferred tries its node first and falls back when it is full', async () => {
    const sys = twoNodes(8 * MiB);
    const task = sys.createTask({ cpu: 0 });
    expect(sys.setMempolicy(task, MPOL_PREFERRED, [1])).toBe(0);
    const pages = 8 * MiB / PAGE_SIZE;
    const addr = task.mm.mmap(0, (pages + 8) * PAGE_SIZE, RW, ANON);
    expect(task.mm.populate(addr, (pages + 8) * PAGE_SIZE, true)).toBe(0);
    expect(nodeOf(sys, task, addr)).toBe(1);
    expect(nodeOf(sys, task, addr + (pages + 7) * PAGE_SIZE)).toBe(0);
    expectClean(sys);
  });

  it('interleaves by task policy round robin and by VMA policy on the page offset', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 0 });
    expect(sys.setMempolicy(task, MPOL_INTERLEAVE, [0, 1])).toBe(0);
    const a = task.mm.mmap(0, 6 * PAGE_SIZE, RW, ANON);
    for (let i = 0; i < 6; i++) await poke(task, a + i * PAGE_SIZE, Uint8Array.of(i));
    expect([0, 1, 2, 3, 4, 5].map((i) => nodeOf(sys, task, a + i * PAGE_SIZE))).toEqual([0, 1, 0, 1, 0, 1]);
    // VMA policy: node = page offset mod 2, whatever order the pages fault in
    const other = sys.createTask({ cpu: 2 });
    const b = other.mm.mmap(0, 6 * PAGE_SIZE, RW, ANON);
    expect(other.mm.setVmaPolicy(b, 6 * PAGE_SIZE, mpolNew(MPOL_INTERLEAVE, [0, 1], 2))).toBe(0);
    for (const i of [5, 2, 0, 3, 1, 4]) await poke(other, b + i * PAGE_SIZE, Uint8Array.of(i));
    for (let i = 0; i < 6; i++) expect(nodeOf(sys, other, b + i * PAGE_SIZE)).toBe((b / PAGE_SIZE + i) % 2);
    expectClean(sys);
  });

  it('keeps a task inside its cpuset mems', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 0, mems: [1] });
    const addr = task.mm.mmap(0, 2 * PAGE_SIZE, RW, ANON);
    await poke(task, addr, Uint8Array.of(1));
    expect(nodeOf(sys, task, addr)).toBe(1);
    expect(() => sys.createTask({ mems: [] })).toThrow(/empty cpuset/);
    expect(() => sys.createTask({ mems: [2] })).toThrow(/cpuset node 2/);
  });
});

describe('transparent huge pages', () => {
  it('maps a PMD THP in a MADV_HUGEPAGE region under "madvise", and not elsewhere', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 4 * MiB, RW, ANON);
    expect(addr % (2 * MiB)).toBe(0);
    await poke(task, addr + 5, Uint8Array.of(1));
    expect(sys.memmap.folioOrder(folioAt(task, addr))).toBe(0);
    expect(task.mm.madvise(addr + 2 * MiB, 2 * MiB, MADV_HUGEPAGE)).toBe(0);
    await poke(task, addr + 2 * MiB + 3 * PAGE_SIZE, pattern(7, 100));
    const leaf = task.mm.pageTable.pmdLeaf(addr + 2 * MiB);
    expect(leaf).not.toBeNull();
    expect(sys.memmap.folioOrder(leaf!.pfn)).toBe(HPAGE_PMD_ORDER);
    expect(task.mm.rss.anon).toBe(1 + HPAGE_PMD_NR);
    expect(sys.vmstat.get('thp_fault_alloc')).toBe(1);
    expect(sys.sysfs.read('/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/stats/anon_fault_alloc')).toBe('1\n');
    expect(await peek(task, addr + 2 * MiB + 3 * PAGE_SIZE, 100)).toEqual(pattern(7, 100));
    expectClean(sys);
  });

  it('"always" (set through sysfs) maps THPs without madvise; MADV_NOHUGEPAGE opts out; reads map the huge zero page', async () => {
    const sys = twoNodes();
    expect(await sys.sysfs.write('/sys/kernel/mm/transparent_hugepage/enabled', 'always\n')).toBe(7);
    expect(sys.sysfs.read('/sys/kernel/mm/transparent_hugepage/enabled')).toBe('[always] madvise never\n');
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 6 * MiB, RW, ANON);
    expect(await peek(task, addr, 16)).toEqual(new Uint8Array(16));
    const zero = task.mm.pageTable.pmdLeaf(addr)!;
    expect(zero.bits & PTE_SPECIAL).not.toBe(0);
    expect(sys.isZeroPfn(zero.pfn)).toBe(true);
    await poke(task, addr + 100, Uint8Array.of(9));
    expect(sys.memmap.folioOrder(folioAt(task, addr))).toBe(HPAGE_PMD_ORDER);
    expect(task.mm.madvise(addr + 2 * MiB, 2 * MiB, MADV_NOHUGEPAGE)).toBe(0);
    await poke(task, addr + 2 * MiB, Uint8Array.of(9));
    expect(sys.memmap.folioOrder(folioAt(task, addr + 2 * MiB))).toBe(0);
    // munmap of the huge zero page mapping leaves it alive
    expect(await peek(task, addr + 4 * MiB, 1)).toEqual(Uint8Array.of(0));
    expect(task.mm.munmap(addr + 4 * MiB, 2 * MiB)).toBe(0);
    expectClean(sys);
  });

  it('maps PTE-mapped mTHP of the sizes enabled in the config or through sysfs', async () => {
    const sys = twoNodes(32 * MiB, { thp: { sizes: { '64K': 'always' } } });
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 1 * MiB, RW, ANON);
    await poke(task, addr + 5 * PAGE_SIZE, Uint8Array.of(1));
    const folio = folioAt(task, addr);
    expect(sys.memmap.folioOrder(folio)).toBe(4);
    for (let i = 0; i < 16; i++) expect(frameAt(task, addr + i * PAGE_SIZE)).toBe(folio + i);
    expect(task.mm.pageTable.isPmdLeaf(addr)).toBe(false);
    expect(sys.memmap.folioMapcount(folio)).toBe(16);
    expect(sys.sysfs.read('/sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/anon_fault_alloc')).toBe('1\n');
    // 64K off, 16K on through sysfs
    expect(await sys.sysfs.write('/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled', 'never')).toBeGreaterThan(0);
    expect(await sys.sysfs.write('/sys/kernel/mm/transparent_hugepage/hugepages-16kB/enabled', 'inherit')).toBeGreaterThan(0);
    await poke(task, addr + 64 * 1024, Uint8Array.of(1));
    expect(sys.memmap.folioOrder(folioAt(task, addr + 64 * 1024))).toBe(0);
    expect(await sys.sysfs.write('/sys/kernel/mm/transparent_hugepage/enabled', 'always')).toBeGreaterThan(0);
    await poke(task, addr + 128 * 1024, Uint8Array.of(1));
    expect(sys.memmap.folioOrder(folioAt(task, addr + 128 * 1024))).toBe(2);
    expect(await sys.sysfs.write('/sys/kernel/mm/transparent_hugepage/hugepages-16kB/enabled', 'sometimes')).toBeLessThan(0);
    expectClean(sys);
  });

  it('falls back to a smaller order when part of the range is already mapped', async () => {
    const sys = twoNodes(32 * MiB, { thp: { sizes: { '64K': 'always', '16K': 'always' } } });
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 64 * 1024, RW, ANON);
    await peek(task, addr + 15 * PAGE_SIZE, 1);
    await poke(task, addr, Uint8Array.of(1));
    expect(sys.memmap.folioOrder(folioAt(task, addr))).toBe(2);
    expectClean(sys);
  });
});

describe('hugetlb', () => {
  it('serves private MAP_HUGETLB memory from the node pools, copies on write after fork, SIGBUS when empty', async () => {
    const sys = createSystem({ nodes: [{ size: 32 * MiB, hugepages: 2 }, { size: 32 * MiB }] });
    const pool = '/sys/devices/system/node/node0/hugepages/hugepages-2048kB';
    expect(sys.sysfs.read(`${pool}/nr_hugepages`)).toBe('2\n');
    const parent = sys.createTask();
    const addr = parent.mm.mmap(0, 2 * MiB, RW, ANON | MAP_HUGETLB);
    await poke(parent, addr + 10, pattern(8, 64));
    expect(sys.sysfs.read(`${pool}/free_hugepages`)).toBe('1\n');
    const folio = folioAt(parent, addr);
    expect(sys.memmap.folioOrder(folio)).toBe(HPAGE_PMD_ORDER);
    const child = sys.fork(parent);
    expect(folioAt(child, addr)).toBe(folio);
    await poke(child, addr + 10, Uint8Array.of(1));
    expect(folioAt(child, addr)).not.toBe(folio);
    expect(sys.sysfs.read(`${pool}/free_hugepages`)).toBe('0\n');
    expect(await peek(parent, addr + 10, 64)).toEqual(pattern(8, 64));
    const third = parent.mm.mmap(0, 2 * MiB, RW, ANON | MAP_HUGETLB);
    await rejects(poke(parent, third, Uint8Array.of(1)), 'EFAULT', 'bus error');
    expectClean(sys);
    sys.exitTask(child);
    expect(sys.sysfs.read(`${pool}/free_hugepages`)).toBe('1\n');
    expectClean(sys);
  });

  it('shares MAP_SHARED hugetlb memory and sizes pools through sysfs', async () => {
    const sys = twoNodes();
    expect(await sys.sysfs.write('/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages', '3')).toBe(1);
    expect(sys.hugetlb.freeHugepages(1)).toBe(3);
    const parent = sys.createTask({ cpu: 2 });
    const addr = parent.mm.mmap(0, 4 * MiB, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB);
    const child = sys.fork(parent);
    await poke(child, addr + 2 * MiB + 1, pattern(9, 32));
    expect(await peek(parent, addr + 2 * MiB + 1, 32)).toEqual(pattern(9, 32));
    expect(folioAt(parent, addr + 2 * MiB)).toBe(folioAt(child, addr + 2 * MiB));
    expect(sys.hugetlb.freeHugepages(1)).toBe(2);
    // shrinking below what is in use leaves surplus pages that go back to the buddy allocator
    expect(await sys.sysfs.write('/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages', '0')).toBe(1);
    expect(sys.hugetlb.nrHugepages[1]).toBe(1);
    expect(sys.sysfs.read('/sys/devices/system/node/node1/hugepages/hugepages-2048kB/surplus_hugepages')).toBe('1\n');
    expectClean(sys);
    sys.exitTask(child);
    sys.exitTask(parent);
    expect(sys.hugetlb.nrHugepages[1]).toBe(0);
    expect(sys.hugetlb.surplusHugepages[1]).toBe(0);
    expectClean(sys);
    expect(await sys.sysfs.write('/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages', '-1')).toBeLessThan(0);
  });
});

describe('bad accesses', () => {
  it('throws a segmentation fault for an address with no VMA and for PROT_NONE', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    await rejects(peek(task, 0x1000, 1), 'EFAULT', 'no mapping');
    const none = task.mm.mmap(0, PAGE_SIZE, PROT_NONE, ANON);
    await rejects(peek(task, none, 1), 'EFAULT', 'not allowed');
    await rejects(poke(task, none, Uint8Array.of(1)), 'EFAULT', 'not allowed');
    const ro = task.mm.mmap(0, PAGE_SIZE, PROT_READ, ANON);
    expect(await peek(task, ro, 1)).toEqual(Uint8Array.of(0));
    await rejects(poke(task, ro, Uint8Array.of(1)), 'EFAULT', 'write at');
    expectClean(sys);
  });

  it('mprotect(PROT_NONE) makes mapped data inaccessible; mprotect back restores it', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 4 * PAGE_SIZE, RW, ANON);
    await poke(task, addr, pattern(10, 4 * PAGE_SIZE));
    expect(task.mm.mprotect(addr + PAGE_SIZE, 2 * PAGE_SIZE, PROT_NONE)).toBe(0);
    expect(task.mm.vmas).toHaveLength(3);
    await rejects(peek(task, addr + PAGE_SIZE, 1), 'EFAULT', 'segmentation fault');
    await rejects(poke(task, addr + 2 * PAGE_SIZE, Uint8Array.of(1)), 'EFAULT', 'segmentation fault');
    expect(await peek(task, addr, 4)).toEqual(pattern(10, 4));
    expectClean(sys);
    expect(task.mm.mprotect(addr + PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ)).toBe(0);
    expect(await peek(task, addr, 4 * PAGE_SIZE)).toEqual(pattern(10, 4 * PAGE_SIZE));
    await rejects(poke(task, addr + PAGE_SIZE, Uint8Array.of(1)), 'EFAULT', 'write at');
    expect(task.mm.mprotect(addr, 4 * PAGE_SIZE, RW)).toBe(0);
    await poke(task, addr + PAGE_SIZE, Uint8Array.of(1));
    expect(await peek(task, addr + PAGE_SIZE, 1)).toEqual(Uint8Array.of(1));
    expect(task.mm.mprotect(addr + 100 * PAGE_SIZE, PAGE_SIZE, PROT_READ)).toBe(-12);
    expectClean(sys);
  });

  it('a thread TLB entry cannot outlive mprotect: the next write faults', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 0 });
    const thread = sys.cloneThread(task, { cpu: 3 });
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(thread, addr, Uint8Array.of(5));
    expect(sys.tlb.lookup(3, task.mm.id, addr / PAGE_SIZE, true)).toBeGreaterThanOrEqual(0);
    expect(task.mm.mprotect(addr, PAGE_SIZE, PROT_READ)).toBe(0);
    expect(sys.tlb.lookup(3, task.mm.id, addr / PAGE_SIZE, false)).toBe(-1);
    await rejects(poke(thread, addr, Uint8Array.of(6)), 'EFAULT', 'write at');
    expect(task.mm.pageTable.bitsAt(task.mm.pageTable.pteSlot(addr)) & PTE_WRITE).toBe(0);
    expectClean(sys);
  });
});

describe('allocation failures', () => {
  it('fail_page_alloc set through debugfs makes faults fail with ENOMEM, reproducibly', async () => {
    const run = async () => {
      const sys = twoNodes();
      const dir = '/sys/kernel/debug/fail_page_alloc';
      expect(await sys.sysfs.write(`${dir}/seed`, '12345')).toBeGreaterThan(0);
      expect(await sys.sysfs.write(`${dir}/times`, '-1')).toBeGreaterThan(0);
      expect(await sys.sysfs.write(`${dir}/probability`, '30')).toBeGreaterThan(0);
      const task = sys.createTask();
      const addr = task.mm.mmap(0, 40 * PAGE_SIZE, RW, ANON);
      const failed: number[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          await poke(task, addr + i * PAGE_SIZE, Uint8Array.of(i));
        } catch (error) {
          expect((error as KernelError).code).toBe('ENOMEM');
          failed.push(i);
        }
      }
      expectClean(sys);
      expect(sys.sysfs.read(`${dir}/failures`)).toBe(`${failed.length}\n`);
      expect(sys.vmstat.get('pgalloc_fail')).toBe(failed.length);
      // with the point off every page can be faulted in again
      expect(await sys.sysfs.write(`${dir}/probability`, '0')).toBeGreaterThan(0);
      for (const i of failed) await poke(task, addr + i * PAGE_SIZE, Uint8Array.of(i));
      expect(task.mm.rss.anon).toBe(40);
      return failed;
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(3);
    expect(first.length).toBeLessThan(30);
    expect(await run()).toEqual(first);
  });

  it('a memcg at memory.max refuses charges, so faults fail with ENOMEM', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ memcg: 'jobs' });
    expect(await sys.sysfs.write('/sys/fs/cgroup/jobs/memory.max', String(8 * PAGE_SIZE))).toBeGreaterThan(0);
    const addr = task.mm.mmap(0, 16 * PAGE_SIZE, RW, ANON);
    expect(task.mm.populate(addr, 8 * PAGE_SIZE, true)).toBe(0);
    await rejects(poke(task, addr + 8 * PAGE_SIZE, Uint8Array.of(1)), 'ENOMEM', 'out of memory');
    expect(sys.sysfs.read('/sys/fs/cgroup/jobs/memory.current')).toBe(`${8 * PAGE_SIZE}\n`);
    expect(sys.sysfs.read('/sys/fs/cgroup/jobs/memory.events')).toContain('max 1\n');
    expect(sys.memcgs.byName('jobs')!.failcnt).toBe(1);
    expectClean(sys);
    expect(await sys.sysfs.write('/sys/fs/cgroup/jobs/memory.max', 'lots')).toBeLessThan(0);
    expect(await sys.sysfs.write('/sys/fs/cgroup/jobs/memory.max', 'max')).toBeGreaterThan(0);
    await poke(task, addr + 8 * PAGE_SIZE, Uint8Array.of(1));
    expect(task.mm.munmap(addr, 16 * PAGE_SIZE)).toBe(0);
    expect(sys.memcgs.byName('jobs')!.usage).toBe(0);
    expectClean(sys);
  });

  it('MAP_POPULATE faults everything in at mmap time; an exhausted machine gives ENOMEM', async () => {
    const sys = twoNodes(4 * MiB);
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 64 * PAGE_SIZE, RW, ANON | MAP_POPULATE);
    expect(task.mm.rss.anon).toBe(64);
    const rest = task.mm.mmap(0, 8 * MiB, RW, ANON);
    expect(task.mm.populate(rest, 8 * MiB, true)).toBe(-12);
    expect(sys.zones[0]!.nrFreePages + sys.zones[1]!.nrFreePages).toBe(0);
    expect(addr).toBeGreaterThan(0);
    expectClean(sys);
  });
});
