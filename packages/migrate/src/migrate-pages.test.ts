import { describe, expect, it } from 'vitest';
import {
  HPAGE_PMD_NR,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MIGRATE_SYNC_LIGHT,
  MR_COMPACTION,
  MR_SYSCALL,
  PAGE_SIZE,
} from '@pagemig/folio';
import { Balloon, translate } from '@pagemig/mm';
import {
  THP_SIZE,
  expectClean,
  expectPattern,
  makeEngine,
  makeEngineWithRegion,
  makeRegion,
  migrateTo,
  record,
  regionDigest,
  regionFolios,
  regionNodes,
  type RegionKind,
} from './testing/fixture';
import type { BatchCopyStartEvent, FolioCopyEvent } from './engine';

const kinds: [RegionKind, number, number][] = [
  // kind, region length, expected folio order
  ['anon', 64 * PAGE_SIZE, 0],
  ['thp', 2 * THP_SIZE, 9],
  ['mthp64k', 16 * 16 * PAGE_SIZE, 4],
  ['shmem', 32 * PAGE_SIZE, 0],
  ['file', 32 * PAGE_SIZE, 0],
  ['hugetlb', 2 * THP_SIZE, 9],
  ['hugetlb-shared', THP_SIZE, 9],
];

describe('migratePages moves every kind of folio between nodes', () => {
  for (const [kind, len, order] of kinds) {
    for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC] as const) {
      it(`${kind}, mode ${mode}: contents intact, every mapper sees the new frame, stats exact`, async () => {
        const { sys, eng } = makeEngine({}, { nrMaxBatchedMigration: 262144 });
        const parent = sys.createTask({ cpu: 0 });
        const region = await makeRegion(sys, parent, kind, len);
        const child = sys.fork(parent, { cpu: 1 });
        const thread = sys.cloneThread(parent, { cpu: 2 });
        // let the child and the thread cache translations in their TLBs
        await expectPattern(region, 1, child);
        await expectPattern(region, 1, thread);
        const digest = regionDigest(sys, region);
        const folios = regionFolios(sys, region);
        expect(new Set(folios.map((f) => sys.memmap.folioOrder(f)))).toEqual(new Set([order]));
        expect(regionNodes(sys, region)).toEqual(new Set([0]));
        const before = sys.vmstat.snapshot();

        const result = await migrateTo(eng, folios, 1, { mode, reason: MR_SYSCALL });

        expect(result.rc).toBe(0);
        expect(result.left).toEqual([]);
        expect(result.nrSucceeded).toBe(len / PAGE_SIZE);
        expect(regionNodes(sys, region)).toEqual(new Set([1]));
        expect(regionDigest(sys, region)).toBe(digest);
        for (const task of [parent, child, thread]) {
          await expectPattern(region, 1, task);
          expect(sys.phys.pfnToNid(translate(task.mm, region.addr, false))).toBe(1);
        }
        const delta = sys.vmstat.delta(before, sys.vmstat.snapshot());
        expect(delta.pgmigrate_success).toBe(len / PAGE_SIZE);
        expect(delta.pgmigrate_fail).toBe(0);
        const thps = kind === 'thp' ? folios.length : 0;
        expect(delta.thp_migration_success).toBe(thps);
        expect(result.stats).toEqual({ nrSucceeded: len / PAGE_SIZE, nrFailedPages: 0, nrThpSucceeded: thps, nrThpFailed: 0, nrThpSplit: 0, nrSplit: 0 });
        expectClean(sys);
      });
    }
  }

  it('frees the old frames: free memory per node moves with the folios', async () => {
    const { sys, eng, task, region } = await makeEngineWithRegion('anon', 128 * PAGE_SIZE);
    const free0 = sys.zones[0]!.nrFreePages;
    const free1 = sys.zones[1]!.nrFreePages;
    await migrateTo(eng, regionFolios(sys, region), 1);
    expect(sys.zones[0]!.nrFreePages - free0).toBe(128);
    expect(free1 - sys.zones[1]!.nrFreePages).toBe(128);
    expectClean(sys);
  });

  it('moves the memcg charge to the new folio: usage unchanged', async () => {
    const { sys, eng } = makeEngine();
    const task = sys.createTask({ memcg: 'jobs' });
    const region = await makeRegion(sys, task, 'anon', 64 * PAGE_SIZE);
    const memcg = sys.memcgs.byName('jobs')!;
    const usage = memcg.usage;
    await migrateTo(eng, regionFolios(sys, region), 1);
    expect(memcg.usage).toBe(usage);
    for (const folio of regionFolios(sys, region)) expect(sys.memmap.memcg[folio]).toBe(memcg.id);
    expectClean(sys);
  });
});

