/**
 * Status words of the dmaengine client API: transaction status (`enum dma_status`), per-descriptor
 * results (`enum dmaengine_tx_result`), prep flags (`enum dma_ctrl_flags`) and cookies
 * (`dma_cookie_t`). Values follow include/linux/dmaengine.h.
 */

/** Transaction finished (possibly short: look at the residue). */
export const DMA_COMPLETE = 0;
/** Submitted and not finished yet. */
export const DMA_IN_PROGRESS = 1;
/** Not finished, and the channel is paused or halted: it will not progress until resumed or terminated. */
export const DMA_PAUSED = 2;
/** Finished with an error, aborted, or (from `dmaSyncWait`) timed out. */
export const DMA_ERROR = 3;

/** A value of `enum dma_status`. */
export type DmaStatus = typeof DMA_COMPLETE | typeof DMA_IN_PROGRESS | typeof DMA_PAUSED | typeof DMA_ERROR;

/** Status → name, for messages (index = status). */
export const DMA_STATUS_NAMES = ['DMA_COMPLETE', 'DMA_IN_PROGRESS', 'DMA_PAUSED', 'DMA_ERROR'] as const;

/** The descriptor completed without error (the residue may still say it was short). */
export const DMA_TRANS_NOERROR = 0;
/** The engine failed to read the source. */
export const DMA_TRANS_READ_FAILED = 1;
/** The engine failed to write the destination. */
export const DMA_TRANS_WRITE_FAILED = 2;
/** The descriptor was aborted by `dmaengineTerminateSync()` (or a device shutdown). */
export const DMA_TRANS_ABORTED = 3;

/** A value of `enum dmaengine_tx_result`. */
export type DmaengineTxResult =
  | typeof DMA_TRANS_NOERROR
  | typeof DMA_TRANS_READ_FAILED
  | typeof DMA_TRANS_WRITE_FAILED
  | typeof DMA_TRANS_ABORTED;

/** Result → name, for messages (index = result). */
export const DMA_TRANS_NAMES = ['DMA_TRANS_NOERROR', 'DMA_TRANS_READ_FAILED', 'DMA_TRANS_WRITE_FAILED', 'DMA_TRANS_ABORTED'] as const;

/** What `callbackResult` receives, like `struct dmaengine_result`: residue = bytes NOT transferred. */
export interface DmaengineResult {
  readonly result: DmaengineTxResult;
  readonly residue: number;
}

/** What `dmaengineTxStatus()` returns, like `enum dma_status` plus `struct dma_tx_state.residue`. */
export interface DmaTxState {
  readonly status: DmaStatus;
  readonly residue: number;
}

/** Prep flag: raise a completion interrupt after this descriptor (wakes the client at once). */
export const DMA_PREP_INTERRUPT = 1 << 0;
/** Prep flag: the client will not reuse the descriptor (always the case here; kept for fidelity). */
export const DMA_CTRL_ACK = 1 << 1;
/** All prep flags a descriptor may carry. */
export const DMA_PREP_FLAGS_ALL = DMA_PREP_INTERRUPT | DMA_CTRL_ACK;

/** A cookie: > 0 identifies a submitted descriptor on its channel; < 0 is a submit error (`-errno`). */
export type DmaCookie = number;
/** First cookie of a channel, and the value cookies wrap back to (`DMA_MIN_COOKIE`). */
export const DMA_MIN_COOKIE = 1;
/** Largest cookie before wrapping (`INT_MAX`). */
export const DMA_MAX_COOKIE = 0x7fff_ffff;

/** True when a value returned by `dmaengineSubmit()` is an error. Mirrors `dma_submit_error()`. */
export function dmaSubmitError(cookie: DmaCookie): boolean {
  return cookie < 0;
}
