/**
 * The migration engine of one system: its configuration (batch-copy seam, batching policy,
 * V5/V6 retry semantics, `NR_MAX_BATCHED_MIGRATION`), its tracepoints, and the CPU default of
 * the seam (`folios_mc_copy()`). No module-level state: each system gets its own engine.
 */
import { EIO, KernelError, enumAttribute, uintAttribute, type Tracepoint } from '@pagemig/kernel';
import { FOLIO_CONTENT_COPIED, HPAGE_PMD_NR, HPAGE_PUD_NR, PAGE_SIZE, migrateInfoMarkCopied, type MigrateMode, type MigrateReason } from '@pagemig/folio';
import { folioMcCopy, type FolioList, type System } from '@pagemig/mm';
import type {
  BatchCopyContext,
  BatchCopyFn,
  BatchingPolicy,
  DoBatchFn,
  OffloadHint,
  RetrySemantics,
} from './types';

/** Upstream `NR_MAX_BATCHED_MIGRATION` (HPAGE_PMD_NR, in base pages). */
export const NR_MAX_BATCHED_MIGRATION = HPAGE_PMD_NR;
/** The series' testing patch 7 value (HPAGE_PUD_NR). */
export const NR_MAX_BATCHED_MIGRATION_PUD = HPAGE_PUD_NR;
/** Passes of `migrate_pages_batch()` in ASYNC mode (mirrors `NR_MAX_MIGRATE_PAGES_RETRY`). */
export const NR_MAX_MIGRATE_PAGES_RETRY = 10;
/** Batched ASYNC passes of a SYNC migration. */
export const NR_MAX_MIGRATE_ASYNC_RETRY = 3;
/** Per-folio passes of a SYNC migration. */
export const NR_MAX_MIGRATE_SYNC_RETRY = NR_MAX_MIGRATE_PAGES_RETRY - NR_MAX_MIGRATE_ASYNC_RETRY;

/** Engine configuration (all optional when creating). */
export interface MigrateEngineConfig {
  /** The batch-copy seam; default: CPU `foliosMcCopy`. */
  batchCopy?: BatchCopyFn;
  /** Batch-path decision; default follows `batchingPolicy` (offload replaces it). */
  doBatch?: DoBatchFn;
  retrySemantics?: RetrySemantics;
  batchingPolicy?: BatchingPolicy;
  /** Base pages per `migrate_pages_batch()` chunk, 512..262144. */
  nrMaxBatchedMigration?: number;
  /** The architecture migrates THPs whole (`thp_migration_supported()`); false splits them first. */
  thpMigration?: boolean;
}

/** `mm_migrate_pages_start` payload. */
export interface MigratePagesStartEvent {
  mode: MigrateMode;
  reason: MigrateReason;
}
/** `mm_migrate_pages` payload (the stats of the call). */
export interface MigratePagesEvent {
  succeeded: number;
  failed: number;
  thpSucceeded: number;
  thpFailed: number;
  thpSplit: number;
  largeSplit: number;
  mode: MigrateMode;
  reason: MigrateReason;
}
/** Per-folio unmap or move outcome. */
export interface MigrateFolioEvent {
  src: number;
  dst: number;
  order: number;
  rc: number;
}
/** A batch copy dispatched. */
export interface BatchCopyStartEvent {
  batchId: number;
  count: number;
  bytes: number;
  memcg: number;
  reason: MigrateReason;
}
/** A batch copy finished. */
export interface BatchCopyEndEvent {
  batchId: number;
  rc: number;
  /** Pairs marked copied after the dispatch (V6) or all/none (V5). */
  copied: number;
}
/** A folio copied by the CPU inside the move phase. */
export interface FolioCopyEvent {
  dst: number;
  src: number;
  bytes: number;
  /** The folio was in a batch whose copy did not cover it. */
  fallback: boolean;
}

/** The tracepoints the migrate layer emits (registered in the system's registry). */
export interface MigrateTracepoints {
  start: Tracepoint<MigratePagesStartEvent>;
  end: Tracepoint<MigratePagesEvent>;
  unmap: Tracepoint<MigrateFolioEvent>;
  move: Tracepoint<MigrateFolioEvent>;
  batchStart: Tracepoint<BatchCopyStartEvent>;
  batchEnd: Tracepoint<BatchCopyEndEvent>;
  folioCopy: Tracepoint<FolioCopyEvent>;
}

function tracepoint<T>(sys: System, name: string): Tracepoint<T> {
  return (sys.trace.get(name) as Tracepoint<T> | undefined) ?? sys.trace.define<T>(name);
}

function checkBatchLimit(value: number): number {
  if (!Number.isInteger(value) || value < NR_MAX_BATCHED_MIGRATION || value > NR_MAX_BATCHED_MIGRATION_PUD) {
    throw new KernelError(
      'EINVAL',
      `nr_max_batched_migration ${value} is not accepted: give base pages from ${NR_MAX_BATCHED_MIGRATION} (upstream) to ${NR_MAX_BATCHED_MIGRATION_PUD} (patch 7)`,
    );
  }
  return value;
}

/** One system's migration engine. */
export class MigrateEngine {
  readonly sys: System;
  batchCopy: BatchCopyFn;
  doBatch: DoBatchFn;
  retrySemantics: RetrySemantics;
  batchingPolicy: BatchingPolicy;
  thpMigration: boolean;
  readonly tp: MigrateTracepoints;
  private batchLimit: number;
  private batchSeq = 0;
  /** The CPU default of the seam, kept so offload can fall back to it. */
  readonly cpuBatchCopy: BatchCopyFn;

