import { describe, it, expect } from 'vitest';
import { EIO, ENOMEM, EOPNOTSUPP, createModule, type Tracepoint } from '@pagemig/kernel';
import { MIGRATE_ASYNC, MR_COMPACTION, MR_MEMPOLICY_MBIND, MR_SYSCALL, PAGE_SIZE, migrateInfoMarkCopied } from '@pagemig/folio';
import type { BatchCopyContext, FolioCopyEvent, RetrySemantics } from '@pagemig/migrate';
import { folioMcCopy, translate } from '@pagemig/mm';
import type { Migrator } from './migrator';
import type { OffloadBatchEvent } from './provenance-ring';
import {
  SteppingClock,
  makeFixture,
  makeRegion,
  migrateRegion,
  regionIntact,
  regionNodes,
  syncMigrator,
  violations,
  type Fixture,
  type Region,
} from './testing/fixture';

/** Records the offload and per-folio copy events of a system. */
function record(fx: Fixture) {
  const batches: OffloadBatchEvent[] = [];
  const copies: FolioCopyEvent[] = [];
  (fx.sys.trace.get('migrate_offload_batch') as Tracepoint<OffloadBatchEvent>).subscribe((e) => batches.push(e));
  (fx.sys.trace.get('migrate_folio_copy') as Tracepoint<FolioCopyEvent>).subscribe((e) => copies.push(e));
  return { batches, copies };
}

/** Every region holds its pattern on `nid`, and the system is consistent. */
async function expectMoved(fx: Fixture, regions: Region[], nid: number): Promise<void> {
  for (const r of regions) {
    expect(await regionIntact(fx.task, r)).toBe(true);
    expect([...regionNodes(fx.sys, fx.task, r)]).toEqual([nid]);
  }
  expect(violations(fx.sys)).toEqual([]);
}

/** A migrator that records its batches and answers with `answer` (after copying or not). */
function scripted(name: string, answer: (dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext) => number | Promise<number>) {
  const seen: { dst: number[]; ctx: BatchCopyContext }[] = [];
  const m: Migrator = {
    name,
    owner: createModule(`${name}_mod`),
    offloadCopy: async (dst, src, count, ctx) => {
      seen.push({ dst: [...dst.subarray(0, count)], ctx });
      return answer(dst, src, count, ctx);
    },
  };
  return { m, seen };
}

