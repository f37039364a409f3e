import { afterEach, describe, expect, it } from 'vitest';
import { SysfsTree } from '@pagemig/kernel';
import { DMA_INTERRUPT, DMA_MEMCPY, DMA_MEMCPY_SG, DMA_PRIVATE, dmaCapMask } from './dma-caps';
import { dmaCookieAssign } from './dma-chan';
import { DmaEngine, dmaAsyncDeviceUnregister } from './dma-engine';
import { DMA_MAX_COOKIE, DMA_MIN_COOKIE } from './dma-status';
import { prepDmaMemcpy } from './dma-prep';
import { dmaFindChannel, dmaReleaseChannel, dmaRequestChanByMask, dmaRequestChannel } from './dma-request';
import { createSoftwareDmaDevice, type SoftwareDmaDevice } from './software-dma-device';
import { expectKernelError } from '@pagemig/test-kit';
import { twoNodes } from './testing/dma-test-kit';

const devices: SoftwareDmaDevice[] = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.shutdown()));
});

function setup(sysfs?: SysfsTree) {
  const engine = new DmaEngine(sysfs === undefined ? {} : { sysfs });
  const phys = twoNodes();
  const ptdma = createSoftwareDmaDevice(engine, { name: 'ptdma0', phys, channels: 2, caps: [DMA_MEMCPY, DMA_INTERRUPT, DMA_PRIVATE] });
  const pub = createSoftwareDmaDevice(engine, { name: 'sdxi0', phys, channels: 2, caps: [DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT] });
  devices.push(ptdma, pub);
  return { engine, ptdma, pub };
}

