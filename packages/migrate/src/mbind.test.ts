import { describe, expect, it } from 'vitest';
import { EFAULT, EINVAL, EIO, EPERM } from '@pagemig/kernel';
import { MIGRATE_SYNC, MR_MEMPOLICY_MBIND, PAGE_SIZE } from '@pagemig/folio';
import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MPOL_BIND,
  MPOL_DEFAULT,
  MPOL_INTERLEAVE,
  MPOL_LOCAL,
  MPOL_MF_MOVE,
  MPOL_MF_MOVE_ALL,
  MPOL_MF_STRICT,
  MPOL_PREFERRED,
  PROT_READ,
  PROT_WRITE,
  formatMemPolicy,
} from '@pagemig/mm';
import type { MigratePagesStartEvent } from './engine';
import { mbind } from './mbind';
import { MAX_NUMNODES } from './numa-nodes';
import { THP_SIZE, expectClean, expectIntactOn, expectPattern, makeRegion, record, regionNodes } from './testing/fixture';
import { folioAt, nodeAt, pageAddr, pin, regionOn, smallSystem } from './testing/entry-fixture';

function policyAt(task: { mm: { findVma(addr: number): { policy: Parameters<typeof formatMemPolicy>[0] | null } | null } }, addr: number): string {
  const policy = task.mm.findVma(addr)?.policy ?? null;
  return policy === null ? 'none' : formatMemPolicy(policy);
}

