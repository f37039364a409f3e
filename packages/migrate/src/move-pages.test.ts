import { describe, expect, it } from 'vitest';
import { EACCES, EBUSY, EFAULT, EINVAL, ENODEV, ENOENT, ENOMEM, EPERM, ESRCH } from '@pagemig/kernel';
import { HPAGE_PMD_NR, MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import { MAP_ANONYMOUS, MAP_PRIVATE, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, PROT_READ, PROT_WRITE, type System, type Task } from '@pagemig/mm';
import type { MigrateEngine, MigratePagesStartEvent } from './engine';
import { movePages } from './move-pages';
import { MAX_NUMNODES } from './numa-nodes';
import { THP_SIZE, expectClean, expectIntactOn, expectPattern, record, regionDigest, regionNodes, type Region } from './testing/fixture';
import { SENTINEL, folioAt, nodeAt, pageAddr, pin, readPage, regionOn, smallSystem, statusArray } from './testing/entry-fixture';

interface World {
  sys: System;
  eng: MigrateEngine;
  task: Task;
  region: Region;
}

/** Three nodes; a task of uid 1000 on node 0 with 8 written pages on node 0. */
async function world(pages = 8): Promise<World> {
  const { sys, eng } = smallSystem(3);
  const task = sys.createTask({ uid: 1000, cpu: 0 });
  const region = await regionOn(sys, task, 'anon', pages * PAGE_SIZE, 0);
  return { sys, eng, task, region };
}

function addrs(region: Region, n = region.len / PAGE_SIZE): number[] {
  return Array.from({ length: n }, (_, i) => pageAddr(region, i));
}

describe('move_pages: checks before any page, in the kernel order', () => {
  const cases: { name: string; flags: number; pid: 'self' | 'unknown' | 'other-uid' | 'same-uid' | 'exited'; query: boolean; privileged?: boolean; rc: number }[] = [
    { name: 'an unknown flag beats an unknown pid', flags: 1 << 3, pid: 'unknown', query: false, rc: -EINVAL },
    { name: 'MPOL_MF_STRICT is not a move_pages flag', flags: MPOL_MF_STRICT, pid: 'self', query: false, rc: -EINVAL },
    { name: 'a negative flags word', flags: -1, pid: 'self', query: false, rc: -EINVAL },
    { name: 'flags are checked in query mode too', flags: 1 << 3, pid: 'self', query: true, rc: -EINVAL },
    { name: 'MOVE_ALL without CAP_SYS_NICE beats an unknown pid', flags: MPOL_MF_MOVE_ALL, pid: 'unknown', query: false, rc: -EPERM },
    { name: 'MOVE_ALL without CAP_SYS_NICE fails in query mode', flags: MPOL_MF_MOVE_ALL, pid: 'self', query: true, rc: -EPERM },
    { name: 'unknown pid', flags: MPOL_MF_MOVE, pid: 'unknown', query: false, rc: -ESRCH },
    { name: 'exited pid', flags: MPOL_MF_MOVE, pid: 'exited', query: true, rc: -ESRCH },
    { name: 'another uid without privilege', flags: MPOL_MF_MOVE, pid: 'other-uid', query: true, rc: -EPERM },
    { name: 'CAP_SYS_NICE is not ptrace access', flags: MPOL_MF_MOVE_ALL, pid: 'other-uid', query: false, privileged: false, rc: -EPERM },
    { name: 'root may read another uid', flags: MPOL_MF_MOVE, pid: 'other-uid', query: true, privileged: true, rc: 0 },
    { name: 'the same uid may', flags: MPOL_MF_MOVE, pid: 'same-uid', query: true, rc: 0 },
    { name: 'flags 0 behaves like MOVE', flags: 0, pid: 'self', query: false, rc: 0 },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.rc}`, async () => {
      const { sys, eng, task, region } = await world(2);
      const caller = c.privileged === true ? sys.createTask({ uid: 0 }) : c.privileged === false ? sys.createTask({ uid: 1000, capSysNice: true }) : task;
      const other = sys.createTask({ uid: 2000 });
      const same = sys.createTask({ uid: 1000 });
      const gone = sys.createTask({ uid: 1000 });
      sys.exitTask(gone);
      const pid = { self: 0, unknown: 4242, 'other-uid': other.pid, 'same-uid': same.pid, exited: gone.pid }[c.pid];
      const status = statusArray(2);
      const digest = regionDigest(sys, region);
      const rc = await movePages(eng, caller, pid, addrs(region), c.query ? null : [1, 1], status, c.flags);
      expect(rc).toBe(c.rc);
      if (rc < 0) expect([...status]).toEqual([SENTINEL, SENTINEL]);
      else if (c.query) expect([...status]).toEqual(c.pid === 'self' ? [0, 0] : [-EFAULT, -EFAULT]); // no VMA there in the other process
      else expect(regionNodes(sys, region)).toEqual(new Set([1]));
      expect(regionDigest(sys, region)).toBe(digest);
      expectClean(sys);
    });
  }
});

describe('move_pages: query mode (nodes = NULL)', () => {
  it('reports node, -EFAULT for no VMA and the zero page, -ENOENT for a page never faulted; moves nothing', async () => {
    const { sys, eng, task, region } = await world(4);
    const rw = PROT_READ | PROT_WRITE;
    const untouched = task.mm.mmap(0, 4 * PAGE_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS);
    await readPage(task, untouched + PAGE_SIZE); // maps the zero page
    const thpRead = task.mm.mmap(0, THP_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS);
    task.mm.madvise(thpRead, THP_SIZE, 14); // MADV_HUGEPAGE
    await readPage(task, thpRead); // maps the huge zero page
    const onNode2 = await regionOn(sys, task, 'anon', PAGE_SIZE, 2);
    const thp = await regionOn(sys, task, 'thp', THP_SIZE, 1);
    const huge = await regionOn(sys, task, 'hugetlb', THP_SIZE, 2);
    const pages = [pageAddr(region, 0), untouched, untouched + PAGE_SIZE, 0x1000, thpRead + 5 * PAGE_SIZE, onNode2.addr, thp.addr + 77 * PAGE_SIZE, huge.addr + 3 * PAGE_SIZE, -PAGE_SIZE];
    const status = statusArray(pages.length);
    const before = sys.vmstat.snapshot();
    expect(await movePages(eng, task, 0, pages, null, status, 0)).toBe(0);
    expect([...status]).toEqual([0, -ENOENT, -EFAULT, -EFAULT, -EFAULT, 2, 1, 2, -EFAULT]);
    expect(sys.vmstat.get('pgmigrate_success')).toBe(before.pgmigrate_success);
    expectClean(sys);
  });

  it('a status array shorter than the pages fails with -EFAULT after filling what fits', async () => {
    const { eng, task, region } = await world(3);
    const status = statusArray(2);
    expect(await movePages(eng, task, 0, addrs(region), null, status, 0)).toBe(-EFAULT);
    expect([...status]).toEqual([0, 0]);
  });
});

describe('move_pages: per-page results in move mode', () => {
  it('moves pages, reports the node, and gives non-fatal per-page errors (return 0)', async () => {
    const { sys, eng, task, region } = await world(4);
    const rw = PROT_READ | PROT_WRITE;
    const untouched = task.mm.mmap(0, 2 * PAGE_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS);
    await readPage(task, untouched);
    const there = await regionOn(sys, task, 'anon', PAGE_SIZE, 1, 9);
    const pages = [pageAddr(region, 0), untouched, untouched + PAGE_SIZE, there.addr, 0x2000, pageAddr(region, 1)];
    const status = statusArray(pages.length);
    const before = sys.vmstat.snapshot();
    expect(await movePages(eng, task, 0, pages, [1, 1, 1, 1, 1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect([...status]).toEqual([1, -EFAULT, -ENOENT, 1, -EFAULT, 1]);
    expect(nodeAt(sys, task, pageAddr(region, 0))).toBe(1);
    expect(nodeAt(sys, task, pageAddr(region, 1))).toBe(1);
    expect(nodeAt(sys, task, pageAddr(region, 2))).toBe(0);
    expect(sys.vmstat.get('pgmigrate_success') - before.pgmigrate_success).toBe(2);
    await expectPattern(region);
    await expectPattern(there, 9);
    expectClean(sys);
  });

  it('every run is one migrate_pages(MIGRATE_SYNC, MR_SYSCALL) call; a run ends at a new node or after a page not queued', async () => {
    const { sys, eng, task, region } = await world(8);
    const rw = PROT_READ | PROT_WRITE;
    const hole = task.mm.mmap(0, PAGE_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS); // never faulted: not queued
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    const a = addrs(region);
    // runs: [a0,a1]→1 | [a2]→2 then the hole ends it | [a3,a4]→2 | [a5]→1 | [a6,a7]→0? already there: no run
    const pages = [a[0]!, a[1]!, a[2]!, hole, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!];
    const nodes = [1, 1, 2, 2, 2, 2, 1, 0, 0];
    const status = statusArray(pages.length);
    expect(await movePages(eng, task, 0, pages, nodes, status, MPOL_MF_MOVE)).toBe(0);
    starts.stop();
    expect(starts.events).toEqual([
      { mode: MIGRATE_SYNC, reason: MR_SYSCALL },
      { mode: MIGRATE_SYNC, reason: MR_SYSCALL },
      { mode: MIGRATE_SYNC, reason: MR_SYSCALL },
      { mode: MIGRATE_SYNC, reason: MR_SYSCALL },
    ]);
    expect([...status]).toEqual([1, 1, 2, -ENOENT, 2, 2, 1, 0, 0]);
    expect(a.map((addr) => nodeAt(sys, task, addr))).toEqual([1, 1, 2, 2, 2, 1, 0, 0]);
    await expectPattern(region);
    expectClean(sys);
  });
});

describe('move_pages: a bad target node aborts the call, after migrating what was queued', () => {
  const aborts: { name: string; node: number; mems?: number[]; rc: number }[] = [
    { name: 'node beyond the system (no memory)', node: 5, rc: -ENODEV },
    { name: 'negative node', node: -1, rc: -ENODEV },
    { name: 'node == MAX_NUMNODES', node: MAX_NUMNODES, rc: -ENODEV },
    { name: 'node outside the target cpuset', node: 2, mems: [0, 1], rc: -EACCES },
  ];
  for (const c of aborts) {
    it(`${c.name}: ${c.rc}, pages before it moved and reported, later statuses untouched`, async () => {
      const { sys, eng } = smallSystem(3);
      const task = sys.createTask({ uid: 1000, mems: c.mems ?? [0, 1, 2] });
      const region = await regionOn(sys, task, 'anon', 4 * PAGE_SIZE, 0);
      const status = statusArray(4);
      const rc = await movePages(eng, task, 0, addrs(region), [1, 1, c.node, 1], status, MPOL_MF_MOVE);
      expect(rc).toBe(c.rc);
      expect([...status]).toEqual([1, 1, SENTINEL, SENTINEL]);
      expect(addrs(region).map((addr) => nodeAt(sys, task, addr))).toEqual([1, 1, 0, 0]);
      await expectPattern(region);
      expectClean(sys);
    });
  }

  it('the allowed nodes are the target task’s cpuset, not the caller’s', async () => {
    const { sys, eng } = smallSystem(3);
    const target = sys.createTask({ uid: 1000, mems: [0, 1] });
    const caller = sys.createTask({ uid: 1000, mems: [0, 1, 2] });
    const region = await regionOn(sys, target, 'anon', 2 * PAGE_SIZE, 0);
    const status = statusArray(2);
    expect(await movePages(eng, caller, target.pid, addrs(region), [2, 2], status, 0)).toBe(-EACCES);
    expect(await movePages(eng, caller, target.pid, addrs(region), [1, 1], status, 0)).toBe(0);
    expect([...status]).toEqual([1, 1]);
    await expectPattern(region);
    expectClean(sys);
  });
});

describe('move_pages: failed migrations give a positive count (failed + not attempted)', () => {
  it('a pinned folio in the only run: returns 1, the run’s statuses keep the caller’s values, the others moved', async () => {
    const { sys, eng, task, region } = await world(4);
    const a = addrs(region);
    const unpin = pin(sys, folioAt(sys, region, a[1]!));
    const status = statusArray(4);
    const before = sys.vmstat.snapshot();
    expect(await movePages(eng, task, 0, a, [1, 1, 1, 1], status, MPOL_MF_MOVE)).toBe(1);
    expect([...status]).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
    expect(a.map((addr) => nodeAt(sys, task, addr))).toEqual([1, 0, 1, 1]);
    expect(sys.vmstat.get('pgmigrate_fail') - before.pgmigrate_fail).toBe(1);
    expectClean(sys);
    unpin();
    await expectPattern(region);
    expectClean(sys);
  });

  it('a failing run stops the call: failed folios + every page not attempted', async () => {
    const { sys, eng, task, region } = await world(4);
    const a = addrs(region);
    const unpin = pin(sys, folioAt(sys, region, a[1]!));
    const status = statusArray(4);
    expect(await movePages(eng, task, 0, a, [1, 1, 2, 2], status, MPOL_MF_MOVE)).toBe(1 + 2);
    expect([...status]).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
    expect(a.map((addr) => nodeAt(sys, task, addr))).toEqual([1, 0, 0, 0]);
    unpin();
    await expectPattern(region);
    expectClean(sys);
  });

  it('a failing run flushed after a page not queued: that page’s status is kept and not counted', async () => {
    const { sys, eng, task, region } = await world(3);
    const a = addrs(region);
    const rw = PROT_READ | PROT_WRITE;
    const hole = task.mm.mmap(0, PAGE_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS);
    const unpin = pin(sys, folioAt(sys, region, a[0]!));
    const status = statusArray(4);
    expect(await movePages(eng, task, 0, [a[0]!, hole, a[1]!, a[2]!], [1, 1, 1, 1], status, MPOL_MF_MOVE)).toBe(1 + 2);
    expect([...status]).toEqual([SENTINEL, -ENOENT, SENTINEL, SENTINEL]);
    expect(a.map((addr) => nodeAt(sys, task, addr))).toEqual([0, 0, 0]);
    unpin();
    await expectPattern(region);
    expectClean(sys);
  });

  it('fail_page_alloc: no target frame is -ENOMEM for the call; pages unmapped before the failure still moved', async () => {
    const { sys, eng, task, region } = await world(4);
    const a = addrs(region);
    const dir = '/sys/kernel/debug/fail_page_alloc';
    expect(await sys.sysfs.write(`${dir}/space`, String(2 * PAGE_SIZE + 1))).toBeGreaterThan(0);
    expect(await sys.sysfs.write(`${dir}/times`, '1')).toBeGreaterThan(0);
    expect(await sys.sysfs.write(`${dir}/probability`, '100')).toBeGreaterThan(0);
    const status = statusArray(4);
    expect(await movePages(eng, task, 0, a, [1, 1, 1, 1], status, MPOL_MF_MOVE)).toBe(-ENOMEM);
    expect(sys.failPageAlloc.failures).toBe(1);
    expect([...status]).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
    expect(a.map((addr) => nodeAt(sys, task, addr))).toEqual([1, 1, 0, 0]);
    await expectPattern(region);
    expectClean(sys);
    // the fault point is spent: a retry moves the rest
    expect(await movePages(eng, task, 0, a, [1, 1, 1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect([...status]).toEqual([1, 1, 1, 1]);
    await expectPattern(region);
    expectClean(sys);
  });
});

describe('move_pages: shared pages, privilege, duplicates, large folios', () => {
  it('a page shared after fork is -EACCES without MOVE_ALL; MOVE_ALL needs CAP_SYS_NICE and moves it for both', async () => {
    const { sys, eng } = smallSystem(3);
    const parent = sys.createTask({ uid: 1000, cpu: 0 });
    const region = await regionOn(sys, parent, 'anon', 2 * PAGE_SIZE, 0);
    const child = sys.fork(parent);
    const a = addrs(region);
    const status = statusArray(2);
    expect(await movePages(eng, parent, 0, a, [1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect([...status]).toEqual([-EACCES, -EACCES]);
    expect(await movePages(eng, parent, 0, a, [1, 1], status, MPOL_MF_MOVE_ALL)).toBe(-EPERM);
    const admin = sys.createTask({ uid: 0 });
    expect(await movePages(eng, admin, parent.pid, a, [1, 1], status, MPOL_MF_MOVE_ALL)).toBe(0);
    expect([...status]).toEqual([1, 1]);
    expect(nodeAt(sys, child, a[0]!)).toBe(1);
    expect(folioAt(sys, { ...region, task: child }, a[0]!)).toBe(folioAt(sys, region, a[0]!));
    await expectPattern(region);
    await expectPattern({ ...region, task: child });
    expectClean(sys);
    // copy-on-write makes the child's page private again; the parent's is then movable without MOVE_ALL
    await sys.populateRange(child.mm, a[1]!, PAGE_SIZE, true);
    expect(await movePages(eng, parent, 0, [a[1]!], [2], status, MPOL_MF_MOVE)).toBe(0);
    expect(status[0]).toBe(2);
    await expectPattern(region);
    expectClean(sys);
  });

  it('a THP shared after fork is -EACCES from either process (the reverse map finds two mms)', async () => {
    const { sys, eng } = smallSystem(3);
    const parent = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, parent, 'thp', THP_SIZE, 0);
    const child = sys.fork(parent);
    const status = statusArray(1);
    expect(await movePages(eng, parent, 0, [pageAddr(region, 9)], [1], status, 0)).toBe(0);
    expect(status[0]).toBe(-EACCES);
    expect(await movePages(eng, parent, child.pid, [pageAddr(region, 9)], [1], status, 0)).toBe(0);
    expect(status[0]).toBe(-EACCES);
    // once the child is gone the folio is private again
    sys.exitTask(child);
    expect(await movePages(eng, parent, 0, [pageAddr(region, 9)], [1], status, 0)).toBe(0);
    expect(status[0]).toBe(1);
    await expectIntactOn(sys, region, 1);
  });

  it('the same page listed twice: the second is -EBUSY (already isolated), the first moves', async () => {
    const { sys, eng, task, region } = await world(2);
    const a = addrs(region);
    const status = statusArray(3);
    expect(await movePages(eng, task, 0, [a[0]!, a[0]!, a[1]!], [1, 1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect([...status]).toEqual([1, -EBUSY, 1]);
    await expectIntactOn(sys, region, 1);
  });

  it('one address moves a whole THP; a second address of it in the same run is -EBUSY', async () => {
    const { sys, eng } = smallSystem(3);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'thp', THP_SIZE, 0);
    expect(sys.memmap.folioNrPages(folioAt(sys, region, region.addr))).toBe(HPAGE_PMD_NR);
    const before = sys.vmstat.snapshot();
    const status = statusArray(2);
    expect(await movePages(eng, task, 0, [pageAddr(region, 5), pageAddr(region, 300)], [2, 2], status, 0)).toBe(0);
    expect([...status]).toEqual([2, -EBUSY]);
    expect(regionNodes(sys, region)).toEqual(new Set([2]));
    expect(sys.memmap.folioNrPages(folioAt(sys, region, region.addr))).toBe(HPAGE_PMD_NR);
    expect(sys.vmstat.get('thp_migration_success') - before.thp_migration_success).toBe(1);
    expect(sys.vmstat.get('pgmigrate_success') - before.pgmigrate_success).toBe(HPAGE_PMD_NR);
    await expectPattern(region);
    expectClean(sys);
  });

  it('a hugetlb page moves into the target node’s pool', async () => {
    const { sys, eng } = smallSystem(3);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'hugetlb', THP_SIZE, 0);
    const free = [0, 1, 2].map((nid) => sys.hugetlb.freeHugepages(nid));
    const status = statusArray(1);
    expect(await movePages(eng, task, 0, [pageAddr(region, 100)], [1], status, 0)).toBe(0);
    expect(status[0]).toBe(1);
    expect(regionNodes(sys, region)).toEqual(new Set([1]));
    expect([0, 1, 2].map((nid) => sys.hugetlb.freeHugepages(nid))).toEqual([free[0]! + 1, free[1]! - 1, free[2]]);
    await expectPattern(region);
    expectClean(sys);
  });

  it('an empty hugetlb pool on the target: -ENOMEM for the call, the page stays', async () => {
    const { sys, eng } = smallSystem([{ size: 16 << 20, hugepages: 1 }, { size: 16 << 20 }]);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'hugetlb', THP_SIZE, 0);
    const status = statusArray(1);
    expect(await movePages(eng, task, 0, [region.addr], [1], status, 0)).toBe(-ENOMEM);
    expect(status[0]).toBe(SENTINEL);
    await expectIntactOn(sys, region, 0);
  });
});
