/**
 * The engine of one software DMA channel, run on its own worker thread (built as a separate ESM
 * entry, `dist/dma-channel-worker.js`). It sleeps on the doorbell word with `Atomics.wait`, fetches
 * the records the driver published one chain at a time (refilling its ring from the shared queue
 * without waiting for the driver), executes them as real copies between node memory sections
 * through a `PhysMemView`, writes one completion entry per record and raises an interrupt
 * (`Atomics.notify` on `H_IRQ`) after descriptors flagged DMA_PREP_INTERRUPT and at the end of a
 * chain that published completions (both coalesced while more work is ready, see
 * dma-irq-coalesce.ts), after a fetch while the driver holds descriptors that did not fit, and when
 * it stalls, halts or acknowledges an abort. Memory updates (new sections) arrive on a MessagePort
 * that it drains synchronously after every fetch, so it never needs its event loop.
 *
 * Record execution honours the injected fault carried in the record (see dma-fault.ts).
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { PAGE_SIZE } from '@pagemig/folio';
import { PhysMemView, type PhysMemShare } from '@pagemig/mm';
import {
  C_COOKIE,
  C_LEN,
  C_RESIDUE,
  C_RESULT,
  FAULT_HALT,
  FAULT_NEVER_COMPLETE,
  FAULT_OFFSET_SLIP,
  FAULT_PARTIAL,
  FAULT_READ_FAILED,
  FAULT_SHORT_COPY,
  FAULT_SRC_OVERWRITE,
  FAULT_STALL,
  FAULT_WRITE_FAILED,
  FAULT_WRITE_OUTSIDE,
  H_ABORT,
  H_ABORT_ACK,
  H_COMP_TAIL,
  H_DOORBELL,
  H_EXECUTED,
  H_HALTED,
  H_HEAD,
  H_IRQ,
  H_PAUSED,
  H_READY,
  H_RELEASE,
  H_RELEASE_USED,
  H_SLEEPING,
  H_SPACE_WANTED,
  H_STALLED,
  H_STOP,
  H_TAIL,
  RECORD_WORDS,
  REC_CHAIN_END,
  R_COOKIE,
  R_DST_F64,
  R_FAULT,
  R_FAULT_ARG,
  R_FLAGS,
  R_LEN,
  R_RANK,
  R_SRC_F64,
  R_STALL_MS,
  ringLayout,
} from './dma-ring';
import { DmaIrqCoalescer } from './dma-irq-coalesce';

/** What the driver passes in `workerData`. */
export interface DmaChannelWorkerData {
  readonly buffer: SharedArrayBuffer;
  readonly depth: number;
  /** Interrupt coalescing window in ms (see dma-irq-coalesce.ts). */
  readonly irqCoalesceMs: number;
  readonly share: PhysMemShare;
  readonly port: MessagePort;
}

// Mirrors of DMA_TRANS_* and DMA_PREP_INTERRUPT (kept local so the worker bundle stays tiny).
const TRANS_NOERROR = 0;
const TRANS_READ_FAILED = 1;
const TRANS_WRITE_FAILED = 2;
const PREP_INTERRUPT = 1;

const data = workerData as DmaChannelWorkerData;
const L = ringLayout(data.buffer, data.depth);
const h = L.header;
const i32 = L.i32;
const f64 = L.f64;
const depth = L.depth;
const mask = L.slots - 1;
const compMask = L.compDepth - 1;
const port = data.port;

const view = PhysMemView.fromShare(data.share);
const sectionBytes = view.sectionPages * PAGE_SIZE;
const sections: (Uint8Array | null)[] = [];
let totalBytes = 0;

/** Caches one byte view per section (null: not allocated or data-less, reads zero, writes dropped). */
function refreshSections(share: PhysMemShare): void {
  totalBytes = share.sections.length * sectionBytes;
  for (let sec = 0; sec < share.sections.length; sec++) {
    if (sections[sec] != null) continue;
    sections[sec] = view.bytes(sec * view.sectionPages, view.sectionPages);
  }
}
refreshSections(data.share);

function drainPort(): void {
  for (;;) {
    const got = receiveMessageOnPort(port);
    if (got === undefined) return;
    const msg = got.message as { type: string; share: PhysMemShare };
    if (msg.type === 'share') {
      view.update(msg.share);
      refreshSections(msg.share);
    }
  }
}

/** Copies `len` bytes between physical addresses (ranges already checked), section by section. */
function copyBytes(dst: number, src: number, len: number): void {
  while (len > 0) {
    const ss = Math.floor(src / sectionBytes);
    const ds = Math.floor(dst / sectionBytes);
    const so = src - ss * sectionBytes;
    const dof = dst - ds * sectionBytes;
    const n = Math.min(len, sectionBytes - so, sectionBytes - dof);
    const d = sections[ds];
    if (d != null) {
      const s = sections[ss];
      if (s != null) d.set(s.subarray(so, so + n), dof);
      else d.fill(0, dof, dof + n);
    }
    src += n;
    dst += n;
    len -= n;
  }
}

