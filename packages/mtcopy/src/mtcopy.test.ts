import { afterAll, describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { MIGRATE_ASYNC, MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import { checkInvariants } from '@pagemig/mm';
import { createMigrateEngine, type BatchCopyContext } from '@pagemig/migrate';
import { createMtcopy, type MtcopyDispatchEvent, type MtcopySliceEvent } from './mtcopy';
import type { MtcopyHandoff } from './copy-lanes';
import { allocPairs, checkSet, folioSum, freePairs, mapFolios, migrateSet, twoNodeSystem, unmapSet } from './testing/mtcopy-test-kit';

function ctxFor(bytes: number, batchId = 1): BatchCopyContext {
  return { batchId, reason: MR_SYSCALL, memcg: 1, hint: 'default', bytes };
}

for (const handoff of ['doorbell', 'piscina'] as const satisfies readonly MtcopyHandoff[]) {
  describe(`offloadCopy on folio pairs (${handoff} hand-off)`, () => {
    const sys = twoNodeSystem(64);
    const mt = createMtcopy({ system: sys, handoff, laneIdleMs: 50 });
    afterAll(() => mt.unload());

    test.prop(
      [
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 9 }),
        fc.boolean(),
      ],
      { seed: handoff === 'doorbell' ? 11 : 12, numRuns: 25 },
    )('copies every byte of every pair for any order mix, thread count, alignment and share', async (orders, threads, alignOrder, mainShare) => {
      await mt.setThreads(threads);
      await mt.setMainThreadShare(mainShare);
      expect(await sys.sysfs.write('/sys/module/mtcopy/parameters/align_bytes', String(PAGE_SIZE << alignOrder))).toBeGreaterThan(0);
      const pairs = allocPairs(sys, orders, threads * 100 + alignOrder);
      const before = mt.stats.foliosCopied;
      const rc = await mt.migrator.offloadCopy(pairs.dst, pairs.src, orders.length, ctxFor(pairs.bytes));
      expect(rc).toBe(0);
      pairs.dst.forEach((d, i) => expect(folioSum(sys, d), `pair ${i} (order ${orders[i]})`).toBe(pairs.sums[i]));
      pairs.src.forEach((s, i) => expect(folioSum(sys, s)).toBe(pairs.sums[i]));
      expect(mt.stats.foliosCopied - before).toBe(orders.length);
      freePairs(sys, pairs);
    });

    it('copies into sections allocated after the workers started (the view is refreshed)', async () => {
      await mt.setThreads(3);
      await mt.setMainThreadShare(false);
      const first = allocPairs(sys, [0], 1);
      expect(await mt.migrator.offloadCopy(first.dst, first.src, 1, ctxFor(first.bytes))).toBe(0);
      const generation = sys.phys.generation;
      // fill node memory until new sections appear, then copy into the newest frames
      const hold: number[] = [];
      while (sys.phys.generation === generation) hold.push(sys.alloc.allocFolio(1, 9, 0, 0));
      const pairs = allocPairs(sys, [9, 9, 0], 2);
      expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 3, ctxFor(pairs.bytes))).toBe(0);
      pairs.dst.forEach((d, i) => expect(folioSum(sys, d)).toBe(pairs.sums[i]));
      for (const f of hold) sys.alloc.folioPut(f);
      freePairs(sys, pairs);
      freePairs(sys, first);
    });
  });
}

describe('migratePages through mtcopy', () => {
  const sys = twoNodeSystem(96);
  const mt = createMtcopy({ system: sys, laneIdleMs: 50 });
  const task = sys.createTask({ cpu: 0 });
  afterAll(() => mt.unload());

  test.prop(
    [
      fc.array(fc.constantFrom(0, 2, 3, 4, 5, 6, 7, 8, 9), { minLength: 1, maxLength: 24 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 9 }),
      fc.boolean(),
      fc.constantFrom(MIGRATE_SYNC, MIGRATE_ASYNC),
      fc.constantFrom('v5', 'v6'),
      fc.constantFrom(512, 262144),
    ],
    { seed: 21, numRuns: 30 },
  )(
    'moves every folio intact for any size mix, thread count, alignment, mode and batch size',
    async (orders, threads, alignOrder, mainShare, mode, retrySemantics, batchPages) => {
      await mt.setThreads(threads);
      await mt.setMainThreadShare(mainShare);
      await sys.sysfs.writeOrThrow('/sys/module/mtcopy/parameters/align_bytes', String(PAGE_SIZE << alignOrder));
      const eng = createMigrateEngine(sys, { retrySemantics, nrMaxBatchedMigration: batchPages });
      eng.batchCopy = mt.migrator.offloadCopy;
      const set = mapFolios(sys, orders, threads, task);
      const before = mt.stats;
      const res = await migrateSet(eng, set, 1, mode, MR_SYSCALL);
      expect(res.rc).toBe(0);
      expect(checkSet(set, 1)).toEqual([]);
      expect(checkInvariants(sys)).toEqual([]);
      expect(mt.stats.failures, JSON.stringify(mt.pool)).toBe(before.failures);
      expect(mt.stats.foliosCopied - before.foliosCopied, JSON.stringify({ stats: mt.stats, res })).toBe(orders.length);
      unmapSet(set);
      expect(checkInvariants(sys)).toEqual([]);
    },
  );

  it('reports each batch and each thread share on the mtcopy tracepoints', async () => {
    await mt.setThreads(3);
    await mt.setMainThreadShare(true);
    const dispatches: MtcopyDispatchEvent[] = [];
    const slices: MtcopySliceEvent[] = [];
    const off1 = mt.tpDispatch.subscribe((e) => dispatches.push({ ...e }));
    const off2 = mt.tpSlice.subscribe((e) => slices.push({ ...e }));
    const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: 262144 });
    eng.batchCopy = mt.migrator.offloadCopy;
    const set = mapFolios(sys, [9, 0, 4, 4, 9], 5, task);
    expect((await migrateSet(eng, set, 1, MIGRATE_ASYNC, MR_SYSCALL)).rc).toBe(0);
    off1();
    off2();
    expect(checkSet(set, 1)).toEqual([]);
    expect(dispatches).toHaveLength(1);
    const batch = dispatches[0]!;
    expect(batch.threads).toBe(3);
    expect(batch.bytes).toBe((512 + 1 + 16 + 16 + 512) * PAGE_SIZE);
    const mine = slices.filter((s) => s.batchId === batch.batchId);
    expect(mine.map((s) => s.thread).sort()).toEqual([0, 1, 2]);
    expect(mine.reduce((a, s) => a + s.bytes, 0)).toBe(batch.bytes);
    expect(mine.every((s) => s.cpuNs >= 0)).toBe(true);
    unmapSet(set);
  });

  it('copies a lone 4 KiB folio with 8 threads (one thread takes it whole, the others idle)', async () => {
    await mt.setThreads(8);
    const pairs = allocPairs(sys, [0], 9);
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 1, ctxFor(pairs.bytes))).toBe(0);
    expect(folioSum(sys, pairs.dst[0]!)).toBe(pairs.sums[0]);
    freePairs(sys, pairs);
  });
});
