/**
 * A modelled DMA provider: dmaengine devices whose channels need no worker thread, so 16 (or 64)
 * channels run on a 2-core laptop. Issue pending copies every submitted descriptor of the
 * channel synchronously, in order, through `PhysMem` (data still moves and data checks still
 * hold); completions are delivered afterwards, in submission order, through the normal
 * dmaengine path (`dmaCookieComplete()`: cookie bookkeeping, counters, the `dma_desc_complete`
 * tracepoint, callbacks), from a microtask, never inside submit or issue. Time comes from the
 * cost model reading the same tracepoints, not from this device.
 *
 * The preset gives the shape: queues per device (PTDMA: one, so 16 channels are 16 devices;
 * AE4DMA: 16), ring depth, scatter-gather support (SDXI), DMA_PRIVATE.
 */
import { EBUSY, KernelError } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import type { PhysMem } from '@pagemig/mm';
import {
  DMA_INTERRUPT,
  DMA_IN_PROGRESS,
  DMA_MEMCPY,
  DMA_MEMCPY_SG,
  DMA_PAUSED,
  DMA_PRIVATE,
  DMA_TRANS_ABORTED,
  DMA_TRANS_NOERROR,
  DMA_TRANS_READ_FAILED,
  DMA_TRANS_WRITE_FAILED,
  DmaAsyncTxDescriptor,
  DmaChan,
  dmaAsyncDeviceRegister,
  dmaAsyncDeviceUnregister,
  dmaCapMask,
  dmaCookieAssign,
  dmaCookieComplete,
  dmaCookieStatus,
  type DmaCapMask,
  type DmaCookie,
  type DmaDevice,
  type DmaEngine,
  type DmaTxState,
  type DmaengineTxResult,
  type SgTable,
} from '@pagemig/dmaengine';
import type { Preset, PresetDevice } from './preset';

/** Options of `createModelledDmaDevice()`. */
export interface ModelledDmaDeviceOptions {
  /** The memory the channels copy in. */
  phys: PhysMem;
  /** Channels in all (default 1, at most 256). */
  channels?: number;
  /** The preset whose `device` section gives the shape (default: one PTDMA-like queue per device). */
  preset?: Preset;
  /** Device name prefix (default `mdma`): devices are `<prefix>0`, `<prefix>1`, ... */
  name?: string;
}

/** The devices of a modelled provider. */
export interface ModelledDmaDevice {
  /** Registered devices (PTDMA-like: one per channel). */
  readonly devices: readonly DmaDevice[];
  /** Every channel, device by device. */
  readonly channels: readonly DmaChan[];
  /** The shape used. */
  readonly shape: PresetDevice;
  /** Descriptors copied so far. */
  readonly executed: number;
  /** Unregisters every device; 0, or -EBUSY while a client holds a channel (nothing changes). */
  unregister(): number;
}

const PTDMA_SHAPE: PresetDevice = { kind: 'ptdma', queuesPerDevice: 1, ringDepth: 32, sg: false, private: true, perDescriptorStatus: false };

/** One descriptor: pieces of (dst, src, len). */
class ModelledDesc extends DmaAsyncTxDescriptor {
  dst: number[] = [];
  src: number[] = [];
  lens: number[] = [];
}

/** Per-channel state. */
interface ChanState {
  queued: ModelledDesc[];
  issued: ModelledDesc[];
  paused: boolean;
}

class ModelledDevice implements DmaDevice {
  readonly name: string;
  readonly capMask: DmaCapMask;
  readonly channels: DmaChan[] = [];
  readonly copyAlign = 0;
  readonly phys: PhysMem;
  private readonly state = new Map<DmaChan, ChanState>();
  private readonly owner: Provider;

