/**
 * The dmaengine core of one simulated system: the registered devices and channels, the tracepoints
 * the timing model consumes, and the per-channel sysfs counters. No module-level state: every system
 * (and every test) makes its own `DmaEngine`.
 */
import { EBUSY, ENOENT, KernelError, Tracepoint, counterAttribute } from '@pagemig/kernel';
import type { SysfsTree, TraceRegistry } from '@pagemig/kernel';
import { DMA_CAP_ALL, DMA_MEMCPY, DMA_MEMCPY_SG, dmaCapNames, dmaHasCap } from './dma-caps';
import type { DmaChan } from './dma-chan';
import type { DmaDevice } from './dma-device';
import type { DmaengineTxResult } from './dma-status';

/** Payload of `dma_desc_submit`: one descriptor got its cookie. */
export interface DmaDescSubmitEvent {
  readonly chan: string;
  readonly cookie: number;
  readonly len: number;
}

/** Payload of `dma_issue_pending`: `count` descriptors submitted since the last issue were started. */
export interface DmaIssuePendingEvent {
  readonly chan: string;
  readonly count: number;
}

/** Payload of `dma_desc_complete`: one descriptor finished (or was aborted). */
export interface DmaDescCompleteEvent {
  readonly chan: string;
  readonly cookie: number;
  readonly len: number;
  readonly result: DmaengineTxResult;
  readonly residue: number;
}

/** The three dmaengine tracepoints. */
export interface DmaTracepoints {
  readonly dmaDescSubmit: Tracepoint<DmaDescSubmitEvent>;
  readonly dmaIssuePending: Tracepoint<DmaIssuePendingEvent>;
  readonly dmaDescComplete: Tracepoint<DmaDescCompleteEvent>;
}

/** What a `DmaEngine` attaches to. */
export interface DmaEngineOptions {
  /** Tree that gets `/sys/class/dma/<chan>/{memcpy_count,bytes_transferred,in_use}`. */
  readonly sysfs?: SysfsTree;
  /** Registry in which the tracepoints are defined (reused if already defined there). */
  readonly trace?: TraceRegistry;
}

function tracepoint<T>(registry: TraceRegistry | undefined, name: string): Tracepoint<T> {
  if (registry === undefined) return new Tracepoint<T>(name);
  return (registry.get(name) as Tracepoint<T> | undefined) ?? registry.define<T>(name);
}

/** Directory of a channel's counters. */
export function dmaChanSysfsDir(chan: DmaChan): string {
  return `/sys/class/dma/${chan.name}`;
}

/** The DMA devices and channels of one system. */
export class DmaEngine {
  /** Tracepoints `dma_desc_submit`, `dma_issue_pending`, `dma_desc_complete`. */
  readonly tp: DmaTracepoints;
  /** The sysfs tree, if any. */
  readonly sysfs: SysfsTree | undefined;
  private readonly devs: DmaDevice[] = [];
  private nextDevId = 0;
  /** Device → id used in channel names. */
  private readonly devIds = new Map<DmaDevice, number>();
  /** Device → number of its channels held exclusively (`privatecnt`). */
  private readonly privateCount = new Map<DmaDevice, number>();

  /** Creates an empty engine; pass the system's sysfs tree and trace registry to publish into them. */
  constructor(options: DmaEngineOptions = {}) {
    this.sysfs = options.sysfs;
    this.tp = {
      dmaDescSubmit: tracepoint<DmaDescSubmitEvent>(options.trace, 'dma_desc_submit'),
      dmaIssuePending: tracepoint<DmaIssuePendingEvent>(options.trace, 'dma_issue_pending'),
      dmaDescComplete: tracepoint<DmaDescCompleteEvent>(options.trace, 'dma_desc_complete'),
    };
  }

  /** Registered devices in registration order. */
  get devices(): readonly DmaDevice[] {
    return this.devs;
  }

  /** Every registered channel, device by device. */
  channels(): DmaChan[] {
    return this.devs.flatMap((d) => d.channels);
  }

  /** The channel called `name` (`dma0chan1`), or undefined. */
  findChanByName(name: string): DmaChan | undefined {
    return this.channels().find((c) => c.name === name);
  }

  /** @internal Number of channels of `dev` held exclusively. */
  privateCnt(dev: DmaDevice): number {
    return this.privateCount.get(dev) ?? 0;
  }

