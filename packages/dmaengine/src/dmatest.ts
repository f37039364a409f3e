/**
 * dmatest (drivers/dma/dmatest.c): memcpy threads per channel that copy random lengths between
 * random offsets of two patterned buffers and verify every byte of both buffers afterwards.
 * `runDmatest()` takes the module parameters under their kernel names, prints the kernel's lines
 * (mismatches, failed results, per-thread summaries) through `log`, and returns the same facts
 * as a structured result.
 *
 * Differences from the module (all forced by running inside a library call):
 * - `iterations` must be finite (>= 1); there is no `run`/`wait`: the returned promise is the wait.
 * - Randomness is a seeded PRNG per thread (`seed`), so a run replays exactly.
 * - Polled mode waits with `dmaSyncWait()` bounded by `timeout` (the kernel's wait is a fixed 5 s).
 * - A channel is terminated after all of its threads ended when any of them failed (the kernel
 *   does it per thread, which can abort a sibling thread's transfer).
 * - Buffers: from `options.alloc(bytes, nid)` if given, else carved from the top of node 0 (sources)
 *   and of the last node (destinations) of `options.phys`, else of the channel device's memory,
 *   else of a small 2-node memory dmatest makes for itself (only useful with a device that reaches it).
 */
import { KernelError, Prng } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import { PhysMem } from '@pagemig/mm';
import { DMA_MEMCPY, dmaCapMask } from './dma-caps';
import type { DmaChan } from './dma-chan';
import type { DmaEngine } from './dma-engine';
import { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, dmaMapSgtable, dmaUnmapSgtable } from './dma-mapping';
import { prepDmaMemcpy } from './dma-prep';
import { dmaReleaseChannel, dmaRequestChannel } from './dma-request';
import { DMA_COMPLETE, DMA_CTRL_ACK, DMA_ERROR, DMA_PREP_INTERRUPT, dmaSubmitError, type DmaStatus } from './dma-status';
import { dmaAsyncIssuePending, dmaengineSubmit, dmaengineTxStatus } from './dma-submit';
import { dmaSyncWait } from './dma-sync-wait';
import { dmaengineTerminateSync } from './dma-terminate';
import { dmatestInitDst, dmatestInitSrc, dmatestVerifyCopy, emptyDataErrors, type DmatestDataErrors } from './dmatest-pattern';
import { sgTableFromRegions } from './scatterlist';

/** dmatest module parameters (kernel names). */
export interface DmatestParams {
  /** Tests per thread (>= 1; the kernel's 0 = infinite is not supported). */
  readonly iterations: number;
  /** Threads per channel (default 1). */
  readonly threads_per_chan?: number;
  /** Channels to use at most (default 0 = all). */
  readonly max_channels?: number;
  /** Bytes of each source and destination buffer (default 16384). */
  readonly test_buf_size?: number;
  /** Fixed transfer length (default 0 = random); must be lower than the buffer size. */
  readonly transfer_size?: number;
  /** log2 alignment of lengths and offsets; -1 (default) = the device's `copyAlign`. */
  readonly alignment?: number;
  /** Length = buffer size and offsets 0 (default false). */
  readonly norandom?: boolean;
  /** Skip the patterns and the verification (default false). */
  readonly noverify?: boolean;
  /** No interrupt flag or callback: wait with dmaSyncWait, then terminate (default false). */
  readonly polled?: boolean;
  /** Wait per transfer in ms (default 3000; -1 = forever). */
  readonly timeout?: number;
  /** PRNG seed of the run (default 1). */
  readonly seed?: number;
  /** Only the channel with this name (`dma0chan1`; default any). */
  readonly channel?: string;
  /** Only channels of the device with this name (default any). */
  readonly device?: string;
  /** Also print passing results (default false). */
  readonly verbose?: boolean;
}

