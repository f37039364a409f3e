/**
 * The shared-memory layout of one software DMA channel, used by both the main thread (the driver)
 * and the channel worker (the engine). One SharedArrayBuffer holds:
 *
 * - a header of Int32 control words (indices, doorbell, interrupt counter, abort/stall/halt state);
 * - the descriptor queue: `slots` fixed-size records of 64 bytes (opcode, flags, cookie, len, fault,
 *   fault argument, execution rank, stall time, src, dst as float64). Its first `depth` unfetched
 *   records are the hardware ring; the rest is the driver's software queue (PTDMA's pending list),
 *   kept in shared memory so the engine refills its ring from it without a round trip through the
 *   main thread;
 * - the completion queue: `2 * slots` entries of 16 bytes (cookie, result, residue, len).
 *
 * The driver writes records at `tail`, in chains of at most `depth` records (the last one flagged
 * `REC_CHAIN_END`), and publishes them with one atomic store of `H_TAIL` plus a doorbell
 * (`Atomics.notify` on `H_DOORBELL`). The engine fetches one chain at a time, frees its slots by
 * storing `H_HEAD`, executes, appends completions and publishes them with `H_COMP_TAIL`, then
 * raises an "interrupt": `H_IRQ` is incremented and notified, which resolves the driver's
 * `Atomics.waitAsync`. The driver never puts more than `2 * slots` records in the engine's hands,
 * so the completion queue cannot overflow.
 */

/** Bytes of the header. */
export const RING_HEADER_BYTES = 128;
/** Bytes of one descriptor record. */
export const RING_RECORD_BYTES = 64;
/** Bytes of one completion entry. */
export const RING_COMPLETION_BYTES = 16;

/** Header word: producer index (driver). */
export const H_TAIL = 0;
/** Header word: fetch index (engine); slots below it may be reused. */
export const H_HEAD = 1;
/** Header word: doorbell counter; every change wakes the engine (work, release, abort, resume, stop). */
export const H_DOORBELL = 2;
/** Header word: interrupt counter; the engine bumps and notifies it, the driver waits on it. */
export const H_IRQ = 3;
/** Header word: completions published (engine). */
export const H_COMP_TAIL = 4;
/** Header word: completions reaped (driver; informative). */
export const H_COMP_HEAD = 5;
/** Header word: abort epoch requested by the driver. */
export const H_ABORT = 6;
/** Header word: abort epoch acknowledged by the engine (quiet, everything fetched dropped). */
export const H_ABORT_ACK = 7;
/** Header word: stall releases granted by the driver (a counter; the engine consumes one per stall). */
export const H_RELEASE = 8;
/** Header word: 1 while the engine holds a stalled descriptor. */
export const H_STALLED = 9;
/** Header word: 1 while the engine is halted (cleared by an abort). */
export const H_HALTED = 10;
/** Header word: 1 while the driver has paused the channel. */
export const H_PAUSED = 11;
/** Header word: 1 asks the engine to exit. */
export const H_STOP = 12;
/** Header word: 1 while the driver holds descriptors that did not fit in the shared queue (engine interrupts after each fetch). */
export const H_SPACE_WANTED = 13;
/** Header word: records executed by the engine (statistics). */
export const H_EXECUTED = 14;
/** Header word: stall releases consumed by the engine. */
export const H_RELEASE_USED = 15;
/** Header word: incremented (and notified) by each engine start once it runs its loop. */
export const H_READY = 16;
/** Header word: 1 while the engine sleeps on the doorbell (the driver skips `Atomics.notify` otherwise). */
export const H_SLEEPING = 17;

/** Record word: operation. */
export const R_OPCODE = 0;
/** Record word: flags (`DMA_PREP_*` plus `REC_*`). */
export const R_FLAGS = 1;
/** Record word: cookie of the descriptor this record belongs to. */
export const R_COOKIE = 2;
/** Record word: bytes to copy. */
export const R_LEN = 3;
/** Record word: injected fault (`FAULT_*`). */
export const R_FAULT = 4;
/** Record word: fault argument (bytes). */
export const R_FAULT_ARG = 5;
/** Record word: execution rank within its chain (0 first). */
export const R_RANK = 6;
/** Record word: stall auto-release in ms (0 = until released or aborted). */
export const R_STALL_MS = 7;
/** Float64 index within a record: source address. */
export const R_SRC_F64 = 4;
/** Float64 index within a record: destination address. */
export const R_DST_F64 = 5;
/** Int32 words per record. */
export const RECORD_WORDS = RING_RECORD_BYTES / 4;

