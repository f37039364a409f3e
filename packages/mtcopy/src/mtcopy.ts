/**
 * The mtcopy driver: Zi Yan's multi-threaded CPU copy (`CPU_MT_COPY`) as a pagemig migrator.
 * `createMtcopy()` loads a module `mtcopy` that owns a pool of copy lanes (copy-lanes.ts), a
 * `Migrator` whose `offloadCopy` splits each batch over `threads` copy threads
 * (mtcopy-split.ts), and the knobs under `/sys/module/mtcopy/parameters/`.
 *
 * What a batch does: check every source page for hardware poison (the workers cannot see the
 * memmap; a poisoned batch fails with -EAGAIN before any byte moves, and the core's per-folio
 * fallback handles the poison), split, ring the worker lanes, copy with the dispatching thread
 * (its own share when `mainThreadShare` is on, then, with `workStealing`, whatever nobody has
 * reached), wait, copy any slice no worker claimed, then charge the workers' busy time to the
 * batch's memcg (`offload.chargeTime(ctx, ns, 'cpu')`). A worker that threw or died holding
 * slices fails the batch with -EAGAIN, as the kernel driver does; the core then copies every
 * folio itself, so nothing is lost. Batches are serialised: one runs on the pool at a time.
 *
 * CPU time: Node 20 has no per-thread CPU clock (`process.cpuUsage()` is process-wide), so a
 * worker measures the wall time of its copy loop (`performance.now()` around it). The loop
 * never blocks, so this is its CPU time except when the host preempts the thread.
 *
 * Not modelled: NUMA-aware thread placement (`padata` numa_aware, spreading across dies),
 * partial success (with V6 semantics a failed batch marks nothing; the core recopies all).
 */
import {
  EAGAIN,
  ENODEV,
  EOPNOTSUPP,
  KernelError,
  boolAttribute,
  counterAttribute,
  createModule,
  deleteModule,
  enumAttribute,
  moduleIsLive,
  strerror,
  uintAttribute,
  type Module,
  type SysfsAttribute,
  type Tracepoint,
} from '@pagemig/kernel';
import { HPAGE_PMD_SIZE, PAGE_SIZE, PGF_hwpoison } from '@pagemig/folio';
import type { System } from '@pagemig/mm';
import type { BatchCopyContext } from '@pagemig/migrate';
import type { Migrator } from '@pagemig/offload';
import { CopyLanes, type MtcopyHandoff } from './copy-lanes';
import { FAULT_EXIT, FAULT_NONE, FAULT_THROW, MAX_LANES, SLICE_WORDS, absNowMs } from './lane-layout';
import { maxSlices, mtcopySplit } from './mtcopy-split';

/**
 * What mtcopy uses of `@pagemig/offload`'s `MigrateOffload` (register, unregister, chargeTime,
 * active): a `MigrateOffload` is one; a test may pass a stand-in.
 */
export interface MtcopyOffloadRegistry {
  register(migrator: Migrator, reasonMask?: number): number;
  unregister(migrator: Migrator): Promise<number>;
  chargeTime(ctx: BatchCopyContext, ns: number, kind: 'cpu' | 'device'): void;
  readonly active: { readonly name: string } | null;
}

/** `mtcopy_dispatch` payload: a batch handed to the copy threads. */
export interface MtcopyDispatchEvent {
  batchId: number;
  threads: number;
  bytes: number;
}

/** `mtcopy_slice` payload: one thread's share of a batch, with its busy time. */
export interface MtcopySliceEvent {
  batchId: number;
  /** Copy thread index; the dispatching thread is the last one when it takes a share. */
  thread: number;
  bytes: number;
  cpuNs: number;
}

/** Test-only fault for the next batch with a worker lane. */
export type MtcopyCrashKind = 'none' | 'throw' | 'exit';

