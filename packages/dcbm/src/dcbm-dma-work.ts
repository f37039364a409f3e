/**
 * One channel's share of a batch (mirrors the driver's `struct dma_work`): the channel, the
 * scatter lists of its contiguous chunk of folios and their mapping (`setup_sg_tables()`), the
 * descriptors prepared from them (`submit_dma_transfers()`), the wait for their completion with a
 * timeout, and the cleanup (`cleanup_dma_work()`: terminate, unmap, release).
 *
 * Completion tracking:
 * - `each`: every descriptor carries `DMA_PREP_INTERRUPT` (the review's "a callback per descriptor";
 *   an engine coalesces the interrupts anyway) and the same per-work `callbackResult`; it finds the descriptor's index
 *   from `chan.completedCookie` (set by the completion path right before the callback, as
 *   `dma_cookie_complete()` does), records clean (NOERROR and residue 0) or failed in a Uint8Array,
 *   and wakes the waiter when the last outstanding descriptor reported. No closure per descriptor.
 * - `last` (V5): only the last descriptor in submission order carries `DMA_PREP_INTERRUPT` and the
 *   callback; its completion is taken to mean the whole chunk landed. Only its own result is seen.
 * With `DMA_MEMCPY_SG` the chunk is a single descriptor and both modes are exact.
 *
 * A halted channel (a `DMA_PAUSED` status on an outstanding cookie while the driver holds the
 * channel exclusively and never pauses it) ends the wait with -EIO at once instead of at the
 * timeout: pagemig's addition; V5 would wait the full 10 s.
 */
import { EINVAL, EIO, ETIMEDOUT, type Clock } from '@pagemig/kernel';
import { migrateInfoMarkCopied } from '@pagemig/folio';
import type { Memmap } from '@pagemig/mm';
import {
  DMA_ATTR_NO_KERNEL_MAPPING,
  DMA_ATTR_SKIP_CPU_SYNC,
  DMA_CTRL_ACK,
  DMA_FROM_DEVICE,
  DMA_MAX_COOKIE,
  DMA_MEMCPY_SG,
  DMA_PAUSED,
  DMA_PREP_INTERRUPT,
  DMA_TO_DEVICE,
  DMA_TRANS_NOERROR,
  dmaAsyncIssuePending,
  dmaHasCap,
  dmaMapSgtable,
  dmaReleaseChannel,
  dmaSubmitError,
  dmaUnmapSgtable,
  dmaengineSubmit,
  dmaengineTerminateSync,
  dmaengineTxStatus,
  prepDmaMemcpy,
  prepDmaMemcpySg,
  type DmaChan,
  type DmaengineResult,
} from '@pagemig/dmaengine';
import type { DcbmCompletion } from './dcbm-params';
import { dcbmBuildSgTables, foliosCopiedByPieces, sgAlignPieces, sgMatchedPieces, sgSegmentsMatch, type DcbmPieces, type DcbmSgPair } from './dcbm-sg';

/** The mapping attributes the driver passes (`DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_NO_KERNEL_MAPPING`). */
const MAP_ATTRS = DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_NO_KERNEL_MAPPING;

/** Outcome of a descriptor in `each` mode. */
const DESC_PENDING = 0;
const DESC_CLEAN = 1;
const DESC_FAILED = 2;

/** Why `setup()` refused a chunk, for the driver's counters. */
export type DcbmSetupProblem = 'none' | 'size-mismatch' | 'map-failed' | 'nents-mismatch';

/** One channel's part of a batch. */
export class DcbmDmaWork {
  /** The channel, held exclusively until `cleanup()`. */
  readonly chan: DmaChan;
  private readonly clock: Clock;
  private readonly each: boolean;
  /** First folio of the chunk within the batch, and how many. */
  start = 0;
  count = 0;
  /** The chunk's tables (null before setup). */
  sg: DcbmSgPair | null = null;
  private srcMapped = false;
  private dstMapped = false;
  /** What setup refused, if anything. */
  problem: DcbmSetupProblem = 'none';
  /** True when the segments were split to line up (align mode). */
  aligned = false;
  /** True when the chunk goes as one memcpy_sg descriptor. */
  useSg = false;
  private pieces: DcbmPieces | null = null;
  /** Descriptors submitted. */
  nDesc = 0;
  /** Descriptors (each) or callbacks (last) still expected. */
  pending = 0;
  /** 0, or the first error seen by the completion path (-EIO). */
  rc = 0;
  /** Descriptors that completed with an error, a residue or an abort. */
  failed = 0;
  /** Clock readings: after issue, at the last completion (-1 = not yet). */
  issueNs = -1;
  doneNs = -1;
  private firstCookie = 0;
  private lastCookie = 0;
  private descState: Uint8Array | null = null;
  private wake: ((rc: number) => void) | null = null;

