import { describe, expect, it } from 'vitest';
import { EAGAIN, EHWPOISON, ENOMEM } from '@pagemig/kernel';
import {
  HPAGE_PMD_NR,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MIGRATE_SYNC_LIGHT,
  MR_COMPACTION,
  MR_DEMOTION,
  MR_LONGTERM_PIN,
  MR_MEMORY_FAILURE,
  MR_NUMA_MISPLACED,
  MR_SYSCALL,
  PAGE_SIZE,
  PGF_hwpoison,
} from '@pagemig/folio';
import { translate } from '@pagemig/mm';
import type { FolioCopyEvent, MigrateFolioEvent } from './engine';
import {
  THP_SIZE,
  expectClean,
  expectIntactOn,
  expectPattern,
  makeEngine,
  makeEngineWithRegion,
  makeRegion,
  migrateTo,
  record,
  regionDigest,
  regionFolios,
  regionNodes,
} from './testing/fixture';

async function failAllocs(sys: ReturnType<typeof makeEngine>['sys'], knobs: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(knobs)) {
    expect(await sys.sysfs.write(`/sys/kernel/debug/fail_page_alloc/${name}`, value)).toBeGreaterThan(0);
  }
}

describe('-EAGAIN: a folio lock held elsewhere', () => {
  it('ASYNC retries every pass, then counts the folio as failed and leaves it on the list', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('anon', 8 * PAGE_SIZE);
    const held = folios[3]!;
    expect(sys.locks.folioTrylock(held)).toBe(true);
    const unmaps = record<MigrateFolioEvent>(sys, 'migrate_folio_unmap');
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    unmaps.stop();
    expect(result.rc).toBe(1);
    expect(result.left).toEqual([held]);
    expect(unmaps.events.filter((e) => e.src === held && e.rc === -EAGAIN).length).toBe(10);
    expect(result.stats.nrFailedPages).toBe(1);
    expect(result.stats.nrSucceeded).toBe(7);
    sys.locks.folioUnlock(held);
    expect(sys.phys.pfnToNid(held)).toBe(0);
    await expectPattern(region);
    expectClean(sys);
  });

  it('succeeds when the lock is released between passes', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('anon', 8 * PAGE_SIZE);
    const held = folios[0]!;
    sys.locks.folioTrylock(held);
    let seen = 0;
    const stop = eng.tp.unmap.subscribe((e) => {
      if (e.src === held && e.rc === -EAGAIN && ++seen === 3) sys.locks.folioUnlock(held);
    });
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    stop();
    expect(result.rc).toBe(0);
    await expectIntactOn(sys, region, 1);
  });

  it('SYNC waits for the lock after its three batched passes', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('anon', 4 * PAGE_SIZE);
    const held = folios[1]!;
    sys.locks.folioTrylock(held);
    const unmaps = record<MigrateFolioEvent>(sys, 'migrate_folio_unmap');
    setTimeout(() => sys.locks.folioUnlock(held), 20);
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_SYNC });
    unmaps.stop();
    expect(result.rc).toBe(0);
    // three ASYNC batched passes failed on the held lock before the per-folio SYNC pass waited
    expect(unmaps.events.filter((e) => e.src === held && e.rc === -EAGAIN).length).toBe(3);
    await expectIntactOn(sys, region, 1);
  });
});

