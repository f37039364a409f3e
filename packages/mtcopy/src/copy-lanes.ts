/**
 * The worker side of mtcopy as seen from the dispatching thread: a piscina pool whose workers
 * serve copy lanes. piscina owns the worker lifecycle (spawning on demand, replacing a worker
 * that died, retiring idle ones); the hand-off of a batch is one of:
 * - `doorbell` (default): each lane is a long-lived piscina task sleeping on its state word in
 *   a shared control buffer. A dispatch writes the lane's slice range and flips the word
 *   `IDLE → WORK` with `Atomics.notify`; workers report through the same buffer and the last
 *   one notifies `H_PENDING`. Nothing is posted per batch unless memory grew.
 * - `piscina`: one `pool.run()` per lane per batch (piscina's own messaging), kept to measure
 *   what the doorbell saves.
 * Either way the task descriptor and node memory are SharedArrayBuffers: a dispatch carries
 * only slice ranges. A lane whose worker throws or exits fails the batch in flight (never
 * hangs it) and is re-armed by the next batch on a fresh worker.
 *
 * One batch at a time: the caller serialises `start()`/`finish()` pairs.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { PhysMem, PhysMemShare } from '@pagemig/mm';
import type { LaneUpdate, RunTask, ServeTask } from './copy-worker';
import {
  CONTROL_BYTES,
  FAULT_NONE,
  H_PENDING,
  LANE_IDLE,
  LANE_OFF,
  LANE_WORK,
  L_BUSY_F64,
  L_DONE_SEQ,
  L_END,
  L_FAULT,
  L_SEQ,
  L_STARTED_F64,
  L_START,
  L_STATE,
  MAX_LANES,
  laneF64,
  laneWord,
} from './lane-layout';

/** How a batch is handed to the workers. */
export type MtcopyHandoff = 'doorbell' | 'piscina';

/** Options of the lane pool. */
export interface CopyLanesOptions {
  handoff: MtcopyHandoff;
  /** The lanes give their workers back after this long without a batch (ms). */
  laneIdleMs: number;
  /** After its own share, the dispatcher waits synchronously this long before yielding (µs). */
  syncWaitUs: number;
  /** Built worker entry (default: this package's `dist/copy-worker.js`). */
  workerUrl?: URL;
}

interface Lane {
  /** Port of the current serve task (doorbell), or null when the lane is off. */
  port: MessagePort | null;
  /** The current serve task, to ignore the end of an older one. */
  task: Promise<number> | null;
  sentGen: number;
  sentDesc: SharedArrayBuffer | null;
}

const WORKER_URL = new URL('../dist/copy-worker.js', import.meta.url);

/** The lanes of one mtcopy instance: a piscina pool plus the shared control and descriptor buffers. */
export class CopyLanes {
  readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly i32 = new Int32Array(this.control);
  private readonly f64 = new Float64Array(this.control);
  private desc: SharedArrayBuffer = new SharedArrayBuffer(4096);
  private descI32 = new Int32Array(this.desc);
  private readonly pool: Piscina;
  private readonly lanes: Lane[] = [];
  private share: PhysMemShare | null = null;
  private shareGen = -1;
  private seq = 0;
  /** Worker lanes of the batch in flight. */
  private inFlight = 0;
  private failed = false;
  private runs: Promise<unknown>[] = [];
  /** Wakes `finish()` when a lane dies (doorbell mode). */
  private wake: (() => void) | null = null;
  private closed = false;
  /** Turns the lanes off after `laneIdleMs` without a batch (unref'd: never keeps the process alive). */
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Serve tasks started (lane arms): the cost of idle lanes being re-armed. */
  arms = 0;
  /** Lane failures seen (worker threw or exited). */
  laneFailures = 0;
  /** Why the last lane failed (for diagnostics). */
  lastFailure = '';

  constructor(
    private readonly phys: PhysMem,
    readonly options: CopyLanesOptions,
  ) {
    this.pool = new Piscina({
      filename: (options.workerUrl ?? WORKER_URL).href,
      minThreads: 0,
      maxThreads: MAX_LANES + 2,
      idleTimeout: 30_000,
      recordTiming: false,
      closeTimeout: 5_000,
    });
    // a worker dying outside a task must not become an unhandled 'error' event
    this.pool.on('error', (error: unknown) => {
      this.laneFailures++;
      this.lastFailure = String(error);
    });
    for (let i = 0; i < MAX_LANES; i++) this.lanes.push({ port: null, task: null, sentGen: -1, sentDesc: null });
  }

