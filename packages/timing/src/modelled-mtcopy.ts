/**
 * A modelled multi-threaded copy migrator: the batch split of `@pagemig/mtcopy` (`mtcopySplit()`,
 * Zi Yan's `CPU_MT_COPY` rule: fewer folios than threads → every thread copies a slice of every
 * folio; otherwise whole folios in contiguous blocks) over N *virtual* threads, copied on the
 * calling thread, so 16 or 64 threads run on a 2-core laptop without 16 workers. It emits the
 * same tracepoints as the real driver (`mtcopy_dispatch`, then one `mtcopy_slice` per thread in
 * thread order with its bytes); the cost model turns them into per-thread timelines. `cpuNs` of a
 * slice is 0: nothing here is measured.
 */
import { maxSlices, mtcopySplit } from '@pagemig/mtcopy';
import { ENODEV, EOPNOTSUPP, KernelError, createModule, moduleIsLive, type Module, type Tracepoint } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import type { System } from '@pagemig/mm';
import type { BatchCopyContext } from '@pagemig/migrate';
import type { Migrator } from '@pagemig/offload';

/** Most copy threads (mtcopy's limit). */
const MTCOPY_MAX_THREADS = 64;

/** `mtcopy_dispatch` payload (as `@pagemig/mtcopy` emits it). */
interface MtcopyDispatchEvent {
  batchId: number;
  threads: number;
  bytes: number;
}

/** `mtcopy_slice` payload (as `@pagemig/mtcopy` emits it); `cpuNs` is 0 here. */
interface MtcopySliceEvent {
  batchId: number;
  thread: number;
  bytes: number;
  cpuNs: number;
}


/** Options of `createModelledMtcopy()`. */
export interface ModelledMtcopyOptions {
  /** The system whose memory it copies. */
  system: System;
  /** Virtual copy threads (default 2, 1..64). */
  threads?: number;
  /** Slice alignment in bytes when folios are split (power of two, default 4 KiB). */
  alignBytes?: number;
  /** Batches smaller than this are declined with -EOPNOTSUPP (default 0). */
  minBatchBytes?: number;
  /** Module name (default `mtcopy_model`). */
  moduleName?: string;
}

/** The modelled mtcopy driver. */
export interface ModelledMtcopy {
  /** The migrator to register with an offload registry. */
  readonly migrator: Migrator;
  /** Its owner module. */
  readonly owner: Module;
  /** Virtual threads per batch. */
  threads: number;
  /** Batches copied. */
  readonly batches: number;
}

function tracepoint<T>(sys: System, name: string): Tracepoint<T> {
  return (sys.trace.get(name) as Tracepoint<T> | undefined) ?? sys.trace.define<T>(name);
}

function checkThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MTCOPY_MAX_THREADS) {
    throw new KernelError('EINVAL', `modelled mtcopy: threads ${String(n)} is not accepted: give an integer from 1 to ${MTCOPY_MAX_THREADS}`);
  }
  return n;
}

class Driver implements ModelledMtcopy {
  readonly migrator: Migrator;
  readonly owner: Module;
  batches = 0;
  private nThreads: number;
  private readonly alignPages: number;
  private readonly minBytes: number;
  private readonly tpDispatch: Tracepoint<MtcopyDispatchEvent>;
  private readonly tpSlice: Tracepoint<MtcopySliceEvent>;
  private desc = new Int32Array(0);
  private laneStart = new Int32Array(MTCOPY_MAX_THREADS + 1);
  private nrPages = new Int32Array(0);

  constructor(private readonly sys: System, options: ModelledMtcopyOptions) {
    this.nThreads = checkThreads(options.threads ?? 2);
    const align = options.alignBytes ?? PAGE_SIZE;
    if (!Number.isInteger(align) || align < PAGE_SIZE || (align & (align - 1)) !== 0) {
      throw new KernelError('EINVAL', `modelled mtcopy: alignBytes ${String(align)} is not accepted: give a power of two >= ${PAGE_SIZE}`);
    }
    this.alignPages = align / PAGE_SIZE;
    this.minBytes = options.minBatchBytes ?? 0;
    this.tpDispatch = tracepoint(sys, 'mtcopy_dispatch');
    this.tpSlice = tracepoint(sys, 'mtcopy_slice');
    this.owner = createModule(options.moduleName ?? 'mtcopy_model', { sysfs: sys.sysfs });
    this.migrator = { name: 'mtcopy', owner: this.owner, offloadCopy: (dst, src, count, ctx) => Promise.resolve(this.copy(dst, src, count, ctx)) };
  }

  get threads(): number {
    return this.nThreads;
  }

  set threads(n: number) {
    this.nThreads = checkThreads(n);
  }

  private copy(dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext): number {
    if (!moduleIsLive(this.owner)) return -ENODEV;
    if (ctx.bytes < this.minBytes) return -EOPNOTSUPP;
    if (count === 0) return 0;
    const threads = this.nThreads;
    const memmap = this.sys.memmap;
    if (this.nrPages.length < count) this.nrPages = new Int32Array(count);
    for (let i = 0; i < count; i++) this.nrPages[i] = memmap.folioNrPages(src[i]!);
    const words = maxSlices(count, threads) * 3 /* mtcopy's SLICE_WORDS: dst, src, pages */;
    if (this.desc.length < words) this.desc = new Int32Array(words);
    mtcopySplit(dst, src, this.nrPages, count, threads, this.alignPages, this.desc, this.laneStart);
    if (this.tpDispatch.enabled) this.tpDispatch.emit({ batchId: ctx.batchId, threads, bytes: ctx.bytes });
    const phys = this.sys.phys;
    for (let t = 0; t < threads; t++) {
      let pages = 0;
      for (let s = this.laneStart[t]!, end = this.laneStart[t + 1]!; s < end; s++) {
        const o = s * 3;
        phys.copyPages(this.desc[o]!, this.desc[o + 1]!, this.desc[o + 2]!);
        pages += this.desc[o + 2]!;
      }
      if (this.tpSlice.enabled) this.tpSlice.emit({ batchId: ctx.batchId, thread: t, bytes: pages * PAGE_SIZE, cpuNs: 0 });
    }
    this.batches++;
    return 0;
  }
}

/** Creates a modelled mtcopy migrator for `options.system` (module `mtcopy_model`). Throws EINVAL for bad options. */
export function createModelledMtcopy(options: ModelledMtcopyOptions): ModelledMtcopy {
  return new Driver(options.system, options);
}