/** How to create the mtcopy driver. */
export interface MtcopyOptions {
  /** The system whose memory the migrator copies. */
  system: System;
  /** The offload registry to register with when `offloading` is set (optional for direct use). */
  offload?: MtcopyOffloadRegistry;
  /** Copy threads, 1..64 (default 2), the dispatching thread included when it takes a share. */
  threads?: number;
  /** Slice alignment in bytes: a power of two from 4K to 2M (default 4K). */
  alignBytes?: number;
  /** The dispatching thread copies one share itself instead of idling (default true, see README). */
  mainThreadShare?: boolean;
  /** Batches smaller than this are declined with -EOPNOTSUPP (default 0). */
  minBatchBytes?: number;
  /**
   * A thread whose own share is done claims the slices others have not reached (default true):
   * a worker that wakes late then costs nothing. Off = Zi Yan's static assignment only.
   */
  workStealing?: boolean;
  /** Reason mask passed to `offload.register()` (default: the registry's). */
  reasonMask?: number;
  /**
   * An idle worker polls for the next batch this long before it sleeps (µs, 0..10000, default
   * 0): a batch that comes soon then starts without a futex wake-up, for a core spent polling.
   */
  workerSpinUs?: number;
  /** Hand-off of a batch to the workers (default `doorbell`). */
  handoff?: MtcopyHandoff;
  /** Worker lanes give their threads back to the pool after this long without a batch (ms, default 1000). */
  laneIdleMs?: number;
  /** After its own share the dispatcher waits synchronously this long, then yields (µs, default 1000). */
  syncWaitUs?: number;
  /** Built worker entry to load (default: this package's `dist/copy-worker.js`). */
  workerUrl?: URL;
}

/** Timing of the batches copied so far (measured, for benchmarks; never used to decide). */
export interface MtcopyTiming {
  /** Batches copied with at least one worker lane. */
  batches: number;
  /** Sum over batches of entry → every worker lane rung (poison scan, split, doorbells) (ns). */
  prepNs: number;
  /** Sum over batches of entry → last worker lane started copying (ns): the dispatch latency. */
  dispatchNs: number;
  /** Sum over batches of entry → return (ns). */
  wallNs: number;
  /** Sum over batches of the longest thread's copy time (ns). */
  copyNs: number;
  /** Sum of worker busy time charged (ns). */
  workerCpuNs: number;
}

/** Timing of the last batch that used a worker lane (ns; measured, never used to decide). */
export interface MtcopyBatchTiming {
  /** Entry → every worker lane rung. */
  prepNs: number;
  /** Entry → last worker lane started copying (entry → rung when no worker ran). */
  dispatchNs: number;
  /** Entry → return. */
  wallNs: number;
  /** The longest thread's copy time. */
  copyNs: number;
}

/** Counters of the driver. */
export interface MtcopyStats {
  /** Folios of batches copied completely. */
  foliosCopied: number;
  /** Batches failed (a worker threw or died, or a source page is poisoned). */
  failures: number;
  /** Batches handed to the copy threads. */
  batches: number;
  /** Batches declined (smaller than `min_batch_bytes`). */
  declined: number;
  /** Worker CPU time charged through the registry (ns). */
  chargedNs: number;
  /** Base pages the dispatching thread copied after a batch because no worker lane claimed them. */
  swept: number;
  /** Batches whose time the registry refused (they did not come through it). */
  unchargedBatches: number;
}

const PARAMS = '/sys/module/mtcopy/parameters';
/** Bytes a thread claims at a time (whole slices; at least one): small enough to balance, large enough to keep claims rare. */
const GRAIN_BYTES = 64 << 10;

function checkAlign(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < PAGE_SIZE || bytes > HPAGE_PMD_SIZE || (bytes & (bytes - 1)) !== 0) {
    throw new KernelError('EINVAL', `alignment ${bytes} is not accepted: give a power of two from ${PAGE_SIZE} to ${HPAGE_PMD_SIZE} bytes`);
  }
  return bytes;
}

/** Longest worker poll before sleeping (µs). */
const MAX_SPIN_US = 10_000;

function checkSpin(us: number): number {
  if (!Number.isInteger(us) || us < 0 || us > MAX_SPIN_US) {
    throw new KernelError('EINVAL', `worker spin ${us} µs is not accepted: give an integer from 0 to ${MAX_SPIN_US}`);
  }
  return us;
}

function checkThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_LANES) {
    throw new KernelError('EINVAL', `threads ${n} is not accepted: give an integer from 1 to ${MAX_LANES}`);
  }
  return n;
}