  /** Workers currently alive in the pool. */
  get poolThreads(): number {
    return this.pool.threads.length;
  }

  /** The descriptor, grown to hold at least `words` Int32 words (contents are not kept). */
  descriptor(words: number): Int32Array {
    if (this.descI32.length < words) {
      let bytes = this.desc.byteLength;
      while (bytes < words * 4) bytes *= 2;
      this.desc = new SharedArrayBuffer(bytes);
      this.descI32 = new Int32Array(this.desc);
    }
    return this.descI32;
  }

  /**
   * Hands worker lanes `0..workers-1` their slice ranges `[laneStart[w], laneStart[w + 1])` and
   * starts them; `fault` (tests) is injected on lane 0.
   */
  start(workers: number, laneStart: Int32Array, fault: number): void {
    if (this.closed) throw new Error('mtcopy: lanes are closed');
    const i32 = this.i32;
    const seq = ++this.seq;
    if (this.phys.generation !== this.shareGen) {
      this.share = this.phys.share();
      this.shareGen = this.share.generation;
    }
    this.inFlight = workers;
    this.failed = false;
    Atomics.store(i32, H_PENDING, workers);
    for (let w = 0; w < workers; w++) {
      i32[laneWord(w, L_SEQ)] = seq;
      i32[laneWord(w, L_START)] = laneStart[w]!;
      i32[laneWord(w, L_END)] = laneStart[w + 1]!;
      Atomics.store(i32, laneWord(w, L_FAULT), w === 0 ? fault : FAULT_NONE);
      if (this.options.handoff === 'doorbell') this.ring(w);
      else this.runOnce(w);
    }
  }

  private ring(w: number): void {
    const lane = this.lanes[w]!;
    const st = laneWord(w, L_STATE);
    if (lane.port !== null && (lane.sentGen !== this.shareGen || lane.sentDesc !== this.desc)) {
      const update: LaneUpdate = {};
      if (lane.sentGen !== this.shareGen) update.share = this.share!;
      if (lane.sentDesc !== this.desc) update.desc = this.desc;
      lane.port.postMessage(update);
      lane.sentGen = this.shareGen;
      lane.sentDesc = this.desc;
    }
    const prev = Atomics.compareExchange(this.i32, st, LANE_IDLE, LANE_WORK);
    if (prev === LANE_IDLE) {
      Atomics.notify(this.i32, st, 1);
      return;
    }
    if (prev !== LANE_OFF) throw new Error(`mtcopy: lane ${w} is busy (state ${prev})`);
    this.arm(w);
  }

  /**
   * Starts a serve task for a lane that is off, its work already written. A lane whose previous
   * task is still returning (just turned off) is started after that task settled: one task per
   * lane at a time, and the pool reuses the returning worker instead of spawning one.
   */
  private arm(w: number): void {
    const lane = this.lanes[w]!;
    lane.port?.close();
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    const task: ServeTask = { op: 'serve', lane: w, control: this.control, desc: this.desc, share: this.share!, port: port2 };
    const st = laneWord(w, L_STATE);
    const submit = () => {
      Atomics.store(this.i32, st, LANE_WORK);
      return this.pool.run(task, { transferList: [port2] }) as Promise<number>;
    };
    const previous = lane.task;
    const run = previous === null ? submit() : previous.then(submit, submit);
    lane.port = port1;
    lane.task = run;
    lane.sentGen = this.shareGen;
    lane.sentDesc = this.desc;
    this.arms++;
    run.then(
      () => {
        if (lane.task === run) this.laneGone(w, lane, false);
      },
      (error: unknown) => {
        this.lastFailure = String(error);
        if (lane.task === run) this.laneGone(w, lane, true);
      },
    );
  }

