/**
 * A DMA channel (`struct dma_chan`): owned by a device, handed to one exclusive client or shared by
 * public clients, with the cookie bookkeeping of drivers/dma/dmaengine.h (`dma_cookie_assign()`,
 * `dma_cookie_complete()`, `dma_cookie_status()`) and the per-channel counters of
 * `/sys/class/dma/<chan>/` (`memcpy_count`, `bytes_transferred`, `in_use`).
 *
 * Cookie status works for engines that complete out of order: every submitted cookie stays in
 * `inProgress` until its own completion, instead of relying on one "last completed" watermark.
 */
import type { DmaAsyncTxDescriptor } from './dma-descriptor';
import type { DmaDevice } from './dma-device';
import type { DmaEngine } from './dma-engine';
import {
  DMA_COMPLETE,
  DMA_ERROR,
  DMA_IN_PROGRESS,
  DMA_MAX_COOKIE,
  DMA_MIN_COOKIE,
  DMA_TRANS_ABORTED,
  DMA_TRANS_NOERROR,
  type DmaCookie,
  type DmaTxState,
  type DmaengineTxResult,
} from './dma-status';

/** Unclean outcomes (error or short) kept per channel for `dmaCookieStatus()`; older ones are dropped. */
const MAX_OUTCOMES = 4096;

/** One channel of a device. Providers construct it; clients get it from the request functions. */
export class DmaChan {
  /** The provider. */
  readonly device: DmaDevice;
  /** Index within the device (`chan_id`). */
  readonly chanId: number;
  /** `dma<dev>chan<n>` once registered (`dma_chan_name()`); empty before. */
  name = '';
  /** The engine it is registered with, or null. */
  engine: DmaEngine | null = null;
  /** Clients holding it (`client_count`); shown as `in_use`. */
  clientCount = 0;
  /** True while held by one exclusive client (private request). */
  exclusive = false;
  /** Last cookie assigned (`chan->cookie`). */
  cookie: DmaCookie = 0;
  /** Last cookie completed (`chan->completed_cookie`); informative only with out-of-order engines. */
  completedCookie: DmaCookie = 0;
  /** Successfully completed copy descriptors (`memcpy_count`). */
  memcpyCount = 0;
  /** Bytes those descriptors moved (`bytes_transferred`). */
  bytesTransferred = 0;
  /** Submitted descriptors not completed yet, by cookie. */
  readonly inProgress = new Map<DmaCookie, DmaAsyncTxDescriptor>();
  /** Descriptors submitted since the last `dmaAsyncIssuePending()` (the `dma_issue_pending` count). */
  submittedSinceIssue = 0;
  /** Cookie → [result, residue] of completions that failed, were aborted or were short. */
  private readonly outcomes = new Map<DmaCookie, readonly [DmaengineTxResult, number]>();
  /** Bumped by `wakeWaiters()` callers when the channel's state (paused, halted) changes. */
  stateGeneration = 0;
  /** Wake-ups for `dmaSyncWait()` and friends; called after every completion. */
  private readonly waiters = new Set<() => void>();
  /** The waiters as of the last change, so a wake-up round needs no copy (rebuilt after add/remove). */
  private waiterList: (() => void)[] | null = null;

  /** Providers create their channels when they build the device. */
  constructor(device: DmaDevice, chanId: number) {
    this.device = device;
    this.chanId = chanId;
  }

  /** Adds a function called after each completion or state change of this channel; returns its remover. */
  addWaiter(wake: () => void): () => void {
    this.waiters.add(wake);
    this.waiterList = null;
    return () => {
      this.waiterList = null;
      return this.waiters.delete(wake);
    };
  }

  /** Providers call it when the channel pauses, halts, resumes or is terminated: waiters re-check their status. */
  stateChanged(): void {
    this.stateGeneration++;
    this.wakeWaiters();
  }

