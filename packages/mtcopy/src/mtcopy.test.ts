import { afterAll, describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Prng } from '@pagemig/kernel';
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
        fc.boolean(),
        fc.constantFrom(0, 0, 200),
      ],
      { seed: handoff === 'doorbell' ? 11 : 12, numRuns: 30 },
    )('copies every byte of every pair for any order mix, thread count, alignment, share, stealing and polling', async (orders, threads, alignOrder, mainShare, steal, spinUs) => {
      await mt.setThreads(threads);
      await mt.setMainThreadShare(mainShare);
      await mt.setWorkStealing(steal);
      mt.setWorkerSpinUs(spinUs);
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
      fc.boolean(),
    ],
    { seed: 21, numRuns: 30 },
  )(
    'moves every folio intact for any size mix, thread count, alignment, mode, batch size and stealing',
    async (orders, threads, alignOrder, mainShare, mode, retrySemantics, batchPages, steal) => {
      await mt.setThreads(threads);
      await mt.setMainThreadShare(mainShare);
      await mt.setWorkStealing(steal);
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
    // the dispatching thread is thread 2; a worker that woke after everything was claimed copied nothing and is not reported
    expect(mine.map((s) => s.thread)).toContain(2);
    expect(mine.every((s) => s.thread >= 0 && s.thread < 3 && s.cpuNs >= 0)).toBe(true);
    expect(new Set(mine.map((s) => s.thread)).size).toBe(mine.length);
    expect(mine.reduce((a, s) => a + s.bytes, 0)).toBe(batch.bytes);
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

describe('worker lanes that are late or off', () => {
  it('with stealing, the dispatching thread copies everything and takes back a ring no worker answered yet', async () => {
    const sys = twoNodeSystem(16);
    const mt = createMtcopy({ system: sys, threads: 2 });
    // the first batch spawns the worker: far slower than copying one 4 KiB folio
    const pairs = allocPairs(sys, [0], 1);
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 1, ctxFor(pairs.bytes))).toBe(0);
    expect(mt.pool.takenBack).toBe(1);
    expect(folioSum(sys, pairs.dst[0]!)).toBe(pairs.sums[0]);
    freePairs(sys, pairs);
    const more = allocPairs(sys, [9, 9, 9, 9, 0, 3], 2);
    expect(await mt.migrator.offloadCopy(more.dst, more.src, 6, ctxFor(more.bytes))).toBe(0);
    more.dst.forEach((d, i) => expect(folioSum(sys, d)).toBe(more.sums[i]));
    freePairs(sys, more);
    expect(await mt.unload()).toBe(0);
  });

  it('without stealing, the batch waits for the worker to copy its own share', async () => {
    const sys = twoNodeSystem(16);
    const mt = createMtcopy({ system: sys, threads: 2, workStealing: false });
    const slices: MtcopySliceEvent[] = [];
    const off = mt.tpSlice.subscribe((e) => slices.push({ ...e }));
    const pairs = allocPairs(sys, [0, 0], 1);
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 2, ctxFor(pairs.bytes))).toBe(0);
    off();
    expect(mt.pool.takenBack).toBe(0);
    expect(slices.map((s) => [s.thread, s.bytes])).toEqual([
      [0, PAGE_SIZE],
      [1, PAGE_SIZE],
    ]);
    pairs.dst.forEach((d, i) => expect(folioSum(sys, d)).toBe(pairs.sums[i]));
    freePairs(sys, pairs);
    expect(await mt.unload()).toBe(0);
  });

  for (const steal of [true, false]) {
    it(`lanes turned off between batches are re-armed with nothing lost (stealing ${steal ? 'on' : 'off'})`, async () => {
      const sys = twoNodeSystem(32);
      const mt = createMtcopy({ system: sys, threads: 4, laneIdleMs: 1, workStealing: steal });
      const prng = new Prng(steal ? 7 : 8);
      for (let round = 0; round < 40; round++) {
        await mt.setThreads(1 + prng.below(6));
        await mt.setMainThreadShare(prng.below(2) === 0);
        const orders = Array.from({ length: 1 + prng.below(6) }, () => prng.below(10));
        const pairs = allocPairs(sys, orders, round);
        expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, orders.length, ctxFor(pairs.bytes))).toBe(0);
        pairs.dst.forEach((d, i) => expect(folioSum(sys, d), `round ${round} pair ${i}`).toBe(pairs.sums[i]));
        freePairs(sys, pairs);
        // sometimes long enough for the idle timer to turn the lanes off, sometimes not
        if (prng.below(3) === 0) await new Promise((resolve) => setTimeout(resolve, 2 + prng.below(4)));
      }
      expect(mt.stats.failures).toBe(0);
      expect(mt.pool.laneFailures).toBe(0);
      expect(await mt.unload()).toBe(0);
    });
  }

  it('never grows the pool past the worker lanes, however often lanes go off and come back', async () => {
    const sys = twoNodeSystem(16);
    const mt = createMtcopy({ system: sys, threads: 5, mainThreadShare: false, laneIdleMs: 1 });
    for (let round = 0; round < 30; round++) {
      const pairs = allocPairs(sys, [3, 0, 5, 2, 0, 1], round);
      expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 6, ctxFor(pairs.bytes))).toBe(0);
      pairs.dst.forEach((d, i) => expect(folioSum(sys, d)).toBe(pairs.sums[i]));
      freePairs(sys, pairs);
      expect(mt.pool.threads).toBeLessThanOrEqual(5);
      if (round % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(await mt.unload()).toBe(0);
  });
});