/** Where dmatest prints and gets memory. */
export interface DmatestOptions {
  /** Receives every line dmatest prints (they are also in the result). */
  readonly log?: (line: string) => void;
  /** Memory for the buffers (default: the channel device's memory). */
  readonly phys?: PhysMem;
  /** Allocates `bytes` on node `nid` and returns the physical address (default: carve node tops). */
  readonly alloc?: (bytes: number, nid: number) => number;
}

/** Failed tests by the result message that reported them. */
export interface DmatestFailureKinds {
  /** `src mapping error` / `dst mapping error`. */
  mapping: number;
  /** `prep error`. */
  prep: number;
  /** `submit error`. */
  submit: number;
  /** `test timed out`. */
  timeout: number;
  /** `completion error status`. */
  completionError: number;
  /** `completion busy status`. */
  completionBusy: number;
  /** `data error`. */
  data: number;
}

/** The summary of one thread. */
export interface DmatestThreadResult {
  /** `<chan>-copy<i>`. */
  readonly thread: string;
  readonly chan: string;
  readonly tests: number;
  readonly failures: number;
  readonly failureKinds: DmatestFailureKinds;
  /** Wrong bytes found by the verifier, by message. */
  readonly dataErrors: DmatestDataErrors;
  /** Bytes the tests asked to copy. */
  readonly totalLen: number;
  /** Run time without fill and verify, in µs. */
  readonly runtimeUs: number;
  readonly iops: number;
  readonly kbPerSec: number;
  /** The summary's return code (0, or -EINVAL when the parameters made the thread stop at once). */
  readonly ret: number;
}

/** The result of a run. */
export interface DmatestResult {
  /** Channels tested. */
  readonly channels: readonly string[];
  readonly threads: readonly DmatestThreadResult[];
  /** Tests over all threads. */
  readonly tests: number;
  /** Failures over all threads. */
  readonly failures: number;
  /** Every printed line, in order. */
  readonly lines: readonly string[];
}

interface Resolved {
  iterations: number;
  threadsPerChan: number;
  maxChannels: number;
  bufSize: number;
  transferSize: number;
  alignment: number;
  norandom: boolean;
  noverify: boolean;
  polled: boolean;
  timeout: number;
  seed: number;
  channel: string;
  device: string;
  verbose: boolean;
}

function intParam(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new KernelError('EINVAL', `dmatest: ${name} ${String(value)} is invalid; accepted: an integer from ${min} to ${max}`);
  }
  return v;
}

function resolveParams(p: DmatestParams): Resolved {
  return {
    iterations: intParam('iterations', p.iterations, 0, 1, 2 ** 31),
    threadsPerChan: intParam('threads_per_chan', p.threads_per_chan, 1, 1, 64),
    maxChannels: intParam('max_channels', p.max_channels, 0, 0, 1024),
    bufSize: intParam('test_buf_size', p.test_buf_size, 16384, 1, 1 << 24),
    transferSize: intParam('transfer_size', p.transfer_size, 0, 0, 1 << 24),
    alignment: intParam('alignment', p.alignment, -1, -1, 24),
    norandom: p.norandom ?? false,
    noverify: p.noverify ?? false,
    polled: p.polled ?? false,
    timeout: intParam('timeout', p.timeout, 3000, -1, 0x7fff_ffff),
    seed: intParam('seed', p.seed, 1, 0, 0xffff_ffff),
    channel: p.channel ?? '',
    device: p.device ?? '',
    verbose: p.verbose ?? false,
  };
}

/** Thread-seed mix: distinct, reproducible streams per thread. */
function threadSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(index + 1, 0x165667b1);
  h ^= h >>> 15;
  return h >>> 0;
}

function fixed2(x: number): string {
  const x100 = Math.floor(x * 100);
  return `${Math.floor(x100 / 100)}.${String(x100 % 100).padStart(2, '0')}`;
}

/** Carves page-aligned buffers from the top of nodes, downwards. */
class NodeCarver {
  private readonly next = new Map<number, number>();
  constructor(private readonly phys: PhysMem) {}

