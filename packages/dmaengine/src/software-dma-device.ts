/**
 * A software DMA device shaped like hardware (PTDMA-like by default): per channel a descriptor ring
 * in a SharedArrayBuffer, the software queue behind it (PTDMA's pending list) in the same shared
 * buffer so the engine refills its ring without a round trip through the main thread, a doorbell,
 * and one worker thread that executes the descriptors as real copies between node memory sections.
 * See dma-ring.ts for the shared layout and dma-channel-worker.ts for the engine.
 *
 * Threading and completion delivery (what a driver author must know):
 * - Everything here runs on the main thread; only the copies run on the channel's worker, which is
 *   started lazily by the first issue that has work and is unref'd whenever nothing is outstanding,
 *   so an idle device never keeps the process alive. `shutdown()` stops the workers.
 * - Completions come back through shared memory: the worker appends completion entries and bumps the
 *   interrupt word, and the driver sleeps on it with `Atomics.waitAsync` (one pending wait per busy
 *   channel). Chosen over worker messages because one wake-up can reap many completions (interrupt
 *   coalescing), nothing is structured-cloned per descriptor, and the status never leaves the shared
 *   buffer. The worker interrupts after DMA_PREP_INTERRUPT descriptors and at the end of each
 *   chain, coalesced while it has more work ready (at most `irqCoalesceUs` late), after a fetch while
 *   the driver holds descriptors that did not fit in the shared queue, and when it stalls, halts or
 *   acknowledges an abort.
 * - Callbacks run on the main thread from that completion path, never inside submit or issue.
 * - Memory: records carry physical addresses. The device materializes destination sections at prep
 *   time and sends the worker a fresh `phys.share()` before the doorbell whenever
 *   `phys.generation` moved, so the worker always sees every section a record touches. A copy
 *   outside memory completes with DMA_TRANS_READ_FAILED / DMA_TRANS_WRITE_FAILED.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { KernelError, Prng } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import type { PhysMem } from '@pagemig/mm';
import { DMA_INTERRUPT, DMA_MEMCPY, dmaCapMask, type DmaCapMask } from './dma-caps';
import { DmaChan, dmaCookieAssign, dmaCookieComplete, dmaCookieStatus } from './dma-chan';
import { DmaAsyncTxDescriptor } from './dma-descriptor';
import type { DmaDevice } from './dma-device';
import { dmaAsyncDeviceRegister, type DmaEngine } from './dma-engine';
import { DmaFaultPlan, type DmaFaultSpec } from './dma-fault';
import {
  C_COOKIE,
  C_LEN,
  C_RESIDUE,
  C_RESULT,
  FAULT_NONE,
  FAULT_STALL,
  H_ABORT,
  H_ABORT_ACK,
  H_COMP_HEAD,
  H_COMP_TAIL,
  H_DOORBELL,
  H_EXECUTED,
  H_HALTED,
  H_HEAD,
  H_IRQ,
  H_PAUSED,
  H_READY,
  H_RELEASE,
  H_SLEEPING,
  H_SPACE_WANTED,
  H_STALLED,
  H_STOP,
  H_TAIL,
  OP_MEMCPY,
  RECORD_WORDS,
  REC_CHAIN_END,
  R_COOKIE,
  R_DST_F64,
  R_FAULT,
  R_FAULT_ARG,
  R_FLAGS,
  R_LEN,
  R_OPCODE,
  R_RANK,
  R_SRC_F64,
  R_STALL_MS,
  ringBytes,
  ringLayout,
  type RingLayout,
} from './dma-ring';
import { DMA_IN_PROGRESS, DMA_PAUSED, DMA_PREP_INTERRUPT, DMA_TRANS_ABORTED, DMA_TRANS_NOERROR, type DmaCookie, type DmaTxState, type DmaengineTxResult } from './dma-status';
import { createIommu, type Iommu, type IommuOptions } from './iommu';
import type { SgTable } from './scatterlist';

/** Completion order of a software device. */
export type DmaCompletionOrder = 'in-order' | 'out-of-order';

