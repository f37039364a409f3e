import { describe, expect, it } from 'vitest';
import { KernelError } from '@pagemig/kernel';
import { createSystem } from '@pagemig/mm';
import {
  DMA_COMPLETE,
  DMA_IN_PROGRESS,
  DMA_MEMCPY,
  DMA_MEMCPY_SG,
  DMA_PAUSED,
  DMA_TRANS_ABORTED,
  DMA_TRANS_NOERROR,
  DMA_TO_DEVICE,
  DMA_FROM_DEVICE,
  DmaEngine,
  dmaAsyncIssuePending,
  dmaCapMask,
  dmaHasCap,
  dmaMapSgtable,
  dmaRequestChanByMask,
  dmaengineSubmit,
  dmaengineTerminateSync,
  dmaengineTxStatus,
  dmaenginePause,
  dmaengineResume,
  dmaFindChannel,
  prepDmaMemcpy,
  prepDmaMemcpySg,
  sgTableFromRegions,
  type DmaengineResult,
} from '@pagemig/dmaengine';
import { createModelledDmaDevice } from './modelled-dma-device';
import { getPreset } from './presets';
import { EventLog } from './event-log';
import { TimelineRecorder } from './timeline-recorder';

const PAGE = 4096;

function world(channels = 1, preset = getPreset('zen3-ptdma')) {
  const sys = createSystem({ nodes: [{ size: 8 << 20 }, { size: 8 << 20 }], sectionSize: 4 << 20 });
  const dma = new DmaEngine({ trace: sys.trace, sysfs: sys.sysfs });
  const dev = createModelledDmaDevice(dma, { phys: sys.phys, channels, preset });
  const src = sys.phys.nodeStartPfn[0]! + 64;
  const dst = sys.phys.nodeStartPfn[1]! + 64;
  sys.phys.materialize(src, 64);
  sys.phys.materialize(dst, 64);
  const pattern = new Uint8Array(64 * PAGE).map((_, i) => (i * 7 + 3) & 255);
  sys.phys.write(src * PAGE, pattern);
  return { sys, dma, dev, src, dst, pattern };
}