  alloc(bytes: number, nid: number): number {
    const n = Math.min(nid, this.phys.nrNodes - 1);
    const top = this.next.get(n) ?? ((this.phys.nodeStartPfn[n] ?? 0) + (this.phys.nodeNrPages[n] ?? 0)) * PAGE_SIZE;
    const size = Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
    const addr = top - size;
    if (addr < (this.phys.nodeStartPfn[n] ?? 0) * PAGE_SIZE) {
      throw new KernelError('ENOMEM', `dmatest: node ${n} has no room for another ${bytes}-byte buffer`);
    }
    this.next.set(n, addr);
    return addr;
  }
}

interface ThreadCtx {
  readonly name: string;
  readonly chan: DmaChan;
  readonly p: Resolved;
  readonly phys: PhysMem;
  readonly srcAddr: number;
  readonly dstAddr: number;
  readonly prng: Prng;
  readonly print: (line: string) => void;
}

function waitDone(done: { done: boolean; wake: (() => void) | null }, timeout: number): Promise<void> {
  if (done.done) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    done.wake = () => {
      if (timer !== undefined) clearTimeout(timer);
      done.wake = null;
      resolve();
    };
    if (timeout >= 0) {
      timer = setTimeout(() => {
        done.wake = null;
        resolve();
      }, timeout);
    }
  });
}