/** Configuration of `createSoftwareDmaDevice()`. */
export interface SoftwareDmaDeviceOptions {
  /** Device name (default `swdma<N>`). */
  readonly name?: string;
  /** The memory the device copies in. */
  readonly phys: PhysMem;
  /** Channels (default 1, at most 64); each gets its own ring and worker. */
  readonly channels?: number;
  /** Ring entries per channel (default 32, like PTDMA); a power of two from 2 to 4096. */
  readonly ringDepth?: number;
  /** Capabilities (default DMA_MEMCPY, DMA_INTERRUPT; add DMA_PRIVATE for PTDMA, DMA_MEMCPY_SG for SG). */
  readonly caps?: readonly number[];
  /** `in-order` (default) or `out-of-order` within each chain the doorbell published. */
  readonly completionOrder?: DmaCompletionOrder;
  /** Fault rules (see dma-fault.ts). */
  readonly faults?: readonly DmaFaultSpec[];
  /** Seed of fault probabilities and out-of-order permutations (default 1). */
  readonly seed?: number;
  /** IOMMU model used by `dmaMapSgtable()` for this device (default: no merging). */
  readonly iommu?: IommuOptions;
  /** log2 of the copy alignment the device advertises (`copy_align`, default 0). */
  readonly copyAlign?: number;
  /**
   * Interrupt coalescing window in µs (default 1000): while the engine has more work ready, the
   * interrupt a completion asks for waits at most this long; 0 raises one per DMA_PREP_INTERRUPT
   * descriptor (PTDMA). Completions themselves are published at once.
   */
  readonly irqCoalesceUs?: number;
}

/** Counters of one channel's ring, for tests and benchmarks. */
export interface SoftwareDmaRingStats {
  readonly ringDepth: number;
  /** Records ever written to the ring (the producer index). */
  readonly produced: number;
  /** Records ever fetched by the engine. */
  readonly fetched: number;
  /** Records executed by the engine. */
  readonly executed: number;
  /** Records waiting in the software queue now (behind the ring; a memcpy_sg counts its pieces). */
  readonly softwareQueued: number;
  /** Largest software queue seen (after an issue). */
  readonly maxSoftwareQueued: number;
  /** Doorbells rung. */
  readonly doorbells: number;
  /** Interrupts raised by the engine. */
  readonly interrupts: number;
  /** Worker threads started so far (lazy start, restarts after shutdown). */
  readonly workerStarts: number;
}

/** A software DMA device. */
export interface SoftwareDmaDevice extends DmaDevice {
  readonly phys: PhysMem;
  readonly iommu: Iommu;
  readonly ringDepth: number;
  readonly completionOrder: DmaCompletionOrder;
  /** Interrupt coalescing window in µs (0: one interrupt per DMA_PREP_INTERRUPT descriptor). */
  readonly irqCoalesceUs: number;
  /** Adds a fault rule for descriptors submitted from now on; throws EINVAL for a bad rule. */
  injectFault(spec: DmaFaultSpec): void;
  /** Removes every fault rule. */
  clearFaults(): void;
  /** Lets one stalled descriptor of `chan` run (now, or the next one that stalls). */
  releaseStall(chan: DmaChan): void;
  /** Resolves once the engine of `chan` holds a stalled descriptor (completions before it are delivered first). */
  whenStalled(chan: DmaChan): Promise<void>;
  /** True while the channel is halted by a `halt` fault. */
  isHalted(chan: DmaChan): boolean;
  /** True while the channel's worker thread exists. */
  workerRunning(chan: DmaChan): boolean;
  /** Ring counters of `chan`. */
  ringStats(chan: DmaChan): SoftwareDmaRingStats;
  /**
   * Starts every channel's worker now (instead of on first use) and resolves once all of them run,
   * so a benchmark or a timeout-sensitive test does not count thread start-up. Idle workers stay unref'd.
   */
  startWorkers(): Promise<void>;
  /** Aborts everything outstanding and stops the workers (they restart on the next issue). */
  shutdown(): Promise<void>;
}

/** A descriptor of the software device: one memcpy, or a memcpy_sg split into pieces. */
class SwDesc extends DmaAsyncTxDescriptor {
  /** Piece addresses and lengths (one piece for a memcpy). */
  src: Float64Array | number = 0;
  dst: Float64Array | number = 0;
  pieceLen: Float64Array | null = null;
  nPieces = 1;
  nextPiece = 0;
  piecesLeft = 1;
  doneBytes = 0;
  result: DmaengineTxResult = DMA_TRANS_NOERROR;
  residue = 0;
  fault = FAULT_NONE;
  faultArg = 0;
  stallMs = 0;
}

/** Default interrupt coalescing window: 1 ms, a few interrupts per 2 MiB-folio batch instead of one per folio. */
const DEFAULT_IRQ_COALESCE_US = 1000;