/** Completion word: cookie. */
export const C_COOKIE = 0;
/** Completion word: result (`DMA_TRANS_*`). */
export const C_RESULT = 1;
/** Completion word: residue of this record. */
export const C_RESIDUE = 2;
/** Completion word: bytes of this record. */
export const C_LEN = 3;

/** Opcode: memory copy. */
export const OP_MEMCPY = 1;

/** Record flag: last record of a chain (at most `depth` records of what one doorbell published). */
export const REC_CHAIN_END = 1 << 16;

/** Fault: none. */
export const FAULT_NONE = 0;
/** Fault: report DMA_TRANS_READ_FAILED after copying `arg` bytes. */
export const FAULT_READ_FAILED = 1;
/** Fault: report DMA_TRANS_WRITE_FAILED after copying `arg` bytes. */
export const FAULT_WRITE_FAILED = 2;
/** Fault: copy only `arg` bytes and report success with residue len - arg. */
export const FAULT_PARTIAL = 3;
/** Fault: consume the record and never complete it. */
export const FAULT_NEVER_COMPLETE = 4;
/** Fault: halt the channel before this record (nothing runs until an abort). */
export const FAULT_HALT = 5;
/** Fault: hold this record (others of its chain may complete first) until released or aborted. */
export const FAULT_STALL = 6;
/** Planted bug: copy len - arg bytes and claim success. */
export const FAULT_SHORT_COPY = 7;
/** Planted bug: read from src + arg instead of src, claim success. */
export const FAULT_OFFSET_SLIP = 8;
/** Planted bug: write arg bytes past the end of the destination, claim success. */
export const FAULT_WRITE_OUTSIDE = 9;
/** Planted bug: copy correctly, then clobber arg bytes of the source. */
export const FAULT_SRC_OVERWRITE = 10;

/**
 * Records of the shared descriptor queue (ring plus software queue) when the ring is smaller: enough
 * for a migration batch of 512 base pages per channel, 64 KiB per channel.
 */
export const SHARED_QUEUE_RECORDS = 1024;

/** Sizes and views of a channel buffer. */
export interface RingLayout {
  /** Ring entries: the most records the engine fetches at once (one chain). */
  readonly depth: number;
  /** Record slots of the shared queue (a power of two, at least `depth`). */
  readonly slots: number;
  readonly compDepth: number;
  readonly header: Int32Array;
  /** Int32 view of the whole buffer (records start at `RING_HEADER_BYTES / 4`). */
  readonly i32: Int32Array;
  /** Float64 view of the whole buffer. */
  readonly f64: Float64Array;
  /** Int32 index of the first record word. */
  readonly recordBase: number;
  /** Int32 index of the first completion word. */
  readonly compBase: number;
}

/** Record slots of the shared queue of a ring with `depth` entries (both powers of two). */
export function ringSlots(depth: number): number {
  return Math.max(depth, SHARED_QUEUE_RECORDS);
}

/** Bytes of the buffer of a ring with `depth` entries. */
export function ringBytes(depth: number): number {
  const slots = ringSlots(depth);
  return RING_HEADER_BYTES + slots * RING_RECORD_BYTES + 2 * slots * RING_COMPLETION_BYTES;
}

/** Views over a channel buffer of a ring with `depth` entries (a power of two). */
export function ringLayout(buffer: SharedArrayBuffer, depth: number): RingLayout {
  const i32 = new Int32Array(buffer);
  const slots = ringSlots(depth);
  return {
    depth,
    slots,
    compDepth: 2 * slots,
    header: i32,
    i32,
    f64: new Float64Array(buffer),
    recordBase: RING_HEADER_BYTES / 4,
    compBase: (RING_HEADER_BYTES + slots * RING_RECORD_BYTES) / 4,
  };
}
