/**
 * The types that cross the migrate layer's boundary: the batch-copy seam (what `offload`
 * plugs into), the per-call context, and the allocation callbacks of `migrate_pages()`.
 */
import type { MigrateMode, MigrateReason } from '@pagemig/folio';

/** Per-caller offload hint (the series' open question 3): `never` keeps a call on the CPU. */
export type OffloadHint = 'default' | 'prefer' | 'never';

/** What a batch copy is told about the batch it copies. */
export interface BatchCopyContext {
  /** Sequence number of the batch in this engine (for traces and provenance). */
  batchId: number;
  reason: MigrateReason;
  /** Memory cgroup the migration runs on behalf of (per-cgroup accounting). */
  memcg: number;
  hint: OffloadHint;
  /** Total bytes of the batch. */
  bytes: number;
}

/**
 * The batch-copy seam: copy `count` pairs `dst[i] ← src[i]` (head PFNs). Resolves to 0 when
 * every pair was copied, or a negative errno (`-EOPNOTSUPP` = declined): the core then copies
 * every folio that is not marked copied itself, so nothing is lost.
 */
export type BatchCopyFn = (dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext) => Promise<number>;

/** Whether a `migratePagesBatch()` call takes the batch path, decided once per call. */
export type DoBatchFn = (reason: MigrateReason, hint: OffloadHint) => boolean;

/**
 * Retry semantics of the "already copied" state: `v5` passes one `batch_copied` flag for the
 * whole batch on every move pass; `v6` marks each folio when its copy finished and consumes
 * the mark on first read, so a retried folio is copied again.
 */
export type RetrySemantics = 'v5' | 'v6';

/** Open question 1: batch only with a migrator registered (`gated`, V5) or always. */
export type BatchingPolicy = 'gated' | 'always';

/** Allocates the destination of `src` (mirrors `new_folio_t`); NIL (-1) when none. */
export type NewFolioFn = (src: number) => number;

/** Frees an unused destination (mirrors `free_folio_t`); default is `folio_put()`. */
export type PutNewFolioFn = (dst: number) => void;

/** How one `migratePages()` call runs. */
export interface MigrateCall {
  mode: MigrateMode;
  reason: MigrateReason;
  /** Memory cgroup on whose behalf (default: root). */
  memcg?: number;
  /** Offload hint for this call (default `default`). */
  hint?: OffloadHint;
  /** Direct compaction context (`PF_MEMALLOC`): never block on a folio lock. */
  pfMemalloc?: boolean;
}

/** Counters of one `migrate_pages()` call (mirrors `struct migrate_pages_stats`). */
export interface MigratePagesStats {
  /** Base pages migrated. */
  nrSucceeded: number;
  /** Base pages that failed (folios never tried are not counted). */
  nrFailedPages: number;
  nrThpSucceeded: number;
  nrThpFailed: number;
  nrThpSplit: number;
  /** Large folios split (THPs included). */
  nrSplit: number;
}

/** A zeroed stats record. */
export function newStats(): MigratePagesStats {
  return { nrSucceeded: 0, nrFailedPages: 0, nrThpSucceeded: 0, nrThpFailed: 0, nrThpSplit: 0, nrSplit: 0 };
}
