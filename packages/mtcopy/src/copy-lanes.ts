/**
 * The worker side of mtcopy as seen from the dispatching thread: a piscina pool whose workers
 * serve copy lanes. piscina owns the worker lifecycle (spawning on demand, replacing a worker
 * that died, retiring idle ones); the hand-off of a batch is one of:
 * - `doorbell` (default): each lane is a long-lived piscina task sleeping on its state word in
 *   a shared control buffer. A dispatch writes the slice ranges and flips the words
 *   `IDLE → WORK` with `Atomics.notify`; workers report through the same buffer and the last
 *   one notifies `H_PENDING`. Nothing is posted per batch unless memory grew.
 * - `piscina`: one `pool.run()` per worker lane per batch (piscina's own messaging), kept to
 *   measure what the doorbell saves.
 * Either way the task descriptor and node memory are SharedArrayBuffers: a dispatch carries
 * only slice ranges. A worker that throws or exits while it holds claimed slices fails the
 * batch in flight (never hangs it); the lane is re-armed on a fresh worker by the next batch.
 *
 * One batch at a time: the caller serialises `start()` / `copyOwn()` / `finish()`.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { PhysMem, PhysMemShare, PhysMemView } from '@pagemig/mm';
import type { LaneUpdate, RunTask, ServeTask } from './copy-worker';
import { copyClaimed } from './lane-claim';
import {
  CONTROL_BYTES,
  FAULT_NONE,
  H_GRAIN,
  H_LANES,
  H_PENDING,
  H_SPIN_US,
  H_STEAL,
  LANE_BUSY,
  LANE_IDLE,
  LANE_OFF,
  LANE_RETIRED,
  LANE_WORK,
  L_BUSY_F64,
  L_CLAIM_SEQ,
  L_DONE_SEQ,
  L_END,
  L_FAULT,
  L_NEXT,
  L_PAGES,
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
  /** The pool that runs `task`. */
  taskPool: Piscina | null;
  /** A serve task waits for its predecessor to settle before it is submitted. */
  deferred: boolean;
  /** The deferred task's batch was taken back: it starts idle instead of working. */
  cancelled: boolean;
  sentGen: number;
  sentDesc: SharedArrayBuffer | null;
}

const WORKER_URL = new URL('../dist/copy-worker.js', import.meta.url);
/** How long `ring()` waits for a just-stopped worker to retire before queueing its successor (ms). */
const RETIRE_WAIT_MS = 2;

/** The lanes of one mtcopy instance: a piscina pool plus the shared control and descriptor buffers. */
export class CopyLanes {
  readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly i32 = new Int32Array(this.control);
  private readonly f64 = new Float64Array(this.control);
  private desc: SharedArrayBuffer = new SharedArrayBuffer(4096);
  private descI32 = new Int32Array(this.desc);
  private pool: Piscina | null = null;
  private poolSize = 0;
  /** Pools by worker count, most recently used first. */
  private pools = new Map<number, Piscina>();
  /** Pools being destroyed. */
  private readonly retiring = new Set<Piscina>();
  private readonly lanes: Lane[] = [];
  private share: PhysMemShare | null = null;
  private shareGen = -1;
  private seq = 0;
  /** Worker lanes of the batch in flight. */
  private inFlight = 0;
  private steal = false;
  private failed = false;
  private runs: Promise<unknown>[] = [];
  /** Wakes `finish()` when a lane dies (doorbell mode). */
  private wake: (() => void) | null = null;
  private closed = false;
  /** Turns the lanes off after `laneIdleMs` without a batch (unref'd: never keeps the process alive). */
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Serve tasks started (lane arms) or per-lane runs: the cost of idle lanes being re-armed. */
  arms = 0;
  /** Rung lanes whose batch the dispatcher took back because it had copied everything. */
  takenBack = 0;
  /** Lane failures seen (worker threw or exited). */
  laneFailures = 0;
  /** Why the last lane failed (for diagnostics). */
  lastFailure = '';

