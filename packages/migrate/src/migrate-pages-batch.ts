/**
 * `migrate_pages_batch()` with the series' batch-copy path (patch 4): unmap every folio of the
 * chunk, flush the TLB once, copy the batch list with one dispatch through the seam, then move
 * every pair, retrying -EAGAIN for `nrPass` passes. `doBatch` is decided once per call from the
 * reason and hint; folios go to the batch lists when it holds and they are eligible
 * (`folio_supports_batch_copy()`: not movable_ops), otherwise to the single lists, copied per
 * folio by the CPU as before.
 */
import { EAGAIN, ENOMEM } from '@pagemig/kernel';
import {
  HPAGE_PMD_ORDER,
  MR_LONGTERM_PIN,
  MR_NUMA_MISPLACED,
  PGF_movable_ops,
  PGF_partially_mapped,
} from '@pagemig/folio';
import { FolioList, NIL, splitFolioToList } from '@pagemig/mm';
import type { MigrateContext } from './migrate-context';
import {
  MIGRATEPAGE_UNMAP,
  UNMAP_WAIT_LOCK,
  UNMAP_WAIT_WRITEBACK,
  clearFreedUnderUs,
  migrateFolioDone,
  migrateFolioMove,
  migrateFolioUnmap,
  migrateFoliosUndo,
} from './migrate-folio';
import type { MigratePagesStats } from './types';

/** Retry bookkeeping of one pass (the kernel's local retry/thp_retry/nr_retry_pages). */
interface PassCounters {
  retry: number;
  thpRetry: number;
  nrRetryPages: number;
  nrFailed: number;
}

/**
 * Splits a large folio onto `split` (mirrors `try_split_folio()`): ASYNC does not wait for the
 * lock. On success the head moves from `from` to the tail of `split`, after its tails.
 */
export function trySplitFolio(ctx: MigrateContext, folio: number, from: FolioList, split: FolioList, stats: MigratePagesStats): number {
  const locks = ctx.sys.locks;
  if (!locks.folioTrylock(folio)) return -EAGAIN;
  const nr = ctx.sys.memmap.folioNrPages(folio);
  const rc = splitFolioToList(ctx.sys, folio, split);
  // the new folios inherited the head's lock bit; they are unlocked with it
  for (let i = rc === 0 ? 1 : nr; i < nr; i++) locks.folioUnlock(folio + i);
  locks.folioUnlock(folio);
  if (rc === 0) {
    from.del(folio);
    split.add(folio);
    stats.nrSplit++;
  }
  return rc;
}

function isThp(ctx: MigrateContext, folio: number): boolean {
  return ctx.sys.memmap.folioOrder(folio) >= HPAGE_PMD_ORDER;
}

/**
 * Migrates the folios of `from` (at most one in a mode other than ASYNC). Returns the number
 * of folios not migrated, or -ENOMEM; failures are on `ret`, retried folios stay on `from`.
 */