const WORKER_URL = new URL('../dist/dma-channel-worker.js', import.meta.url);

/** The parent's Node options minus those that only make sense for the main entry (`--input-type` breaks a file worker). */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--input-type' || a === '-e' || a === '--eval' || a === '-p' || a === '--print') {
      i++;
      continue;
    }
    if (a.startsWith('--input-type=') || a.startsWith('--eval=') || a.startsWith('--print=')) continue;
    out.push(a);
  }
  return out;
}

/** The driver side of one channel. */
class SwChan {
  readonly chan: DmaChan;
  readonly dev: SoftwareDmaDeviceImpl;
  readonly layout: RingLayout;
  readonly buffer: SharedArrayBuffer;
  worker: Worker | null = null;
  private port: MessagePort | null = null;
  private refd = false;
  private armed = false;
  private irqSeen = 0;
  private sentGeneration = -1;
  private stopping: Promise<void> | null = null;
  /**
   * Descriptors not yet (fully) written to the shared queue, in submission order, from `queueHead`:
   * those before `issuedEnd` are issued, the rest only submitted. Issuing moves the mark, so it costs
   * nothing per descriptor. Issued, unfinished descriptors are found through `chan.inProgress`.
   */
  private queue: SwDesc[] = [];
  private queueHead = 0;
  private issuedEnd = 0;
  /** Records of the issued descriptors still in `queue`, and of the submitted ones. */
  private queuedRecords = 0;
  private submittedRecords = 0;
  /** Issued descriptors not completed yet. */
  private nActive = 0;
  /** Records in the engine's hands (written, not reaped). */
  hwCount = 0;
  tail = 0;
  compHead = 0;
  nSubmitted = 0;
  abortEpoch = 0;
  terminating = 0;
  private ackWaiters: { epoch: number; resolve: () => void }[] = [];
  private stallWaiters: (() => void)[] = [];
  private starting: Promise<void> | null = null;
  private readyBase = 0;
  private lastHalted = 0;
  maxSoftwareQueued = 0;
  doorbells = 0;
  workerStarts = 0;
  private readonly rankScratch: Int32Array;
  private readonly orderPrng: Prng;
  readonly onIrq = (): void => {
    this.armed = false;
    this.service();
  };

  constructor(dev: SoftwareDmaDeviceImpl, chan: DmaChan, seed: number) {
    this.dev = dev;
    this.chan = chan;
    this.buffer = new SharedArrayBuffer(ringBytes(dev.ringDepth));
    this.layout = ringLayout(this.buffer, dev.ringDepth);
    this.rankScratch = new Int32Array(dev.ringDepth);
    this.orderPrng = new Prng((seed * 31 + chan.chanId * 7919 + 17) >>> 0);
  }

  private get h(): Int32Array {
    return this.layout.header;
  }

  /** Outstanding work that needs the worker and the interrupt. */
  private busy(): boolean {
    return this.nActive > 0 || this.ackWaiters.length > 0 || this.stallWaiters.length > 0 || this.starting !== null;
  }

  private updateRef(): void {
    const w = this.worker;
    if (w === null) return;
    const want = this.busy() || this.stopping !== null;
    if (want === this.refd) return;
    this.refd = want;
    if (want) w.ref();
    else w.unref();
  }

  private arm(): void {
    if (this.armed || this.worker === null || !this.busy()) return;
    const r = Atomics.waitAsync(this.h, H_IRQ, this.irqSeen);
    if (r.async) {
      this.armed = true;
      void r.value.then(this.onIrq);
    } else {
      this.armed = true;
      queueMicrotask(this.onIrq);
    }
  }

  private ensureWorker(): void {
    if (this.worker !== null) return;
    const h = this.h;
    Atomics.store(h, H_STOP, 0);
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    this.port = port1;
    const phys = this.dev.phys;
    this.sentGeneration = phys.generation;
    this.readyBase = Atomics.load(h, H_READY);
    const worker = new Worker(WORKER_URL, {
      execArgv: workerExecArgv(),
      workerData: { buffer: this.buffer, depth: this.dev.ringDepth, irqCoalesceMs: this.dev.irqCoalesceUs / 1000, share: phys.share(), port: port2 },
      transferList: [port2],
      name: `${this.dev.name}/${this.chan.chanId}`,
    });
    this.workerStarts++;
    this.worker = worker;
    this.refd = true;
    worker.on('error', (error) => {
      this.dev.lastWorkerError = error;
      process.emitWarning(`${this.dev.name}: worker of ${this.chan.name || `channel ${this.chan.chanId}`} failed, its descriptors are aborted: ${String(error)}`);
    });
    worker.on('exit', () => this.onExit(worker));
  }