  /** A serve task ended: turned off (`crashed` false) or by a throw/exit. */
  private laneGone(w: number, lane: Lane, crashed: boolean): void {
    lane.task = null;
    lane.port?.close();
    lane.port = null;
    const st = laneWord(w, L_STATE);
    if (!crashed) return;
    this.laneFailures++;
    const wasWorking = Atomics.exchange(this.i32, st, LANE_OFF) === LANE_WORK;
    if (wasWorking && w < this.inFlight && Atomics.load(this.i32, laneWord(w, L_DONE_SEQ)) !== this.seq) {
      // the lane never finished its share: fail the batch and stop counting on it
      this.failed = true;
      if (Atomics.sub(this.i32, H_PENDING, 1) === 1) Atomics.notify(this.i32, H_PENDING);
      this.wake?.();
    }
  }

  private runOnce(w: number): void {
    const task: RunTask = { op: 'run', lane: w, control: this.control, desc: this.desc, share: this.share! };
    this.arms++;
    this.runs.push(
      (this.pool.run(task) as Promise<number>).catch((error: unknown) => {
        this.laneFailures++;
        this.lastFailure = String(error);
        this.failed = true;
      }),
    );
  }

  /** Waits for every worker lane of the batch; false when one of them failed. */
  async finish(): Promise<boolean> {
    if (this.options.handoff === 'piscina') {
      const runs = this.runs;
      this.runs = [];
      await Promise.all(runs);
    } else {
      const i32 = this.i32;
      let v = Atomics.load(i32, H_PENDING);
      if (v !== 0 && this.options.syncWaitUs > 0) {
        const deadline = performance.now() + this.options.syncWaitUs / 1000;
        while (v !== 0) {
          const left = deadline - performance.now();
          if (left <= 0) break;
          Atomics.wait(i32, H_PENDING, v, left);
          v = Atomics.load(i32, H_PENDING);
        }
      }
      while (v !== 0) {
        const woken = new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        const r = Atomics.waitAsync(i32, H_PENDING, v, 5000);
        if (r.async && (await Promise.race([r.value, woken])) === 'timed-out') {
          const st = [];
          for (let w = 0; w < 4; w++) st.push([Atomics.load(i32, laneWord(w, L_STATE)), Atomics.load(i32, laneWord(w, L_DONE_SEQ)), this.lanes[w]!.task !== null]);
          console.error('DEBUG mtcopy hang', { pending: Atomics.load(i32, H_PENDING), seq: this.seq, inFlight: this.inFlight, st: JSON.stringify(st), pool: this.pool.threads.length, q: this.pool.queueSize, util: this.pool.utilization, last: this.lastFailure });
        }
        this.wake = null;
        v = Atomics.load(i32, H_PENDING);
      }
    }
    this.inFlight = 0;
    if (this.idleTimer === null) {
      this.idleTimer = setTimeout(() => this.stopLanes(0), this.options.laneIdleMs);
      this.idleTimer.unref();
    } else {
      this.idleTimer.refresh();
    }
    return !this.failed;
  }

  /** Busy time of worker lane `w`'s copy loop in the last batch (ns). */
  busyNs(w: number): number {
    return this.f64[laneF64(w, L_BUSY_F64)]!;
  }

  /** When worker lane `w` started the last batch (absolute ms, comparable across threads). */
  startedMs(w: number): number {
    return this.f64[laneF64(w, L_STARTED_F64)]!;
  }

  /** True when lane `w` finished the last batch (its worker published the batch's sequence). */
  laneDone(w: number): boolean {
    return Atomics.load(this.i32, laneWord(w, L_DONE_SEQ)) === this.seq;
  }

  /** Releases serving lanes `from..MAX_LANES-1` (a smaller thread count); idle ones end at once. */
  stopLanes(from: number): void {
    for (let w = from; w < MAX_LANES; w++) {
      const st = laneWord(w, L_STATE);
      if (Atomics.compareExchange(this.i32, st, LANE_IDLE, LANE_OFF) === LANE_IDLE) Atomics.notify(this.i32, st, 1);
    }
  }

  /** Stops every lane and destroys the pool (no worker is left running). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.stopLanes(0);
    for (const lane of this.lanes) {
      lane.port?.close();
      lane.port = null;
    }
    await this.pool.destroy();
  }
}
