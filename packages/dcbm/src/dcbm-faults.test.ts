import { afterAll, describe, expect, it } from 'vitest';
import { EIO, ETIMEDOUT } from '@pagemig/kernel';
import { FOLIO_CONTENT_COPIED, PGF_hwpoison } from '@pagemig/folio';
import type { FolioCopyEvent } from '@pagemig/migrate';
import type { DmaFaultSpec } from '@pagemig/dmaengine';
import { expectIntact, folioPairs, makeDcbmFixture, makeRegion, migrateRegion, type DcbmFixture, type DcbmFixtureOptions } from './testing/fixture';

const all: DcbmFixture[] = [];
async function fixture(opts: DcbmFixtureOptions = {}, settings: Record<string, string> = {}): Promise<DcbmFixture> {
  const fx = makeDcbmFixture({ engine: { retrySemantics: 'v6' }, ...opts });
  all.push(fx);
  await fx.sys.sysfs.writeOrThrow('/sys/module/dcbm/nr_dma_chan', '2');
  for (const [name, value] of Object.entries(settings)) await fx.sys.sysfs.writeOrThrow(`/sys/module/dcbm/${name}`, value);
  await fx.sys.sysfs.writeOrThrow('/sys/module/dcbm/offloading', '1');
  return fx;
}
afterAll(async () => {
  for (const fx of all) await fx.dev.shutdown();
});

/** Injects a fault on the k-th descriptor (1-based) that `channel` will be given from now on. */
function injectNext(fx: DcbmFixture, channel: number, k: number, spec: Omit<DmaFaultSpec, 'nth' | 'channel'>): void {
  fx.dev.injectFault({ ...spec, channel, nth: fx.dev.channels[channel]!.cookie + k } as DmaFaultSpec);
}

/** Migrates a fresh 16-page region (8 folios per channel) and returns what the core copied itself. */
async function migrate16(fx: DcbmFixture, seed: number): Promise<{ fallbackCopies: number }> {
  let fallbackCopies = 0;
  const stop = fx.sys.trace.get('migrate_folio_copy')!.subscribe((e) => {
    if ((e as FolioCopyEvent).fallback) fallbackCopies++;
  });
  try {
    const r = await makeRegion(fx.task, 16, seed);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
  } finally {
    stop();
  }
  return { fallbackCopies };
}

function chanInUse(fx: DcbmFixture): string[] {
  return fx.dev.channels.map((c) => String(fx.sys.sysfs.read(`/sys/class/dma/${c.name}/in_use`)).trim());
}

describe('injected descriptor faults', () => {
  it.each(['read-failed', 'write-failed', 'partial'] as const)(
    '%s: with each + V6 only the affected folio falls back to the CPU',
    async (kind) => {
      const fx = await fixture();
      injectNext(fx, 0, 3, { kind });
      const { fallbackCopies } = await migrate16(fx, 1);
      expect(fallbackCopies).toBe(1);
      expect(fx.offload.provenance().at(-1)).toMatchObject({ migrator: 'dcbm', outcome: 'error', rc: -EIO, copiedFolios: 15, fallbackFolios: 1 });
      expect(fx.dcbm.stats()).toMatchObject({ foliosMigrated: 15, foliosFailures: 1, batchesPartial: 1, descriptorsFailed: 1 });
      // the next batch is clean again
      expect((await migrate16(fx, 2)).fallbackCopies).toBe(0);
      expect(fx.dcbm.lastBatch).toMatchObject({ rc: 0, copied: 16 });
    },
  );

  it('with V5 retry semantics the whole batch falls back (all or nothing)', async () => {
    const fx = await fixture({ engine: { retrySemantics: 'v5' } });
    injectNext(fx, 1, 5, { kind: 'read-failed' });
    const { fallbackCopies } = await migrate16(fx, 3);
    expect(fallbackCopies).toBe(16);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ outcome: 'error', rc: -EIO, copiedFolios: 0, fallbackFolios: 16 });
    expect(fx.dcbm.stats()).toMatchObject({ foliosMigrated: 0, foliosFailures: 16, batchesFailed: 1 });
  });

  it('last mode fails the batch when the descriptor it waits for reports an error', async () => {
    const fx = await fixture({}, { completion: 'last' });
    injectNext(fx, 0, 8, { kind: 'write-failed' });
    const { fallbackCopies } = await migrate16(fx, 4);
    expect(fallbackCopies).toBe(16);
    expect(fx.dcbm.lastBatch).toMatchObject({ completion: 'last', rc: -EIO, copied: 0 });
  });

  it('halt: the driver notices the halted channel at once (-EIO, no timeout), terminates it, and the next batch works', async () => {
    const fx = await fixture();
    injectNext(fx, 0, 3, { kind: 'halt' });
    const { fallbackCopies } = await migrate16(fx, 5);
    const b = fx.dcbm.lastBatch!;
    expect(b.rc).toBe(-EIO);
    expect(fx.dcbm.stats().timeouts).toBe(0);
    // the two descriptors before the halt landed; the rest of channel 0 fell back
    expect(b.copied).toBeGreaterThanOrEqual(2);
    expect(b.copied).toBeLessThanOrEqual(10);
    expect(fallbackCopies).toBe(16 - b.copied);
    expect(fx.dev.isHalted(fx.dev.channels[0]!)).toBe(false);
    expect(chanInUse(fx)).toEqual(['0', '0']);
    expect((await migrate16(fx, 6)).fallbackCopies).toBe(0);
  });

  it('a never-completing descriptor times out; the channel is terminated and released; the next batch works', async () => {
    const fx = await fixture({}, { timeout_ms: '2000' });
    await fx.dev.startWorkers(); // so the short timeout measures the copy, not thread start-up
    injectNext(fx, 1, 2, { kind: 'never-complete' });
    const { fallbackCopies } = await migrate16(fx, 7);
    expect(fx.dcbm.lastBatch).toMatchObject({ rc: -ETIMEDOUT, copied: 15 });
    expect(fallbackCopies).toBe(1);
    expect(fx.dcbm.stats().timeouts).toBe(1);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ outcome: 'error', rc: -ETIMEDOUT, fallbackFolios: 1 });
    expect(chanInUse(fx)).toEqual(['0', '0']);
    expect((await migrate16(fx, 8)).fallbackCopies).toBe(0);
    expect(fx.dcbm.lastBatch).toMatchObject({ rc: 0, channels: 2 });
  });

  it('never reports a folio copied whose source has a poisoned page (the CPU path must see -EHWPOISON)', async () => {
    const fx = await fixture();
    const pairs = folioPairs(fx.sys, 4);
    const m = fx.sys.memmap;
    m.flags[pairs.src[1]!] = m.flags[pairs.src[1]!]! | PGF_hwpoison;
    try {
      expect(await fx.dcbm.offloadCopy(pairs.dst, pairs.src, 4, pairs.ctx)).toBe(-EIO);
      expect([...pairs.dst].map((d) => (m.private[d]! & FOLIO_CONTENT_COPIED) !== 0)).toEqual([true, false, true, true]);
      expect(fx.dcbm.lastBatch).toMatchObject({ rc: -EIO, copied: 3 });
    } finally {
      m.flags[pairs.src[1]!] = m.flags[pairs.src[1]!]! & ~PGF_hwpoison;
      for (const d of pairs.dst) m.private[d] = 0;
      pairs.free();
    }
  });
});
