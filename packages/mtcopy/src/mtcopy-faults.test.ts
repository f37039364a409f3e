import { afterAll, describe, expect, it } from 'vitest';
import { EAGAIN } from '@pagemig/kernel';
import { MIGRATE_ASYNC, MIGRATE_SYNC, MR_SYSCALL, PGF_hwpoison } from '@pagemig/folio';
import { checkInvariants, translate } from '@pagemig/mm';
import { createMigrateEngine, type BatchCopyContext, type BatchCopyEndEvent } from '@pagemig/migrate';
import { createMtcopy } from './mtcopy';
import { allocPairs, checkSet, folioSum, freePairs, headsOf, mapFolios, mapSmallFolios, migrateSet, twoNodeSystem, unmapSet } from './testing/mtcopy-test-kit';

for (const handoff of ['doorbell', 'piscina'] as const) {
  for (const kind of ['throw', 'exit'] as const) {
    describe(`a worker that ${kind === 'throw' ? 'throws' : 'exits'} (${handoff} hand-off)`, () => {
      const sys = twoNodeSystem(64);
      const mt = createMtcopy({ system: sys, handoff, threads: 3, mainThreadShare: false, laneIdleMs: 100 });
      const task = sys.createTask({ cpu: 0 });
      afterAll(() => mt.unload());

      it('fails its batch, the core copies every folio itself, and the next batch works', async () => {
        for (const retrySemantics of ['v5', 'v6'] as const) {
          const eng = createMigrateEngine(sys, { retrySemantics, nrMaxBatchedMigration: 262144 });
          eng.batchCopy = mt.migrator.offloadCopy;
          const ends: BatchCopyEndEvent[] = [];
          const off = eng.tp.batchEnd.subscribe((e) => ends.push({ ...e }));
          const set = mapFolios(sys, [9, 4, 0, 9, 2, 9], 7, task);
          // warm the pool so the fault hits a running lane
          const warm = await migrateSet(eng, set, 1, MIGRATE_ASYNC, MR_SYSCALL);
          expect(warm.rc).toBe(0);
          const before = mt.stats;
          const lanesFailed = mt.pool.laneFailures;
          await sys.sysfs.writeOrThrow('/sys/module/mtcopy/parameters/inject_crash', kind);
          expect(sys.sysfs.read('/sys/module/mtcopy/parameters/inject_crash')).toBe(`${kind}\n`);
          const res = await migrateSet(eng, set, 0, MIGRATE_ASYNC, MR_SYSCALL);
          expect(res.rc).toBe(0);
          expect(checkSet(set, 0)).toEqual([]);
          expect(checkInvariants(sys)).toEqual([]);
          expect(ends.at(-1)!.rc).toBe(-EAGAIN);
          expect(mt.stats.failures).toBe(before.failures + 1);
          expect(mt.stats.foliosCopied).toBe(before.foliosCopied);
          expect(mt.pool.laneFailures).toBeGreaterThan(lanesFailed);
          expect(sys.sysfs.read('/sys/module/mtcopy/parameters/inject_crash')).toBe('none\n');
          // the pool replaced or kept the worker: the next batch is copied by mtcopy again
          const again = await migrateSet(eng, set, 1, MIGRATE_ASYNC, MR_SYSCALL);
          expect(again.rc).toBe(0);
          expect(ends.at(-1)!.rc).toBe(0);
          expect(checkSet(set, 1)).toEqual([]);
          expect(mt.stats.foliosCopied).toBe(before.foliosCopied + set.folios.length);
          expect(mt.stats.failures).toBe(before.failures + 1);
          off();
          unmapSet(set);
        }
      });
    });
  }
}