  private onExit(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.port?.close();
    this.port = null;
    this.armed = false;
    Atomics.notify(this.h, H_READY); // wakes a start() waiting for a worker that died
    if (this.stopping === null) {
      // The engine died: nothing will complete, so abort what it held.
      this.abortAll();
      for (const w of this.ackWaiters.splice(0)) w.resolve();
    }
  }

  txSubmit = (desc: DmaAsyncTxDescriptor): DmaCookie => {
    const d = desc as SwDesc;
    const cookie = dmaCookieAssign(d);
    this.nSubmitted++;
    const plan = this.dev.faults;
    if (!plan.empty) {
      const decision = plan.decide(this.chan.chanId, this.nSubmitted, d.len);
      d.fault = decision.code;
      d.faultArg = decision.arg;
      d.stallMs = decision.stallMs;
    }
    this.queue.push(d);
    this.submittedRecords += d.nPieces;
    return cookie;
  };

  issuePending(): void {
    this.nActive += this.queue.length - this.issuedEnd;
    this.issuedEnd = this.queue.length;
    this.queuedRecords += this.submittedRecords;
    this.submittedRecords = 0;
    this.pump();
    const queued = this.softwareQueued();
    if (queued > this.maxSoftwareQueued) this.maxSoftwareQueued = queued;
  }

  /** Records waiting behind the ring: published beyond its `depth` entries, or not published yet. */
  private softwareQueued(): number {
    const unfetched = (this.tail - Atomics.load(this.h, H_HEAD)) | 0;
    return Math.max(0, unfetched - this.layout.depth) + this.queuedRecords;
  }

  /**
   * Moves issued descriptors into free slots of the shared queue, in chains of at most `depth`
   * records, and rings the doorbell. The engine refills its ring from the shared queue by itself;
   * only descriptors that did not fit stay here (`H_SPACE_WANTED` asks for an interrupt per fetch).
   */
  private pump(): void {
    if (this.terminating > 0 || this.stopping !== null || this.queueHead === this.issuedEnd) {
      this.arm();
      return;
    }
    this.ensureWorker();
    const { i32, f64, recordBase, depth, slots, compDepth } = this.layout;
    const h = this.h;
    const mask = slots - 1;
    const head = Atomics.load(h, H_HEAD);
    const start = this.tail;
    let tail = start;
    let chainStart = start;
    while (this.queueHead < this.issuedEnd && this.hwCount < compDepth && ((tail - head) | 0) < slots) {
      const d = this.queue[this.queueHead] as SwDesc;
      const p = d.nextPiece;
      const slot = tail & mask;
      const w = recordBase + slot * RECORD_WORDS;
      const f = recordBase / 2 + slot * (RECORD_WORDS / 2);
      const last = p === d.nPieces - 1;
      i32[w + R_OPCODE] = OP_MEMCPY;
      i32[w + R_FLAGS] = last ? d.flags : d.flags & ~DMA_PREP_INTERRUPT;
      i32[w + R_COOKIE] = d.cookie;
      if (d.pieceLen === null) {
        i32[w + R_LEN] = d.len;
        f64[f + R_SRC_F64] = d.src as number;
        f64[f + R_DST_F64] = d.dst as number;
      } else {
        i32[w + R_LEN] = d.pieceLen[p] as number;
        f64[f + R_SRC_F64] = (d.src as Float64Array)[p] as number;
        f64[f + R_DST_F64] = (d.dst as Float64Array)[p] as number;
      }
      const faulty = p === 0 ? d.fault : FAULT_NONE;
      i32[w + R_FAULT] = faulty;
      i32[w + R_FAULT_ARG] = p === 0 ? d.faultArg : 0;
      i32[w + R_STALL_MS] = p === 0 ? d.stallMs : 0;
      tail = (tail + 1) | 0;
      this.hwCount++;
      this.queuedRecords--;
      d.nextPiece++;
      if (d.nextPiece === d.nPieces) {
        this.queue[this.queueHead] = undefined as unknown as SwDesc;
        this.queueHead++;
      }
      if (((tail - chainStart) | 0) === depth) {
        this.endChain(chainStart, depth);
        chainStart = tail;
      }
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
      this.issuedEnd = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.issuedEnd -= this.queueHead;
      this.queueHead = 0;
    }
    if (tail !== chainStart) this.endChain(chainStart, (tail - chainStart) | 0);
    if (tail !== start) {
      const phys = this.dev.phys;
      if (phys.generation !== this.sentGeneration && this.port !== null) {
        this.sentGeneration = phys.generation;
        this.port.postMessage({ type: 'share', share: phys.share() });
      }
      this.tail = tail;
      Atomics.store(h, H_TAIL, tail);
      this.ring();
    }
    Atomics.store(h, H_SPACE_WANTED, this.queueHead < this.issuedEnd ? 1 : 0);
    this.updateRef();
    this.arm();
  }