describe('mbind: argument checks (nothing changes on error)', () => {
  const cases: { name: string; addr?: number; len?: number; mode: number; nodes: number[]; flags: number; cap?: boolean; mems?: number[]; rc: number }[] = [
    { name: 'unknown flag', mode: MPOL_BIND, nodes: [1], flags: 1 << 3, rc: -EINVAL },
    { name: 'MOVE_ALL without CAP_SYS_NICE', mode: MPOL_BIND, nodes: [1], flags: MPOL_MF_MOVE_ALL, cap: false, rc: -EPERM },
    { name: 'unaligned start', addr: 1, mode: MPOL_BIND, nodes: [1], flags: 0, rc: -EINVAL },
    { name: 'negative length', len: -1, mode: MPOL_BIND, nodes: [1], flags: 0, rc: -EINVAL },
    { name: 'node id at MAX_NUMNODES', mode: MPOL_BIND, nodes: [MAX_NUMNODES], flags: 0, rc: -EINVAL },
    { name: 'unknown mode', mode: 9, nodes: [1], flags: 0, rc: -EINVAL },
    { name: 'default with nodes', mode: MPOL_DEFAULT, nodes: [1], flags: 0, rc: -EINVAL },
    { name: 'local with nodes', mode: MPOL_LOCAL, nodes: [1], flags: 0, rc: -EINVAL },
    { name: 'bind without nodes', mode: MPOL_BIND, nodes: [], flags: 0, rc: -EINVAL },
    { name: 'interleave over nodes that do not exist', mode: MPOL_INTERLEAVE, nodes: [7, 8], flags: 0, rc: -EINVAL },
    { name: 'bind only outside the caller cpuset', mode: MPOL_BIND, nodes: [2], flags: 0, mems: [0, 1], rc: -EINVAL },
    { name: 'an unknown mode beats MOVE_ALL without CAP_SYS_NICE', mode: 9, nodes: [1], flags: MPOL_MF_MOVE_ALL, cap: false, rc: -EINVAL },
    { name: 'a bad node id beats a zero length', len: 0, mode: MPOL_BIND, nodes: [MAX_NUMNODES], flags: 0, rc: -EINVAL },
    { name: 'a bad flag beats a zero length', len: 0, mode: MPOL_BIND, nodes: [1], flags: 1 << 4, rc: -EINVAL },
    { name: 'zero length is a no-op, before the policy is checked', len: 0, mode: MPOL_BIND, nodes: [], flags: 0, rc: 0 },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.rc}`, async () => {
      const { sys, eng } = smallSystem(3);
      const task = sys.createTask({ uid: 1000, capSysNice: c.cap ?? false, mems: c.mems ?? [0, 1, 2] });
      const region = await regionOn(sys, task, 'anon', 4 * PAGE_SIZE, 0);
      const rc = await mbind(eng, task, c.addr ?? region.addr, c.len ?? region.len, c.mode, c.nodes, c.flags | MPOL_MF_MOVE);
      expect(rc).toBe(c.rc);
      expect(policyAt(task, region.addr)).toBe('none');
      await expectIntactOn(sys, region, 0);
    });
  }
});

describe('mbind: unmapped ranges', () => {
  it('a range with no mapping is -EFAULT, even for the default policy', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    expect(await mbind(eng, task, 0x1000_0000, 4 * PAGE_SIZE, MPOL_BIND, [1], 0)).toBe(-EFAULT);
    expect(await mbind(eng, task, 0x1000_0000, 4 * PAGE_SIZE, MPOL_DEFAULT, [], 0)).toBe(-EFAULT);
  });

  it('a hole inside the range is -EFAULT and nothing is applied or moved; the default policy tolerates it', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'anon', 6 * PAGE_SIZE, 0);
    expect(task.mm.munmap(pageAddr(region, 2), 2 * PAGE_SIZE)).toBe(0);
    expect(await mbind(eng, task, region.addr, region.len, MPOL_BIND, [1], MPOL_MF_MOVE)).toBe(-EFAULT);
    expect(policyAt(task, region.addr)).toBe('none');
    expect(nodeAt(sys, task, region.addr)).toBe(0);
    expect(await mbind(eng, task, region.addr, region.len, MPOL_BIND, [1], 0)).toBe(-EFAULT);
    expect(await mbind(eng, task, region.addr, region.len, MPOL_DEFAULT, [], MPOL_MF_MOVE)).toBe(0);
    expectClean(sys);
  });
});

describe('mbind: policy and migration', () => {
  it('bind + MOVE moves misplaced pages with MR_MEMPOLICY_MBIND and sets the VMA policy; new faults follow it', async () => {
    const { sys, eng } = smallSystem(3);
    const task = sys.createTask({ uid: 1000, cpu: 0 });
    const region = await regionOn(sys, task, 'anon', 8 * PAGE_SIZE, 0);
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    const before = sys.vmstat.snapshot();
    expect(await mbind(eng, task, region.addr, region.len, MPOL_BIND, [1], MPOL_MF_MOVE)).toBe(0);
    starts.stop();
    expect(starts.events).toEqual([{ mode: MIGRATE_SYNC, reason: MR_MEMPOLICY_MBIND }]);
    expect(regionNodes(sys, region)).toEqual(new Set([1]));
    expect(sys.vmstat.get('pgmigrate_success') - before.pgmigrate_success).toBe(8);
    expect(policyAt(task, region.addr)).toBe('bind:1');
    await expectPattern(region);
    // a page never touched before is allocated by the new policy
    const rw = PROT_READ | PROT_WRITE;
    const more = task.mm.mmap(0, 2 * PAGE_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(await mbind(eng, task, more, 2 * PAGE_SIZE, MPOL_BIND, [2], 0)).toBe(0);
    await sys.populateRange(task.mm, more, 2 * PAGE_SIZE, true);
    expect(nodeAt(sys, task, more)).toBe(2);
    expectClean(sys);
  });

  it('a sub-range splits the VMA: only its pages move and only it gets the policy', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'anon', 8 * PAGE_SIZE, 0);
    expect(await mbind(eng, task, pageAddr(region, 2), 3 * PAGE_SIZE, MPOL_PREFERRED, [1], MPOL_MF_MOVE)).toBe(0);
    expect(Array.from({ length: 8 }, (_, i) => nodeAt(sys, task, pageAddr(region, i)))).toEqual([0, 0, 1, 1, 1, 0, 0, 0]);
    expect([0, 2, 5].map((i) => policyAt(task, pageAddr(region, i)))).toEqual(['none', 'prefer:1', 'none']);
    await expectPattern(region);
    expectClean(sys);
  });

  it('without MOVE the policy is set and nothing moves; STRICT alone with misplaced pages is -EIO and sets nothing', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'anon', 4 * PAGE_SIZE, 0);
    expect(await mbind(eng, task, region.addr, region.len, MPOL_BIND, [1], MPOL_MF_STRICT)).toBe(-EIO);
    expect(policyAt(task, region.addr)).toBe('none');
    expect(await mbind(eng, task, region.addr, region.len, MPOL_BIND, [1], 0)).toBe(0);
    expect(policyAt(task, region.addr)).toBe('bind:1');
    expect(regionNodes(sys, region)).toEqual(new Set([0]));
    // STRICT with nothing misplaced is fine
    expect(await mbind(eng, task, region.addr, region.len, MPOL_BIND, [0, 1], MPOL_MF_STRICT)).toBe(0);
    expectClean(sys);
  });

  it('STRICT | MOVE with a folio that cannot move: -EIO, the policy is set, the others moved', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'anon', 4 * PAGE_SIZE, 0);
    const unpin = pin(sys, folioAt(sys, region, pageAddr(region, 2)));
    expect(await mbind(eng, task, region.addr, region.len, MPOL_BIND, [1], MPOL_MF_STRICT | MPOL_MF_MOVE)).toBe(-EIO);
    expect(policyAt(task, region.addr)).toBe('bind:1');
    expect(Array.from({ length: 4 }, (_, i) => nodeAt(sys, task, pageAddr(region, i)))).toEqual([1, 1, 0, 1]);
    unpin();
    // without STRICT the same failure is silent
    const unpin2 = pin(sys, folioAt(sys, region, pageAddr(region, 2)));
    expect(await mbind(eng, task, region.addr, region.len, MPOL_BIND, [1], MPOL_MF_MOVE)).toBe(0);
    unpin2();
    await expectPattern(region);
    expectClean(sys);
  });

  it('shared pages: MOVE skips them silently (even with STRICT); MOVE_ALL with CAP_SYS_NICE moves them', async () => {
    const { sys, eng } = smallSystem(2);
    const parent = sys.createTask({ uid: 0 });
    const region = await regionOn(sys, parent, 'anon', 4 * PAGE_SIZE, 0);
    const child = sys.fork(parent);
    expect(await mbind(eng, parent, region.addr, region.len, MPOL_BIND, [1], MPOL_MF_STRICT | MPOL_MF_MOVE)).toBe(0);
    expect(regionNodes(sys, region)).toEqual(new Set([0]));
    expect(await mbind(eng, parent, region.addr, region.len, MPOL_BIND, [1], MPOL_MF_STRICT | MPOL_MF_MOVE_ALL)).toBe(0);
    expect(regionNodes(sys, region)).toEqual(new Set([1]));
    expect(nodeAt(sys, child, region.addr)).toBe(1);
    await expectPattern(region);
    await expectPattern({ ...region, task: child });
    expectClean(sys);
  });

  it('interleave places each moved page by its index', async () => {
    const { sys, eng } = smallSystem(3);
    const task = sys.createTask({ uid: 1000 });
    const region = await regionOn(sys, task, 'anon', 8 * PAGE_SIZE, 2);
    expect(await mbind(eng, task, region.addr, region.len, MPOL_INTERLEAVE, [0, 1], MPOL_MF_MOVE)).toBe(0);
    for (let i = 0; i < 8; i++) {
      const addr = pageAddr(region, i);
      expect(nodeAt(sys, task, addr)).toBe([0, 1][(addr / PAGE_SIZE) % 2]);
    }
    await expectPattern(region);
    expectClean(sys);
  });

  it('the default policy migrates every page of the range by the task policy (local node)', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000, cpu: 2 }); // node 1's CPU
    const region = await regionOn(sys, task, 'anon', 4 * PAGE_SIZE, 0);
    expect(await mbind(eng, task, region.addr, region.len, MPOL_DEFAULT, [], MPOL_MF_MOVE)).toBe(0);
    await expectIntactOn(sys, region, 1);
  });

  it('THP and hugetlb folios move whole', async () => {
    const { sys, eng } = smallSystem(2);
    const task = sys.createTask({ uid: 1000 });
    const thp = await regionOn(sys, task, 'thp', THP_SIZE, 0, 3);
    const huge = await regionOn(sys, task, 'hugetlb', THP_SIZE, 0, 4);
    const before = sys.vmstat.snapshot();
    expect(await mbind(eng, task, thp.addr, thp.len, MPOL_BIND, [1], MPOL_MF_MOVE)).toBe(0);
    expect(await mbind(eng, task, huge.addr, huge.len, MPOL_BIND, [1], MPOL_MF_MOVE)).toBe(0);
    expect(regionNodes(sys, thp)).toEqual(new Set([1]));
    expect(regionNodes(sys, huge)).toEqual(new Set([1]));
    expect(sys.vmstat.get('thp_migration_success') - before.thp_migration_success).toBe(1);
    await expectPattern(thp, 3);
    await expectPattern(huge, 4);
    expectClean(sys);
  });

  it('works on the caller only: another process’s same address is untouched', async () => {
    const { sys, eng } = smallSystem(2);
    const a = sys.createTask({ uid: 1000 });
    const b = sys.createTask({ uid: 1000 });
    const ra = await makeRegion(sys, a, 'anon', 2 * PAGE_SIZE, 1);
    const rb = await makeRegion(sys, b, 'anon', 2 * PAGE_SIZE, 2);
    expect(ra.addr).toBe(rb.addr);
    expect(await mbind(eng, a, ra.addr, ra.len, MPOL_BIND, [1], MPOL_MF_MOVE)).toBe(0);
    expect(regionNodes(sys, ra)).toEqual(new Set([1]));
    expect(regionNodes(sys, rb)).toEqual(new Set([0]));
    await expectPattern(rb, 2);
    expectClean(sys);
  });
});