  constructor(owner: Provider, name: string, nChannels: number, caps: DmaCapMask) {
    this.owner = owner;
    this.name = name;
    this.phys = owner.phys;
    this.capMask = caps;
    for (let i = 0; i < nChannels; i++) {
      const chan = new DmaChan(this, i);
      this.channels.push(chan);
      this.state.set(chan, { queued: [], issued: [], paused: false });
    }
  }

  private st(chan: DmaChan): ChanState {
    const s = this.state.get(chan);
    if (s === undefined) throw new KernelError('EINVAL', `${this.name}: channel ${chan.name} is not one of this device's channels`);
    return s;
  }

  private txSubmit = (desc: DmaAsyncTxDescriptor): DmaCookie => {
    const cookie = dmaCookieAssign(desc);
    this.st(desc.chan).queued.push(desc as ModelledDesc);
    return cookie;
  };

  devicePrepDmaMemcpy(chan: DmaChan, dst: number, src: number, len: number, flags: number): DmaAsyncTxDescriptor | null {
    const d = new ModelledDesc(chan, flags, len, this.txSubmit);
    d.dst.push(dst);
    d.src.push(src);
    d.lens.push(len);
    return d;
  }

  devicePrepDmaMemcpySg(chan: DmaChan, dstSg: SgTable, srcSg: SgTable, flags: number): DmaAsyncTxDescriptor | null {
    const pieces: [number, number, number][] = [];
    let i = 0;
    let j = 0;
    let so = 0;
    let dof = 0;
    let total = 0;
    while (i < srcSg.nents && j < dstSg.nents) {
      const sl = srcSg.dmaLength[i]! - so;
      const dl = dstSg.dmaLength[j]! - dof;
      const len = Math.min(sl, dl);
      pieces.push([dstSg.dmaAddress[j]! + dof, srcSg.dmaAddress[i]! + so, len]);
      total += len;
      so += len;
      dof += len;
      if (so === srcSg.dmaLength[i]) {
        i++;
        so = 0;
      }
      if (dof === dstSg.dmaLength[j]) {
        j++;
        dof = 0;
      }
    }
    const d = new ModelledDesc(chan, flags, total, this.txSubmit);
    for (const [dd, ss, l] of pieces) {
      d.dst.push(dd);
      d.src.push(ss);
      d.lens.push(l);
    }
    return d;
  }

  deviceIssuePending(chan: DmaChan): void {
    const s = this.st(chan);
    s.issued = s.issued.length === 0 ? s.queued : s.issued.concat(s.queued);
    s.queued = [];
    if (!s.paused) this.run(chan, s);
  }

  /** Copies every issued descriptor now and delivers their completions from a microtask, in order. */
  private run(chan: DmaChan, s: ChanState): void {
    if (s.issued.length === 0) return;
    const batch = s.issued;
    s.issued = [];
    const results: DmaengineTxResult[] = [];
    for (const d of batch) results.push(this.copy(d));
    this.owner.executed += batch.length;
    queueMicrotask(() => {
      for (let i = 0; i < batch.length; i++) dmaCookieComplete(batch[i]!, results[i]!, results[i] === DMA_TRANS_NOERROR ? 0 : batch[i]!.len);
    });
  }

  private copy(d: ModelledDesc): DmaengineTxResult {
    const phys = this.phys;
    const limit = phys.totalPages * PAGE_SIZE;
    for (let i = 0; i < d.lens.length; i++) {
      const dst = d.dst[i]!;
      const src = d.src[i]!;
      const len = d.lens[i]!;
      if (src + len > limit) return DMA_TRANS_READ_FAILED;
      if (dst + len > limit) return DMA_TRANS_WRITE_FAILED;
      if (dst % PAGE_SIZE === 0 && src % PAGE_SIZE === 0 && len % PAGE_SIZE === 0) {
        phys.materialize(dst / PAGE_SIZE, len / PAGE_SIZE);
        phys.copyPages(dst / PAGE_SIZE, src / PAGE_SIZE, len / PAGE_SIZE);
      } else {
        const first = Math.floor(dst / PAGE_SIZE);
        phys.materialize(first, Math.floor((dst + len - 1) / PAGE_SIZE) - first + 1);
        const tmp = new Uint8Array(len);
        phys.read(src, tmp);
        phys.write(dst, tmp);
      }
    }
    return DMA_TRANS_NOERROR;
  }

