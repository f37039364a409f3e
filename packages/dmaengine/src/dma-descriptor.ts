/**
 * The transaction descriptor (`struct dma_async_tx_descriptor`): what a prep call returns and
 * `dmaengineSubmit()` hands to the engine. The client may set `callback` or `callbackResult`
 * before submitting; the provider sets `txSubmit`.
 */
import type { DmaChan } from './dma-chan';
import type { DmaCookie, DmaengineResult } from './dma-status';

/** Completion callback without a result (`dma_async_tx_callback`). */
export type DmaAsyncTxCallback = () => void;
/** Completion callback with result and residue (`dma_async_tx_callback_result`). */
export type DmaAsyncTxCallbackResult = (result: DmaengineResult) => void;

/** A prepared transfer. Providers may extend it with their own fields. */
export class DmaAsyncTxDescriptor {
  /** The channel it was prepared on. */
  readonly chan: DmaChan;
  /** Prep flags (`DMA_PREP_INTERRUPT`, `DMA_CTRL_ACK`). */
  readonly flags: number;
  /** Bytes the transfer moves (total over all segments). */
  readonly len: number;
  /** 0 until submitted, then the cookie. */
  cookie: DmaCookie = 0;
  /**
   * Called once when the transfer completes with any result except DMA_TRANS_ABORTED (an abort
   * cannot be told apart from success without a result; use `callbackResult` to see aborts).
   */
  callback: DmaAsyncTxCallback | null = null;
  /** Called once with `{ result, residue }` when the transfer completes or is aborted; preferred over `callback`. */
  callbackResult: DmaAsyncTxCallbackResult | null = null;
  /** Provider hook behind `dmaengineSubmit()` (`tx->tx_submit`): assigns the cookie and queues the descriptor. */
  txSubmit: (desc: DmaAsyncTxDescriptor) => DmaCookie;

  /** Called by providers in their prep functions (`dma_async_tx_descriptor_init()`). */
  constructor(chan: DmaChan, flags: number, len: number, txSubmit: (desc: DmaAsyncTxDescriptor) => DmaCookie) {
    this.chan = chan;
    this.flags = flags;
    this.len = len;
    this.txSubmit = txSubmit;
  }
}
