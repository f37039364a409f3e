/**
 * The provider side (`struct dma_device`): what a DMA driver implements and registers with
 * `dmaAsyncDeviceRegister()`. Clients never call these hooks directly; they use the client API
 * (`prepDmaMemcpy()`, `dmaengineSubmit()`, ...), which checks capabilities, keeps the cookie
 * bookkeeping, the counters and the tracepoints, and then calls the hook.
 *
 * Rules for a provider:
 * - Complete every submitted descriptor exactly once through `dmaCookieComplete()`, from an
 *   asynchronous completion path (a callback never runs inside submit or issue_pending).
 * - `deviceTerminateAll()` aborts everything queued or in flight (complete them with
 *   DMA_TRANS_ABORTED) and resolves only when the hardware no longer touches memory for them
 *   (`dmaengine_terminate_async()` + `dmaengine_synchronize()`).
 */
import type { PhysMem } from '@pagemig/mm';
import type { DmaCapMask } from './dma-caps';
import type { DmaChan } from './dma-chan';
import type { DmaAsyncTxDescriptor } from './dma-descriptor';
import type { DmaCookie, DmaTxState } from './dma-status';
import type { Iommu } from './iommu';
import type { SgTable } from './scatterlist';

/** A DMA device as the engine sees it. */
export interface DmaDevice {
  /** Device name (`dev_name()`, e.g. `swdma0`); unique within an engine; dmatest's `device` filter. */
  readonly name: string;
  /** Capabilities (`cap_mask`). */
  readonly capMask: DmaCapMask;
  /** The channels, index = `chanId`. */
  readonly channels: readonly DmaChan[];
  /** log2 of the address/length alignment copies need (`copy_align`); dmatest honours it. */
  readonly copyAlign: number;
  /** The IOMMU between the device and memory; undefined = direct mapping, no merging. */
  readonly iommu?: Iommu | undefined;
  /** Memory the device reaches (dmatest allocates its buffers there when given none). */
  readonly phys?: PhysMem | undefined;
  /** Mirrors `device_prep_dma_memcpy()`: a descriptor, or null when it cannot (bad length, ...). */
  devicePrepDmaMemcpy?(chan: DmaChan, dst: number, src: number, len: number, flags: number): DmaAsyncTxDescriptor | null;
  /** Mirrors `device_prep_dma_memcpy_sg()` over mapped tables: a descriptor, or null. */
  devicePrepDmaMemcpySg?(chan: DmaChan, dstSg: SgTable, srcSg: SgTable, flags: number): DmaAsyncTxDescriptor | null;
  /** Mirrors `device_issue_pending()`: starts every submitted descriptor of the channel. */
  deviceIssuePending(chan: DmaChan): void;
  /** Mirrors `device_tx_status()`. */
  deviceTxStatus(chan: DmaChan, cookie: DmaCookie): DmaTxState;
  /** Mirrors `device_terminate_all()` + `device_synchronize()`; resolves to 0 or -errno. */
  deviceTerminateAll(chan: DmaChan): Promise<number>;
  /** Mirrors `device_pause()`: 0 or -errno; optional. */
  devicePause?(chan: DmaChan): number;
  /** Mirrors `device_resume()`: 0 or -errno; optional. */
  deviceResume?(chan: DmaChan): number;
}