function tracepoint<T>(sys: System, name: string): Tracepoint<T> {
  return (sys.trace.get(name) as Tracepoint<T> | undefined) ?? sys.trace.define<T>(name);
}

/** The multi-threaded CPU copy driver of one system. */
export class Mtcopy {
  /** The module that owns the migrator (pinned by the registry while registered). */
  readonly owner: Module;
  /** The migrator to register (or whose `offloadCopy` to install as `engine.batchCopy`). */
  readonly migrator: Migrator;
  readonly tpDispatch: Tracepoint<MtcopyDispatchEvent>;
  readonly tpSlice: Tracepoint<MtcopySliceEvent>;
  private readonly sys: System;
  private readonly offload: MtcopyOffloadRegistry | undefined;
  private readonly reasonMask: number | undefined;
  private readonly lanes: CopyLanes;
  private nrThreads: number;
  private alignPages: number;
  private mainShare: boolean;
  private steal: boolean;
  private minBytes: number;
  private registered = false;
  private fault = FAULT_NONE;
  private tail: Promise<void> = Promise.resolve();
  private unloading: Promise<number> | null = null;
  private nrPagesScratch = new Int32Array(512);
  private readonly laneStart = new Int32Array(MAX_LANES + 1);
  private readonly counters: MtcopyStats = { foliosCopied: 0, failures: 0, batches: 0, declined: 0, chargedNs: 0, unchargedBatches: 0, swept: 0 };
  private readonly last: MtcopyBatchTiming = { prepNs: 0, dispatchNs: 0, wallNs: 0, copyNs: 0 };
  private readonly times: MtcopyTiming = { batches: 0, prepNs: 0, dispatchNs: 0, wallNs: 0, copyNs: 0, workerCpuNs: 0 };

  constructor(options: MtcopyOptions) {
    this.sys = options.system;
    this.offload = options.offload;
    this.reasonMask = options.reasonMask;
    this.nrThreads = checkThreads(options.threads ?? 2);
    this.alignPages = checkAlign(options.alignBytes ?? PAGE_SIZE) / PAGE_SIZE;
    this.mainShare = options.mainThreadShare ?? true;
    this.steal = options.workStealing ?? true;
    this.minBytes = options.minBatchBytes ?? 0;
    if (!Number.isSafeInteger(this.minBytes) || this.minBytes < 0) {
      throw new KernelError('EINVAL', `minBatchBytes ${this.minBytes} is not accepted: give a non-negative integer`);
    }
    const spinUs = checkSpin(options.workerSpinUs ?? 0);
    const handoff = options.handoff ?? 'doorbell';
    if (handoff !== 'doorbell' && handoff !== 'piscina') {
      throw new KernelError('EINVAL', `handoff ${JSON.stringify(handoff)} is not accepted: give doorbell or piscina`);
    }
    const laneOptions = {
      handoff,
      laneIdleMs: options.laneIdleMs ?? 1000,
      syncWaitUs: options.syncWaitUs ?? 1000,
      ...(options.workerUrl === undefined ? {} : { workerUrl: options.workerUrl }),
    };
    this.tpDispatch = tracepoint(this.sys, 'mtcopy_dispatch');
    this.tpSlice = tracepoint(this.sys, 'mtcopy_slice');
    this.owner = createModule('mtcopy', { sysfs: this.sys.sysfs, exit: () => this.lanes.close() });
    this.migrator = {
      name: 'mtcopy',
      offloadCopy: (dst, src, count, ctx) => this.offloadCopy(dst, src, count, ctx),
      owner: this.owner,
    };
    this.sys.sysfs.createGroup(PARAMS, this.attributes());
    // last: nothing above can leave a pool behind when it throws
    this.lanes = new CopyLanes(this.sys.phys, laneOptions);
    this.lanes.spinUs = spinUs;
  }

  /** Copy threads per batch (the dispatching thread included when it takes a share). */
  get threads(): number {
    return this.nrThreads;
  }

  /** True while registered with the offload registry. */
  get offloading(): boolean {
    return this.registered;
  }

  /** Whether the dispatching thread copies a share itself. */
  get mainThreadShare(): boolean {
    return this.mainShare;
  }

