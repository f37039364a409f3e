import { describe, expect, it } from 'vitest';
import { EINVAL, EPERM, ESRCH } from '@pagemig/kernel';
import { MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import { createSystem, type System, type Task } from '@pagemig/mm';
import { createMigrateEngine, type MigrateEngine, type MigratePagesStartEvent } from './engine';
import { migratePagesSyscall } from './migrate-pages-syscall';
import { MAX_NUMNODES } from './numa-nodes';
import { THP_SIZE, expectClean, expectIntactOn, expectPattern, record, regionNodes, type Region } from './testing/fixture';
import { folioAt, nodeAt, pageAddr, pin, regionOn, smallSystem } from './testing/entry-fixture';

/** A system of `n` 4 MiB nodes (4 MiB sections). */
function manyNodes(n: number): { sys: System; eng: MigrateEngine } {
  const sys = createSystem({ nodes: Array.from({ length: n }, () => ({ size: 4 << 20 })), sectionSize: 4 << 20 });
  return { sys, eng: createMigrateEngine(sys) };
}

describe('migrate_pages: checks in the kernel order', () => {
  const cases: { name: string; old: number[]; new: number[]; pid: 'self' | 'unknown' | 'other-uid' | 'same-uid'; caller?: { uid: number; capSysNice?: boolean; mems?: number[] }; targetMems?: number[]; rc: number }[] = [
    { name: 'an old node id at MAX_NUMNODES beats an unknown pid', old: [MAX_NUMNODES], new: [1], pid: 'unknown', rc: -EINVAL },
    { name: 'a new node id beyond MAX_NUMNODES', old: [0], new: [1, 100], pid: 'self', rc: -EINVAL },
    { name: 'a negative node id', old: [-1], new: [1], pid: 'self', rc: -EINVAL },
    { name: 'unknown pid', old: [0], new: [1], pid: 'unknown', rc: -ESRCH },
    { name: 'another uid without privilege', old: [0], new: [1], pid: 'other-uid', rc: -EPERM },
    { name: 'new nodes outside the target cpuset without CAP_SYS_NICE', old: [0], new: [2], pid: 'same-uid', targetMems: [0, 1], rc: -EPERM },
    { name: 'new nodes outside the target cpuset with CAP_SYS_NICE', old: [0], new: [2], pid: 'same-uid', caller: { uid: 1000, capSysNice: true }, targetMems: [0, 1], rc: 0 },
    { name: 'new nodes all outside the caller cpuset', old: [0], new: [2], pid: 'same-uid', caller: { uid: 1000, mems: [0, 1] }, rc: -EINVAL },
    { name: 'a node id below MAX_NUMNODES that does not exist is accepted (nothing there)', old: [0, 40], new: [1], pid: 'self', rc: 0 },
    { name: 'root moves another uid’s pages', old: [0], new: [1], pid: 'other-uid', caller: { uid: 0 }, rc: 0 },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.rc}`, async () => {
      const { sys, eng } = smallSystem(3);
      const owner = c.pid === 'other-uid' ? 2000 : 1000;
      const target = sys.createTask({ uid: owner, mems: c.targetMems ?? [0, 1, 2] });
      const region = await regionOn(sys, target, 'anon', 4 * PAGE_SIZE, 0);
      const caller = c.pid === 'self' ? target : sys.createTask({ uid: 1000, ...c.caller });
      const pid = c.pid === 'self' ? 0 : c.pid === 'unknown' ? 999 : target.pid;
      const rc = await migratePagesSyscall(eng, caller, pid, c.old, c.new);
      expect(rc).toBe(c.rc);
      expect(regionNodes(sys, region)).toEqual(new Set([rc === 0 ? c.new[0] : 0]));
      await expectPattern(region);
      expectClean(sys);
    });
  }
});

/** One 2-page region per node in `nodes`, on that node. */
async function regionsOn(sys: System, task: Task, nodes: readonly number[]): Promise<Map<number, Region>> {
  const out = new Map<number, Region>();
  for (const nid of nodes) out.set(nid, await regionOn(sys, task, 'anon', 2 * PAGE_SIZE, nid, nid + 1));
  return out;
}

describe('migrate_pages: node remapping', () => {
  it('[2,3,4] → [3,4,5] moves everything one node up, in three MIGRATE_SYNC/MR_SYSCALL calls', async () => {
    const { sys, eng } = manyNodes(6);
    const task = sys.createTask({ uid: 1000 });
    const regions = await regionsOn(sys, task, [2, 3, 4]);
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    expect(await migratePagesSyscall(eng, task, 0, [2, 3, 4], [3, 4, 5])).toBe(0);
    starts.stop();
    expect(starts.events).toEqual(Array.from({ length: 3 }, () => ({ mode: MIGRATE_SYNC, reason: MR_SYSCALL })));
    for (const [nid, region] of regions) {
      expect(regionNodes(sys, region)).toEqual(new Set([nid + 1]));
      await expectPattern(region, nid + 1);
    }
    expectClean(sys);
  });

  it('[0-7] → [3,4,5] moves only 0, 1, 2, 6 and 7', async () => {
    const { sys, eng } = manyNodes(8);
    const task = sys.createTask({ uid: 1000 });
    const regions = await regionsOn(sys, task, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await migratePagesSyscall(eng, task, 0, [0, 1, 2, 3, 4, 5, 6, 7], [3, 4, 5])).toBe(0);
    const want = new Map([[0, 3], [1, 4], [2, 5], [3, 3], [4, 4], [5, 5], [6, 3], [7, 4]]);
    for (const [nid, region] of regions) {
      expect(regionNodes(sys, region), `pages from node ${nid}`).toEqual(new Set([want.get(nid)]));
      await expectPattern(region, nid + 1);
    }
    expectClean(sys);
  });

  it('an identity map moves nothing and calls no migration', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    const regions = await regionsOn(sys, task, [0, 1]);
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    expect(await migratePagesSyscall(eng, task, 0, [0, 1], [0, 1])).toBe(0);
    starts.stop();
    expect(starts.events).toEqual([]);
    for (const [nid, region] of regions) expect(regionNodes(sys, region)).toEqual(new Set([nid]));
    expectClean(sys);
  });

  it('the new nodes are cut down to the caller’s cpuset before remapping', async () => {
    const { sys, eng } = smallSystem(3);
    const target = sys.createTask({ uid: 1000 });
    const caller = sys.createTask({ uid: 1000, mems: [0, 2] });
    const region = await regionOn(sys, target, 'anon', 4 * PAGE_SIZE, 0);
    expect(await migratePagesSyscall(eng, caller, target.pid, [0], [1, 2])).toBe(0);
    await expectIntactOn(sys, region, 2);
  });

  it('walks every VMA: anon, THP, file, shmem and hugetlb pages of the source node move', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    const kinds = ['anon', 'thp', 'file', 'shmem', 'hugetlb'] as const;
    const regions: Region[] = [];
    for (const [i, kind] of kinds.entries()) regions.push(await regionOn(sys, task, kind, kind === 'thp' || kind === 'hugetlb' ? THP_SIZE : 8 * PAGE_SIZE, 0, i + 1));
    expect(await migratePagesSyscall(eng, task, 0, [0], [1])).toBe(0);
    for (const [i, region] of regions.entries()) {
      expect(regionNodes(sys, region), kinds[i]).toEqual(new Set([1]));
      await expectPattern(region, i + 1);
    }
    expectClean(sys);
  });
});

describe('migrate_pages: shared pages and failures', () => {
  it('without CAP_SYS_NICE, pages shared after fork are skipped silently; private ones move', async () => {
    const { sys, eng } = smallSystem(2);
    const parent = sys.createTask({ uid: 1000, capSysNice: false });
    const shared = await regionOn(sys, parent, 'anon', 4 * PAGE_SIZE, 0, 1);
    const child = sys.fork(parent);
    const own = await regionOn(sys, parent, 'anon', 4 * PAGE_SIZE, 0, 2);
    expect(await migratePagesSyscall(eng, parent, 0, [0], [1])).toBe(0);
    expect(regionNodes(sys, shared)).toEqual(new Set([0]));
    expect(regionNodes(sys, own)).toEqual(new Set([1]));
    await expectPattern(shared);
    await expectPattern({ ...shared, task: child });
    await expectPattern(own, 2);
    expectClean(sys);
  });

  it('with CAP_SYS_NICE (MOVE_ALL) shared pages move too, for every process mapping them', async () => {
    const { sys, eng } = smallSystem(2);
    const parent = sys.createTask({ uid: 1000 });
    const shared = await regionOn(sys, parent, 'anon', 4 * PAGE_SIZE, 0, 1);
    const child = sys.fork(parent);
    const admin = sys.createTask({ uid: 0 });
    expect(await migratePagesSyscall(eng, admin, parent.pid, [0], [1])).toBe(0);
    expect(regionNodes(sys, shared)).toEqual(new Set([1]));
    expect(nodeAt(sys, child, shared.addr)).toBe(1);
    await expectPattern(shared);
    await expectPattern({ ...shared, task: child });
    expectClean(sys);
  });

  it('returns the pages left behind: a pinned folio, and a folio that cannot be isolated', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'anon', 6 * PAGE_SIZE, 0);
    const unpin = pin(sys, folioAt(sys, region, pageAddr(region, 1)));
    // a folio taken off the LRU by someone else (an isolation in flight) cannot be queued
    const busy = folioAt(sys, region, pageAddr(region, 4));
    expect(sys.lru.folioIsolateLru(busy)).toBe(true);
    expect(await migratePagesSyscall(eng, task, 0, [0], [1])).toBe(2);
    expect(Array.from({ length: 6 }, (_, i) => nodeAt(sys, task, pageAddr(region, i)))).toEqual([1, 0, 1, 1, 0, 1]);
    sys.lru.folioAddLru(busy);
    sys.alloc.folioPut(busy);
    unpin();
    await expectPattern(region);
    expectClean(sys);
  });
});