  /** Takes over `chan` (already requested) for one batch. */
  constructor(chan: DmaChan, clock: Clock, completion: DcbmCompletion) {
    this.chan = chan;
    this.clock = clock;
    this.each = completion === 'each';
  }

  /**
   * Builds and maps the chunk `dst/src[start .. start + count)`: 0, or -EINVAL (a size mismatch,
   * segments that do not line up without `align`) or the mapping error. With `useSg` and a channel
   * that can do `DMA_MEMCPY_SG`, different segmentation is fine (one descriptor copies it all).
   * Mirrors `setup_sg_tables()`.
   */
  setup(memmap: Memmap, dst: Int32Array, src: Int32Array, start: number, count: number, align: boolean, useSg: boolean): number {
    this.start = start;
    this.count = count;
    const sg = dcbmBuildSgTables(memmap, dst, src, start, count);
    this.sg = sg;
    if (!sg.sizesMatch) {
      this.problem = 'size-mismatch';
      return -EINVAL;
    }
    const dev = this.chan.device;
    let rc = dmaMapSgtable(dev, sg.src, DMA_TO_DEVICE, MAP_ATTRS);
    if (rc !== 0) {
      this.problem = 'map-failed';
      return rc;
    }
    this.srcMapped = true;
    rc = dmaMapSgtable(dev, sg.dst, DMA_FROM_DEVICE, MAP_ATTRS);
    if (rc !== 0) {
      this.problem = 'map-failed';
      return rc;
    }
    this.dstMapped = true;
    if (useSg && dmaHasCap(DMA_MEMCPY_SG, dev.capMask)) {
      this.useSg = true;
      return 0;
    }
    if (sgSegmentsMatch(sg.src, sg.dst)) {
      this.pieces = sgMatchedPieces(sg.src, sg.dst);
      return 0;
    }
    // The IOMMU merged the two sides differently (Gregory Price's case): V5 gives up.
    if (align) this.pieces = sgAlignPieces(sg.src, sg.dst);
    if (this.pieces === null) {
      this.problem = 'nents-mismatch';
      return -EINVAL;
    }
    this.aligned = true;
    return 0;
  }

  /**
   * Prepares and submits the chunk's descriptors: one memcpy per piece (`DMA_PREP_INTERRUPT` on the
   * last one, or on every one with `each`), or one memcpy_sg. 0, or -EIO for a NULL prep or a submit error.
   * Mirrors `submit_dma_transfers()`.
   */
  submit(): number {
    const chan = this.chan;
    const sg = this.sg!;
    if (this.useSg) {
      const tx = prepDmaMemcpySg(chan, sg.dst, sg.src, DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
      if (tx === null) return -EIO;
      tx.callbackResult = this.each ? this.onEach : this.onLast;
      const cookie = dmaengineSubmit(tx);
      if (dmaSubmitError(cookie)) return -EIO;
      this.firstCookie = this.lastCookie = cookie;
      this.descState = this.each ? new Uint8Array(1) : null;
      this.pieces = { count: 1, src: sg.src.dmaAddress, dst: sg.dst.dmaAddress, len: Float64Array.of(sg.bytes) };
      this.nDesc = 1;
      this.pending = 1;
      return 0;
    }
    const p = this.pieces!;
    const n = p.count;
    const each = this.each;
    const pSrc = p.src;
    const pDst = p.dst;
    const pLen = p.len;
    if (each) this.descState = new Uint8Array(n);
    const onEach = this.onEach;
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      // A callback needs DMA_PREP_INTERRUPT to be delivered promptly: every descriptor with `each`.
      const tx = prepDmaMemcpy(chan, pDst[i]!, pSrc[i]!, pLen[i]!, last || each ? DMA_PREP_INTERRUPT | DMA_CTRL_ACK : DMA_CTRL_ACK);
      if (tx === null) return -EIO;
      if (each) tx.callbackResult = onEach;
      else if (last) tx.callbackResult = this.onLast;
      const cookie = dmaengineSubmit(tx);
      if (dmaSubmitError(cookie)) return -EIO;
      if (i === 0) this.firstCookie = cookie;
      this.lastCookie = cookie;
      this.nDesc++;
      if (each) this.pending++;
      else if (last) this.pending = 1;
    }
    return 0;
  }

  /** Starts the submitted descriptors and notes the time (`dma_async_issue_pending()`). */
  issue(): void {
    if (this.nDesc === 0) return;
    dmaAsyncIssuePending(this.chan);
    this.issueNs = this.clock.now();
  }

  /** `each`: one descriptor reported; find it by the channel's completed cookie. */
  private readonly onEach = (res: DmaengineResult): void => {
    const state = this.descState;
    let idx = this.chan.completedCookie - this.firstCookie;
    if (idx < 0) idx += DMA_MAX_COOKIE;
    if (state === null || idx >= this.nDesc || state[idx] !== DESC_PENDING) return;
    if (res.result === DMA_TRANS_NOERROR && res.residue === 0) {
      state[idx] = DESC_CLEAN;
    } else {
      state[idx] = DESC_FAILED;
      this.failed++;
      if (this.rc === 0) this.rc = -EIO;
    }
    if (--this.pending === 0) this.completed();
  };