/** Inverts `len` bytes at a physical address (the `src-overwrite` bug). */
function invertBytes(addr: number, len: number): void {
  for (let k = 0; k < len && addr + k < totalBytes; k++) {
    const a = addr + k;
    const sec = Math.floor(a / sectionBytes);
    const s = sections[sec];
    if (s != null) {
      const off = a - sec * sectionBytes;
      s[off] = ~(s[off] as number) & 0xff;
    }
  }
}

function inRange(addr: number, len: number): boolean {
  return addr >= 0 && addr + len <= totalBytes;
}

// The fetched chain, in fetch order; `order[rank]` = index in these arrays.
const cFlags = new Int32Array(depth);
const cCookie = new Int32Array(depth);
const cLen = new Int32Array(depth);
const cFault = new Int32Array(depth);
const cArg = new Int32Array(depth);
const cStallMs = new Int32Array(depth);
const cSrc = new Float64Array(depth);
const cDst = new Float64Array(depth);
const order = new Int32Array(depth);

let head = Atomics.load(h, H_HEAD);
let compTail = Atomics.load(h, H_COMP_TAIL);
let ackedAbort = Atomics.load(h, H_ABORT_ACK);
let releaseUsed = Atomics.load(h, H_RELEASE_USED);
const coalescer = new DmaIrqCoalescer(data.irqCoalesceMs);
/** Completions published since the last interrupt. */
let unsignalled = false;

function irq(): void {
  coalescer.raised();
  unsignalled = false;
  Atomics.add(h, H_IRQ, 1);
  Atomics.notify(h, H_IRQ);
}

/** A completion asks for an interrupt: raised now, or later when more work is ready (coalescing). */
function requestIrq(moreWork: boolean): void {
  if (!moreWork || coalescer.request(performance.now())) irq();
}

function stopRequested(): boolean {
  return Atomics.load(h, H_STOP) !== 0;
}

function abortRequested(): boolean {
  return Atomics.load(h, H_ABORT) !== ackedAbort;
}

/** Drops everything fetched or still in the ring, clears halt and stall, acknowledges the abort. */
function acknowledgeAbort(): void {
  ackedAbort = Atomics.load(h, H_ABORT);
  head = Atomics.load(h, H_TAIL);
  Atomics.store(h, H_HEAD, head);
  Atomics.store(h, H_HALTED, 0);
  Atomics.store(h, H_STALLED, 0);
  Atomics.store(h, H_ABORT_ACK, ackedAbort);
  irq();
}

function publish(cookie: number, result: number, residue: number, len: number): void {
  const base = L.compBase + (compTail & compMask) * 4;
  i32[base + C_COOKIE] = cookie;
  i32[base + C_RESULT] = result;
  i32[base + C_RESIDUE] = residue;
  i32[base + C_LEN] = len;
  compTail = (compTail + 1) | 0;
  Atomics.store(h, H_COMP_TAIL, compTail);
  unsignalled = true;
}

/**
 * Sleeps until the doorbell moves past `bell` (or `ms` elapse when > 0). H_SLEEPING tells the driver
 * a notify is needed: it is set before the wait re-reads the doorbell, so either the driver sees it
 * or the wait sees the new doorbell value (both sides use sequentially consistent atomics).
 */
function sleep(bell: number, ms: number): void {
  if (coalescer.pending) irq(); // never sleep on undelivered completions
  Atomics.store(h, H_SLEEPING, 1);
  if (ms > 0) Atomics.wait(h, H_DOORBELL, bell, ms);
  else Atomics.wait(h, H_DOORBELL, bell);
  Atomics.store(h, H_SLEEPING, 0);
}

/** Waits while paused; false when an abort or stop came instead. */
function waitWhilePaused(): boolean {
  for (;;) {
    const bell = Atomics.load(h, H_DOORBELL);
    if (stopRequested() || abortRequested()) return false;
    if (Atomics.load(h, H_PAUSED) === 0) return true;
    sleep(bell, 0);
  }
}

/** Holds a stalled record until released, timed out, aborted or stopped; true when it may run. */
function waitStallRelease(stallMs: number): boolean {
  Atomics.store(h, H_STALLED, 1);
  irq();
  const deadline = stallMs > 0 ? performance.now() + stallMs : Number.POSITIVE_INFINITY;
  for (;;) {
    const bell = Atomics.load(h, H_DOORBELL);
    if (stopRequested() || abortRequested()) return false;
    if (Atomics.load(h, H_RELEASE) - releaseUsed > 0) {
      releaseUsed = (releaseUsed + 1) | 0;
      Atomics.store(h, H_RELEASE_USED, releaseUsed);
      break;
    }
    const left = deadline - performance.now();
    if (left <= 0) break;
    sleep(bell, Number.isFinite(left) ? Math.max(1, Math.ceil(left)) : 0);
  }
  Atomics.store(h, H_STALLED, 0);
  return true;
}