  constructor(
    private readonly phys: PhysMem,
    readonly options: CopyLanesOptions,
  ) {
    for (let i = 0; i < MAX_LANES; i++) {
      this.lanes.push({ port: null, task: null, taskPool: null, deferred: false, cancelled: false, sentGen: -1, sentDesc: null });
    }
  }

  /**
   * The pool for `workers` worker lanes. Its size is exactly the lane count: piscina spawns extra
   * workers when several tasks queue while workers start, and long-lived serve tasks queue at
   * every start-up, so a larger pool would grow past the lanes in use. The two most recent pools
   * are kept, so switching back to a count finds warm workers; switching turns the serving lanes
   * off, their tasks return and the lanes re-arm in the new pool.
   */
  private poolFor(workers: number): Piscina {
    const current = this.pool;
    if (current !== null && this.poolSize === workers) return current;
    if (current !== null) this.stopLanes(0);
    let pool = this.pools.get(workers);
    if (pool === undefined) {
      // minThreads = maxThreads: the workers spawn now and count as ready at once, so tasks are
      // posted straight to them even while this thread is busy copying (a pool waiting for a
      // worker's ready message would need this thread's event loop)
      pool = new Piscina({
        filename: (this.options.workerUrl ?? WORKER_URL).href,
        minThreads: workers,
        maxThreads: workers,
        idleTimeout: 30_000,
        recordTiming: false,
        closeTimeout: 5_000,
      });
      // an error outside any task (a worker that cannot even start) would leave queued tasks
      // waiting forever, since piscina stops spawning: drop the pool, which fails its tasks
      const created = pool;
      created.on('error', (error: unknown) => {
        this.laneFailures++;
        this.lastFailure = String(error);
        this.discard(created);
      });
    }
    // most recently used first; keep two pools (current and previous), retire the rest once
    // the serve tasks they ran have returned
    this.pools.delete(workers);
    this.pools = new Map([[workers, pool], ...this.pools]);
    for (const [size, old] of [...this.pools].slice(2)) {
      this.pools.delete(size);
      const tasks = this.lanes.filter((l) => l.taskPool === old && l.task !== null).map((l) => l.task!);
      this.retiring.add(old);
      void Promise.allSettled(tasks).then(() => old.destroy().finally(() => this.retiring.delete(old)));
    }
    this.pool = pool;
    this.poolSize = workers;
    return pool;
  }

  /** Forgets a broken pool and destroys it: its queued and running tasks fail (never hang). */
  private discard(pool: Piscina): void {
    for (const [size, p] of this.pools) if (p === pool) this.pools.delete(size);
    if (this.pool === pool) {
      this.pool = null;
      this.poolSize = 0;
    }
    if (!this.retiring.has(pool)) {
      this.retiring.add(pool);
      void pool.destroy().finally(() => this.retiring.delete(pool));
    }
  }

  /** µs an idle worker polls for the next ring before it sleeps (0: sleep at once). */
  get spinUs(): number {
    return this.i32[H_SPIN_US]!;
  }

  set spinUs(us: number) {
    Atomics.store(this.i32, H_SPIN_US, us);
  }