  /** Closes the chain of the `n` records from `start`: execution ranks and the chain-end flag. */
  private endChain(start: number, n: number): void {
    const { i32, recordBase, slots } = this.layout;
    this.assignRanks(start, n);
    const lastW = recordBase + (((start + n - 1) | 0) & (slots - 1)) * RECORD_WORDS;
    i32[lastW + R_FLAGS] = (i32[lastW + R_FLAGS] as number) | REC_CHAIN_END;
  }

  /** Execution ranks of the records [start, start + n): fetch order, or a seeded permutation with stalls last. */
  private assignRanks(start: number, n: number): void {
    const { i32, recordBase, slots } = this.layout;
    const mask = slots - 1;
    const order = this.rankScratch;
    for (let k = 0; k < n; k++) order[k] = k;
    if (this.dev.completionOrder === 'out-of-order') {
      for (let k = n - 1; k > 0; k--) {
        const j = this.orderPrng.below(k + 1);
        const t = order[k] as number;
        order[k] = order[j] as number;
        order[j] = t;
      }
      // Stalled records go last, so the rest of the chain can complete before them.
      let w = 0;
      const stalled: number[] = [];
      for (let k = 0; k < n; k++) {
        const idx = order[k] as number;
        if (i32[recordBase + ((start + idx) & mask) * RECORD_WORDS + R_FAULT] === FAULT_STALL) stalled.push(idx);
        else order[w++] = idx;
      }
      for (const idx of stalled) order[w++] = idx;
    }
    for (let k = 0; k < n; k++) {
      i32[recordBase + ((start + (order[k] as number)) & mask) * RECORD_WORDS + R_RANK] = k;
    }
  }

  /** Rings the doorbell; the futex wake is only paid when the engine actually sleeps. */
  private ring(): void {
    this.doorbells++;
    Atomics.add(this.h, H_DOORBELL, 1);
    if (Atomics.load(this.h, H_SLEEPING) !== 0) Atomics.notify(this.h, H_DOORBELL);
  }

  /** The interrupt handler: reap completions, refill the ring, report stall/halt/abort state. */
  service(): void {
    const h = this.h;
    this.irqSeen = Atomics.load(h, H_IRQ);
    const { i32, compBase, compDepth } = this.layout;
    const compMask = compDepth - 1;
    let compTail = Atomics.load(h, H_COMP_TAIL);
    while (this.compHead !== compTail) {
      const base = compBase + (this.compHead & compMask) * 4;
      const cookie = i32[base + C_COOKIE] as number;
      const result = i32[base + C_RESULT] as DmaengineTxResult;
      const residue = i32[base + C_RESIDUE] as number;
      const len = i32[base + C_LEN] as number;
      this.compHead = (this.compHead + 1) | 0;
      Atomics.store(h, H_COMP_HEAD, this.compHead);
      this.completeRecord(cookie, result, residue, len);
      if (this.compHead === compTail) compTail = Atomics.load(h, H_COMP_TAIL);
    }
    this.pump();
    const halted = Atomics.load(h, H_HALTED);
    if (halted !== this.lastHalted) {
      this.lastHalted = halted;
      this.chan.stateChanged();
    }
    if (this.stallWaiters.length > 0 && Atomics.load(h, H_STALLED) !== 0) {
      for (const resolve of this.stallWaiters.splice(0)) resolve();
    }
    if (this.ackWaiters.length > 0) {
      const acked = Atomics.load(h, H_ABORT_ACK);
      const still: { epoch: number; resolve: () => void }[] = [];
      for (const w of this.ackWaiters) {
        if (acked - w.epoch >= 0) w.resolve();
        else still.push(w);
      }
      this.ackWaiters = still;
    }
    this.updateRef();
    this.arm();
  }