describe('channel requests', () => {
  it('names channels dma<dev>chan<i> in registration order', () => {
    const { engine } = setup();
    expect(engine.channels().map((c) => c.name)).toEqual(['dma0chan0', 'dma0chan1', 'dma1chan0', 'dma1chan1']);
    expect(engine.findChanByName('dma1chan1')?.device.name).toBe('sdxi0');
  });

  it('hands out each channel exclusively once, private devices included, and null when none is free', () => {
    const { engine } = setup();
    const mask = dmaCapMask(DMA_MEMCPY);
    const got = [1, 2, 3, 4].map(() => dmaRequestChanByMask(engine, mask));
    expect(got.map((c) => c?.name)).toEqual(['dma0chan0', 'dma0chan1', 'dma1chan0', 'dma1chan1']);
    expect(new Set(got).size).toBe(4);
    expect(dmaRequestChanByMask(engine, mask)).toBeNull();
    dmaReleaseChannel(got[1]!);
    expect(dmaRequestChanByMask(engine, mask)).toBe(got[1]);
  });

  it('only matches devices with every requested capability, and honours the filter', () => {
    const { engine } = setup();
    expect(dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY_SG))?.name).toBe('dma1chan0');
    expect(dmaRequestChannel(engine, dmaCapMask(DMA_MEMCPY), (c) => c.name === 'dma0chan1')?.name).toBe('dma0chan1');
    expect(dmaRequestChannel(engine, dmaCapMask(DMA_MEMCPY), (c) => c.name === 'nope')).toBeNull();
  });

  it('never returns DMA_PRIVATE channels from dmaFindChannel, and shares public ones', () => {
    const { engine, pub } = setup();
    const a = dmaFindChannel(engine, DMA_MEMCPY);
    const b = dmaFindChannel(engine, DMA_MEMCPY);
    const c = dmaFindChannel(engine, DMA_MEMCPY);
    expect([a, b, c].map((x) => x?.device)).toEqual([pub, pub, pub]);
    expect(a).not.toBe(b);
    expect(c!.clientCount).toBe(2);
    // A shared channel is not available for exclusive use, but the private device still is.
    expect(dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY))?.device.name).toBe('ptdma0');
  });

  it('a public device with an exclusively held channel stops serving dmaFindChannel', () => {
    const { engine } = setup();
    const mine = dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY_SG));
    expect(mine?.name).toBe('dma1chan0');
    expect(dmaFindChannel(engine, DMA_MEMCPY)).toBeNull();
    dmaReleaseChannel(mine!);
    expect(dmaFindChannel(engine, DMA_MEMCPY)?.device.name).toBe('sdxi0');
  });

  it('wraps cookies from INT_MAX back to DMA_MIN_COOKIE', () => {
    const { engine } = setup();
    const chan = dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY))!;
    chan.cookie = DMA_MAX_COOKIE - 1;
    const a = prepDmaMemcpy(chan, 0, 4096, 8, 0)!;
    const b = prepDmaMemcpy(chan, 0, 4096, 8, 0)!;
    expect(dmaCookieAssign(a)).toBe(DMA_MAX_COOKIE);
    expect(dmaCookieAssign(b)).toBe(DMA_MIN_COOKIE);
  });

  it('prep refuses a channel nobody holds', () => {
    const { engine } = setup();
    const chan = engine.channels()[0]!;
    expect(prepDmaMemcpy(chan, 0, 4096, 64, 0)).toBeNull();
  });

  it('shows in_use in sysfs and refuses to unregister a device whose channel is held', async () => {
    const sysfs = new SysfsTree();
    const { engine, pub } = setup(sysfs);
    expect(sysfs.list('/sys/class/dma')).toEqual(['dma0chan0', 'dma0chan1', 'dma1chan0', 'dma1chan1']);
    expect(sysfs.list('/sys/class/dma/dma1chan0')).toEqual(['bytes_transferred', 'in_use', 'memcpy_count']);
    const a = dmaFindChannel(engine, DMA_MEMCPY)!;
    dmaFindChannel(engine, DMA_MEMCPY);
    dmaFindChannel(engine, DMA_MEMCPY);
    expect(sysfs.read(`/sys/class/dma/${a.name}/in_use`)).toBe('2\n');
    expect(await sysfs.write(`/sys/class/dma/${a.name}/in_use`, '0')).toBe(-13);
    expect(dmaAsyncDeviceUnregister(engine, pub)).toBe(-16);
    for (const c of pub.channels) while (c.clientCount > 0) dmaReleaseChannel(c);
    expect(dmaAsyncDeviceUnregister(engine, pub)).toBe(0);
    expect(dmaAsyncDeviceUnregister(engine, pub)).toBe(-2);
    expect(sysfs.list('/sys/class/dma')).toEqual(['dma0chan0', 'dma0chan1']);
    expect(dmaFindChannel(engine, DMA_MEMCPY)).toBeNull();
  });

  it('rejects bad devices at registration with the accepted values', () => {
    const engine = new DmaEngine();
    const phys = twoNodes();
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, channels: 0 }), 'EINVAL', 'channels 0', '1 to 64');
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, ringDepth: 24 }), 'EINVAL', 'ringDepth 24', 'power of two');
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, completionOrder: 'random' as never }), 'EINVAL', 'in-order, out-of-order');
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, irqCoalesceUs: -1 }), 'EINVAL', 'irqCoalesceUs -1', '0 to 1000000');
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, irqCoalesceUs: 2.5 }), 'EINVAL', 'irqCoalesceUs 2.5');
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, name: 'bad name' }), 'EINVAL', 'bad name');
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, faults: [{ kind: 'explode' as never, nth: 1 }] }), 'EINVAL', 'explode', 'read-failed');
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, faults: [{ kind: 'halt' }] }), 'EINVAL', 'nth, every or probability');
    const ok = createSoftwareDmaDevice(engine, { phys, name: 'dup' });
    devices.push(ok);
    expectKernelError(() => createSoftwareDmaDevice(engine, { phys, name: 'dup' }), 'EEXIST', 'dup');
    expect(engine.devices).toEqual([ok]);
  });
});