/** One dmatest thread. Mirrors `dmatest_func()` for DMA_MEMCPY. */
async function dmatestFunc(t: ThreadCtx): Promise<DmatestThreadResult> {
  const { p, chan, phys, name } = t;
  const dev = chan.device;
  const align = p.alignment < 0 ? dev.copyAlign : p.alignment;
  const bufSize = p.bufSize;
  const failureKinds: DmatestFailureKinds = { mapping: 0, prep: 0, submit: 0, timeout: 0, completionError: 0, completionBusy: 0, data: 0 };
  const dataErrors = emptyDataErrors();
  const srcBuf = new Uint8Array(bufSize);
  const dstBuf = new Uint8Array(bufSize);
  const srcSg = sgTableFromRegions([{ addr: t.srcAddr, length: bufSize }]);
  const dstSg = sgTableFromRegions([{ addr: t.dstAddr, length: bufSize }]);
  const lines: string[] = [];
  let tests = 0;
  let failures = 0;
  let totalLen = 0;
  let ret = 0;
  let fillMs = 0;
  let compareMs = 0;
  const result = (msg: string, n: number, srcOff: number, dstOff: number, len: number, data: number): void => {
    t.print(`${name}: result #${n}: '${msg}' with src_off=0x${srcOff.toString(16)} dst_off=0x${dstOff.toString(16)} len=0x${len.toString(16)} (${data})`);
  };
  const flags = p.polled ? DMA_CTRL_ACK : DMA_CTRL_ACK | DMA_PREP_INTERRUPT;
  const start = performance.now();
  while (tests < p.iterations) {
    tests++;
    if (2 ** align > bufSize) {
      t.print(`${bufSize}-byte buffer too small for ${2 ** align}-byte alignment`);
      ret = -22;
      break;
    }
    let len: number;
    if (p.transferSize !== 0) {
      if (p.transferSize >= bufSize) {
        t.print(`${p.transferSize}-byte transfer size must be lower than ${bufSize}-byte buffer size`);
        break;
      }
      len = p.transferSize;
    } else if (p.norandom) {
      len = bufSize;
    } else {
      len = t.prng.below(bufSize) + 1;
    }
    if (p.transferSize === 0) {
      len = Math.floor(len / 2 ** align) * 2 ** align;
      if (len === 0) len = 2 ** align;
    }
    totalLen += len;
    let srcOff = 0;
    let dstOff = 0;
    if (!p.norandom) {
      srcOff = t.prng.below(bufSize - len + 1);
      dstOff = t.prng.below(bufSize - len + 1);
      srcOff = Math.floor(srcOff / 2 ** align) * 2 ** align;
      dstOff = Math.floor(dstOff / 2 ** align) * 2 ** align;
    }
    if (!p.noverify) {
      const f0 = performance.now();
      dmatestInitSrc(srcBuf, srcOff, len);
      dmatestInitDst(dstBuf, dstOff, len);
      phys.write(t.srcAddr, srcBuf);
      phys.write(t.dstAddr, dstBuf);
      fillMs += performance.now() - f0;
    }
    let rc = dmaMapSgtable(dev, srcSg, DMA_TO_DEVICE);
    if (rc !== 0) {
      result('src mapping error', tests, srcOff, dstOff, len, rc);
      failures++;
      failureKinds.mapping++;
      continue;
    }
    rc = dmaMapSgtable(dev, dstSg, DMA_BIDIRECTIONAL);
    if (rc !== 0) {
      dmaUnmapSgtable(dev, srcSg, DMA_TO_DEVICE);
      result('dst mapping error', tests, srcOff, dstOff, len, rc);
      failures++;
      failureKinds.mapping++;
      continue;
    }
    const unmap = (): void => {
      dmaUnmapSgtable(dev, srcSg, DMA_TO_DEVICE);
      dmaUnmapSgtable(dev, dstSg, DMA_BIDIRECTIONAL);
    };
    const tx = prepDmaMemcpy(chan, (dstSg.dmaAddress[0] as number) + dstOff, (srcSg.dmaAddress[0] as number) + srcOff, len, flags);
    if (tx === null) {
      unmap();
      result('prep error', tests, srcOff, dstOff, len, 0);
      failures++;
      failureKinds.prep++;
      continue;
    }
    // A fresh completion record per test, so a late callback of a timed-out test cannot complete this one.
    const done = { done: false, wake: null as (() => void) | null };
    if (!p.polled) {
      tx.callback = () => {
        done.done = true;
        done.wake?.();
      };
    }
    const cookie = dmaengineSubmit(tx);
    if (dmaSubmitError(cookie)) {
      unmap();
      result('submit error', tests, srcOff, dstOff, len, cookie);
      failures++;
      failureKinds.submit++;
      continue;
    }
    let status: DmaStatus;
    if (p.polled) {
      status = await dmaSyncWait(chan, cookie, p.timeout < 0 ? Number.POSITIVE_INFINITY : p.timeout);
      await dmaengineTerminateSync(chan);
      if (status === DMA_COMPLETE) done.done = true;
    } else {
      dmaAsyncIssuePending(chan);
      await waitDone(done, p.timeout);
      status = dmaengineTxStatus(chan, cookie).status;
    }
    unmap();
    if (!done.done) {
      result('test timed out', tests, srcOff, dstOff, len, 0);
      failures++;
      failureKinds.timeout++;
      continue;
    }
    if (status !== DMA_COMPLETE) {
      const error = status === DMA_ERROR;
      result(error ? 'completion error status' : 'completion busy status', tests, srcOff, dstOff, len, 0);
      failures++;
      if (error) failureKinds.completionError++;
      else failureKinds.completionBusy++;
      continue;
    }
    if (p.noverify) {
      if (p.verbose) result('test passed', tests, srcOff, dstOff, len, 0);
      continue;
    }
    const c0 = performance.now();
    phys.read(t.srcAddr, srcBuf);
    phys.read(t.dstAddr, dstBuf);
    lines.length = 0;
    const errors = dmatestVerifyCopy(srcBuf, dstBuf, srcOff, dstOff, len, name, lines, dataErrors);
    for (const line of lines) t.print(line);
    compareMs += performance.now() - c0;
    if (errors !== 0) {
      result('data error', tests, srcOff, dstOff, len, errors);
      failures++;
      failureKinds.data++;
    } else if (p.verbose) {
      result('test passed', tests, srcOff, dstOff, len, 0);
    }
  }
  const runtimeUs = Math.max(0, Math.floor((performance.now() - start - fillMs - compareMs) * 1000));
  const iops = runtimeUs > 0 ? (tests * 1e6) / runtimeUs : 0;
  const kbPerSec = runtimeUs > 0 ? Math.floor((Math.floor(totalLen / 1024) * 1e6) / runtimeUs) : 0;
  t.print(`${name}: summary ${tests} tests, ${failures} failures ${fixed2(iops)} iops ${kbPerSec} KB/s (${ret})`);
  return { thread: name, chan: chan.name, tests, failures, failureKinds, dataErrors, totalLen, runtimeUs, iops, kbPerSec, ret };
}