describe('dispatch to a migrator', () => {
  it('copies through the migrator, charges the memcg, and records provenance and accounting', async () => {
    const fx = makeFixture({ memcg: 'tenant', clock: new SteppingClock(1000) });
    const ev = record(fx);
    const { m, seen } = scripted('toy', (dst, src, count, ctx) => {
      fx.offload.chargeTime(ctx, 5000, 'device');
      fx.offload.chargeTime(ctx, 700, 'cpu');
      return fx.eng.foliosMcCopy(dst, src, count);
    });
    expect(fx.offload.register(m)).toBe(0);
    const a = await makeRegion(fx.task, 8, 1);
    const b = await makeRegion(fx.task, 8, 2);
    expect((await migrateRegion(fx, a, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    expect((await migrateRegion(fx, b, 1, { reason: MR_MEMPOLICY_MBIND })).rc).toBe(0);
    await expectMoved(fx, [a, b], 1);

    const tenant = fx.sys.memcgs.byName('tenant')!.id;
    expect(seen).toHaveLength(1);
    expect(seen[0]!.ctx).toMatchObject({ reason: MR_SYSCALL, memcg: tenant, hint: 'default', bytes: 8 * PAGE_SIZE });
    expect(ev.batches).toEqual([
      { batchId: seen[0]!.ctx.batchId, migrator: 'toy', outcome: 'copied', rc: 0 },
      { batchId: seen[0]!.ctx.batchId + 1, migrator: 'cpu', outcome: 'reason_filtered', rc: 0 },
    ]);
    expect(ev.copies).toEqual([]); // both batches were copied whole, nothing per folio
    expect(fx.offload.accounting()).toEqual([
      { memcg: tenant, migrator: 'cpu', batches: 1, folios: 8, bytes: 32768, fallbackBatches: 0, fallbackFolios: 0, fallbackBytes: 0, deviceNs: 0, cpuNs: 1000 },
      { memcg: tenant, migrator: 'toy', batches: 1, folios: 8, bytes: 32768, fallbackBatches: 0, fallbackFolios: 0, fallbackBytes: 0, deviceNs: 5000, cpuNs: 700 },
    ]);
    const prov = fx.offload.provenance();
    expect(prov.map((p) => [p.migrator, p.outcome, p.copiedFolios, p.fallbackFolios, p.deviceNs, p.cpuNs])).toEqual([
      ['toy', 'copied', 8, 0, 5000, 700],
      ['cpu', 'reason_filtered', 8, 0, 0, 1000],
    ]);
    expect(fx.sys.sysfs.read('/sys/kernel/mm/migrate_offload/accounting')).toBe(
      `memcg=tenant id=${tenant} migrator=cpu batches=1 folios=8 bytes=32768 fallback_batches=0 fallback_folios=0 fallback_bytes=0 device_ns=0 cpu_ns=1000\n` +
        `memcg=tenant id=${tenant} migrator=toy batches=1 folios=8 bytes=32768 fallback_batches=0 fallback_folios=0 fallback_bytes=0 device_ns=5000 cpu_ns=700\n`,
    );
    // a late charge (after the batch returned) still finds the batch in the ring
    fx.offload.chargeTime(seen[0]!.ctx, 1, 'device');
    expect(fx.offload.accounting()[1]!.deviceNs).toBe(5001);
  });

  it('hands a THP batch over with its full size', async () => {
    const fx = makeFixture();
    const { m, seen } = scripted('toy', (dst, src, count) => fx.eng.foliosMcCopy(dst, src, count));
    expect(fx.offload.register(m)).toBe(0);
    const r = await makeRegion(fx.task, 512, 9, true);
    expect(fx.sys.memmap.folioNrPages(fx.sys.memmap.compoundHead(translate(fx.task.mm, r.addr, false)))).toBe(512);
    expect((await migrateRegion(fx, r, 1, { reason: MR_COMPACTION })).rc).toBe(0);
    await expectMoved(fx, [r], 1);
    expect(seen.map((s) => [s.dst.length, s.ctx.bytes])).toEqual([[1, 2 << 20]]);
  });
});

describe.each<RetrySemantics>(['v5', 'v6'])('fallback with %s semantics', (retrySemantics) => {
  it('a declined batch (-EOPNOTSUPP) is copied per folio by the CPU, nothing lost', async () => {
    const fx = makeFixture({ engine: { retrySemantics } });
    const ev = record(fx);
    const { m, seen } = scripted('picky', () => -EOPNOTSUPP);
    expect(fx.offload.register(m)).toBe(0);
    const r = await makeRegion(fx.task, 8, 3);
    expect((await migrateRegion(fx, r, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    await expectMoved(fx, [r], 1);
    expect(ev.batches).toEqual([{ batchId: seen[0]!.ctx.batchId, migrator: 'picky', outcome: 'declined', rc: -EOPNOTSUPP }]);
    expect(ev.copies.every((c) => c.fallback)).toBe(true);
    expect(ev.copies.map((c) => c.dst).sort()).toEqual([...seen[0]!.dst].sort());
    expect(fx.offload.accounting()).toMatchObject([{ migrator: 'picky', batches: 1, folios: 8, fallbackBatches: 1, fallbackFolios: 8, fallbackBytes: 8 * PAGE_SIZE }]);
    expect(fx.offload.stats()).toMatchObject({ fallbackBatches: 1, fallbackFolios: 8, outcomes: { declined: 1, copied: 0, error: 0 } });
  });

  const failures: [string, () => number | Promise<number>, number][] = [
    ['returns -EIO', () => -EIO, -EIO],
    ['returns -ENOMEM', () => -ENOMEM, -ENOMEM],
    ['throws', () => {
      throw new Error('device on fire');
    }, -EIO],
    ['rejects', () => Promise.reject(new Error('late failure')), -EIO],
    ['returns a positive number', () => 7, -EIO],
    ['returns undefined', () => undefined as unknown as number, -EIO],
  ];
  it.each(failures)('a migrator that %s falls back per folio with data intact', async (_what, answer, rc) => {
    const fx = makeFixture({ engine: { retrySemantics } });
    const ev = record(fx);
    const { m, seen } = scripted('broken', answer);
    expect(fx.offload.register(m)).toBe(0);
    const r = await makeRegion(fx.task, 8, 4);
    expect((await migrateRegion(fx, r, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    await expectMoved(fx, [r], 1);
    expect(ev.batches).toEqual([{ batchId: seen[0]!.ctx.batchId, migrator: 'broken', outcome: 'error', rc }]);
    expect(ev.copies.filter((c) => c.fallback)).toHaveLength(8);
    expect(fx.offload.accounting()).toMatchObject([{ migrator: 'broken', fallbackBatches: 1, fallbackFolios: 8 }]);
    expect(fx.offload.stats().outcomes.error).toBe(1);
    expect(fx.offload.stats().inFlight).toBe(0);
  });

  it('a migrator that copies and marks half the batch and then fails: the CPU copies only what the core must', async () => {
    const fx = makeFixture({ engine: { retrySemantics } });
    const ev = record(fx);
    const { m, seen } = scripted('half', (dst, src, count) => {
      // copy the first half and mark it, as ARCHITECTURE.md tells migrator authors to
      for (let i = 0; i < count >> 1; i++) {
        expect(folioMcCopy(fx.sys.memmap, fx.sys.phys, dst[i]!, src[i]!)).toBe(0);
        migrateInfoMarkCopied(fx.sys.memmap.private, dst[i]!);
      }
      return -EIO;
    });
    expect(fx.offload.register(m)).toBe(0);
    const r = await makeRegion(fx.task, 8, 5);
    expect((await migrateRegion(fx, r, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    await expectMoved(fx, [r], 1);
    const dst = seen[0]!.dst;
    const cpuCopied = ev.copies.map((c) => c.dst).sort();
    if (retrySemantics === 'v6') {
      expect(cpuCopied).toEqual(dst.slice(4).sort());
      expect(fx.offload.provenance()[0]).toMatchObject({ outcome: 'error', rc: -EIO, copiedFolios: 4, fallbackFolios: 4 });
      expect(fx.offload.accounting()).toMatchObject([{ fallbackBatches: 1, fallbackFolios: 4, fallbackBytes: 4 * PAGE_SIZE }]);
    } else {
      // V5: all or nothing, the marks are ignored
      expect(cpuCopied).toEqual([...dst].sort());
      expect(fx.offload.provenance()[0]).toMatchObject({ outcome: 'error', copiedFolios: 0, fallbackFolios: 8 });
    }
    expect(ev.copies.every((c) => c.fallback)).toBe(true);
  });
});

describe('routes without the migrator', () => {
  it('key off: the CPU default copies the batch (always) or there is no batch (gated)', async () => {
    for (const batchingPolicy of ['always', 'gated'] as const) {
      const fx = makeFixture({ engine: { batchingPolicy } });
      const ev = record(fx);
      const r = await makeRegion(fx.task, 8, 6);
      expect((await migrateRegion(fx, r, 1, { reason: MR_SYSCALL })).rc).toBe(0);
      await expectMoved(fx, [r], 1);
      if (batchingPolicy === 'always') {
        expect(ev.batches.map((e) => [e.migrator, e.outcome, e.rc])).toEqual([['cpu', 'key_off', 0]]);
        expect(ev.copies).toEqual([]);
      } else {
        expect(ev.batches).toEqual([]);
        expect(ev.copies.filter((c) => !c.fallback)).toHaveLength(8);
      }
    }
  });

  it('hint never keeps the call off the batch path even with a migrator and batching always', async () => {
    const fx = makeFixture({ engine: { batchingPolicy: 'always' } });
    const ev = record(fx);
    const m = syncMigrator('fast', fx.eng);
    expect(fx.offload.register(m)).toBe(0);
    const r = await makeRegion(fx.task, 8, 7);
    expect((await migrateRegion(fx, r, 1, { reason: MR_SYSCALL, hint: 'never' })).rc).toBe(0);
    await expectMoved(fx, [r], 1);
    expect(m.calls).toBe(0);
    expect(ev.batches).toEqual([]);
    expect(ev.copies.filter((c) => !c.fallback)).toHaveLength(8);
    // and a batch that reaches the seam with hint never anyway goes to the CPU
    const ctx: BatchCopyContext = { batchId: 999, reason: MR_SYSCALL, memcg: 1, hint: 'never', bytes: 0 };
    expect(await fx.offload.batchCopy(new Int32Array(0), new Int32Array(0), 0, ctx)).toBe(0);
    expect(m.calls).toBe(0);
    expect(ev.batches.at(-1)).toEqual({ batchId: 999, migrator: 'cpu', outcome: 'hint_never', rc: 0 });
  });

  it('hint prefer overrides the reason filter; default respects it', async () => {
    const fx = makeFixture({ engine: { batchingPolicy: 'gated' } });
    const ev = record(fx);
    const m = syncMigrator('fast', fx.eng);
    expect(fx.offload.register(m)).toBe(0);
    const a = await makeRegion(fx.task, 8, 8);
    const b = await makeRegion(fx.task, 8, 9);
    expect((await migrateRegion(fx, a, 1, { reason: MR_MEMPOLICY_MBIND })).rc).toBe(0);
    expect(m.calls).toBe(0);
    expect(ev.batches).toEqual([]);
    expect((await migrateRegion(fx, b, 1, { reason: MR_MEMPOLICY_MBIND, hint: 'prefer' })).rc).toBe(0);
    expect(m.calls).toBe(1);
    expect(ev.batches.map((e) => [e.migrator, e.outcome])).toEqual([['fast', 'copied']]);
    await expectMoved(fx, [a, b], 1);
  });

  it('a reason mask changed at run time takes effect at the next batch', async () => {
    const fx = makeFixture({ engine: { batchingPolicy: 'always' } });
    const ev = record(fx);
    const m = syncMigrator('fast', fx.eng);
    expect(fx.offload.register(m)).toBe(0);
    expect(await fx.sys.sysfs.write('/sys/kernel/mm/migrate_offload/reason_mask', 'mempolicy_mbind\n')).toBeGreaterThan(0);
    const a = await makeRegion(fx.task, 8, 10);
    const b = await makeRegion(fx.task, 8, 11);
    expect((await migrateRegion(fx, a, 1, { reason: MR_MEMPOLICY_MBIND })).rc).toBe(0);
    expect((await migrateRegion(fx, b, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    expect(ev.batches.map((e) => [e.migrator, e.outcome])).toEqual([
      ['fast', 'copied'],
      ['cpu', 'reason_filtered'],
    ]);
    await expectMoved(fx, [a, b], 1);
  });

  it('an unregister between the doBatch sample and the dispatch lands the batch on the CPU (kernel race model)', async () => {
    const fx = makeFixture({ engine: { batchingPolicy: 'gated' } });
    const ev = record(fx);
    const m = syncMigrator('fast', fx.eng);
    expect(fx.offload.register(m)).toBe(0);
    let unregistered: Promise<number> | null = null;
    const stop = (fx.sys.trace.get('migrate_folio_unmap') as Tracepoint<unknown>).subscribe(() => {
      unregistered ??= fx.offload.unregister(m); // doBatch was already sampled as true
    });
    const r = await makeRegion(fx.task, 8, 12);
    expect((await migrateRegion(fx, r, 1, { reason: MR_SYSCALL, mode: MIGRATE_ASYNC })).rc).toBe(0);
    stop();
    expect(await unregistered!).toBe(0);
    expect(m.calls).toBe(0);
    expect(ev.batches.map((e) => [e.migrator, e.outcome])).toEqual([['cpu', 'key_off']]);
    await expectMoved(fx, [r], 1);
  });
});

describe('accounting per memcg', () => {
  it('keeps tenants apart', async () => {
    const fx = makeFixture({ memcg: 'a' });
    fx.sys.memcgs.create('b');
    const other = fx.sys.createTask({ cpu: 0, memcg: 'b' });
    const m = syncMigrator('fast', fx.eng);
    expect(fx.offload.register(m)).toBe(0);
    const ra = await makeRegion(fx.task, 8, 13);
    const rb = await makeRegion(other, 4, 14);
    expect((await migrateRegion(fx, ra, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    expect((await migrateRegion({ ...fx, task: other }, rb, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    const ids = { a: fx.sys.memcgs.byName('a')!.id, b: fx.sys.memcgs.byName('b')!.id };
    expect(fx.offload.accounting().map((r) => [r.memcg, r.migrator, r.batches, r.folios, r.bytes])).toEqual([
      [ids.a, 'fast', 1, 8, 8 * PAGE_SIZE],
      [ids.b, 'fast', 1, 4, 4 * PAGE_SIZE],
    ]);
    expect(await regionIntact(other, rb)).toBe(true);
    await expectMoved(fx, [ra], 1);
  });
});