  private completeRecord(cookie: number, result: DmaengineTxResult, residue: number, len: number): void {
    const d = this.chan.inProgress.get(cookie) as SwDesc | undefined;
    if (d === undefined) return;
    this.hwCount--;
    d.piecesLeft--;
    d.doneBytes += len - residue;
    if (result !== DMA_TRANS_NOERROR && d.result === DMA_TRANS_NOERROR) d.result = result;
    d.residue += residue;
    if (d.piecesLeft === 0) {
      this.nActive--;
      dmaCookieComplete(d, d.result, d.residue);
    }
  }

  txStatus(cookie: DmaCookie): DmaTxState {
    const state = dmaCookieStatus(this.chan, cookie);
    if (state.status !== DMA_IN_PROGRESS) return state;
    const d = this.chan.inProgress.get(cookie) as SwDesc | undefined;
    const residue = d === undefined ? state.residue : d.len - d.doneBytes;
    const h = this.h;
    const stopped = Atomics.load(h, H_PAUSED) !== 0 || Atomics.load(h, H_HALTED) !== 0;
    return { status: stopped ? DMA_PAUSED : DMA_IN_PROGRESS, residue };
  }

  /** Completes every outstanding descriptor with DMA_TRANS_ABORTED, in cookie order. */
  private abortAll(): void {
    this.queue = [];
    this.queueHead = 0;
    this.issuedEnd = 0;
    this.queuedRecords = 0;
    this.submittedRecords = 0;
    this.nActive = 0;
    this.hwCount = 0;
    // Without an engine (it died) nobody drops the published records: a restarted one must not run them.
    if (this.worker === null) Atomics.store(this.h, H_HEAD, this.tail);
    const list = ([...this.chan.inProgress.values()] as SwDesc[]).sort((a, b) => a.cookie - b.cookie);
    for (const d of list) dmaCookieComplete(d, DMA_TRANS_ABORTED, d.len - d.doneBytes);
  }

  async terminate(): Promise<number> {
    this.terminating++;
    try {
      const h = this.h;
      if (this.worker !== null) {
        const epoch = ++this.abortEpoch;
        const acked = new Promise<void>((resolve) => this.ackWaiters.push({ epoch, resolve }));
        Atomics.store(h, H_ABORT, epoch);
        this.ring();
        this.updateRef();
        this.arm();
        await acked;
        this.service();
      }
      Atomics.store(h, H_PAUSED, 0);
      Atomics.store(h, H_HALTED, 0);
      this.lastHalted = 0;
      this.abortAll();
    } finally {
      this.terminating--;
      this.updateRef();
    }
    this.chan.stateChanged();
    return 0;
  }

  pause(): number {
    Atomics.store(this.h, H_PAUSED, 1);
    this.ring();
    this.chan.stateChanged();
    return 0;
  }

  resume(): number {
    Atomics.store(this.h, H_PAUSED, 0);
    this.ring();
    this.chan.stateChanged();
    return 0;
  }

  /** Starts the worker if needed and resolves once its loop runs. */
  async start(): Promise<void> {
    this.ensureWorker();
    const h = this.h;
    if (Atomics.load(h, H_READY) !== this.readyBase) return;
    if (this.starting === null) {
      this.starting = (async () => {
        while (this.worker !== null && Atomics.load(h, H_READY) === this.readyBase) {
          const r = Atomics.waitAsync(h, H_READY, this.readyBase);
          if (r.async) await r.value;
        }
      })();
      this.updateRef();
      try {
        await this.starting;
      } finally {
        this.starting = null;
        this.updateRef();
      }
      return;
    }
    await this.starting;
  }

  releaseStall(): void {
    Atomics.add(this.h, H_RELEASE, 1);
    this.ring();
  }