/**
 * Runs dmatest on every DMA_MEMCPY channel it can take exclusively (filtered by `channel` and
 * `device`, at most `max_channels`), `threads_per_chan` threads each, then releases the channels.
 * Throws KernelError EINVAL for a bad parameter.
 */
export async function runDmatest(engine: DmaEngine, params: DmatestParams, options: DmatestOptions = {}): Promise<DmatestResult> {
  const p = resolveParams(params);
  const lines: string[] = [];
  const print = (line: string): void => {
    lines.push(line);
    options.log?.(line);
  };
  const chans: DmaChan[] = [];
  const mask = dmaCapMask(DMA_MEMCPY);
  for (;;) {
    const chan = dmaRequestChannel(engine, mask, (c) => (p.channel === '' || c.name === p.channel) && (p.device === '' || c.device.name === p.device));
    if (chan === null) break;
    chans.push(chan);
    if (p.maxChannels !== 0 && chans.length >= p.maxChannels) break;
  }
  if (chans.length === 0) print('dmatest: no DMA_MEMCPY channel available');
  const carvers = new Map<PhysMem, NodeCarver>();
  let ownMemory: PhysMem | null = null;
  const memoryFor = (chan: DmaChan): PhysMem => {
    if (options.phys !== undefined) return options.phys;
    if (chan.device.phys !== undefined) return chan.device.phys;
    ownMemory ??= new PhysMem([{ size: 4 << 20 }, { size: 4 << 20 }], 4 << 20);
    return ownMemory;
  };
  const threads: Promise<DmatestThreadResult>[][] = [];
  let index = 0;
  try {
    for (const chan of chans) {
      const phys = memoryFor(chan);
      let carver = carvers.get(phys);
      if (carver === undefined) {
        carver = new NodeCarver(phys);
        carvers.set(phys, carver);
      }
      const lastNode = phys.nrNodes - 1;
      const alloc = options.alloc ?? ((bytes: number, nid: number) => (carver as NodeCarver).alloc(bytes, nid));
      const perChan: Promise<DmatestThreadResult>[] = [];
      for (let i = 0; i < p.threadsPerChan; i++) {
        const srcAddr = alloc(p.bufSize, 0);
        const dstAddr = alloc(p.bufSize, lastNode);
        perChan.push(
          dmatestFunc({ name: `${chan.name}-copy${i}`, chan, p, phys, srcAddr, dstAddr, prng: new Prng(threadSeed(p.seed, index++)), print }),
        );
      }
      print(`Started ${p.threadsPerChan} threads using ${chan.name}`);
      threads.push(perChan);
    }
    const results: DmatestThreadResult[] = [];
    for (let c = 0; c < threads.length; c++) {
      const perChan = await Promise.all(threads[c] as Promise<DmatestThreadResult>[]);
      if (perChan.some((r) => r.failures > 0)) await dmaengineTerminateSync(chans[c] as DmaChan);
      results.push(...perChan);
    }
    return {
      channels: chans.map((c) => c.name),
      threads: results,
      tests: results.reduce((s, r) => s + r.tests, 0),
      failures: results.reduce((s, r) => s + r.failures, 0),
      lines,
    };
  } finally {
    for (const chan of chans) dmaReleaseChannel(chan);
  }
}
