/**
 * The mtcopy copy worker, run by piscina on a worker thread (built as the ESM entry
 * `dist/copy-worker.js`). It holds a `PhysMemView` of node memory built once from the
 * dispatcher's `phys.share()` and refreshed only when a newer share arrives, and copies the
 * slices of its lane from the shared task descriptor (see lane-layout.ts).
 *
 * Two task kinds:
 * - `serve` (the doorbell hand-off): a long-lived task that sleeps on its lane's state word with
 *   `Atomics.wait`, copies when the dispatcher rings, reports through the control buffer and
 *   sleeps again; it ends when the dispatcher turns the lane off (it does so when the lanes
 *   have been idle a while, so an idle pool never keeps the process alive). Memory updates (new
 *   sections, a larger descriptor) come on a `MessagePort` that it drains synchronously when
 *   work arrives: it never needs its event loop.
 * - `run` (plain piscina hand-off): copies one lane share and returns; kept to measure the
 *   doorbell against piscina's own per-task messaging.
 * An injected fault (tests only) throws from the copy loop or calls `process.exit()` after the
 * first slice, leaving a half-copied lane, exactly what a crash mid-batch looks like.
 * The view is per-thread state of this worker; a pool serves one system, so it never mixes.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { PhysMemView, type PhysMemShare } from '@pagemig/mm';
import {
  FAULT_EXIT,
  FAULT_NONE,
  FAULT_THROW,
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
  SLICE_WORDS,
  absNowMs,
  laneF64,
  laneWord,
} from './lane-layout';

/** A long-lived serving task (doorbell hand-off). */
export interface ServeTask {
  op: 'serve';
  lane: number;
  control: SharedArrayBuffer;
  desc: SharedArrayBuffer;
  share: PhysMemShare;
  port: MessagePort;
}

/** One lane share of one batch (plain piscina hand-off). */
export interface RunTask {
  op: 'run';
  lane: number;
  control: SharedArrayBuffer;
  desc: SharedArrayBuffer;
  share: PhysMemShare;
}

/** A message on a serving lane's port. */
export interface LaneUpdate {
  share?: PhysMemShare;
  desc?: SharedArrayBuffer;
}

let view: PhysMemView | null = null;

function takeShare(share: PhysMemShare): PhysMemView {
  if (view === null) view = PhysMemView.fromShare(share);
  else if (share.generation !== view.generation) view.update(share);
  return view;
}

/** Copies slices `[start, end)`; returns the busy time of the loop in ns. */
function copyLane(mem: PhysMemView, desc: Int32Array, start: number, end: number, fault: number): number {
  const t0 = performance.now();
  for (let s = start; s < end; s++) {
    const o = s * SLICE_WORDS;
    mem.copyPages(desc[o]!, desc[o + 1]!, desc[o + 2]!);
    if (fault !== FAULT_NONE) injectFault(fault);
  }
  if (fault !== FAULT_NONE) injectFault(fault);
  return (performance.now() - t0) * 1e6;
}

function injectFault(fault: number): void {
  if (fault === FAULT_EXIT) process.exit(70);
  if (fault === FAULT_THROW) throw new Error('mtcopy: injected copy worker fault');
}

/** Executes the lane's current work and publishes the result; returns nothing. */
function doWork(i32: Int32Array, f64: Float64Array, desc: Int32Array, mem: PhysMemView, lane: number): void {
  f64[laneF64(lane, L_STARTED_F64)] = absNowMs();
  const seq = Atomics.load(i32, laneWord(lane, L_SEQ));
  const fault = Atomics.exchange(i32, laneWord(lane, L_FAULT), FAULT_NONE);
  const busy = copyLane(mem, desc, i32[laneWord(lane, L_START)]!, i32[laneWord(lane, L_END)]!, fault);
  f64[laneF64(lane, L_BUSY_F64)] = busy;
  Atomics.store(i32, laneWord(lane, L_DONE_SEQ), seq);
}

function serve(task: ServeTask): number {
  const { lane, port } = task;
  const i32 = new Int32Array(task.control);
  const f64 = new Float64Array(task.control);
  let desc = new Int32Array(task.desc);
  let mem = takeShare(task.share);
  const st = laneWord(lane, L_STATE);
  let batches = 0;
  try {
    for (;;) {
      const state = Atomics.load(i32, st);
      if (state === LANE_WORK) {
        for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
          const update = m.message as LaneUpdate;
          if (update.share !== undefined) mem = takeShare(update.share);
          if (update.desc !== undefined) desc = new Int32Array(update.desc);
        }
        doWork(i32, f64, desc, mem, lane);
        batches++;
        Atomics.store(i32, st, LANE_IDLE);
        if (Atomics.sub(i32, H_PENDING, 1) === 1) Atomics.notify(i32, H_PENDING);
        continue;
      }
      if (state === LANE_OFF) return batches;
      Atomics.wait(i32, st, LANE_IDLE);
    }
  } finally {
    port.close();
  }
}

function run(task: RunTask): number {
  const mem = takeShare(task.share);
  doWork(new Int32Array(task.control), new Float64Array(task.control), new Int32Array(task.desc), mem, task.lane);
  return 1;
}

/** The piscina task handler: serves a lane or runs one lane share; returns batches copied. */
export default function copyWorker(task: ServeTask | RunTask): number {
  return task.op === 'serve' ? serve(task) : run(task);
}