describe('createModelledDmaDevice', () => {
  it('PTDMA shape: one queue per device, so 16 channels are 16 private devices', () => {
    const { dma, dev } = world(16);
    expect(dev.devices.length).toBe(16);
    expect(dev.channels.map((c) => c.name).slice(0, 3)).toEqual(['dma0chan0', 'dma1chan0', 'dma2chan0']);
    expect(dmaFindChannel(dma, DMA_MEMCPY)).toBeNull(); // DMA_PRIVATE: exclusive requests only
    expect(dmaRequestChanByMask(dma, dmaCapMask(DMA_MEMCPY))).not.toBeNull();
  });

  it('AE4DMA shape: 16 queues per device', () => {
    const { dev } = world(20, getPreset('ae4dma'));
    expect(dev.devices.map((d) => d.channels.length)).toEqual([16, 4]);
  });

  it('copies on issue, completes in order from a microtask through the cookie/callback path', async () => {
    const { sys, dma, src, dst, pattern } = world();
    const chan = dmaRequestChanByMask(dma, dmaCapMask(DMA_MEMCPY))!;
    const order: number[] = [];
    const cookies: number[] = [];
    for (let i = 0; i < 8; i++) {
      const tx = prepDmaMemcpy(chan, (dst + i * 8) * PAGE, (src + i * 8) * PAGE, 8 * PAGE, 0)!;
      tx.callbackResult = (r: DmaengineResult) => {
        expect(r).toEqual({ result: DMA_TRANS_NOERROR, residue: 0 });
        order.push(i);
      };
      cookies.push(dmaengineSubmit(tx));
    }
    expect(dmaengineTxStatus(chan, cookies[0]!).status).toBe(DMA_IN_PROGRESS);
    dmaAsyncIssuePending(chan);
    expect(order).toEqual([]); // never inside issue
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(dmaengineTxStatus(chan, cookies[7]!).status).toBe(DMA_COMPLETE);
    const out = new Uint8Array(64 * PAGE);
    sys.phys.read(dst * PAGE, out);
    expect(Buffer.compare(out, pattern)).toBe(0);
    expect(chan.memcpyCount).toBe(8);
  });

  it('emits the dmaengine tracepoints the cost model reads', async () => {
    const { sys, dma, src, dst } = world(2);
    const rec = new TimelineRecorder(sys.trace);
    for (const chan of [dmaRequestChanByMask(dma, dmaCapMask(DMA_MEMCPY))!, dmaRequestChanByMask(dma, dmaCapMask(DMA_MEMCPY))!]) {
      for (let i = 0; i < 3; i++) dmaengineSubmit(prepDmaMemcpy(chan, (dst + i) * PAGE, (src + i) * PAGE, PAGE, 0)!);
      dmaAsyncIssuePending(chan);
    }
    await Promise.resolve();
    rec.stop();
    expect(rec.log.dump()).toBe(
      ['dma_submit a=0 b=4096 x3', 'dma_issue a=0 b=3 x1', 'dma_submit a=1 b=4096 x3', 'dma_issue a=1 b=3 x1', 'dma_complete a=0 b=4096 c=1 x3', 'dma_complete a=1 b=4096 c=1 x3'].join('\n'),
    );
    expect(rec.log.dmaLanes).toEqual(['dma0chan0', 'dma1chan0']);
  });

  it('pause holds issued work, resume runs it; terminate aborts what was not run', async () => {
    const { dma, src, dst } = world();
    const chan = dmaRequestChanByMask(dma, dmaCapMask(DMA_MEMCPY))!;
    expect(dmaenginePause(chan)).toBe(0);
    const results: number[] = [];
    const tx = prepDmaMemcpy(chan, dst * PAGE, src * PAGE, PAGE, 0)!;
    tx.callbackResult = (r) => results.push(r.result);
    const cookie = dmaengineSubmit(tx);
    dmaAsyncIssuePending(chan);
    await Promise.resolve();
    expect(dmaengineTxStatus(chan, cookie).status).toBe(DMA_PAUSED);
    expect(dmaengineResume(chan)).toBe(0);
    await Promise.resolve();
    expect(results).toEqual([DMA_TRANS_NOERROR]);
    const tx2 = prepDmaMemcpy(chan, dst * PAGE, src * PAGE, PAGE, 0)!;
    tx2.callbackResult = (r) => results.push(r.result);
    dmaengineSubmit(tx2);
    expect(await dmaengineTerminateSync(chan)).toBe(0);
    expect(results).toEqual([DMA_TRANS_NOERROR, DMA_TRANS_ABORTED]);
  });

  it('SDXI shape takes one scatter-gather descriptor for a whole list', async () => {
    const { sys, dma, dev, src, dst, pattern } = world(1, getPreset('sdxi'));
    expect(dmaHasCap(DMA_MEMCPY_SG, dev.devices[0]!.capMask)).toBe(true);
    const chan = dmaFindChannel(dma, DMA_MEMCPY)!;
    const regions = (base: number) => Array.from({ length: 4 }, (_, i) => ({ addr: (base + i * 16) * PAGE, length: 16 * PAGE }));
    const s = sgTableFromRegions(regions(src));
    const d = sgTableFromRegions(regions(dst));
    expect(dmaMapSgtable(dev.devices[0]!, s, DMA_TO_DEVICE)).toBe(0);
    expect(dmaMapSgtable(dev.devices[0]!, d, DMA_FROM_DEVICE)).toBe(0);
    const tx = prepDmaMemcpySg(chan, d, s, 0)!;
    let done = false;
    tx.callback = () => (done = true);
    dmaengineSubmit(tx);
    dmaAsyncIssuePending(chan);
    await Promise.resolve();
    expect(done).toBe(true);
    const out = new Uint8Array(64 * PAGE);
    sys.phys.read(dst * PAGE, out);
    expect(Buffer.compare(out, pattern)).toBe(0);
    expect(dev.executed).toBe(1);
  });

  it('refuses bad options by name; unregister is refused while a channel is held', () => {
    const { sys, dma, dev } = world(2);
    expect(() => createModelledDmaDevice(dma, { phys: sys.phys, channels: 0 })).toThrow(KernelError);
    expect(() => createModelledDmaDevice(dma, { phys: sys.phys, channels: 0 })).toThrow(/channels 0 .*1 to 256/);
    const chan = dmaRequestChanByMask(dma, dmaCapMask(DMA_MEMCPY))!;
    expect(dev.unregister()).toBeLessThan(0);
    void chan;
    expect(new EventLog().length).toBe(0);
  });
});
