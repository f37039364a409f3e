import { afterAll, describe, expect, it } from 'vitest';
import { EINVAL, ENODEV, EOPNOTSUPP, VirtualClock } from '@pagemig/kernel';
import { NR_MAX_BATCHED_MIGRATION_PUD } from '@pagemig/migrate';
import { DMA_INTERRUPT, DMA_MEMCPY, DMA_MEMCPY_SG, dmaCapMask, dmaReleaseChannel, dmaRequestChanByMask, type DmaDescSubmitEvent } from '@pagemig/dmaengine';
import { expectIntact, makeDcbmFixture, makeRegion, migrateRegion, regionNodes, type DcbmFixture, type DcbmFixtureOptions } from './testing/fixture';

const all: DcbmFixture[] = [];
function fixture(opts: DcbmFixtureOptions = {}): DcbmFixture {
  const fx = makeDcbmFixture(opts);
  all.push(fx);
  return fx;
}
afterAll(async () => {
  for (const fx of all) await fx.dev.shutdown();
});

async function on(fx: DcbmFixture, settings: Record<string, string> = {}): Promise<void> {
  for (const [name, value] of Object.entries(settings)) await fx.sys.sysfs.writeOrThrow(`/sys/module/dcbm/${name}`, value);
  await fx.sys.sysfs.writeOrThrow('/sys/module/dcbm/offloading', '1');
}

/** Descriptors submitted per channel name while `fn` runs. */
async function descriptorsPerChannel(fx: DcbmFixture, fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const stop = fx.sys.trace.get('dma_desc_submit')!.subscribe((e) => {
    const ev = e as DmaDescSubmitEvent;
    counts[ev.chan] = (counts[ev.chan] ?? 0) + 1;
  });
  try {
    await fn();
  } finally {
    stop();
  }
  return counts;
}