  whenStalled(): Promise<void> {
    if (this.worker !== null && Atomics.load(this.h, H_STALLED) !== 0) {
      // Deliver the completions that happened before the stall first.
      this.service();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.stallWaiters.push(resolve);
      this.updateRef();
      this.arm();
    });
  }

  halted(): boolean {
    return Atomics.load(this.h, H_HALTED) !== 0;
  }

  stats(): SoftwareDmaRingStats {
    const h = this.h;
    return {
      ringDepth: this.layout.depth,
      produced: this.tail >>> 0,
      fetched: Atomics.load(h, H_HEAD) >>> 0,
      executed: Atomics.load(h, H_EXECUTED) >>> 0,
      softwareQueued: this.softwareQueued(),
      maxSoftwareQueued: this.maxSoftwareQueued,
      doorbells: this.doorbells,
      interrupts: Atomics.load(h, H_IRQ) >>> 0,
      workerStarts: this.workerStarts,
    };
  }

  async stop(): Promise<void> {
    if (this.chan.inProgress.size > 0) await this.terminate();
    const worker = this.worker;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.stopping = exited;
    this.updateRef();
    Atomics.store(this.h, H_STOP, 1);
    this.ring();
    await exited;
    this.stopping = null;
    this.armed = false;
  }
}

/** The device object. */
class SoftwareDmaDeviceImpl implements SoftwareDmaDevice {
  readonly name: string;
  readonly capMask: DmaCapMask;
  readonly channels: readonly DmaChan[];
  readonly copyAlign: number;
  readonly iommu: Iommu;
  readonly phys: PhysMem;
  readonly ringDepth: number;
  readonly completionOrder: DmaCompletionOrder;
  readonly irqCoalesceUs: number;
  readonly faults: DmaFaultPlan;
  /** Last error thrown inside a channel worker (diagnostics). */
  lastWorkerError: unknown = null;
  private readonly chans: SwChan[];