  /** Whether threads claim slices beyond their own share. */
  get workStealing(): boolean {
    return this.steal;
  }

  /** Sets work stealing (takes effect at the next batch). */
  async setWorkStealing(on: boolean): Promise<void> {
    await this.serialise(() => {
      this.steal = on;
      return Promise.resolve(0);
    });
  }

  /** µs an idle worker polls for the next batch before it sleeps. */
  get workerSpinUs(): number {
    return this.lanes.spinUs;
  }

  /** Sets the worker poll time (0..10000 µs; EINVAL otherwise); idle workers pick it up at their next batch. */
  setWorkerSpinUs(us: number): void {
    this.lanes.spinUs = checkSpin(us);
  }

  /** Counters (copies of the live values). */
  get stats(): MtcopyStats {
    return { ...this.counters };
  }

  /** Measured timing of the batches so far (for benchmarks). */
  get timing(): MtcopyTiming {
    return { ...this.times };
  }

  /** Worker threads alive in the pool and serve-task starts so far (for tests and benchmarks). */
  get pool(): { threads: number; arms: number; takenBack: number; laneFailures: number; lastFailure: string } {
    const l = this.lanes;
    return { threads: l.poolThreads, arms: l.arms, takenBack: l.takenBack, laneFailures: l.laneFailures, lastFailure: l.lastFailure };
  }

  /** Timing of the last batch that used a worker lane (a copy). */
  get lastBatch(): MtcopyBatchTiming {
    return { ...this.last };
  }

  /** Zeroes the timing sums. */
  resetTiming(): void {
    Object.assign(this.times, { batches: 0, prepNs: 0, dispatchNs: 0, wallNs: 0, copyNs: 0, workerCpuNs: 0 });
  }

  /**
   * Changes the thread count (1..64) between batches: a batch in flight finishes on the lanes it
   * started with, the next one uses the new count. Throws EINVAL for a bad count.
   */
  async setThreads(n: number): Promise<void> {
    checkThreads(n);
    await this.serialise(() => {
      this.nrThreads = n;
      this.lanes.stopLanes(this.mainShare ? n - 1 : n);
      return Promise.resolve(0);
    });
  }

  /** Sets whether the dispatching thread copies a share (takes effect at the next batch). */
  async setMainThreadShare(on: boolean): Promise<void> {
    await this.serialise(() => {
      this.mainShare = on;
      this.lanes.stopLanes(on ? this.nrThreads - 1 : this.nrThreads);
      return Promise.resolve(0);
    });
  }

  /** Registers with (true) or unregisters from (false) the offload registry; 0 or -errno. */
  async setOffloading(on: boolean): Promise<number> {
    if (on === this.registered) return 0;
    const offload = this.offload;
    if (offload === undefined) return -ENODEV;
    if (on) {
      if (!moduleIsLive(this.owner)) return -ENODEV;
      const rc = offload.register(this.migrator, ...(this.reasonMask === undefined ? [] : [this.reasonMask]));
      if (rc === 0) this.registered = true;
      return rc;
    }
    const rc = await offload.unregister(this.migrator);
    if (rc === 0) this.registered = false;
    return rc;
  }

  /**
   * Starts the worker threads of the current configuration and waits until each one has answered
   * an empty batch, so the next batch finds them serving (for benchmarks and latency-sensitive
   * callers; batches work without it). Resolves to 0, or -EAGAIN when a worker failed.
   */
  ready(): Promise<number> {
    if (!moduleIsLive(this.owner) || this.unloading !== null) return Promise.resolve(-ENODEV);
    return this.serialise(async () => {
      const threads = this.nrThreads;
      const ok = await this.lanes.warm(threads, this.mainShare ? threads - 1 : threads);
      return ok ? 0 : -EAGAIN;
    });
  }

  /** Arms a fault (test only) for the next batch that uses a worker lane. */
  injectCrash(kind: MtcopyCrashKind): void {
    this.fault = kind === 'throw' ? FAULT_THROW : kind === 'exit' ? FAULT_EXIT : FAULT_NONE;
  }

