/**
 * Uneven IOMMU merging (Gregory Price's review point): `dma_map_sgtable()` may merge physically
 * contiguous entries differently on the source and the destination side, so the mapped segment
 * lists differ. V5 then returns -EINVAL and the core copies the batch on the CPU; with `align` the
 * driver cuts the segments at every boundary of either side and keeps offloading.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EINVAL, EIO } from '@pagemig/kernel';
import { DMA_INTERRUPT, DMA_MEMCPY, DMA_MEMCPY_SG, DMA_TO_DEVICE } from '@pagemig/dmaengine';
import { expectIntact, makeDcbmFixture, makeRegion, migrateRegion, regionNodes, type DcbmFixture, type DcbmFixtureOptions } from './testing/fixture';

const all: DcbmFixture[] = [];
async function fixture(opts: DcbmFixtureOptions, settings: Record<string, string> = {}): Promise<DcbmFixture> {
  const fx = makeDcbmFixture({ engine: { retrySemantics: 'v6' }, ...opts });
  all.push(fx);
  for (const [name, value] of Object.entries(settings)) await fx.sys.sysfs.writeOrThrow(`/sys/module/dcbm/${name}`, value);
  await fx.sys.sysfs.writeOrThrow('/sys/module/dcbm/offloading', '1');
  return fx;
}
afterAll(async () => {
  for (const fx of all) await fx.dev.shutdown();
});

/** Sources merged (contiguous 4 KiB folios into 64 KiB segments), destinations not. */
const SOURCE_ONLY = { channels: 1, iommu: { merge: 'contiguous' as const, directions: [DMA_TO_DEVICE] } };
/** Both sides merged by independent seeded coins: boundaries differ on both sides. */
const RANDOM_BOTH = { channels: 2, iommu: { merge: 'random' as const, seed: 11, mergeProbability: 0.5 } };

describe('segments that do not line up', () => {
  it('without align: -EINVAL, counted as a failure, the core copies everything (V5)', async () => {
    const fx = await fixture({ device: SOURCE_ONLY });
    const r = await makeRegion(fx.task, 32, 1);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(regionNodes(fx, r)).toEqual(new Set([1]));
    expect(fx.dcbm.stats()).toMatchObject({ nentsMismatch: 1, alignedBatches: 0, foliosFailures: 32, descriptors: 0 });
    expect(fx.offload.provenance().at(-1)).toMatchObject({ outcome: 'error', rc: -EINVAL, fallbackFolios: 32 });
  });

  it('with align: splits the merged source segments along the destination boundaries and offloads', async () => {
    const fx = await fixture({ device: SOURCE_ONLY }, { align: '1' });
    const r = await makeRegion(fx.task, 32, 2);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ rc: 0, aligned: true, copied: 32, descriptors: 32 });
    expect(fx.sys.sysfs.read('/sys/module/dcbm/aligned_batches')).toBe('1\n');
    expect(fx.dcbm.stats()).toMatchObject({ nentsMismatch: 0, foliosMigrated: 32, foliosFailures: 0 });
    // the counter resets on any write, like the others
    await fx.sys.sysfs.writeOrThrow('/sys/module/dcbm/aligned_batches', 'x');
    expect(fx.sys.sysfs.read('/sys/module/dcbm/aligned_batches')).toBe('0\n');
  });

  it('with align and random merging on both sides: pieces stay within segments on both sides', async () => {
    const fx = await fixture({ device: RANDOM_BOTH }, { align: '1', nr_dma_chan: '2' });
    for (let seed = 3; seed < 7; seed++) {
      const r = await makeRegion(fx.task, 48, seed);
      expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
      await expectIntact(fx, r);
      expect(fx.dcbm.lastBatch).toMatchObject({ rc: 0, copied: 48 });
    }
    expect(fx.dcbm.stats().alignedBatches).toBeGreaterThan(0);
  });

  it('with align, a failed piece makes exactly the folios it overlaps fall back (each + V6)', async () => {
    const fx = await fixture({ device: { ...RANDOM_BOTH, channels: 1 } }, { align: '1' });
    const r = await makeRegion(fx.task, 32, 8);
    fx.dev.injectFault({ kind: 'read-failed', channel: 0, nth: fx.dev.channels[0]!.cookie + 1 });
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    const b = fx.dcbm.lastBatch!;
    expect(b.aligned).toBe(true);
    expect(b.rc).toBe(-EIO);
    expect(b.copied).toBeGreaterThan(0);
    expect(b.copied).toBeLessThan(32);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ copiedFolios: b.copied, fallbackFolios: 32 - b.copied });
  });

  it('memcpy_sg copies unevenly merged tables as they are (no align needed)', async () => {
    const fx = await fixture({ device: { ...SOURCE_ONLY, caps: [DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT] } });
    const r = await makeRegion(fx.task, 32, 9);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ rc: 0, memcpySg: true, descriptors: 1, aligned: false });
  });
});