  /** Calls the waiters present when the round starts (after a completion); no allocation unless they changed. */
  wakeWaiters(): void {
    if (this.waiters.size === 0) return;
    const list = (this.waiterList ??= [...this.waiters]);
    for (let i = 0; i < list.length; i++) (list[i] as () => void)();
  }

  /** @internal Records the outcome of a completed cookie. */
  recordOutcome(cookie: DmaCookie, result: DmaengineTxResult, residue: number): void {
    if (result === DMA_TRANS_NOERROR && residue === 0) return;
    if (this.outcomes.size >= MAX_OUTCOMES) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
    this.outcomes.set(cookie, [result, residue]);
  }

  /** @internal The recorded outcome of a completed cookie, if it was not clean. */
  outcome(cookie: DmaCookie): readonly [DmaengineTxResult, number] | undefined {
    return this.outcomes.get(cookie);
  }
}

/** Gives a submitted descriptor the channel's next cookie (wrapping to 1 after INT_MAX). Mirrors `dma_cookie_assign()`. */
export function dmaCookieAssign(desc: DmaAsyncTxDescriptor): DmaCookie {
  const chan = desc.chan;
  const cookie = chan.cookie >= DMA_MAX_COOKIE ? DMA_MIN_COOKIE : chan.cookie + 1;
  chan.cookie = cookie;
  desc.cookie = cookie;
  return cookie;
}

/**
 * Status of a cookie from the channel's bookkeeping: in progress while submitted and not completed;
 * DMA_ERROR for failed or aborted transfers and for cookies <= 0; otherwise DMA_COMPLETE with the
 * residue of a short transfer. Like the kernel, a cookie never handed out reads as complete.
 * Mirrors `dma_cookie_status()`.
 */
export function dmaCookieStatus(chan: DmaChan, cookie: DmaCookie): DmaTxState {
  if (!Number.isInteger(cookie) || cookie <= 0) return { status: DMA_ERROR, residue: 0 };
  const desc = chan.inProgress.get(cookie);
  if (desc !== undefined) return { status: DMA_IN_PROGRESS, residue: desc.len };
  const outcome = chan.outcome(cookie);
  if (outcome === undefined) return { status: DMA_COMPLETE, residue: 0 };
  return { status: outcome[0] === DMA_TRANS_NOERROR ? DMA_COMPLETE : DMA_ERROR, residue: outcome[1] };
}

/**
 * Completes a descriptor: records the outcome, updates the counters, emits `dma_desc_complete` and
 * invokes the callback (`callbackResult` preferred; plain `callback` not for aborts). Providers call
 * it once per descriptor, from their completion path (never from inside submit or issue). A second
 * call for the same descriptor is ignored. Mirrors `dma_cookie_complete()` +
 * `dmaengine_desc_get_callback_invoke()`.
 */
export function dmaCookieComplete(desc: DmaAsyncTxDescriptor, result: DmaengineTxResult, residue: number): void {
  const chan = desc.chan;
  if (chan.inProgress.get(desc.cookie) !== desc) return;
  chan.inProgress.delete(desc.cookie);
  chan.completedCookie = desc.cookie;
  chan.recordOutcome(desc.cookie, result, residue);
  if (result === DMA_TRANS_NOERROR) {
    chan.memcpyCount++;
    chan.bytesTransferred += desc.len - residue;
  }
  const tp = chan.engine?.tp.dmaDescComplete;
  if (tp?.enabled === true) tp.emit({ chan: chan.name, cookie: desc.cookie, len: desc.len, result, residue });
  try {
    if (desc.callbackResult !== null) desc.callbackResult({ result, residue });
    else if (desc.callback !== null && result !== DMA_TRANS_ABORTED) desc.callback();
  } catch (error) {
    // A throwing callback must not leave the provider's completion loop half done: report it later.
    queueMicrotask(() => {
      throw error;
    });
  }
  chan.wakeWaiters();
}