  /** Unregisters, waits for batches in flight, closes the pool and deletes the module; 0 or -errno. */
  unload(): Promise<number> {
    this.unloading ??= (async () => {
      if (this.registered) {
        const rc = await this.setOffloading(false);
        if (rc !== 0) {
          this.unloading = null;
          return rc;
        }
      }
      await this.serialise(() => Promise.resolve(0));
      return deleteModule(this.owner, { wait: true });
    })();
    return this.unloading;
  }

  /** The migrator's `offloadCopy`: 0 when every pair was copied, else -errno (the core falls back). */
  offloadCopy(dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext): Promise<number> {
    if (!moduleIsLive(this.owner) || this.unloading !== null) return Promise.resolve(-ENODEV);
    if (ctx.bytes < this.minBytes) {
      this.counters.declined++;
      return Promise.resolve(-EOPNOTSUPP);
    }
    if (count === 0) return Promise.resolve(0);
    return this.serialise(() => this.copyBatch(dst, src, count, ctx));
  }

  private serialise(fn: () => Promise<number>): Promise<number> {
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async copyBatch(dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext): Promise<number> {
    const entry = absNowMs();
    const memmap = this.sys.memmap;
    const flags = memmap.flags;
    if (this.nrPagesScratch.length < count) this.nrPagesScratch = new Int32Array(Math.max(count, this.nrPagesScratch.length * 2));
    const nrPages = this.nrPagesScratch;
    let totalPages = 0;
    for (let i = 0; i < count; i++) {
      const s = src[i]!;
      const nr = memmap.folioNrPages(s);
      nrPages[i] = nr;
      totalPages += nr;
      for (let p = s, end = s + nr; p < end; p++) {
        if ((flags[p]! & PGF_hwpoison) !== 0) {
          this.counters.failures++;
          return -EAGAIN; // machine-check-safe copy: a poisoned batch fails, the core copies per folio
        }
      }
    }
    const threads = this.nrThreads;
    const mainShare = this.mainShare;
    const workers = mainShare ? threads - 1 : threads;
    const desc = this.lanes.descriptor(maxSlices(count, threads) * SLICE_WORDS);
    const laneStart = this.laneStart;
    const slices = mtcopySplit(dst, src, nrPages, count, threads, this.alignPages, desc, laneStart);
    const grain = Math.max(1, Math.floor((GRAIN_BYTES / (totalPages * PAGE_SIZE)) * slices));
    if (this.tpDispatch.enabled) this.tpDispatch.emit({ batchId: ctx.batchId, threads, bytes: ctx.bytes });
    this.lanes.start(threads, workers, laneStart, grain, this.steal, workers > 0 ? this.fault : FAULT_NONE);
    if (workers > 0) this.fault = FAULT_NONE;
    const rung = absNowMs();
    let mainNs = 0;
    let mainPages = 0;
    if (mainShare) {
      const t0 = performance.now();
      mainPages = this.lanes.copyOwn(threads - 1, this.sys.phys);
      mainNs = (performance.now() - t0) * 1e6;
    }
    const ok = workers > 0 ? await this.lanes.finish(mainShare) : true;
    if (ok && workers > 0) {
      // slices of lanes that never ran (a worker that could not start or died unclaimed)
      const t0 = performance.now();
      const swept = this.lanes.sweep(this.sys.phys);
      if (swept > 0) {
        mainPages += swept;
        mainNs += (performance.now() - t0) * 1e6;
        this.counters.swept += swept;
      }
    }
    const end = absNowMs();

    let workerNs = 0;
    let longest = mainNs;
    let lastStart = entry;
    for (let w = 0; w < workers; w++) {
      if (!this.lanes.laneDone(w)) continue;
      const busy = this.lanes.busyNs(w);
      workerNs += busy;
      if (busy > longest) longest = busy;
      const started = this.lanes.startedMs(w);
      if (started > lastStart) lastStart = started;
      if (this.tpSlice.enabled) this.tpSlice.emit({ batchId: ctx.batchId, thread: w, bytes: this.lanes.pages(w) * PAGE_SIZE, cpuNs: busy });
    }
    if (mainPages > 0 && this.tpSlice.enabled) {
      // the dispatching thread is the last lane when it takes a share, one past the lanes when it only swept
      this.tpSlice.emit({ batchId: ctx.batchId, thread: mainShare ? threads - 1 : threads, bytes: mainPages * PAGE_SIZE, cpuNs: mainNs });
    }
    if (workers > 0) {
      const t = this.times;
      t.batches++;
      const l = this.last;
      l.prepNs = (rung - entry) * 1e6;
      l.dispatchNs = (Math.max(lastStart, rung) - entry) * 1e6;
      l.wallNs = (end - entry) * 1e6;
      l.copyNs = longest;
      t.prepNs += l.prepNs;
      t.dispatchNs += l.dispatchNs;
      t.wallNs += l.wallNs;
      t.copyNs += longest;
      t.workerCpuNs += workerNs;
    }
    if (workerNs > 0) this.charge(ctx, workerNs);
    this.counters.batches++;
    if (!ok) {
      this.counters.failures++;
      return -EAGAIN;
    }
    this.counters.foliosCopied += count;
    return 0;
  }

  /**
   * Charges worker CPU time to the batch's memcg through the registry. A batch that did not come
   * through the registry (the migrator installed as `engine.batchCopy` directly) is unknown to
   * it: that refusal (KernelError) is counted, never turned into a failed copy.
   */
  private charge(ctx: BatchCopyContext, ns: number): void {
    if (this.offload === undefined) return;
    try {
      this.offload.chargeTime(ctx, ns, 'cpu');
      this.counters.chargedNs += ns;
    } catch (error) {
      if (!KernelError.isInstance(error)) throw error;
      this.counters.unchargedBatches++;
    }
  }

  private attributes(): Record<string, SysfsAttribute> {
    return {
      offloading: boolAttribute({
        get: () => this.registered,
        set: async (on) => {
          const rc = await this.setOffloading(on);
          if (rc === 0) return;
          if (this.offload === undefined) {
            throw new KernelError('ENODEV', 'mtcopy was created without an offload registry; accepted: 0 only');
          }
          const active = this.offload.active?.name;
          const why = active !== undefined && active !== 'mtcopy' ? ` (migrator "${active}" is registered)` : '';
          throw KernelError.fromErrno(rc, `${on ? 'registering' : 'unregistering'} mtcopy failed: ${strerror(rc)}${why}`);
        },
      }),
      threads: uintAttribute({ get: () => this.nrThreads, set: (n) => this.setThreads(n), min: 1, max: MAX_LANES }),
      main_thread_share: boolAttribute({ get: () => this.mainShare, set: (on) => this.setMainThreadShare(on) }),
      work_stealing: boolAttribute({ get: () => this.steal, set: (on) => this.setWorkStealing(on) }),
      worker_spin_us: uintAttribute({ get: () => this.lanes.spinUs, set: (us) => this.setWorkerSpinUs(us), min: 0, max: MAX_SPIN_US }),
      align_bytes: uintAttribute({
        get: () => this.alignPages * PAGE_SIZE,
        set: (bytes) => {
          this.alignPages = checkAlign(bytes) / PAGE_SIZE;
        },
        min: PAGE_SIZE,
        max: HPAGE_PMD_SIZE,
      }),
      min_batch_bytes: uintAttribute({
        get: () => this.minBytes,
        set: (bytes) => {
          this.minBytes = bytes;
        },
      }),
      folios_copied: counterAttribute({ get: () => this.counters.foliosCopied, reset: () => void (this.counters.foliosCopied = 0) }),
      failures: counterAttribute({ get: () => this.counters.failures, reset: () => void (this.counters.failures = 0) }),
      inject_crash: enumAttribute({
        names: ['none', 'throw', 'exit'],
        get: () => (this.fault === FAULT_THROW ? 'throw' : this.fault === FAULT_EXIT ? 'exit' : 'none'),
        set: (kind) => this.injectCrash(kind),
      }),
    };
  }
}

/**
 * Loads the mtcopy driver for `options.system`: module `mtcopy`, its migrator, its worker pool
 * and `/sys/module/mtcopy/parameters/`. Throws KernelError EINVAL for bad options, EEXIST when
 * the system already has an mtcopy module.
 */
export function createMtcopy(options: MtcopyOptions): Mtcopy {
  return new Mtcopy(options);
}
