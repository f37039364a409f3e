import { describe, expect, it } from 'vitest';
import { MIGRATE_ASYNC, MR_NUMA_MISPLACED, PAGE_SIZE, PGF_dirty } from '@pagemig/folio';
import { MAP_SHARED, PROT_READ, PROT_WRITE, accessVm } from '@pagemig/mm';
import type { MigratePagesEvent, MigratePagesStartEvent } from './engine';
import { enableNumaBalancing, migrateMisplacedFolio } from './numa-balancing';
import { THP_SIZE, expectClean, expectPattern, record, regionNodes } from './testing/fixture';
import { folioAt, regionOn, smallSystem } from './testing/entry-fixture';

/** Node 0: DRAM with CPUs 0-1; node 1: CXL memory without CPUs; node 2: DRAM with CPUs 2-3. */
function tiered() {
  return smallSystem([{ size: 16 << 20, hugepages: 1 }, { size: 16 << 20, kind: 'CXL' }, { size: 16 << 20 }]);
}

describe('NUMA balancing through real hinting faults', () => {
  it('promotion: a task on node 0 touching pages on CXL node 1 pulls them into DRAM, one folio per migration', async () => {
    const { sys, eng } = tiered();
    const task = sys.createTask({ uid: 1000, cpu: 0 });
    const region = await regionOn(sys, task, 'anon', 16 * PAGE_SIZE, 1);
    expect(regionNodes(sys, region)).toEqual(new Set([1]));
    const disable = enableNumaBalancing(eng);
    expect(task.mm.numaScan(region.addr, region.addr + region.len)).toBe(16);
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    const ends = record<MigratePagesEvent>(sys, 'mm_migrate_pages');
    const before = sys.vmstat.snapshot();
    await expectPattern(region); // the reads take the hinting faults
    starts.stop();
    ends.stop();
    expect(regionNodes(sys, region)).toEqual(new Set([0]));
    expect(starts.events).toEqual(Array.from({ length: 16 }, () => ({ mode: MIGRATE_ASYNC, reason: MR_NUMA_MISPLACED })));
    expect(ends.events.every((e) => e.succeeded === 1)).toBe(true);
    const d = sys.vmstat.delta(before, sys.vmstat.snapshot());
    expect([d.numa_hint_faults, d.numa_page_migrate, d.pgpromote_success, d.pgmigrate_success]).toEqual([16, 16, 16, 16]);
    await expectPattern(region);
    expectClean(sys);
    disable();
    expect(sys.hooks.numaMisplaced).toBeUndefined();
  });

  it('a THP moves whole on one fault; DRAM → DRAM is not a promotion', async () => {
    const { sys, eng } = tiered();
    const task = sys.createTask({ uid: 1000, cpu: 0 });
    const region = await regionOn(sys, task, 'thp', THP_SIZE, 2);
    enableNumaBalancing(eng);
    expect(task.mm.numaScan(region.addr, region.addr + region.len)).toBe(512);
    const before = sys.vmstat.snapshot();
    await expectPattern(region);
    const d = sys.vmstat.delta(before, sys.vmstat.snapshot());
    expect(regionNodes(sys, region)).toEqual(new Set([0]));
    expect([d.numa_hint_faults, d.numa_page_migrate, d.pgpromote_success, d.thp_migration_success]).toEqual([1, 512, 0, 1]);
    expectClean(sys);
  });

  it('without the hook the fault only restores access; nothing moves', async () => {
    const { sys } = tiered();
    const task = sys.createTask({ uid: 1000, cpu: 0 });
    const region = await regionOn(sys, task, 'anon', 4 * PAGE_SIZE, 1);
    task.mm.numaScan(region.addr, region.addr + region.len);
    await expectPattern(region);
    expect(regionNodes(sys, region)).toEqual(new Set([1]));
    expectClean(sys);
  });
});

describe('migrateMisplacedFolio refuses what NUMA balancing does not move', () => {
  it('a dirty file folio, a THP mapped by two processes, a hugetlb folio, the same node, a full node', async () => {
    const { sys, eng } = tiered();
    const task = sys.createTask({ uid: 1000, cpu: 0 });
    const file = sys.createFile('data', 4 * PAGE_SIZE);
    const mapped = task.mm.mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, file);
    await accessVm(task, mapped, new Uint8Array(PAGE_SIZE).fill(7), true);
    const dirty = folioAt(sys, { task, addr: mapped, len: PAGE_SIZE }, mapped);
    expect(sys.memmap.flags[dirty]! & PGF_dirty).not.toBe(0);
    expect(await migrateMisplacedFolio(eng, dirty, 2)).toBe(false);

    const thp = await regionOn(sys, task, 'thp', THP_SIZE, 1);
    const child = sys.fork(task);
    expect(await migrateMisplacedFolio(eng, folioAt(sys, thp, thp.addr), 0)).toBe(false);
    sys.exitTask(child);

    const huge = await regionOn(sys, task, 'hugetlb', THP_SIZE, 0);
    expect(await migrateMisplacedFolio(eng, folioAt(sys, huge, huge.addr), 2)).toBe(false);

    const anon = await regionOn(sys, task, 'anon', PAGE_SIZE, 1);
    const folio = folioAt(sys, anon, anon.addr);
    expect(await migrateMisplacedFolio(eng, folio, 1)).toBe(false); // already there
    expect(await migrateMisplacedFolio(eng, folio, 9)).toBe(false); // no such node
    // fill node 2 so that it is below its watermark
    while (sys.zones[2]!.nrFreePages > 4) expect(sys.alloc.allocFolio(2, 0, 0, 0)).toBeGreaterThanOrEqual(0);
    expect(await migrateMisplacedFolio(eng, folio, 2)).toBe(false);
    expect(await migrateMisplacedFolio(eng, folio, 0)).toBe(true);
    expect(regionNodes(sys, anon)).toEqual(new Set([0]));
    await expectPattern(thp);
    await expectPattern(anon);
    expectClean(sys);
  });
});