describe('-EAGAIN: an extra reference', () => {
  for (const batching of [true, false]) {
    it(`${batching ? 'batch' : 'legacy'} path: the refcount check fails every move pass, the folio is restored`, async () => {
      const { sys, eng } = makeEngine();
      if (!batching) eng.doBatch = () => false;
      const task = sys.createTask();
      const region = await makeRegion(sys, task, 'anon', 6 * PAGE_SIZE);
      const folios = regionFolios(sys, region);
      const pinned = folios[2]!;
      sys.memmap.folioGet(pinned);
      const moves = record<MigrateFolioEvent>(sys, 'migrate_folio_move');
      const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
      moves.stop();
      expect(result.rc).toBe(1);
      expect(result.left).toEqual([pinned]);
      expect(moves.events.filter((e) => e.src === pinned && e.rc === -EAGAIN).length).toBe(10);
      sys.alloc.folioPut(pinned);
      expect(sys.phys.pfnToNid(translate(task.mm, region.addr + 2 * PAGE_SIZE, false))).toBe(0);
      await expectPattern(region);
      expectClean(sys);
    });
  }

  it('succeeds when the extra reference goes away during the move passes', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('anon', 6 * PAGE_SIZE);
    const pinned = folios[4]!;
    sys.memmap.folioGet(pinned);
    const stop = eng.tp.move.subscribe((e) => {
      if (e.src === pinned && e.rc === -EAGAIN) sys.alloc.folioPut(pinned);
    });
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    stop();
    expect(result.rc).toBe(0);
    await expectIntactOn(sys, region, 1);
  });
});

describe('writeback', () => {
  for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT] as const) {
    it(`gives -EBUSY (permanent) in mode ${mode}`, async () => {
      const { sys, eng, task, region, folios } = await makeEngineWithRegion('file', 4 * PAGE_SIZE);
      sys.locks.folioStartWriteback(folios[0]!);
      const result = await migrateTo(eng, folios, 1, { mode, reason: MR_COMPACTION });
      expect(result.rc).toBe(1);
      expect(result.left).toEqual([folios[0]]);
      expect(result.stats.nrFailedPages).toBe(1);
      sys.locks.folioEndWriteback(folios[0]!);
      await expectPattern(region);
      expectClean(sys);
    });
  }

  it('MIGRATE_SYNC waits for writeback to end', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('file', 4 * PAGE_SIZE);
    sys.locks.folioStartWriteback(folios[1]!);
    setTimeout(() => sys.locks.folioEndWriteback(folios[1]!), 20);
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_SYNC });
    expect(result.rc).toBe(0);
    await expectIntactOn(sys, region, 1);
  });
});

describe('-ENOMEM on the target', () => {
  it('splits a THP and migrates its pages (MR_SYSCALL)', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('thp', THP_SIZE, { nrMaxBatchedMigration: 262144 });
    await failAllocs(sys, { probability: '100', times: '1' });
    const before = sys.vmstat.snapshot();
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_SYNC, reason: MR_SYSCALL });
    const delta = sys.vmstat.delta(before, sys.vmstat.snapshot());
    expect(result.rc).toBe(0);
    expect(result.stats).toMatchObject({ nrSucceeded: HPAGE_PMD_NR, nrThpSplit: 1, nrThpFailed: 1, nrSplit: 1 });
    expect(delta.thp_migration_split).toBe(1);
    expect(regionNodes(sys, region)).toEqual(new Set([1]));
    expect(regionFolios(sys, region).length).toBe(HPAGE_PMD_NR);
    await expectPattern(region);
    expectClean(sys);
  });

  it('does not split for MR_NUMA_MISPLACED: the call fails with -ENOMEM', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('thp', THP_SIZE, { nrMaxBatchedMigration: 262144 });
    await failAllocs(sys, { probability: '100', times: '1' });
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_NUMA_MISPLACED });
    expect(result.rc).toBe(-ENOMEM);
    expect(result.left).toEqual(folios);
    expect(sys.memmap.folioOrder(folios[0]!)).toBe(9);
    await expectPattern(region);
    expectClean(sys);
  });

  it('moves what is already unmapped, then stops the whole call', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('anon', 10 * PAGE_SIZE);
    // four target allocations succeed, the fifth fails
    await failAllocs(sys, { probability: '100', times: '1', space: String(4 * PAGE_SIZE + 1) }) // should_fail(): space must exceed the size;
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    expect(result.rc).toBe(-ENOMEM);
    expect(result.left).toEqual(folios.slice(4));
    expect(result.stats.nrSucceeded).toBe(4);
    expect(folios.slice(0, 4).every((f) => sys.memmap.refcount[f] === 0)).toBe(true);
    await expectPattern(region);
    expectClean(sys);
  });

  it('MR_LONGTERM_PIN retries a split that fails with -EAGAIN instead of giving up', async () => {
    for (const reason of [MR_LONGTERM_PIN, MR_SYSCALL] as const) {
      const { sys, eng, task, region, folios } = await makeEngineWithRegion('thp', THP_SIZE, { nrMaxBatchedMigration: 262144 });
      sys.memmap.folioGet(folios[0]!); // a pin: the split cannot freeze the refcount
      await failAllocs(sys, { probability: '100', times: '-1' });
      const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason });
      await failAllocs(sys, { probability: '0' });
      sys.alloc.folioPut(folios[0]!);
      if (reason === MR_LONGTERM_PIN) {
        expect(result.rc).toBe(1);
        expect(result.stats.nrFailedPages).toBe(HPAGE_PMD_NR);
      } else {
        expect(result.rc).toBe(-ENOMEM);
      }
      expect(result.left).toEqual(folios);
      await expectPattern(region);
      expectClean(sys);
    }
  });
});

