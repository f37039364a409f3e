/**
 * dcbm against a minimal provider written here (not the software device): it copies on the main
 * thread after issue_pending, and can return NULL from prep or an error from submit on a chosen
 * call. Checks the driver's side of the dmaengine contract: -EIO for a NULL prep or a submit error,
 * terminate for whatever was already submitted, every channel released, and nothing lost.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EBUSY, EIO } from '@pagemig/kernel';
import type { PhysMem } from '@pagemig/mm';
import {
  DMA_MEMCPY,
  DMA_TRANS_ABORTED,
  DMA_TRANS_NOERROR,
  DmaAsyncTxDescriptor,
  DmaChan,
  DmaEngine,
  dmaAsyncDeviceRegister,
  dmaCapMask,
  dmaCookieAssign,
  dmaCookieComplete,
  dmaCookieStatus,
  type DmaCookie,
  type DmaDevice,
  type DmaTxState,
} from '@pagemig/dmaengine';
import { createDcbm } from './dcbm';
import { expectIntact, makeDcbmFixture, makeRegion, migrateRegion, type DcbmFixture } from './testing/fixture';

class CopyDesc extends DmaAsyncTxDescriptor {
  dst = 0;
  src = 0;
}

/** A provider that copies synchronously (on a later turn) and fails prep or submit on request. */
class MainThreadCopier implements DmaDevice {
  readonly name = 'maincopy0';
  readonly capMask = dmaCapMask(DMA_MEMCPY);
  readonly channels: DmaChan[];
  readonly copyAlign = 0;
  failPrepAt = 0;
  failSubmitAt = 0;
  preps = 0;
  submits = 0;
  terminated = 0;
  private readonly queued = new Map<DmaChan, CopyDesc[]>();
  private readonly submit = (desc: DmaAsyncTxDescriptor): DmaCookie => {
    if (++this.submits === this.failSubmitAt) return -EBUSY;
    const cookie = dmaCookieAssign(desc);
    this.queued.get(desc.chan)!.push(desc as CopyDesc);
    return cookie;
  };

  constructor(readonly phys: PhysMem, nChannels: number) {
    this.channels = Array.from({ length: nChannels }, (_, i) => new DmaChan(this, i));
    for (const c of this.channels) this.queued.set(c, []);
  }

  devicePrepDmaMemcpy(chan: DmaChan, dst: number, src: number, len: number, flags: number): DmaAsyncTxDescriptor | null {
    if (++this.preps === this.failPrepAt) return null;
    const d = new CopyDesc(chan, flags, len, this.submit);
    d.dst = dst;
    d.src = src;
    return d;
  }

  deviceIssuePending(chan: DmaChan): void {
    const batch = this.queued.get(chan)!.splice(0);
    setImmediate(() => {
      const buf = new Uint8Array(1 << 21);
      for (const d of batch) {
        const view = buf.subarray(0, d.len);
        this.phys.read(d.src, view);
        this.phys.write(d.dst, view);
        dmaCookieComplete(d, DMA_TRANS_NOERROR, 0);
      }
    });
  }

  deviceTxStatus(chan: DmaChan, cookie: DmaCookie): DmaTxState {
    return dmaCookieStatus(chan, cookie);
  }

  deviceTerminateAll(chan: DmaChan): Promise<number> {
    this.terminated++;
    for (const d of this.queued.get(chan)!.splice(0)) dmaCookieComplete(d, DMA_TRANS_ABORTED, d.len);
    return Promise.resolve(0);
  }
}

const all: DcbmFixture[] = [];
afterAll(async () => {
  for (const fx of all) await fx.dev.shutdown();
});

/** A fixture whose dcbm uses its own DMA engine with only the main-thread copier in it. */
async function fixture(): Promise<{ fx: DcbmFixture; dev: MainThreadCopier }> {
  const fx = makeDcbmFixture({ engine: { retrySemantics: 'v6' } });
  all.push(fx);
  await fx.dcbm.unload(); // replace the fixture's driver by one bound to the copier's engine
  const dma = new DmaEngine();
  const dev = new MainThreadCopier(fx.sys.phys, 2);
  dmaAsyncDeviceRegister(dma, dev);
  fx.dcbm = createDcbm({ system: fx.sys, offload: fx.offload, dma, nrDmaChan: 2 });
  expect(await fx.dcbm.setOffloading(true)).toBe(0);
  return { fx, dev };
}

describe('dcbm over another provider', () => {
  it('copies through it (the driver uses only the dmaengine client API)', async () => {
    const { fx } = await fixture();
    const r = await makeRegion(fx.task, 10, 1);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ rc: 0, channels: 2, descriptors: 10, copied: 10 });
  });

  it('a NULL prep fails the batch with -EIO; what was submitted is terminated; channels are released', async () => {
    const { fx, dev } = await fixture();
    dev.failPrepAt = dev.preps + 7; // channel 1's second descriptor (channel 0 has 5)
    const r = await makeRegion(fx.task, 10, 2);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ rc: -EIO, descriptors: 6, copied: 0 });
    expect(dev.terminated).toBe(2);
    expect(dev.channels.map((c) => c.clientCount)).toEqual([0, 0]);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ outcome: 'error', rc: -EIO, fallbackFolios: 10 });
    const r2 = await makeRegion(fx.task, 10, 3);
    expect((await migrateRegion(fx, r2, 1)).rc).toBe(0);
    await expectIntact(fx, r2);
    expect(fx.dcbm.lastBatch).toMatchObject({ rc: 0, copied: 10 });
  });

  it('a submit error fails the batch with -EIO the same way', async () => {
    const { fx, dev } = await fixture();
    dev.failSubmitAt = dev.submits + 3;
    const r = await makeRegion(fx.task, 10, 4);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.dcbm.lastBatch).toMatchObject({ rc: -EIO, descriptors: 2, copied: 0 });
    expect(dev.terminated).toBe(1);
    expect(dev.channels.map((c) => c.clientCount)).toEqual([0, 0]);
  });
});
