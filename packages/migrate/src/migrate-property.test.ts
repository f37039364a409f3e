import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { MIGRATE_ASYNC, MIGRATE_SYNC, MIGRATE_SYNC_LIGHT, MR_TYPES, PAGE_SIZE, PGF_hwpoison, type MigrateReason } from '@pagemig/folio';
import { translate } from '@pagemig/mm';
import { THP_SIZE, expectClean, expectPattern, makeEngine, makeRegion, migrateTo, regionFolios, type Region, type RegionKind } from './testing/fixture';

const regionSpec = fc.record({
  kind: fc.constantFrom<RegionKind>('anon', 'thp', 'mthp64k', 'shmem', 'file', 'hugetlb'),
  units: fc.integer({ min: 1, max: 3 }),
});

const unitBytes: Record<RegionKind, number> = {
  anon: 8 * PAGE_SIZE,
  thp: THP_SIZE,
  mthp64k: 16 * PAGE_SIZE,
  shmem: 8 * PAGE_SIZE,
  file: 8 * PAGE_SIZE,
  hugetlb: THP_SIZE,
  'hugetlb-shared': THP_SIZE,
};

const scenario = fc.record({
  regions: fc.array(regionSpec, { minLength: 1, maxLength: 4 }),
  /** Per folio (by index, modulo): 0 none, 1 lock held, 2 extra reference, 3 poisoned page. */
  faults: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 16 }),
  faultRate: fc.integer({ min: 0, max: 3 }),
  allocFailure: fc.option(fc.record({ probability: fc.integer({ min: 10, max: 100 }), times: fc.integer({ min: 1, max: 4 }) })),
  batchFailure: fc.constantFrom('none', 'error', 'partial'),
  mode: fc.constantFrom(MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC),
  reason: fc.integer({ min: 0, max: MR_TYPES - 1 }),
  semantics: fc.constantFrom('v5' as const, 'v6' as const),
  batchLimit: fc.constantFrom(512, 262144),
  forked: fc.boolean(),
});

test.prop([scenario], { numRuns: 80, seed: 20261126 })(
  'after any migration every folio is on the target or back where it was, with its data, and the counters agree',
  async (s) => {
    // pools large enough that every huge page of the regions starts on node 0
    const nodes = [{ size: 128 << 20, hugepages: 16 }, { size: 128 << 20, hugepages: 16 }];
    const { sys, eng } = makeEngine({ nodes }, { retrySemantics: s.semantics, nrMaxBatchedMigration: s.batchLimit });
    if (s.batchFailure === 'error') eng.batchCopy = () => Promise.resolve(-5);
    if (s.batchFailure === 'partial') {
      eng.batchCopy = async (dst, src, count) => {
        const half = Math.floor(count / 2);
        eng.foliosMcCopy(dst.subarray(0, half), src.subarray(0, half), half);
        return -5;
      };
    }
    const task = sys.createTask();
    const regions: Region[] = [];
    for (const [i, spec] of s.regions.entries()) {
      regions.push(await makeRegion(sys, task, spec.kind, spec.units * unitBytes[spec.kind], i + 1));
    }
    const child = s.forked ? sys.fork(task, { cpu: 1 }) : null;
    const folios = regions.flatMap((r) => regionFolios(sys, r));
    // plant faults; locks are released after a while in the modes that would wait for them
    const locked: number[] = [];
    const pinned: number[] = [];
    const poisoned: number[] = [];
    folios.forEach((folio, i) => {
      if (s.faultRate === 0 || i % (4 - s.faultRate) !== 0) return;
      const fault = s.faults[i % s.faults.length]!;
      if (fault === 1 && sys.locks.folioTrylock(folio)) locked.push(folio);
      if (fault === 2) {
        sys.memmap.folioGet(folio);
        pinned.push(folio);
      }
      if (fault === 3) {
        sys.memmap.flags[folio]! |= PGF_hwpoison;
        poisoned.push(folio);
      }
    });
    const timer = s.mode === MIGRATE_ASYNC ? null : setTimeout(() => locked.splice(0).forEach((f) => sys.locks.folioUnlock(f)), 5);
    if (s.allocFailure !== null) {
      await sys.sysfs.write('/sys/kernel/debug/fail_page_alloc/times', String(s.allocFailure.times));
      await sys.sysfs.write('/sys/kernel/debug/fail_page_alloc/probability', String(s.allocFailure.probability));
    }
    const before = sys.vmstat.snapshot();

    const result = await migrateTo(eng, folios, 1, { mode: s.mode, reason: s.reason as MigrateReason });

    if (timer !== null) clearTimeout(timer);
    await sys.sysfs.write('/sys/kernel/debug/fail_page_alloc/probability', '0');
    locked.forEach((f) => sys.locks.folioUnlock(f));
    pinned.forEach((f) => sys.alloc.folioPut(f));
    poisoned.forEach((f) => {
      sys.memmap.flags[f]! &= ~PGF_hwpoison;
    });
    // MR_MEMORY_FAILURE leaves migrated sources for the caller to release
    if (s.reason === 1) {
      for (const folio of folios) if (sys.memmap.refcount[folio] === 1 && !sys.memmap.folioMapped(folio) && sys.memmap.mapping[folio] !== 0) sys.alloc.folioPut(folio);
    }

    // data: every mapper reads its pattern
    for (const [i, region] of regions.entries()) {
      await expectPattern(region, i + 1);
      if (child !== null) await expectPattern(region, i + 1, child);
    }
    // placement agrees with the stats, and with the vm events
    let onTarget = 0;
    let lruOnTarget = 0;
    for (const [i, region] of regions.entries()) {
      for (let va = region.addr; va < region.addr + region.len; va += PAGE_SIZE) {
        if (sys.phys.pfnToNid(translate(task.mm, va, false)) !== 1) continue;
        onTarget++;
        if (s.regions[i]!.kind !== 'hugetlb') lruOnTarget++;
      }
    }
    expect(onTarget).toBe(result.nrSucceeded);
    const delta = sys.vmstat.delta(before, sys.vmstat.snapshot());
    expect(delta.pgmigrate_success).toBe(result.stats.nrSucceeded);
    expect(delta.pgmigrate_fail).toBe(result.stats.nrFailedPages);
    if (result.rc >= 0) expect(result.rc === 0).toBe(result.left.length === 0);
    // NR_ISOLATED is back to zero, except that demotion leaves the migrated pages to its caller
    expect(sys.lru.nrIsolated.reduce((a, b) => a + b, 0)).toBe(s.reason === 8 ? lruOnTarget : 0);
    expectClean(sys);
  },
);