describe('-EHWPOISON', () => {
  for (const batching of [true, false]) {
    it(`${batching ? 'batch' : 'legacy'} path: the poisoned folio fails, the others move`, async () => {
      const { sys, eng } = makeEngine();
      if (!batching) eng.doBatch = () => false;
      const task = sys.createTask();
      const region = await makeRegion(sys, task, 'anon', 6 * PAGE_SIZE);
      const folios = regionFolios(sys, region);
      const sick = folios[2]!;
      sys.memmap.flags[sick]! |= PGF_hwpoison;
      const moves = record<MigrateFolioEvent>(sys, 'migrate_folio_move');
      const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
      moves.stop();
      expect(result.rc).toBe(1);
      expect(result.left).toEqual([sick]);
      expect(moves.events.find((e) => e.src === sick)?.rc).toBe(-EHWPOISON);
      expect(sys.phys.pfnToNid(translate(task.mm, region.addr + 2 * PAGE_SIZE, false))).toBe(0);
      sys.memmap.flags[sick]! &= ~PGF_hwpoison;
      await expectPattern(region);
      expectClean(sys);
    });
  }
});

describe('batch copy failure', () => {
  for (const failure of ['error', 'throw'] as const) {
    it(`a batch copy that ${failure === 'error' ? 'returns -EIO' : 'throws'} falls back per folio with data intact`, async () => {
      const { sys, eng, task, region } = await makeEngineWithRegion('anon', 16 * PAGE_SIZE);
      eng.batchCopy = failure === 'error' ? () => Promise.resolve(-5) : () => Promise.reject(new Error('engine fault'));
      const copies = record<FolioCopyEvent>(sys, 'migrate_folio_copy');
      const result = await migrateTo(eng, regionFolios(sys, region), 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
      copies.stop();
      expect(result.rc).toBe(0);
      expect(copies.events.length).toBe(16);
      expect(copies.events.every((e) => e.fallback)).toBe(true);
      await expectIntactOn(sys, region, 1);
    });
  }

  it('a batch copy that copies garbage but says it failed loses nothing', async () => {
    const { sys, eng } = makeEngine();
    eng.batchCopy = async (dst, _src, count) => {
      for (let i = 0; i < count; i++) sys.phys.fill(dst[i]! * PAGE_SIZE, PAGE_SIZE, 0xee);
      return -5;
    };
    const task = sys.createTask();
    const region = await makeRegion(sys, task, 'anon', 16 * PAGE_SIZE);
    await migrateTo(eng, regionFolios(sys, region), 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    await expectPattern(region);
    expectClean(sys);
  });
});

describe('V5 and V6 retry semantics', () => {
  /**
   * A GUP-pinned writer (extra reference) changes a source page after the batch copy: the pair
   * fails its refcount check once, the pin goes away, and the next pass moves it. V5 reuses the
   * batch's "copied" flag and skips the copy (the write is lost); V6 consumed its per-folio mark
   * and copies again (the write survives).
   */
  for (const semantics of ['v5', 'v6'] as const) {
    it(`${semantics}: a retried pair ${semantics === 'v5' ? 'skips' : 'repeats'} the copy`, async () => {
      const { sys, eng, task, region, folios } = await makeEngineWithRegion('anon', 4 * PAGE_SIZE, { retrySemantics: semantics });
      const victim = folios[1]!;
      const stopEnd = eng.tp.batchEnd.subscribe(() => {
        sys.memmap.folioGet(victim);
        sys.phys.fill(victim * PAGE_SIZE, 16, 0x5a);
      });
      const stopMove = eng.tp.move.subscribe((e) => {
        if (e.src === victim && e.rc === -EAGAIN) sys.alloc.folioPut(victim);
      });
      const copies = record<FolioCopyEvent>(sys, 'migrate_folio_copy');
      const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
      stopEnd();
      stopMove();
      copies.stop();
      expect(result.rc).toBe(0);
      const first = new Uint8Array(16);
      sys.phys.read(translate(task.mm, region.addr + PAGE_SIZE, false) * PAGE_SIZE, first);
      if (semantics === 'v5') {
        expect(copies.events.length).toBe(0);
        expect([...first].every((b) => b === 0x5a)).toBe(false);
      } else {
        expect(copies.events.map((e) => e.src)).toEqual([victim]);
        expect([...first].every((b) => b === 0x5a)).toBe(true);
      }
      expectClean(sys);
    });
  }

  it('V6: a migrator that copies half the batch and fails leaves only the other half to the CPU', async () => {
    const { sys, eng } = makeEngine({}, { retrySemantics: 'v6' });
    eng.batchCopy = async (dst, src, count) => {
      const half = Math.floor(count / 2);
      eng.foliosMcCopy(dst.subarray(0, half), src.subarray(0, half), half);
      return -5;
    };
    const task = sys.createTask();
    const region = await makeRegion(sys, task, 'anon', 10 * PAGE_SIZE);
    const folios = regionFolios(sys, region);
    const copies = record<FolioCopyEvent>(sys, 'migrate_folio_copy');
    await migrateTo(eng, folios, 1, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    copies.stop();
    expect(copies.events.map((e) => e.src)).toEqual(folios.slice(5));
    await expectPattern(region);
    expectClean(sys);
  });
});

describe('reason rules', () => {
  it('MR_MEMORY_FAILURE leaves the source for the caller to release', async () => {
    const { sys, eng, task, region, folios } = await makeEngineWithRegion('anon', 2 * PAGE_SIZE);
    const result = await migrateTo(eng, folios, 1, { mode: MIGRATE_SYNC, reason: MR_MEMORY_FAILURE });
    expect(result.rc).toBe(0);
    for (const folio of folios) {
      expect(sys.memmap.refcount[folio]).toBe(1);
      sys.alloc.folioPut(folio);
    }
    await expectPattern(region);
    expectClean(sys);
  });

  it('MR_DEMOTION leaves NR_ISOLATED to its caller', async () => {
    const { sys, eng, task, region } = await makeEngineWithRegion('anon', 3 * PAGE_SIZE);
    await migrateTo(eng, regionFolios(sys, region), 1, { mode: MIGRATE_ASYNC, reason: MR_DEMOTION });
    expect(sys.lru.nrIsolated[0]).toBe(3);
    await migrateTo(eng, regionFolios(sys, region), 0, { mode: MIGRATE_ASYNC, reason: MR_COMPACTION });
    expect(sys.lru.nrIsolated[2]).toBe(0);
  });

  it('keeps the digest of a region through a round trip', async () => {
    const { sys, eng, task, region } = await makeEngineWithRegion('mthp64k', 64 * PAGE_SIZE);
    const digest = regionDigest(sys, region);
    await migrateTo(eng, regionFolios(sys, region), 1);
    await migrateTo(eng, regionFolios(sys, region), 0);
    expect(regionDigest(sys, region)).toBe(digest);
    expectClean(sys);
  });
});