describe('dcbm batch copy', () => {
  it('splits 4 KiB folios into even contiguous chunks, one descriptor per folio, and charges device time', async () => {
    const fx = fixture();
    await on(fx, { nr_dma_chan: '2' });
    const r = await makeRegion(fx.task, 7, 1);
    let rc = -1;
    const perChan = await descriptorsPerChannel(fx, async () => {
      rc = (await migrateRegion(fx, r, 1)).rc;
    });
    expect(rc).toBe(0);
    expect(regionNodes(fx, r)).toEqual(new Set([1]));
    await expectIntact(fx, r);
    // channel i gets floor(7(i+1)/2) - floor(7i/2): 3 then 4
    expect(Object.values(perChan)).toEqual([3, 4]);
    const b = fx.dcbm.lastBatch!;
    expect(b).toMatchObject({ count: 7, channels: 2, descriptors: 7, rc: 0, copied: 7, memcpySg: false, completion: 'each' });
    expect(fx.sys.sysfs.read('/sys/module/dcbm/folios_migrated')).toBe('7\n');
    expect(fx.sys.sysfs.read('/sys/module/dcbm/folios_failures')).toBe('0\n');
    const prov = fx.offload.provenance().at(-1)!;
    expect(prov).toMatchObject({ migrator: 'dcbm', outcome: 'copied', rc: 0, count: 7, copiedFolios: 7 });
    expect(b.deviceNs).toBeGreaterThan(0);
    expect(prov.deviceNs).toBe(b.deviceNs);
    expect(fx.offload.accounting().find((a) => a.migrator === 'dcbm')!.deviceNs).toBe(b.deviceNs);
    // per-channel busy time summed is at least the wall time of the DMA phase
    expect(b.deviceNs).toBeGreaterThanOrEqual(b.wallNs);
  });

  it('reports issue (doorbell) time apart from the rest of the driver work', async () => {
    // Virtual time that moves only inside issue pending: the driver's other work then costs 0 ns.
    const clock = new VirtualClock();
    const fx = fixture({ clock });
    const issue = fx.dev.deviceIssuePending.bind(fx.dev);
    fx.dev.deviceIssuePending = (chan) => {
      clock.advance(5000);
      issue(chan);
    };
    await on(fx, { nr_dma_chan: '2' });
    const r = await makeRegion(fx.task, 8, 3);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ channels: 2, setupNs: 10_000, issueNs: 10_000 });
    expect(fx.dcbm.stats()).toMatchObject({ setupNs: 10_000, issueNs: 10_000, setupFolios: 8 });
  });

  it('takes channels one after another and stops at the first failure', async () => {
    const fx = fixture();
    await on(fx, { nr_dma_chan: '3' });
    const r = await makeRegion(fx.task, 9, 2);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ channels: 2, descriptors: 9, rc: 0 });
    // a batch of one folio uses one channel: min(nr_dma_chan, folios, 16)
    const one = await makeRegion(fx.task, 1, 3);
    expect((await migrateRegion(fx, one, 1)).rc).toBe(0);
    await expectIntact(fx, one);
    expect(fx.dcbm.lastBatch).toMatchObject({ count: 1, channels: 1 });
  });

  it('copies a batch of 2 MiB THPs (patch 7 batch limit) over two channels', async () => {
    const fx = fixture({ engine: { nrMaxBatchedMigration: NR_MAX_BATCHED_MIGRATION_PUD } });
    await on(fx, { nr_dma_chan: '2' });
    const r = await makeRegion(fx.task, 4 * 512, 4, true);
    const res = await migrateRegion(fx, r, 1);
    expect(res.rc).toBe(0);
    expect(res.stats.nrThpSucceeded).toBe(4);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ count: 4, bytes: 8 << 20, channels: 2, descriptors: 4, rc: 0 });
  });

  it('uses one memcpy_sg per channel where the channel supports DMA_MEMCPY_SG', async () => {
    const fx = fixture({ device: { channels: 2, caps: [DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT] } });
    await on(fx, { nr_dma_chan: '2' });
    const r = await makeRegion(fx.task, 33, 5);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ count: 33, channels: 2, descriptors: 2, memcpySg: true, rc: 0 });
  });

  it('declines batches below min_batch_bytes (-EOPNOTSUPP, provenance "declined") and offloads larger ones', async () => {
    const fx = fixture();
    await on(fx, { min_batch_bytes: String(64 << 10) });
    const small = await makeRegion(fx.task, 8, 6); // 32 KiB
    expect((await migrateRegion(fx, small, 1)).rc).toBe(0);
    await expectIntact(fx, small);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ migrator: 'dcbm', outcome: 'declined', rc: -EOPNOTSUPP, fallbackFolios: 8 });
    expect(fx.dcbm.stats()).toMatchObject({ batchesDeclined: 1, foliosFailures: 0, foliosMigrated: 0, descriptors: 0 });
    const big = await makeRegion(fx.task, 16, 7); // 64 KiB: not below the threshold
    expect((await migrateRegion(fx, big, 1)).rc).toBe(0);
    await expectIntact(fx, big);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ outcome: 'copied', count: 16 });
  });

  it('fails with -ENODEV when every DMA_MEMCPY channel is taken (not counted as a failure, as in V5)', async () => {
    const fx = fixture();
    await on(fx, { nr_dma_chan: '2' });
    const held = [dmaRequestChanByMask(fx.dma, dmaCapMask(DMA_MEMCPY))!, dmaRequestChanByMask(fx.dma, dmaCapMask(DMA_MEMCPY))!];
    const r = await makeRegion(fx.task, 4, 8);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ outcome: 'error', rc: -ENODEV, fallbackFolios: 4 });
    expect(fx.dcbm.stats()).toMatchObject({ batchesNoChannel: 1, foliosFailures: 0 });
    // one channel back: the batch runs on it alone
    dmaReleaseChannel(held[1]!);
    const r2 = await makeRegion(fx.task, 4, 9);
    expect((await migrateRegion(fx, r2, 1)).rc).toBe(0);
    await expectIntact(fx, r2);
    expect(fx.dcbm.lastBatch).toMatchObject({ channels: 1, rc: 0 });
    dmaReleaseChannel(held[0]!);
  });


  it('runs concurrent migrations side by side (channels are exclusive; a batch without one falls back)', async () => {
    const fx = fixture();
    await on(fx, { nr_dma_chan: '2' });
    const regions = await Promise.all([makeRegion(fx.task, 40, 11), makeRegion(fx.task, 40, 12), makeRegion(fx.task, 40, 13)]);
    const results = await Promise.all(regions.map((r) => migrateRegion(fx, r, 1)));
    for (const [i, res] of results.entries()) {
      expect(res.rc).toBe(0);
      await expectIntact(fx, regions[i]!);
      expect(regionNodes(fx, regions[i]!)).toEqual(new Set([1]));
    }
    const s = fx.dcbm.stats();
    expect(s.batchesCopied + s.batchesNoChannel).toBe(s.batches);
    expect(s.foliosMigrated).toBe(40 * s.batchesCopied);
    expect(fx.dcbm.inFlight).toBe(0);
  });
});
