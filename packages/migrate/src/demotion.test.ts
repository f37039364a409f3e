import { describe, expect, it } from 'vitest';
import { MIGRATE_ASYNC, MR_DEMOTION, PAGE_SIZE } from '@pagemig/folio';
import type { MigratePagesStartEvent } from './engine';
import { demoteFolios } from './demotion';
import { nextDemotionNode, nodeIsToptier, nodeTier } from './memory-tiers';
import { NUMA_NO_NODE } from './numa-nodes';
import { expectClean, expectPattern, makeRegion, record, regionNodes } from './testing/fixture';
import { nodeAt, pageAddr, regionOn, smallSystem } from './testing/entry-fixture';

describe('memory tiers', () => {
  it('DRAM/HBM on top, CXL below, other kinds lowest; demotion goes to the nearest node of the next tier', () => {
    const { sys } = smallSystem([
      { size: 4 << 20 },
      { size: 4 << 20, kind: 'CXL' },
      { size: 4 << 20, kind: 'PMEM' },
      { size: 4 << 20, kind: 'HBM' },
      { size: 4 << 20, kind: 'CXL' },
    ]);
    expect([0, 1, 2, 3, 4].map((nid) => nodeTier(sys, nid))).toEqual([0, 1, 2, 0, 1]);
    expect([0, 1, 2, 3, 4].map((nid) => nodeIsToptier(sys, nid))).toEqual([true, false, false, true, false]);
    expect([0, 1, 2, 3, 4].map((nid) => nextDemotionNode(sys, nid))).toEqual([1, 2, NUMA_NO_NODE, 1, 2]);
  });

  it('the nearest lower-tier node by distance wins', () => {
    const { sys } = smallSystem([
      { size: 4 << 20 },
      { size: 4 << 20 },
      { size: 4 << 20, kind: 'CXL' },
      { size: 4 << 20, kind: 'CXL' },
    ]);
    expect(nextDemotionNode(sys, 1)).toBe(2); // equal distances: the lower id
    const custom = smallSystem([{ size: 4 << 20 }, { size: 4 << 20 }, { size: 4 << 20, kind: 'CXL' }, { size: 4 << 20, kind: 'CXL' }], { distance: [[10, 20, 40, 30], [20, 10, 30, 40], [40, 30, 10, 20], [30, 40, 20, 10]] });
    expect([0, 1].map((nid) => nextDemotionNode(custom.sys, nid))).toEqual([3, 2]);
  });
});

describe('demotion', () => {
  it('moves the oldest inactive folios to the lower tier (MR_DEMOTION, ASYNC) and the data survives', async () => {
    const { sys, eng } = smallSystem([{ size: 16 << 20 }, { size: 16 << 20, kind: 'CXL' }]);
    const task = sys.createTask({ uid: 1000, cpu: 0 });
    const region = await makeRegion(sys, task, 'anon', 64 * PAGE_SIZE);
    expect(regionNodes(sys, region)).toEqual(new Set([0]));
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    const before = sys.vmstat.snapshot();
    expect(await demoteFolios(eng, 0, 24)).toBe(24);
    starts.stop();
    expect(starts.events).toEqual([{ mode: MIGRATE_ASYNC, reason: MR_DEMOTION }]);
    // the first 24 pages written are the oldest on the LRU
    expect(Array.from({ length: 64 }, (_, i) => nodeAt(sys, task, pageAddr(region, i)))).toEqual([
      ...new Array<number>(24).fill(1),
      ...new Array<number>(40).fill(0),
    ]);
    const d = sys.vmstat.delta(before, sys.vmstat.snapshot());
    expect([d.pgdemote_direct, d.pgmigrate_success]).toEqual([24, 24]);
    expect([...sys.lru.nrIsolated]).toEqual([0, 0, 0, 0]);
    await expectPattern(region);
    expectClean(sys);
    // the lowest tier has nowhere to go
    expect(await demoteFolios(eng, 1, 10)).toBe(0);
    expect(regionNodes(sys, region)).toEqual(new Set([0, 1]));
    expectClean(sys);
  });

  it('a full target falls back to another lower-tier node', async () => {
    const { sys, eng } = smallSystem([{ size: 16 << 20 }, { size: 4 << 20, kind: 'CXL' }, { size: 16 << 20, kind: 'CXL' }]);
    const task = sys.createTask({ uid: 1000, cpu: 0 });
    const hog = sys.createTask({ uid: 1000, cpu: 0 });
    const full = await regionOn(sys, hog, 'anon', 1024 * PAGE_SIZE, 1, 5);
    expect(sys.zones[1]!.nrFreePages).toBe(0);
    const region = await makeRegion(sys, task, 'anon', 8 * PAGE_SIZE);
    expect(nextDemotionNode(sys, 0)).toBe(1);
    expect(await demoteFolios(eng, 0, 8)).toBe(8);
    expect(regionNodes(sys, region)).toEqual(new Set([2]));
    await expectPattern(region);
    await expectPattern(full, 5);
    expectClean(sys);
  });
});