describe('movable_ops pages', () => {
  it('migrate through their driver, never through the batch copy, in every mode', async () => {
    for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC] as const) {
      const { sys, eng } = makeEngine();
      const balloon = new Balloon(sys);
      expect(balloon.inflate(0, 16)).toBe(16);
      const pages = balloon.pages.toArray();
      const batches = record<BatchCopyStartEvent>(sys, 'migrate_batch_copy_start');
      const result = await migrateTo(eng, pages, 1, { mode, reason: MR_COMPACTION });
      batches.stop();
      expect(result.rc).toBe(0);
      expect(result.nrSucceeded).toBe(16);
      expect(batches.events).toEqual([]);
      expect(balloon.size).toBe(16);
      expect(balloon.pages.toArray().every((pfn) => sys.phys.pfnToNid(pfn) === 1)).toBe(true);
      expect(pages.every((pfn) => sys.memmap.refcount[pfn] === 0)).toBe(true);
      expectClean(sys);
    }
  });

  it('a driver refusing the migration leaves the page in the balloon', async () => {
    const { sys, eng } = makeEngine();
    const balloon = new Balloon(sys);
    balloon.inflate(0, 4);
    const pages = balloon.pages.toArray();
    balloon.failMigrate(-16, 100);
    const result = await migrateTo(eng, pages, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    expect(result.rc).toBe(4);
    expect(balloon.size).toBe(4);
    expect(balloon.pages.toArray().every((pfn) => sys.phys.pfnToNid(pfn) === 0)).toBe(true);
    expectClean(sys);
  });
});

describe('batching', () => {
  it('chunks by NR_MAX_BATCHED_MIGRATION base pages, the crossing folio included', async () => {
    const { sys, eng } = makeEngine({}, { nrMaxBatchedMigration: 512 });
    const task = sys.createTask();
    const small = await makeRegion(sys, task, 'anon', 300 * PAGE_SIZE);
    const huge = await makeRegion(sys, task, 'thp', THP_SIZE, 2);
    const more = await makeRegion(sys, task, 'anon', 600 * PAGE_SIZE, 3);
    const batches = record<BatchCopyStartEvent>(sys, 'migrate_batch_copy_start');
    const folios = [...regionFolios(sys, small), ...regionFolios(sys, huge), ...regionFolios(sys, more)];
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    batches.stop();
    expect(result.rc).toBe(0);
    // 300 small + the THP that crosses 512 pages; then 512 + the folio that reaches 512; then the rest
    expect(batches.events.map((e) => e.count)).toEqual([301, 512, 88]);
    expect(batches.events.map((e) => e.bytes / PAGE_SIZE)).toEqual([300 + HPAGE_PMD_NR, 512, 88]);
    await expectPattern(small, 1);
    await expectPattern(huge, 2);
    await expectPattern(more, 3);
    expectClean(sys);
  });

  it('with the upstream limit, a 2 MiB folio is a batch of one; patch 7 puts many in one batch', async () => {
    for (const [limit, expected] of [[512, [1, 1, 1, 1]], [262144, [4]]] as const) {
      const { sys, eng } = makeEngine({ nodes: [{ size: 64 << 20 }, { size: 64 << 20 }] }, { nrMaxBatchedMigration: limit });
      const task = sys.createTask();
      const region = await makeRegion(sys, task, 'thp', 4 * THP_SIZE);
      const batches = record<BatchCopyStartEvent>(sys, 'migrate_batch_copy_start');
      await migrateTo(eng, regionFolios(sys, region), 1, { mode: MIGRATE_ASYNC });
      batches.stop();
      expect(batches.events.map((e) => e.count)).toEqual(expected);
      await expectPattern(region);
      expectClean(sys);
    }
  });

  it('the batch path copies once per batch; the legacy path copies per folio', async () => {
    for (const batching of [true, false]) {
      const { sys, eng } = makeEngine();
      if (!batching) eng.doBatch = () => false;
      const task = sys.createTask();
      const region = await makeRegion(sys, task, 'anon', 40 * PAGE_SIZE);
      const copies = record<FolioCopyEvent>(sys, 'migrate_folio_copy');
      const batches = record<BatchCopyStartEvent>(sys, 'migrate_batch_copy_start');
      await migrateTo(eng, regionFolios(sys, region), 1, { mode: MIGRATE_ASYNC });
      copies.stop();
      batches.stop();
      expect(batches.events.length).toBe(batching ? 1 : 0);
      expect(copies.events.length).toBe(batching ? 0 : 40);
      await expectPattern(region);
      expectClean(sys);
    }
  });

  it('a hint of never keeps the call off the batch path; the batching policy gates it without a migrator', async () => {
    const { sys, eng, task, region } = await makeEngineWithRegion('anon', 8 * PAGE_SIZE, { batchingPolicy: 'gated' });
    const batches = record<BatchCopyStartEvent>(sys, 'migrate_batch_copy_start');
    await migrateTo(eng, regionFolios(sys, region), 1, { mode: MIGRATE_ASYNC });
    eng.batchingPolicy = 'always';
    await migrateTo(eng, regionFolios(sys, region), 0, { mode: MIGRATE_ASYNC, hint: 'never' });
    await migrateTo(eng, regionFolios(sys, region), 1, { mode: MIGRATE_ASYNC });
    batches.stop();
    expect(batches.events.length).toBe(1);
    await expectPattern(region);
    expectClean(sys);
  });
});