export async function migratePagesBatch(
  ctx: MigrateContext,
  from: FolioList,
  ret: FolioList,
  split: FolioList | null,
  stats: MigratePagesStats,
  nrPass: number,
): Promise<number> {
  const sys = ctx.sys;
  const m = sys.memmap;
  const eng = ctx.eng;
  const unmapBatch = new FolioList(m);
  const dstBatch = new FolioList(m);
  const unmapSingle = new FolioList(m);
  const dstSingle = new FolioList(m);
  const doBatch = eng.doBatch(ctx.reason, ctx.hint);
  const nosplit = ctx.reason === MR_NUMA_MISPLACED;
  const c: PassCounters = { retry: 1, thpRetry: 1, nrRetryPages: 0, nrFailed: 0 };
  let rcSaved = 0;
  let jump: 'move' | 'out' | null = null;

  for (let pass = 0; pass < nrPass && c.retry !== 0 && jump === null; pass++) {
    c.retry = 0;
    c.thpRetry = 0;
    c.nrRetryPages = 0;
    for (let folio = from.first(), next = NIL; folio !== NIL && jump === null; folio = next) {
      next = from.nextOf(folio);
      const thp = isThp(ctx, folio) ? 1 : 0;
      const nrPages = m.folioNrPages(folio);
      const flags = m.flags[folio]!;
      // (a) a partially mapped large folio is split first: its unmapped part need not move
      if (m.folioOrder(folio) > 1 && (flags & PGF_partially_mapped) !== 0 && split !== null) {
        if (trySplitFolio(ctx, folio, from, split, stats) === 0) {
          c.nrFailed++;
          stats.nrThpFailed += thp;
          stats.nrThpSplit += thp;
          continue;
        }
      }
      // (b) THP migration not supported by the architecture: split or fail
      if (thp !== 0 && !eng.thpMigration) {
        c.nrFailed++;
        stats.nrThpFailed++;
        if (split !== null && trySplitFolio(ctx, folio, from, split, stats) === 0) {
          stats.nrThpSplit++;
          continue;
        }
        stats.nrFailedPages += nrPages;
        from.del(folio);
        ret.add(folio);
        continue;
      }
      // (c) freed under us: only the isolation reference is left
      if ((flags & PGF_movable_ops) === 0 && m.refcount[folio] === 1) {
        clearFreedUnderUs(ctx, folio);
        from.del(folio);
        migrateFolioDone(ctx, folio);
        stats.nrSucceeded += nrPages;
        stats.nrThpSucceeded += thp;
        continue;
      }
      let rc = migrateFolioUnmap(ctx, folio, from, ret, 0);
      if (rc === UNMAP_WAIT_LOCK) {
        await sys.locks.folioLock(folio);
        rc = migrateFolioUnmap(ctx, folio, from, ret, 1);
      }
      if (rc === UNMAP_WAIT_WRITEBACK) {
        await sys.locks.folioWaitWriteback(folio);
        rc = migrateFolioUnmap(ctx, folio, from, ret, 2);
      }
      switch (rc) {
        case -ENOMEM: {
          // low memory: stop unmapping; move what is unmapped, then leave
          c.nrFailed++;
          stats.nrThpFailed += thp;
          if (m.folioTestLarge(folio) && !nosplit && split !== null) {
            const splitRc = trySplitFolio(ctx, folio, from, split, stats);
            if (splitRc === 0) {
              stats.nrThpSplit += thp;
              break;
            }
            if (ctx.reason === MR_LONGTERM_PIN && splitRc === -EAGAIN) {
              // try the split again later to get around the long-term pin
              c.retry++;
              c.thpRetry += thp;
              c.nrRetryPages += nrPages;
              c.nrFailed--;
              stats.nrThpFailed -= thp;
              break;
            }
          }
          stats.nrFailedPages += nrPages + c.nrRetryPages;
          stats.nrThpFailed += c.thpRetry;
          rcSaved = rc;
          jump = unmapBatch.isEmpty() && unmapSingle.isEmpty() ? 'out' : 'move';
          break;
        }
        case -EAGAIN:
          c.retry++;
          c.thpRetry += thp;
          c.nrRetryPages += nrPages;
          break;
        case 0:
          stats.nrSucceeded += nrPages;
          stats.nrThpSucceeded += thp;
          break;
        case MIGRATEPAGE_UNMAP: {
          from.del(folio);
          const batch = doBatch && (m.flags[folio]! & PGF_movable_ops) === 0;
          (batch ? unmapBatch : unmapSingle).add(folio);
          (batch ? dstBatch : dstSingle).add(ctx.dst);
          if (eng.tp.unmap.enabled) eng.tp.unmap.emit({ src: folio, dst: ctx.dst, order: m.folioOrder(folio), rc: 0 });
          break;
        }
        default:
          // permanent failure (-EBUSY, ...): already moved to ret by the undo path
          c.nrFailed++;
          stats.nrThpFailed += thp;
          stats.nrFailedPages += nrPages;
      }
    }
  }
  if (jump === null) {
    c.nrFailed += c.retry;
    stats.nrThpFailed += c.thpRetry;
    stats.nrFailedPages += c.nrRetryPages;
  }

  let rc: number;
  if (jump !== 'out') {
    // one TLB flush for every folio unmapped with TTU_BATCH_FLUSH
    sys.tlb.tryToUnmapFlush();
    const batchCopied = unmapBatch.isEmpty()
      ? false
      : await eng.dispatchBatchCopy(dstBatch, unmapBatch, ctx.reason, ctx.memcg, ctx.hint);
    c.retry = 1;
    for (let pass = 0; pass < nrPass && c.retry !== 0; pass++) {
      c.retry = 0;
      c.thpRetry = 0;
      c.nrRetryPages = 0;
      migrateFoliosMove(ctx, unmapBatch, dstBatch, batchCopied, true, ret, stats, c);
      migrateFoliosMove(ctx, unmapSingle, dstSingle, false, false, ret, stats, c);
    }
    c.nrFailed += c.retry;
    stats.nrThpFailed += c.thpRetry;
    stats.nrFailedPages += c.nrRetryPages;
    rc = rcSaved !== 0 ? rcSaved : c.nrFailed;
  } else {
    rc = rcSaved;
  }
  // pairs still unmapped after the last pass go back
  migrateFoliosUndo(ctx, unmapBatch, dstBatch, ret);
  migrateFoliosUndo(ctx, unmapSingle, dstSingle, ret);
  return rc;
}

/** One move pass over a list pair (mirrors `migrate_folios_move()`). */
function migrateFoliosMove(
  ctx: MigrateContext,
  srcList: FolioList,
  dstList: FolioList,
  alreadyCopied: boolean,
  inBatch: boolean,
  ret: FolioList,
  stats: MigratePagesStats,
  c: PassCounters,
): void {
  const m = ctx.sys.memmap;
  let dst = dstList.first();
  for (let folio = srcList.first(); folio !== NIL; ) {
    const next = srcList.nextOf(folio);
    const nextDst = dstList.nextOf(dst);
    const thp = isThp(ctx, folio) ? 1 : 0;
    const nrPages = m.folioNrPages(folio);
    const rc = migrateFolioMove(ctx, folio, dst, srcList, dstList, alreadyCopied, inBatch, ret);
    if (rc === -EAGAIN) {
      c.retry++;
      c.thpRetry += thp;
      c.nrRetryPages += nrPages;
    } else if (rc === 0) {
      stats.nrSucceeded += nrPages;
      stats.nrThpSucceeded += thp;
    } else {
      c.nrFailed++;
      stats.nrThpFailed += thp;
      stats.nrFailedPages += nrPages;
    }
    folio = next;
    dst = nextDst;
  }
}