  constructor(engine: DmaEngine, options: SoftwareDmaDeviceOptions) {
    const nChannels = options.channels ?? 1;
    if (!Number.isInteger(nChannels) || nChannels < 1 || nChannels > 64) {
      throw new KernelError('EINVAL', `software DMA device: channels ${String(nChannels)} is invalid; accepted: an integer from 1 to 64`);
    }
    const depth = options.ringDepth ?? 32;
    if (!Number.isInteger(depth) || depth < 2 || depth > 4096 || (depth & (depth - 1)) !== 0) {
      throw new KernelError('EINVAL', `software DMA device: ringDepth ${String(depth)} is invalid; accepted: a power of two from 2 to 4096`);
    }
    const order = options.completionOrder ?? 'in-order';
    if (order !== 'in-order' && order !== 'out-of-order') {
      throw new KernelError('EINVAL', `software DMA device: completionOrder ${JSON.stringify(order)} is invalid; accepted: in-order, out-of-order`);
    }
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed)) throw new KernelError('EINVAL', `software DMA device: seed ${String(seed)} is invalid; accepted: an integer`);
    const copyAlign = options.copyAlign ?? 0;
    if (!Number.isInteger(copyAlign) || copyAlign < 0 || copyAlign > 12) {
      throw new KernelError('EINVAL', `software DMA device: copyAlign ${String(copyAlign)} is invalid; accepted: an integer from 0 to 12 (log2 bytes)`);
    }
    const irqCoalesceUs = options.irqCoalesceUs ?? DEFAULT_IRQ_COALESCE_US;
    if (!Number.isInteger(irqCoalesceUs) || irqCoalesceUs < 0 || irqCoalesceUs > 1_000_000) {
      throw new KernelError('EINVAL', `software DMA device: irqCoalesceUs ${String(irqCoalesceUs)} is invalid; accepted: an integer from 0 to 1000000 (µs)`);
    }
    if (options.phys === undefined || typeof options.phys.share !== 'function') {
      throw new KernelError('EINVAL', 'software DMA device: phys is missing; accepted: a PhysMem');
    }
    this.capMask = dmaCapMask(...(options.caps ?? [DMA_MEMCPY, DMA_INTERRUPT]));
    this.faults = new DmaFaultPlan(options.faults ?? [], seed >>> 0);
    this.iommu = createIommu(options.iommu ?? {});
    this.name = options.name ?? defaultName(engine);
    this.phys = options.phys;
    this.ringDepth = depth;
    this.completionOrder = order;
    this.irqCoalesceUs = irqCoalesceUs;
    this.copyAlign = copyAlign;
    const channels: DmaChan[] = [];
    this.chans = [];
    for (let i = 0; i < nChannels; i++) {
      const chan = new DmaChan(this, i);
      channels.push(chan);
      this.chans.push(new SwChan(this, chan, seed >>> 0));
    }
    this.channels = channels;
  }

  private sw(chan: DmaChan): SwChan {
    const s = chan.device === this ? this.chans[chan.chanId] : undefined;
    if (s === undefined) throw new KernelError('EINVAL', `${this.name}: channel ${chan.name || chan.chanId} is not one of this device's channels`);
    return s;
  }

  private materialize(dst: number, len: number): void {
    const phys = this.phys;
    if (dst + len > phys.totalPages * PAGE_SIZE) return;
    const first = Math.floor(dst / PAGE_SIZE);
    phys.materialize(first, Math.floor((dst + len - 1) / PAGE_SIZE) - first + 1);
  }

  devicePrepDmaMemcpy(chan: DmaChan, dst: number, src: number, len: number, flags: number): DmaAsyncTxDescriptor | null {
    const s = this.sw(chan);
    const d = new SwDesc(chan, flags, len, s.txSubmit);
    d.src = src;
    d.dst = dst;
    this.materialize(dst, len);
    return d;
  }

  devicePrepDmaMemcpySg(chan: DmaChan, dstSg: SgTable, srcSg: SgTable, flags: number): DmaAsyncTxDescriptor | null {
    const s = this.sw(chan);
    const max = dstSg.nents + srcSg.nents - 1;
    const src = new Float64Array(max);
    const dst = new Float64Array(max);
    const plen = new Float64Array(max);
    let n = 0;
    let i = 0;
    let j = 0;
    let so = 0;
    let dof = 0;
    let total = 0;
    while (i < srcSg.nents && j < dstSg.nents) {
      const sl = (srcSg.dmaLength[i] as number) - so;
      const dl = (dstSg.dmaLength[j] as number) - dof;
      const len = Math.min(sl, dl);
      src[n] = (srcSg.dmaAddress[i] as number) + so;
      dst[n] = (dstSg.dmaAddress[j] as number) + dof;
      plen[n] = len;
      this.materialize(dst[n] as number, len);
      n++;
      total += len;
      so += len;
      dof += len;
      if (so === (srcSg.dmaLength[i] as number)) {
        i++;
        so = 0;
      }
      if (dof === (dstSg.dmaLength[j] as number)) {
        j++;
        dof = 0;
      }
    }
    const d = new SwDesc(chan, flags, total, s.txSubmit);
    d.src = src.subarray(0, n);
    d.dst = dst.subarray(0, n);
    d.pieceLen = plen.subarray(0, n);
    d.nPieces = n;
    d.piecesLeft = n;
    return d;
  }

  deviceIssuePending(chan: DmaChan): void {
    this.sw(chan).issuePending();
  }

  deviceTxStatus(chan: DmaChan, cookie: DmaCookie): DmaTxState {
    return this.sw(chan).txStatus(cookie);
  }

  deviceTerminateAll(chan: DmaChan): Promise<number> {
    return this.sw(chan).terminate();
  }

  devicePause(chan: DmaChan): number {
    return this.sw(chan).pause();
  }

  deviceResume(chan: DmaChan): number {
    return this.sw(chan).resume();
  }

  injectFault(spec: DmaFaultSpec): void {
    this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  releaseStall(chan: DmaChan): void {
    this.sw(chan).releaseStall();
  }

  whenStalled(chan: DmaChan): Promise<void> {
    return this.sw(chan).whenStalled();
  }

  isHalted(chan: DmaChan): boolean {
    return this.sw(chan).halted();
  }

  workerRunning(chan: DmaChan): boolean {
    return this.sw(chan).worker !== null;
  }

  ringStats(chan: DmaChan): SoftwareDmaRingStats {
    return this.sw(chan).stats();
  }

  async startWorkers(): Promise<void> {
    await Promise.all(this.chans.map((c) => c.start()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.chans.map((c) => c.stop()));
  }
}

function defaultName(engine: DmaEngine): string {
  for (let n = 0; ; n++) {
    const name = `swdma${n}`;
    if (!engine.devices.some((d) => d.name === name)) return name;
  }
}

/**
 * Builds a software DMA device over `options.phys` and registers it with `engine`. Throws
 * KernelError EINVAL naming a bad option. Workers start on the first issue with work.
 */
export function createSoftwareDmaDevice(engine: DmaEngine, options: SoftwareDmaDeviceOptions): SoftwareDmaDevice {
  const dev = new SoftwareDmaDeviceImpl(engine, options);
  dmaAsyncDeviceRegister(engine, dev);
  return dev;
}