  deviceTxStatus(chan: DmaChan, cookie: DmaCookie): DmaTxState {
    const st = dmaCookieStatus(chan, cookie);
    if (this.st(chan).paused && st.status === DMA_IN_PROGRESS) return { status: DMA_PAUSED, residue: st.residue };
    return st;
  }

  deviceTerminateAll(chan: DmaChan): Promise<number> {
    const s = this.st(chan);
    const aborted = s.issued.concat(s.queued);
    s.issued = [];
    s.queued = [];
    for (const d of aborted) dmaCookieComplete(d, DMA_TRANS_ABORTED, d.len);
    chan.stateChanged();
    return Promise.resolve(0);
  }

  devicePause(chan: DmaChan): number {
    this.st(chan).paused = true;
    chan.stateChanged();
    return 0;
  }

  deviceResume(chan: DmaChan): number {
    const s = this.st(chan);
    s.paused = false;
    chan.stateChanged();
    this.run(chan, s);
    return 0;
  }
}

class Provider implements ModelledDmaDevice {
  readonly devices: ModelledDevice[] = [];
  readonly channels: DmaChan[] = [];
  executed = 0;

  constructor(
    readonly engine: DmaEngine,
    readonly phys: PhysMem,
    readonly shape: PresetDevice,
  ) {}

  unregister(): number {
    if (this.channels.some((c) => c.clientCount > 0)) return -EBUSY;
    for (const dev of this.devices) dmaAsyncDeviceUnregister(this.engine, dev);
    return 0;
  }
}

function freeName(engine: DmaEngine, prefix: string, start: number): number {
  let n = start;
  while (engine.devices.some((d) => d.name === `${prefix}${n}`)) n++;
  return n;
}

/**
 * Builds a modelled DMA provider with `channels` channels shaped by `preset.device` and registers
 * its devices with `dmaEngine` (`dma_async_device_register()`). Throws KernelError EINVAL naming a
 * bad option.
 */
export function createModelledDmaDevice(dmaEngine: DmaEngine, options: ModelledDmaDeviceOptions): ModelledDmaDevice {
  const n = options.channels ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new KernelError('EINVAL', `modelled DMA device: channels ${String(n)} is not accepted: give an integer from 1 to 256`);
  }
  if (options.phys === undefined || typeof options.phys.copyPages !== 'function') {
    throw new KernelError('EINVAL', 'modelled DMA device: phys is missing; accepted: a PhysMem');
  }
  const prefix = options.name ?? 'mdma';
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,20}$/.test(prefix)) {
    throw new KernelError('EINVAL', `modelled DMA device: name ${JSON.stringify(prefix)} is not accepted: give 1 to 21 letters, digits, _ or -, starting with a letter`);
  }
  const shape = options.preset?.device ?? PTDMA_SHAPE;
  const caps = [DMA_MEMCPY, DMA_INTERRUPT];
  if (shape.sg) caps.push(DMA_MEMCPY_SG);
  if (shape.private) caps.push(DMA_PRIVATE);
  const provider = new Provider(dmaEngine, options.phys, shape);
  let left = n;
  let idx = 0;
  while (left > 0) {
    const here = Math.min(left, shape.queuesPerDevice);
    idx = freeName(dmaEngine, prefix, idx);
    const dev = new ModelledDevice(provider, `${prefix}${idx}`, here, dmaCapMask(...caps));
    dmaAsyncDeviceRegister(dmaEngine, dev);
    provider.devices.push(dev);
    provider.channels.push(...dev.channels);
    left -= here;
    idx++;
  }
  return provider;
}