/** Halts until an abort or stop. */
function halt(): void {
  Atomics.store(h, H_HALTED, 1);
  irq();
  for (;;) {
    const bell = Atomics.load(h, H_DOORBELL);
    if (stopRequested() || abortRequested()) return;
    sleep(bell, 0);
  }
}

/** Executes record `i` and publishes its completion (unless it never completes). */
function execute(i: number): void {
  const fault = cFault[i] as number;
  const len = cLen[i] as number;
  const src = cSrc[i] as number;
  const dst = cDst[i] as number;
  const arg = cArg[i] as number;
  const cookie = cCookie[i] as number;
  if (fault === FAULT_NEVER_COMPLETE) return;
  let readLen = len;
  let srcAt = src;
  if (fault === FAULT_OFFSET_SLIP) srcAt = src + arg;
  if (fault === FAULT_WRITE_OUTSIDE) readLen = len + arg;
  if (!inRange(srcAt, readLen)) {
    publish(cookie, TRANS_READ_FAILED, len, len);
    return;
  }
  if (!inRange(dst, readLen)) {
    publish(cookie, TRANS_WRITE_FAILED, len, len);
    return;
  }
  let result = TRANS_NOERROR;
  let residue = 0;
  switch (fault) {
    case FAULT_READ_FAILED:
    case FAULT_WRITE_FAILED:
      copyBytes(dst, src, arg);
      result = fault === FAULT_READ_FAILED ? TRANS_READ_FAILED : TRANS_WRITE_FAILED;
      residue = len - arg;
      break;
    case FAULT_PARTIAL:
      copyBytes(dst, src, arg);
      residue = len - arg;
      break;
    case FAULT_SHORT_COPY:
      copyBytes(dst, src, Math.max(0, len - arg));
      break;
    case FAULT_SRC_OVERWRITE:
      copyBytes(dst, src, len);
      invertBytes(src, Math.min(arg, len));
      break;
    default:
      copyBytes(dst, srcAt, readLen);
  }
  publish(cookie, result, residue, len);
}

/** Runs the fetched chain of `n` records in rank order. */
function runChain(n: number): void {
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    if (stopRequested()) return;
    if (abortRequested() || (Atomics.load(h, H_PAUSED) !== 0 && !waitWhilePaused())) {
      if (abortRequested()) acknowledgeAbort();
      return;
    }
    const fault = cFault[i] as number;
    if (fault === FAULT_HALT) {
      irq();
      halt();
      if (abortRequested()) acknowledgeAbort();
      return;
    }
    if (fault === FAULT_STALL) {
      irq();
      if (!waitStallRelease(cStallMs[i] as number)) {
        if (abortRequested()) acknowledgeAbort();
        return;
      }
    }
    execute(i);
    Atomics.add(h, H_EXECUTED, 1);
    if (((cFlags[i] as number) & PREP_INTERRUPT) !== 0) requestIrq(r + 1 < n || Atomics.load(h, H_TAIL) !== head);
  }
}

/** Copies the next chain out of the ring (up to and including a CHAIN_END record); returns its length. */
function fetchChain(tail: number): number {
  let n = 0;
  while (head !== tail && n < depth) {
    const w = L.recordBase + (head & mask) * RECORD_WORDS;
    const f = L.recordBase / 2 + (head & mask) * (RECORD_WORDS / 2);
    const flags = i32[w + R_FLAGS] as number;
    cFlags[n] = flags;
    cCookie[n] = i32[w + R_COOKIE] as number;
    cLen[n] = i32[w + R_LEN] as number;
    cFault[n] = i32[w + R_FAULT] as number;
    cArg[n] = i32[w + R_FAULT_ARG] as number;
    cStallMs[n] = i32[w + R_STALL_MS] as number;
    cSrc[n] = f64[f + R_SRC_F64] as number;
    cDst[n] = f64[f + R_DST_F64] as number;
    order[i32[w + R_RANK] as number] = n;
    head = (head + 1) | 0;
    n++;
    if ((flags & REC_CHAIN_END) !== 0) break;
  }
  Atomics.store(h, H_HEAD, head);
  return n;
}

function main(): void {
  Atomics.add(h, H_READY, 1);
  Atomics.notify(h, H_READY);
  for (;;) {
    const bell = Atomics.load(h, H_DOORBELL);
    if (stopRequested()) break;
    if (abortRequested()) {
      acknowledgeAbort();
      continue;
    }
    const tail = Atomics.load(h, H_TAIL);
    if (Atomics.load(h, H_PAUSED) !== 0 || head === tail) {
      sleep(bell, 0);
      continue;
    }
    const n = fetchChain(tail);
    if (Atomics.load(h, H_SPACE_WANTED) !== 0) irq();
    drainPort();
    runChain(n);
    // End of chain: completions of records without DMA_PREP_INTERRUPT still need an interrupt.
    if (unsignalled) requestIrq(Atomics.load(h, H_TAIL) !== head);
  }
  port.close();
}

main();