  /** @internal Adjusts the exclusive-hold count of `dev`. */
  adjustPrivateCnt(dev: DmaDevice, delta: number): void {
    this.privateCount.set(dev, this.privateCnt(dev) + delta);
  }

  /** @internal Adds a device (see `dmaAsyncDeviceRegister()`). */
  add(dev: DmaDevice): void {
    if (this.devs.includes(dev)) throw new KernelError('EEXIST', `dmaengine: device ${dev.name} is already registered`);
    if (typeof dev.name !== 'string' || !/^[A-Za-z0-9_.:-]{1,31}$/.test(dev.name)) {
      throw new KernelError('EINVAL', `dmaengine: device name ${JSON.stringify(dev.name)} is invalid; accepted: 1 to 31 letters, digits, _ . : -`);
    }
    if (this.devs.some((d) => d.name === dev.name)) {
      throw new KernelError('EEXIST', `dmaengine: a device called ${dev.name} is already registered`);
    }
    if (!Number.isInteger(dev.capMask) || (dev.capMask & ~DMA_CAP_ALL) !== 0) {
      throw new KernelError('EINVAL', `dmaengine: ${dev.name}: capability mask ${String(dev.capMask)} has unknown bits; accepted: ${dmaCapNames(DMA_CAP_ALL)}`);
    }
    if (dmaHasCap(DMA_MEMCPY, dev.capMask) && typeof dev.devicePrepDmaMemcpy !== 'function') {
      throw new KernelError('EINVAL', `dmaengine: ${dev.name} claims DMA_MEMCPY but has no devicePrepDmaMemcpy()`);
    }
    if (dmaHasCap(DMA_MEMCPY_SG, dev.capMask) && typeof dev.devicePrepDmaMemcpySg !== 'function') {
      throw new KernelError('EINVAL', `dmaengine: ${dev.name} claims DMA_MEMCPY_SG but has no devicePrepDmaMemcpySg()`);
    }
    if (dev.channels.length < 1) throw new KernelError('EINVAL', `dmaengine: ${dev.name} has no channels; accepted: at least one`);
    dev.channels.forEach((chan, i) => {
      if (chan.device !== dev || chan.chanId !== i || chan.engine !== null) {
        throw new KernelError('EINVAL', `dmaengine: ${dev.name}: channel ${i} does not belong to it, has chanId ${chan.chanId} or is registered elsewhere`);
      }
    });
    const id = this.nextDevId++;
    this.devIds.set(dev, id);
    this.devs.push(dev);
    for (const chan of dev.channels) {
      chan.name = `dma${id}chan${chan.chanId}`;
      chan.engine = this;
      this.sysfs?.createGroup(dmaChanSysfsDir(chan), {
        memcpy_count: counterAttribute({ get: () => chan.memcpyCount }),
        bytes_transferred: counterAttribute({ get: () => chan.bytesTransferred }),
        in_use: counterAttribute({ get: () => chan.clientCount }),
      });
    }
  }

  /** @internal Removes a device (see `dmaAsyncDeviceUnregister()`). */
  remove(dev: DmaDevice): number {
    const i = this.devs.indexOf(dev);
    if (i < 0) return -ENOENT;
    if (dev.channels.some((c) => c.clientCount > 0)) return -EBUSY;
    this.devs.splice(i, 1);
    this.devIds.delete(dev);
    this.privateCount.delete(dev);
    for (const chan of dev.channels) {
      this.sysfs?.remove(dmaChanSysfsDir(chan));
      chan.engine = null;
    }
    return 0;
  }
}

/**
 * Registers a provider and names its channels `dma<N>chan<i>`. Throws KernelError (EINVAL, EEXIST)
 * for a device that is malformed, claims a capability without its hook, or is already registered.
 * Mirrors `dma_async_device_register()`.
 */
export function dmaAsyncDeviceRegister(engine: DmaEngine, device: DmaDevice): number {
  engine.add(device);
  return 0;
}

/**
 * Unregisters a provider: 0, -ENOENT when not registered, or -EBUSY (nothing changes) while a client
 * still holds one of its channels. Mirrors `dma_async_device_unregister()`, which only warns.
 */
export function dmaAsyncDeviceUnregister(engine: DmaEngine, device: DmaDevice): number {
  return engine.remove(device);
}
