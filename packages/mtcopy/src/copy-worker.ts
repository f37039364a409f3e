/**
 * The mtcopy copy worker, run by piscina on a worker thread (built as the ESM entry
 * `dist/copy-worker.js`). It holds a `PhysMemView` of node memory built once from the
 * dispatcher's `phys.share()` and refreshed only when a newer share arrives, and copies the
 * slices it claims from the shared task descriptor (see lane-layout.ts and lane-claim.ts).
 *
 * Two task kinds:
 * - `serve` (the doorbell hand-off): a long-lived task that sleeps on its lane's state word with
 *   `Atomics.wait` (after polling it for `H_SPIN_US`, when set), claims the batch when the
 *   dispatcher rings (`WORK → BUSY`), copies, reports
 *   through the control buffer and sleeps again; it ends when the dispatcher turns the lane off
 *   (it does so when the lanes have been idle a while, so an idle pool never keeps the process
 *   alive). Memory updates (new sections, a larger descriptor) come on a `MessagePort` that it
 *   drains synchronously when it claims a batch: it never needs its event loop.
 * - `run` (plain piscina hand-off): copies for one lane of one batch and returns; kept to
 *   measure the doorbell against piscina's own per-task messaging.
 * An injected fault (tests only) throws from the copy loop or calls `process.exit()` after the
 * first slice, leaving a half-copied batch, exactly what a crash mid-batch looks like.
 * The view is per-thread state of this worker; a pool serves one system, so it never mixes.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { PhysMemView, type PhysMemShare } from '@pagemig/mm';
import { copyClaimed } from './lane-claim';
import {
  FAULT_NONE,
  H_PENDING,
  H_SPIN_US,
  LANE_BUSY,
  LANE_IDLE,
  LANE_OFF,
  LANE_RETIRED,
  LANE_WORK,
  L_BUSY_F64,
  L_CLAIM_SEQ,
  L_DONE_SEQ,
  L_FAULT,
  L_PAGES,
  L_SEQ,
  L_STARTED_F64,
  L_STATE,
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

/** One lane of one batch (plain piscina hand-off). */
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

/** Copies for the lane's current batch and publishes pages, busy time, start time and sequence. */
function doWork(i32: Int32Array, f64: Float64Array, desc: Int32Array, mem: PhysMemView, lane: number): void {
  const t0 = performance.now();
  f64[laneF64(lane, L_STARTED_F64)] = performance.timeOrigin + t0;
  const seq = Atomics.load(i32, laneWord(lane, L_SEQ));
  Atomics.store(i32, laneWord(lane, L_CLAIM_SEQ), seq);
  const fault = Atomics.exchange(i32, laneWord(lane, L_FAULT), FAULT_NONE);
  const pages = copyClaimed(i32, desc, mem, lane, fault);
  f64[laneF64(lane, L_BUSY_F64)] = (performance.now() - t0) * 1e6;
  i32[laneWord(lane, L_PAGES)] = pages;
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
        if (Atomics.compareExchange(i32, st, LANE_WORK, LANE_BUSY) !== LANE_WORK) continue;
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
      if (state === LANE_OFF) {
        // tell the dispatcher this task will not touch the lane again: it may arm a successor
        Atomics.compareExchange(i32, st, LANE_OFF, LANE_RETIRED);
        return batches;
      }
      // poll a while first: a ring that comes soon is seen without a futex wake-up
      const spinUs = i32[H_SPIN_US]!;
      if (spinUs > 0) {
        const until = performance.now() + spinUs / 1000;
        while (Atomics.load(i32, st) === state && performance.now() < until);
        if (Atomics.load(i32, st) !== state) continue;
      }
      Atomics.wait(i32, st, state);
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