  /** `last` (V5): the one callback of the chunk. */
  private readonly onLast = (res: DmaengineResult): void => {
    if (this.pending === 0) return;
    if (res.result !== DMA_TRANS_NOERROR || res.residue !== 0) {
      this.failed++;
      if (this.rc === 0) this.rc = -EIO;
    }
    this.pending = 0;
    this.completed();
  };

  private completed(): void {
    this.doneNs = this.clock.now();
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake(this.rc);
    }
  }

  /** The cookie of an outstanding descriptor (to read the channel's state), or 0. */
  private outstandingCookie(): number {
    const state = this.descState;
    if (state === null) return this.pending > 0 ? this.lastCookie : 0;
    for (let i = 0; i < this.nDesc; i++) {
      if (state[i] === DESC_PENDING) {
        const c = this.firstCookie + i;
        return c > DMA_MAX_COOKIE ? c - DMA_MAX_COOKIE : c;
      }
    }
    return 0;
  }

  /** True when an outstanding descriptor reads DMA_PAUSED: the channel halted (the driver never pauses it). */
  private stopped(): boolean {
    const cookie = this.outstandingCookie();
    return cookie > 0 && dmaengineTxStatus(this.chan, cookie).status === DMA_PAUSED;
  }

  /**
   * Waits until the chunk completed (resolves to 0 or the completion error), the channel halted
   * (-EIO) or `timeoutMs` passed (-ETIMEDOUT). Mirrors `wait_for_completion_timeout()`.
   */
  wait(timeoutMs: number): Promise<number> {
    if (this.pending === 0) return Promise.resolve(this.rc);
    const chan = this.chan;
    // It may have halted while the driver was waiting for another channel.
    if (this.stopped()) return Promise.resolve(this.rc === 0 ? -EIO : this.rc);
    return new Promise<number>((resolve) => {
      let generation = chan.stateGeneration;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let removeWaiter: (() => void) | undefined;
      const finish = (rc: number): void => {
        this.wake = null;
        if (timer !== undefined) clearTimeout(timer);
        removeWaiter?.();
        resolve(rc);
      };
      this.wake = finish;
      timer = setTimeout(() => finish(-ETIMEDOUT), timeoutMs);
      // Woken after every completion; only a state change (halt, pause) is interesting here.
      removeWaiter = chan.addWaiter(() => {
        if (chan.stateGeneration === generation) return;
        generation = chan.stateGeneration;
        if (this.pending > 0 && this.stopped()) finish(this.rc === 0 ? -EIO : this.rc);
      });
    });
  }

  /** True when the engine may still touch memory for this chunk, or V5 cleanup terminates regardless. */
  needsTerminate(): boolean {
    return this.nDesc > 0 && (!this.each || this.pending > 0);
  }

  /** Aborts whatever is outstanding and waits until the engine is quiet (`dmaengine_terminate_sync()`). */
  async terminate(): Promise<void> {
    await dmaengineTerminateSync(this.chan);
  }

  /**
   * `each` only, after the engine is quiet: marks (`migrateInfoMarkCopied`) the destination of every
   * folio of the chunk whose descriptors all completed cleanly and whose source is not poisoned;
   * returns how many it marked.
   */
  markCopied(memmap: Memmap, dst: Int32Array): number {
    const state = this.descState;
    const pieces = this.pieces;
    const sg = this.sg;
    if (state === null || pieces === null || sg === null || this.nDesc === 0) return 0;
    const out = new Uint8Array(this.count);
    foliosCopiedByPieces(sg.dst.length, this.count, pieces.len, this.nDesc, state, out);
    const poisoned = sg.poisoned;
    let marked = 0;
    for (let k = 0; k < this.count; k++) {
      if (out[k] !== 1 || (poisoned !== null && poisoned[k] === 1)) continue;
      migrateInfoMarkCopied(memmap.private, dst[this.start + k]!);
      marked++;
    }
    return marked;
  }

  /** Unmaps the tables and releases the channel (the rest of `cleanup_dma_work()`). */
  release(): void {
    const sg = this.sg;
    const dev = this.chan.device;
    if (sg !== null) {
      if (this.srcMapped) dmaUnmapSgtable(dev, sg.src, DMA_TO_DEVICE, MAP_ATTRS);
      if (this.dstMapped) dmaUnmapSgtable(dev, sg.dst, DMA_FROM_DEVICE, MAP_ATTRS);
    }
    this.srcMapped = false;
    this.dstMapped = false;
    dmaReleaseChannel(this.chan);
  }
}