  constructor(sys: System, config: MigrateEngineConfig = {}) {
    this.sys = sys;
    this.retrySemantics = config.retrySemantics ?? 'v5';
    this.batchingPolicy = config.batchingPolicy ?? 'always';
    this.batchLimit = checkBatchLimit(config.nrMaxBatchedMigration ?? NR_MAX_BATCHED_MIGRATION);
    this.thpMigration = config.thpMigration ?? true;
    this.cpuBatchCopy = (dst, src, count) => Promise.resolve(this.foliosMcCopy(dst, src, count));
    this.batchCopy = config.batchCopy ?? this.cpuBatchCopy;
    this.doBatch = config.doBatch ?? ((_reason, hint) => this.batchingPolicy === 'always' && hint !== 'never');
    this.tp = {
      start: tracepoint(sys, 'mm_migrate_pages_start'),
      end: tracepoint(sys, 'mm_migrate_pages'),
      unmap: tracepoint(sys, 'migrate_folio_unmap'),
      move: tracepoint(sys, 'migrate_folio_move'),
      batchStart: tracepoint(sys, 'migrate_batch_copy_start'),
      batchEnd: tracepoint(sys, 'migrate_batch_copy_end'),
      folioCopy: tracepoint(sys, 'migrate_folio_copy'),
    };
    this.registerSysfs();
  }

  /** Base pages per batch (`NR_MAX_BATCHED_MIGRATION`). */
  get nrMaxBatchedMigration(): number {
    return this.batchLimit;
  }

  set nrMaxBatchedMigration(value: number) {
    this.batchLimit = checkBatchLimit(value);
  }

  private registerSysfs(): void {
    const dir = '/sys/kernel/debug/migrate';
    if (this.sys.sysfs.stat(dir) !== undefined) return;
    this.sys.sysfs.createGroup(dir, {
      nr_max_batched_migration: uintAttribute({
        get: () => this.batchLimit,
        set: (v) => {
          this.nrMaxBatchedMigration = v;
        },
        min: NR_MAX_BATCHED_MIGRATION,
        max: NR_MAX_BATCHED_MIGRATION_PUD,
      }),
      retry_semantics: enumAttribute({
        names: ['v5', 'v6'],
        get: () => this.retrySemantics,
        set: (v) => {
          this.retrySemantics = v;
        },
      }),
      batching: enumAttribute({
        names: ['gated', 'always'],
        get: () => this.batchingPolicy,
        set: (v) => {
          this.batchingPolicy = v;
        },
      }),
    });
  }

  /**
   * The CPU default of the seam (mirrors `folios_mc_copy()`): copies pairs in order and stops
   * at the first error; with V6 semantics each copied destination is marked as it completes.
   */
  foliosMcCopy(dst: Int32Array, src: Int32Array, count: number): number {
    const { memmap, phys } = this.sys;
    const v6 = this.retrySemantics === 'v6';
    for (let i = 0; i < count; i++) {
      const rc = folioMcCopy(memmap, phys, dst[i]!, src[i]!);
      if (rc !== 0) return rc;
      if (v6) migrateInfoMarkCopied(memmap.private, dst[i]!);
    }
    return 0;
  }

  /**
   * Copies the batch lists through the seam once, after the TLB flush. Returns whether the
   * whole batch counts as copied (V5: all or nothing); with V6 every destination the copy
   * completed carries its own mark instead.
   */
  async dispatchBatchCopy(dstList: FolioList, srcList: FolioList, reason: MigrateReason, memcg: number, hint: OffloadHint): Promise<boolean> {
    const count = srcList.count;
    const dst = new Int32Array(count);
    const src = new Int32Array(count);
    const memmap = this.sys.memmap;
    let bytes = 0;
    for (let i = 0, s = srcList.first(), d = dstList.first(); i < count; i++, s = srcList.nextOf(s), d = dstList.nextOf(d)) {
      src[i] = s;
      dst[i] = d;
      bytes += memmap.folioNrPages(s) * PAGE_SIZE;
    }
    const ctx: BatchCopyContext = { batchId: ++this.batchSeq, reason, memcg, hint, bytes };
    if (this.tp.batchStart.enabled) this.tp.batchStart.emit({ batchId: ctx.batchId, count, bytes, memcg, reason });
    let rc: number;
    try {
      rc = await this.batchCopy(dst, src, count, ctx);
    } catch {
      rc = -EIO; // a throwing copy engine is a failed batch, never lost data
    }
    let copied = 0;
    if (this.retrySemantics === 'v6') {
      for (let i = 0; i < count; i++) {
        if (rc === 0) migrateInfoMarkCopied(memmap.private, dst[i]!);
        if ((memmap.private[dst[i]!]! & FOLIO_CONTENT_COPIED) !== 0) copied++;
      }
    } else {
      copied = rc === 0 ? count : 0;
    }
    if (this.tp.batchEnd.enabled) this.tp.batchEnd.emit({ batchId: ctx.batchId, rc, copied });
    return rc === 0;
  }
}

/** Creates the migration engine of a system. */
export function createMigrateEngine(sys: System, config: MigrateEngineConfig = {}): MigrateEngine {
  return new MigrateEngine(sys, config);
}