describe('faults during a long run', () => {
  const sys = twoNodeSystem(96);
  const mt = createMtcopy({ system: sys, threads: 2, laneIdleMs: 100 });
  afterAll(() => mt.unload());

  it('a crash injected mid-run loses nothing and later batches go back to mtcopy', async () => {
    const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: 512 });
    eng.batchCopy = mt.migrator.offloadCopy;
    await mt.setMainThreadShare(false);
    const set = mapSmallFolios(sys, 4096, 3);
    let dispatched = 0;
    const off = mt.tpDispatch.subscribe(() => {
      dispatched++;
      if (dispatched === 3) mt.injectCrash('exit');
      if (dispatched === 5) mt.injectCrash('throw');
    });
    const res = await migrateSet(eng, set, 1, MIGRATE_SYNC, MR_SYSCALL);
    off();
    expect(res.rc).toBe(0);
    expect(dispatched).toBe(8);
    expect(mt.stats.failures).toBe(2);
    expect(mt.stats.foliosCopied).toBe(4096 - 2 * 512);
    expect(checkSet(set, 1)).toEqual([]);
    expect(checkInvariants(sys)).toEqual([]);
    unmapSet(set);
  });

  it('writing threads while migrations are in flight loses nothing', async () => {
    const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: 512 });
    eng.batchCopy = mt.migrator.offloadCopy;
    await mt.setMainThreadShare(true);
    const small = mapSmallFolios(sys, 3072, 4);
    const large = mapFolios(sys, [9, 9, 5, 9, 0, 9, 7, 9], 5);
    const before = mt.stats;
    const threadsSeen: number[] = [];
    const order = [5, 1, 8, 3, 2, 7, 4, 6, 1, 2, 64, 3];
    const writes: Promise<number>[] = [];
    // every dispatch writes the next count while its batch is in flight (the write waits for it)
    const off = mt.tpDispatch.subscribe((e) => {
      threadsSeen.push(e.threads);
      const n = order[writes.length % order.length]!;
      writes.push(sys.sysfs.write('/sys/module/mtcopy/parameters/threads', String(n)));
    });
    const [a, b] = await Promise.all([migrateSet(eng, small, 1, MIGRATE_SYNC, MR_SYSCALL), migrateSet(eng, large, 1, MIGRATE_ASYNC, MR_SYSCALL)]);
    off();
    const results = await Promise.all(writes);
    expect(results.every((rc) => rc > 0)).toBe(true);
    // batches ran with the counts written while earlier batches were in flight
    expect(threadsSeen.length).toBeGreaterThan(6);
    expect(new Set(threadsSeen).size).toBeGreaterThan(2);
    expect(threadsSeen.slice(1).every((n) => order.includes(n))).toBe(true);
    expect(a.rc).toBe(0);
    expect(b.rc).toBe(0);
    expect(checkSet(small, 1)).toEqual([]);
    expect(checkSet(large, 1)).toEqual([]);
    expect(checkInvariants(sys)).toEqual([]);
    expect(mt.stats.failures).toBe(before.failures);
    expect(mt.stats.foliosCopied - before.foliosCopied).toBe(3072 + 8);
    expect(sys.sysfs.read('/sys/module/mtcopy/parameters/threads')).toBe(`${order[(writes.length - 1) % order.length]}\n`);
    await mt.setThreads(2);
    unmapSet(small);
    unmapSet(large);
  });

  it('fails a batch holding a poisoned source page before copying; the core handles the poison', async () => {
    const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: 262144 });
    eng.batchCopy = mt.migrator.offloadCopy;
    const set = mapFolios(sys, [4, 0, 4], 6);
    const heads = headsOf(set);
    const sick = heads[1]!;
    sys.memmap.flags[sick]! |= PGF_hwpoison;
    const before = mt.stats;
    const res = await migrateSet(eng, set, 1, MIGRATE_ASYNC, MR_SYSCALL);
    expect(res.rc).toBe(1);
    expect(mt.stats.failures).toBe(before.failures + 1);
    expect(mt.stats.foliosCopied).toBe(before.foliosCopied);
    expect(sys.phys.pfnToNid(translate(set.task.mm, set.folios[1]!.addr, false))).toBe(0);
    sys.memmap.flags[sick]! &= ~PGF_hwpoison;
    const moved = checkSet(set, 1);
    expect(moved).toEqual([`folio 1 (order 0) is on node 0, not 1`]);
    expect(checkInvariants(sys)).toEqual([]);
    unmapSet(set);
  });
});

describe('a worker that cannot even start', () => {
  for (const handoff of ['doorbell', 'piscina'] as const) {
    it(`leaves its share to the dispatching thread instead of hanging the batch (${handoff} hand-off)`, async () => {
      const sys = twoNodeSystem(16);
      const workerUrl = new URL('./no-such-copy-worker.js', import.meta.url);
      const mt = createMtcopy({ system: sys, threads: 2, mainThreadShare: false, handoff, workerUrl });
      const pairs = allocPairs(sys, [3, 0], 1);
      const ctx: BatchCopyContext = { batchId: 1, reason: MR_SYSCALL, memcg: 1, hint: 'default', bytes: pairs.bytes };
      // the workers never start: their lanes fail without claiming anything, and the
      // dispatching thread sweeps the unclaimed slices after the batch
      for (const mainShare of [false, true]) {
        await mt.setMainThreadShare(mainShare);
        sys.phys.zeroPages(pairs.dst[0]!, 8);
        sys.phys.zeroPages(pairs.dst[1]!, 1);
        expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 2, ctx)).toBe(0);
        pairs.dst.forEach((d, i) => expect(folioSum(sys, d)).toBe(pairs.sums[i]));
      }
      expect(mt.stats.failures).toBe(0);
      expect(mt.pool.laneFailures).toBeGreaterThan(0);
      expect(mt.stats.swept).toBeGreaterThan(0);
      freePairs(sys, pairs);
      expect(await mt.unload()).toBe(0);
    });
  }
});
