import { describe, expect, it } from 'vitest';
import { KernelError } from '@pagemig/kernel';
import { MIGRATE_SYNC_LIGHT, MR_COMPACTION, PAGE_SIZE } from '@pagemig/folio';
import { MAP_ANONYMOUS, MAP_PRIVATE, MPOL_BIND, PROT_READ, PROT_WRITE, accessVm, type System } from '@pagemig/mm';
import { COMPACT_CLUSTER_MAX, compactNode } from './compaction';
import type { MigrateEngine, MigratePagesStartEvent } from './engine';
import { expectClean, expectPattern, patternByte, record, type Region } from './testing/fixture';
import { layout, nodeAt, pageAddr, smallSystem } from './testing/entry-fixture';

const NODE_PAGES = 4096; // 16 MiB
const KEPT = NODE_PAGES / 2;

/**
 * Node 1 filled by two tasks whose page faults alternate, then one of them exits: 2048 order-0
 * holes between the 2048 pages of the other, largest free order 0. Node 0 holds the zero page
 * and is left alone.
 */
async function fragmented(): Promise<{ sys: System; eng: MigrateEngine; region: Region }> {
  const { sys, eng } = smallSystem([{ size: 16 << 20 }, { size: 16 << 20 }]);
  const keep = sys.createTask({ uid: 1000, cpu: 0 });
  const drop = sys.createTask({ uid: 1000, cpu: 0 });
  const rw = PROT_READ | PROT_WRITE;
  const region: Region = { task: keep, addr: keep.mm.mmap(0, KEPT * PAGE_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS), len: KEPT * PAGE_SIZE };
  const other = drop.mm.mmap(0, KEPT * PAGE_SIZE, rw, MAP_PRIVATE | MAP_ANONYMOUS);
  for (const task of [keep, drop]) expect(sys.setMempolicy(task, MPOL_BIND, [1])).toBe(0);
  const page = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < KEPT; i++) {
    for (let b = 0; b < PAGE_SIZE; b++) page[b] = patternByte(1, i * PAGE_SIZE + b);
    await accessVm(keep, pageAddr(region, i), page, true);
    await accessVm(drop, other + i * PAGE_SIZE, page, true);
  }
  expect(sys.zones[1]!.nrFreePages).toBe(0);
  sys.exitTask(drop);
  expect(sys.zones[1]!.freeCounts()[0]).toBe(KEPT);
  return { sys, eng, region };
}

describe('compaction', () => {
  it('raises the largest free order of a fragmented node; MR_COMPACTION in MIGRATE_SYNC_LIGHT; data intact', async () => {
    const { sys, eng, region } = await fragmented();
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    const before = sys.vmstat.snapshot();
    const result = await compactNode(eng, 1);
    starts.stop();
    expect(result.freeBefore[0]).toBe(2048);
    expect(result.largestFreeOrderBefore).toBe(0);
    expect(result.largestFreeOrderAfter).toBe(10);
    expect(result.status).toBe('complete');
    expect(result.freeAfter.reduce((s, n, order) => s + n * 2 ** order, 0)).toBe(2048);
    expect(new Set(starts.events.map((e) => `${e.mode}/${e.reason}`))).toEqual(new Set([`${MIGRATE_SYNC_LIGHT}/${MR_COMPACTION}`]));
    expect(result.migrateCalls).toBe(starts.events.length);
    // used memory gathered at the top: every kept page now sits in the upper half of the node
    const start = sys.zones[1]!.startPfn;
    expect(layout(region).every((pfn) => pfn - start >= NODE_PAGES / 2)).toBe(true);
    const d = sys.vmstat.delta(before, sys.vmstat.snapshot());
    expect(d.pgmigrate_success).toBe(result.migrated);
    expect(d.compact_migrate_scanned).toBe(result.scanned);
    expect(d.compact_isolated).toBe(result.isolated + result.freeIsolated);
    expect(result.freeIsolated).toBe(result.migrated);
    expect(result.isolated - result.migrated).toBe(result.failed); // the folio isolated when the scanners met
    expect([d.compact_success, d.compact_fail]).toEqual([1, 0]);
    await expectPattern(region);
    expect(nodeAt(sys, region.task, region.addr)).toBe(1);
    expectClean(sys);
  });

  it('clusterMax 32 and 512 reach the same layout with a different number of migratePages calls', async () => {
    const runs: { layout: number[]; calls: number; free: number[] }[] = [];
    for (const clusterMax of [COMPACT_CLUSTER_MAX, 512]) {
      const { sys, eng, region } = await fragmented();
      const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
      const result = await compactNode(eng, 1, { clusterMax });
      starts.stop();
      expect(result.migrateCalls).toBe(starts.events.length);
      runs.push({ layout: layout(region), calls: starts.events.length, free: result.freeAfter });
      await expectPattern(region);
      expectClean(sys);
    }
    const [small, large] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(small.layout).toEqual(large.layout);
    expect(small.free).toEqual(large.free);
    expect(small.calls).toBeGreaterThan(large.calls);
    // 1024 pages to move from the lower half: 32 clusters of 32, or 2 of 512, plus the call
    // in which the scanners meet
    expect([small.calls, large.calls]).toEqual([33, 3]);
  });

  it('with a target order it stops as soon as a free block of that order exists', async () => {
    const { sys, eng, region } = await fragmented();
    const result = await compactNode(eng, 1, { order: 4 });
    expect(result.status).toBe('success');
    expect(result.largestFreeOrderAfter).toBeGreaterThanOrEqual(4);
    expect(result.migrated).toBeLessThan(64);
    await expectPattern(region);
    expectClean(sys);
  });

  it('options are checked at the boundary', async () => {
    const { eng } = smallSystem(1);
    await expect(compactNode(eng, 3)).rejects.toThrow(KernelError);
    await expect(compactNode(eng, 0, { clusterMax: 0 })).rejects.toThrow(/clusterMax 0 is not accepted/);
    await expect(compactNode(eng, 0, { mode: 7 as never })).rejects.toThrow(/mode 7/);
    await expect(compactNode(eng, 0, { order: 11 })).rejects.toThrow(/order 11/);
  });
});
