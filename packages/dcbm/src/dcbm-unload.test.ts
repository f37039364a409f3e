import { afterAll, describe, expect, it } from 'vitest';
import { EAGAIN, ENODEV, ENOENT, deleteModule } from '@pagemig/kernel';
import { createDcbm } from './dcbm';
import { expectIntact, folioPairs, makeDcbmFixture, makeRegion, migrateRegion, regionNodes, tick, type DcbmFixture } from './testing/fixture';

const all: DcbmFixture[] = [];
function fixture(): DcbmFixture {
  const fx = makeDcbmFixture({ engine: { retrySemantics: 'v6' } });
  all.push(fx);
  return fx;
}
afterAll(async () => {
  for (const fx of all) await fx.dev.shutdown();
});

describe('unloading dcbm', () => {
  it('while a batch is in flight: unregisters, waits for it, then removes the group and the module', async () => {
    const fx = fixture();
    const chan = fx.dev.channels[0]!;
    await fx.dcbm.setOffloading(true);
    const r = await makeRegion(fx.task, 20, 1);
    fx.dev.injectFault({ kind: 'stall', nth: chan.cookie + 3, channel: 0 });
    const mig = migrateRegion(fx, r, 1);
    await fx.dev.whenStalled(chan);

    // the kernel's rmmod fails while the registration pins the module
    expect(await deleteModule(fx.dcbm.module)).toBe(-EAGAIN);

    let unloaded = false;
    const unload = fx.dcbm.unload().then((rc) => {
      unloaded = true;
      return rc;
    });
    for (let i = 0; i < 30; i++) await tick();
    expect(unloaded).toBe(false);
    expect(fx.offload.active).toBeNull(); // no new batch enters
    expect(fx.dcbm.module.state).toBe('live');
    expect(fx.sys.sysfs.stat('/sys/module/dcbm/offloading')).toBeDefined();
    expect(fx.dcbm.inFlight).toBe(1);

    fx.dev.releaseStall(chan);
    expect((await mig).rc).toBe(0);
    expect(await unload).toBe(0);
    expect(fx.dcbm.module.state).toBe('gone');
    expect(fx.sys.sysfs.stat('/sys/module/dcbm')).toBeUndefined();
    expect(fx.dcbm.offloading).toBe(false);
    await expectIntact(fx, r);
    expect(regionNodes(fx, r)).toEqual(new Set([1]));
    expect(fx.offload.provenance().at(-1)).toMatchObject({ migrator: 'dcbm', outcome: 'copied' });

    // gone: a second unload says so, a direct call is refused, and the driver can be loaded again
    expect(await fx.dcbm.unload()).toBe(-ENOENT);
    const pairs = folioPairs(fx.sys, 1);
    expect(await fx.dcbm.offloadCopy(pairs.dst, pairs.src, 1, pairs.ctx)).toBe(-ENODEV);
    pairs.free();
    const again = createDcbm({ system: fx.sys, offload: fx.offload, dma: fx.dma, nrDmaChan: 2 });
    expect(await again.setOffloading(true)).toBe(0);
    const r2 = await makeRegion(fx.task, 8, 2);
    expect((await migrateRegion(fx, r2, 1)).rc).toBe(0);
    await expectIntact(fx, r2);
    expect(again.lastBatch).toMatchObject({ rc: 0, channels: 2 });
    expect(await again.unload()).toBe(0);
  });

  it('waits for a batch that entered the driver directly (not through the registry)', async () => {
    const fx = fixture();
    const chan = fx.dev.channels[0]!;
    const pairs = folioPairs(fx.sys, 4);
    fx.dev.injectFault({ kind: 'stall', nth: chan.cookie + 2, channel: 0 });
    const copy = fx.dcbm.offloadCopy(pairs.dst, pairs.src, 4, pairs.ctx);
    await fx.dev.whenStalled(chan);
    let unloaded = false;
    const unload = fx.dcbm.unload().then((rc) => {
      unloaded = true;
      return rc;
    });
    for (let i = 0; i < 30; i++) await tick();
    expect(unloaded).toBe(false);
    fx.dev.releaseStall(chan);
    expect(await copy).toBe(0);
    expect(await unload).toBe(0);
    expect(fx.dcbm.stats().unchargedBatches).toBe(1); // the registry never saw that batch
    pairs.free();
  });

  it('when idle and off: removes everything at once', async () => {
    const fx = fixture();
    expect(await fx.dcbm.unload()).toBe(0);
    expect(fx.sys.sysfs.stat('/sys/module/dcbm')).toBeUndefined();
    expect(fx.dcbm.module.state).toBe('gone');
    // rmmod of a module that is already gone
    expect(await deleteModule(fx.dcbm.module)).toBe(-ENOENT);
  });
});