  /** Workers currently alive in the pool. */
  get poolThreads(): number {
    let n = 0;
    for (const pool of [...this.pools.values(), ...this.retiring]) n += pool.threads.length;
    return n;
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
   * Publishes a batch of `lanes` lanes (slice ranges `[laneStart[l], laneStart[l + 1])` of the
   * descriptor) and rings worker lanes `0..workers-1`; `fault` (tests) goes to worker lane 0.
   */
  start(lanes: number, workers: number, laneStart: Int32Array, grain: number, steal: boolean, fault: number): void {
    if (this.closed) throw new Error('mtcopy: lanes are closed');
    const i32 = this.i32;
    const seq = ++this.seq;
    if (this.phys.generation !== this.shareGen) {
      this.share = this.phys.share();
      this.shareGen = this.share.generation;
    }
    i32[H_LANES] = lanes;
    i32[H_GRAIN] = grain;
    i32[H_STEAL] = steal ? 1 : 0;
    for (let l = 0; l < lanes; l++) {
      i32[laneWord(l, L_START)] = laneStart[l]!;
      i32[laneWord(l, L_END)] = laneStart[l + 1]!;
      Atomics.store(i32, laneWord(l, L_NEXT), laneStart[l]!);
    }
    if (workers > 0) this.poolFor(workers);
    this.inFlight = workers;
    this.steal = steal;
    this.failed = false;
    Atomics.store(i32, H_PENDING, workers);
    for (let w = 0; w < workers; w++) {
      i32[laneWord(w, L_SEQ)] = seq;
      Atomics.store(i32, laneWord(w, L_FAULT), w === 0 ? fault : FAULT_NONE);
      if (this.options.handoff === 'doorbell') this.ring(w);
      else this.runOnce(w);
    }
  }

  /**
   * Starts the worker lanes of a `lanes`-thread configuration with an empty batch and waits until
   * every worker has answered it (spawned, serving, view current); false if one failed.
   */
  async warm(lanes: number, workers: number): Promise<boolean> {
    if (workers === 0) return true;
    const empty = new Int32Array(lanes + 1);
    this.start(lanes, workers, empty, 1, false, FAULT_NONE);
    return this.finish(false);
  }

  /** The dispatching thread copies as lane `lane` (and steals with stealing on); returns base pages. */
  copyOwn(lane: number, mem: PhysMemView): number {
    return copyClaimed(this.i32, this.descI32, mem, lane, FAULT_NONE);
  }

  /**
   * After `finish()`: copies every slice no thread claimed (a worker lane that died before it
   * claimed anything, or never started); returns base pages. Nothing runs concurrently then.
   */
  sweep(mem: PhysMemView): number {
    return copyClaimed(this.i32, this.descI32, mem, 0, FAULT_NONE, true);
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
    if (prev !== LANE_OFF && prev !== LANE_RETIRED) throw new Error(`mtcopy: lane ${w} is busy (state ${prev})`);
    if (lane.deferred) {
      // its serve task is still waiting for the previous one; it will start working, not idle
      lane.cancelled = false;
      return;
    }
    let state = prev;
    if (state === LANE_OFF && lane.task !== null) {
      // its worker was just turned off and is on its way out: give it a moment to say so
      Atomics.notify(this.i32, st);
      Atomics.wait(this.i32, st, LANE_OFF, RETIRE_WAIT_MS);
      state = Atomics.load(this.i32, st);
    }
    this.arm(w, state === LANE_RETIRED || lane.task === null);
  }

  /**
   * Starts a serve task for a lane that is off, its work already written: at once when no
   * earlier task can touch the lane (`now`: retired or settled), else after the previous task
   * settled, so one task serves a lane at a time.
   */
  private arm(w: number, now: boolean): void {
    const lane = this.lanes[w]!;
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    const task: ServeTask = { op: 'serve', lane: w, control: this.control, desc: this.desc, share: this.share!, port: port2 };
    const st = laneWord(w, L_STATE);
    const oldPort = lane.port;
    const submit = (): Promise<number> => {
      oldPort?.close();
      lane.deferred = false;
      if (lane.cancelled) {
        // its batch was taken back while it waited: nothing to serve, the lane stays off
        lane.cancelled = false;
        port2.close();
        return Promise.resolve(0);
      }
      Atomics.store(this.i32, st, LANE_WORK);
      const pool = this.pool;
      lane.taskPool = pool;
      if (pool === null) return Promise.reject(new Error('mtcopy: the worker pool was discarded'));
      return pool.run(task, { transferList: [port2] }) as Promise<number>;
    };
    const previous = now ? null : lane.task;
    lane.deferred = previous !== null;
    lane.cancelled = false;
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
    if (!crashed) return;
    this.laneFailures++;
    const prev = Atomics.exchange(this.i32, laneWord(w, L_STATE), LANE_OFF);
    if (w < this.inFlight && (prev === LANE_WORK || prev === LANE_BUSY)) {
      // slices it had claimed may be half copied (BUSY): the batch fails. A lane that died before
      // claiming (WORK) loses nothing: its slices are claimed by others or swept after finish().
      if (prev === LANE_BUSY) this.failed = true;
      if (Atomics.sub(this.i32, H_PENDING, 1) === 1) Atomics.notify(this.i32, H_PENDING);
      this.wake?.();
    }
  }

  private runOnce(w: number): void {
    const task: RunTask = { op: 'run', lane: w, control: this.control, desc: this.desc, share: this.share! };
    const seq = this.seq;
    this.arms++;
    const pool = this.pool;
    const run = pool === null ? Promise.reject(new Error('mtcopy: the worker pool was discarded')) : (pool.run(task) as Promise<number>);
    this.runs.push(
      run.catch((error: unknown) => {
        this.laneFailures++;
        this.lastFailure = String(error);
        // only a task that had started claiming can have left slices half copied
        if (Atomics.load(this.i32, laneWord(w, L_CLAIM_SEQ)) === seq) this.failed = true;
      }),
    );
  }

  /**
   * Waits for every worker lane of the batch; false when one of them failed. `takeBack`: the
   * dispatcher copied with stealing on, so every slice is claimed already, and a lane that was
   * rung but has not woken yet is taken back (`WORK → IDLE`) instead of waited for.
   */
  async finish(takeBack: boolean): Promise<boolean> {
    if (this.options.handoff === 'piscina') {
      const runs = this.runs;
      this.runs = [];
      let timer: ReturnType<typeof setInterval> | null = null;
      if (process.env.MTCOPY_DEBUG) timer = setInterval(() => console.log('DEBUG piscina wait', { runs: runs.length, size: this.poolSize, threads: this.pool?.threads.length, queue: this.pool?.queueSize, util: this.pool?.utilization, pools: [...this.pools.keys()] }), 2000);
      await Promise.all(runs);
      if (timer !== null) clearInterval(timer);
    } else {
      const i32 = this.i32;
      if (takeBack && this.steal) {
        for (let w = 0; w < this.inFlight; w++) {
          const lane = this.lanes[w]!;
          const st = laneWord(w, L_STATE);
          if (Atomics.compareExchange(i32, st, LANE_WORK, LANE_IDLE) === LANE_WORK || (lane.deferred && !lane.cancelled)) {
            if (lane.deferred) lane.cancelled = true;
            this.takenBack++;
            Atomics.sub(i32, H_PENDING, 1);
          }
        }
      }
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
        // bounded: a lost wake-up would cost a re-check, never a hang
        const r = Atomics.waitAsync(i32, H_PENDING, v, 1000);
        if (r.async && (await Promise.race([r.value, woken])) === 'timed-out' && process.env.MTCOPY_DEBUG) {
          console.log('DEBUG wait', { pending: v, inFlight: this.inFlight, size: this.poolSize, threads: this.pool?.threads.length, queue: this.pool?.queueSize, lanes: this.lanes.slice(0, 8).map((l, w) => `${w}:${Atomics.load(i32, laneWord(w, L_STATE))}${l.task ? 't' : ''}${l.deferred ? 'd' : ''}${l.cancelled ? 'c' : ''}`).join(' ') });
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

  /** Base pages worker lane `w` copied in the last batch. */
  pages(w: number): number {
    return this.i32[laneWord(w, L_PAGES)]!;
  }

  /** True when worker lane `w` ran in the last batch (its worker published the batch's sequence). */
  laneDone(w: number): boolean {
    return Atomics.load(this.i32, laneWord(w, L_DONE_SEQ)) === this.seq;
  }

  /** Releases serving lanes `from..MAX_LANES-1` (a smaller thread count); idle ones end at once. */
  stopLanes(from: number): void {
    for (let w = from; w < MAX_LANES; w++) {
      const st = laneWord(w, L_STATE);
      if (Atomics.compareExchange(this.i32, st, LANE_IDLE, LANE_OFF) === LANE_IDLE) Atomics.notify(this.i32, st);
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
    await Promise.all([...this.pools.values(), ...this.retiring].map((pool) => pool.destroy()));
    this.pools.clear();
    this.retiring.clear();
    this.pool = null;
  }
}
