/**
 * The shared-memory contract between the mtcopy dispatcher (main thread) and its copy workers:
 * one control `SharedArrayBuffer` with a header block and one 64-byte block per lane (so lanes
 * never share a cache line), and a task descriptor `SharedArrayBuffer` of slices
 * `[dstPfn, srcPfn, nrPages]` (Int32). A batch dispatch writes slices, lane ranges and claim
 * cursors here and rings a doorbell; nothing is structured-cloned per folio.
 *
 * Lanes: a batch of `threads` copy threads has lanes `0..threads-1`, each owning the slice
 * range `[L_START, L_END)` of Zi Yan's split; the dispatching thread is the last lane when it
 * takes a share, workers are the others. Slices are claimed `H_GRAIN` at a time with
 * `Atomics.add` on the lane's cursor `L_NEXT`, own lane first; with `H_STEAL` a thread that ran
 * out then claims from the other lanes' cursors, so a worker that wakes late costs nothing.
 *
 * Worker lane state machine (word `L_STATE`, changed only with Atomics). A lane has at most one
 * serve task touching it at a time.
 * - `LANE_OFF`: turned off; the worker that served it may not have noticed yet.
 * - `LANE_RETIRED`: the worker noticed (`OFF → RETIRED`) and left for good. The dispatcher arms
 *   a lane that is retired, or off with its task settled, by storing `LANE_WORK` and starting a
 *   serve task; an off lane whose worker has not answered is armed once its task settled.
 * - `LANE_IDLE`: a worker sleeps on the word; the dispatcher moves it `IDLE → WORK` with a
 *   compare-exchange and notifies (the doorbell), or `IDLE → OFF` to release the worker.
 * - `LANE_WORK`: rung. The worker claims the batch `WORK → BUSY` (compare-exchange); or, with
 *   stealing, the dispatcher that has already copied everything takes the ring back
 *   `WORK → IDLE` and counts the lane done itself: exactly one of them wins.
 * - `LANE_BUSY`: the worker copies, writes `L_PAGES`, busy and start time and `L_DONE_SEQ`,
 *   stores `LANE_IDLE`, then decrements `H_PENDING` (notifying at zero).
 * Only the dispatcher turns lanes off (after `laneIdleMs` without batches).
 */

/** Bytes per control block (one cache line). */
export const BLOCK_BYTES = 64;
/** Int32 words per control block. */
export const BLOCK_WORDS = BLOCK_BYTES / 4;
/** Most copy threads (lanes) a batch uses; the sysfs `threads` limit. */
export const MAX_LANES = 64;

/** Header word: rung worker lanes of the current batch not yet resolved. */
export const H_PENDING = 0;
/** Header word: lanes (copy threads) of the current batch. */
export const H_LANES = 1;
/** Header word: slices claimed per `Atomics.add`. */
export const H_GRAIN = 2;
/** Header word: 1 when threads claim from other lanes once their own is empty. */
export const H_STEAL = 3;
/** Header word: µs an idle worker polls its state word before it sleeps in `Atomics.wait`. */
export const H_SPIN_US = 4;

/** Lane word: the lane state (`LANE_*`). */
export const L_STATE = 0;
/** Lane word: sequence number of the batch the lane is asked to copy. */
export const L_SEQ = 1;
/** Lane word: first slice of the lane's share. */
export const L_START = 2;
/** Lane word: one past the last slice of the lane's share. */
export const L_END = 3;
/** Lane word: fault to inject on this lane's next batch (`FAULT_*`), consumed by the worker. */
export const L_FAULT = 4;
/** Lane word: sequence number of the last batch the lane's worker finished. */
export const L_DONE_SEQ = 5;
/** Lane word: claim cursor, the next unclaimed slice of the lane's range. */
export const L_NEXT = 6;
/** Lane word: base pages the lane's worker copied in its last batch. */
export const L_PAGES = 7;
/** Lane word: sequence number of the last batch the lane's worker started claiming for. */
export const L_CLAIM_SEQ = 8;
/** Lane Float64 slot (index within the lane block viewed as Float64): busy ns of the copy loop. */
export const L_BUSY_F64 = 4;
/** Lane Float64 slot: absolute time (ms, `timeOrigin + now()`) at which the worker started the batch. */
export const L_STARTED_F64 = 5;

/** Lane states. */
export const LANE_OFF = 0;
export const LANE_IDLE = 1;
export const LANE_WORK = 2;
export const LANE_BUSY = 3;
export const LANE_RETIRED = 4;

/** Injected faults (test only): none, throw from the copy loop, or `process.exit()` the worker. */
export const FAULT_NONE = 0;
export const FAULT_THROW = 1;
export const FAULT_EXIT = 2;

/** Int32 words per slice in the descriptor: dstPfn, srcPfn, nrPages. */
export const SLICE_WORDS = 3;

/** Bytes of a control buffer for `MAX_LANES` lanes plus the header. */
export const CONTROL_BYTES = BLOCK_BYTES * (MAX_LANES + 1);

/** Int32 index of word `word` of lane `lane`. */
export function laneWord(lane: number, word: number): number {
  return (lane + 1) * BLOCK_WORDS + word;
}

/** Float64 index of slot `slot` of lane `lane`. */
export function laneF64(lane: number, slot: number): number {
  return ((lane + 1) * BLOCK_BYTES) / 8 + slot;
}

/** Absolute wall time in ms comparable across threads (`performance.timeOrigin + now()`). */
export function absNowMs(): number {
  return performance.timeOrigin + performance.now();
}
