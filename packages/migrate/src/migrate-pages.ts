/**
 * `migrate_pages()`: hugetlb folios first on their own path, then chunks of at most
 * `NR_MAX_BATCHED_MIGRATION` base pages (the folio that crosses the limit included) through
 * `migrate_pages_batch()`; a SYNC call runs three batched ASYNC passes and then the leftovers
 * one at a time with seven passes (`migrate_pages_sync()`); split folios get one best-effort
 * ASYNC pass. Returns the number of folios not migrated or -errno; failures stay on `from` for
 * the caller's `putbackMovablePages()`.
 */
import { MIGRATE_ASYNC, PGF_hugetlb, type MigrateMode } from '@pagemig/folio';
import { FolioList, NIL } from '@pagemig/mm';
import {
  NR_MAX_MIGRATE_ASYNC_RETRY,
  NR_MAX_MIGRATE_PAGES_RETRY,
  NR_MAX_MIGRATE_SYNC_RETRY,
  type MigrateEngine,
} from './engine';
import { MigrateContext } from './migrate-context';
import { migrateHugetlbs } from './migrate-hugetlb';
import { migratePagesBatch } from './migrate-pages-batch';
import { newStats, type MigrateCall, type MigratePagesStats, type NewFolioFn, type PutNewFolioFn } from './types';

/** What `migratePages()` reports besides its return value. */
export interface MigratePagesResult {
  /** Folios not migrated (a split large folio counts as one), or -errno. */
  rc: number;
  /** Base pages migrated (the kernel's `*ret_succeeded`). */
  nrSucceeded: number;
  stats: MigratePagesStats;
}

/** Mirrors `migrate_pages_sync()`. */
async function migratePagesSync(ctx: MigrateContext, from: FolioList, ret: FolioList, split: FolioList, stats: MigratePagesStats, mode: MigrateMode): Promise<number> {
  const m = ctx.sys.memmap;
  const folios = new FolioList(m);
  const astats = newStats();
  ctx.mode = MIGRATE_ASYNC;
  let rc = await migratePagesBatch(ctx, from, folios, split, astats, NR_MAX_MIGRATE_ASYNC_RETRY);
  ctx.mode = mode;
  stats.nrSucceeded += astats.nrSucceeded;
  stats.nrThpSucceeded += astats.nrThpSucceeded;
  stats.nrThpSplit += astats.nrThpSplit;
  stats.nrSplit += astats.nrSplit;
  if (rc < 0) {
    stats.nrFailedPages += astats.nrFailedPages;
    stats.nrThpFailed += astats.nrThpFailed;
    ret.spliceTail(folios);
    return rc;
  }
  // a large folio split in the batched pass counts as one failure, whatever its split pages do
  stats.nrThpFailed += astats.nrThpSplit;
  let nrFailed = astats.nrSplit;
  // every folio that failed the batched pass (except split THPs) is retried alone: not counted yet
  from.spliceTail(folios);
  while (!from.isEmpty()) {
    folios.add(from.shift());
    rc = await migratePagesBatch(ctx, folios, ret, split, stats, NR_MAX_MIGRATE_SYNC_RETRY);
    ret.spliceTail(folios);
    if (rc < 0) return rc;
    nrFailed += rc;
  }
  return nrFailed;
}

/**
 * Migrates the folios on `from` (isolated by the caller) to destinations from `getNew`
 * (mirrors `migrate_pages()`).
 */
export async function migratePages(
  eng: MigrateEngine,
  from: FolioList,
  getNew: NewFolioFn,
  putNew: PutNewFolioFn | null,
  call: MigrateCall,
): Promise<MigratePagesResult> {
  const sys = eng.sys;
  const m = sys.memmap;
  const ctx = new MigrateContext(eng, getNew, putNew, call);
  const { mode, reason } = call;
  const stats = newStats();
  const ret = new FolioList(m);
  const split = new FolioList(m);
  const folios = new FolioList(m);
  if (eng.tp.start.enabled) eng.tp.start.emit({ mode, reason });

  let rcGather = await migrateHugetlbs(ctx, from, stats, ret);
  if (rcGather >= 0) {
    while (!from.isEmpty()) {
      // cut a chunk of at most NR_MAX_BATCHED_MIGRATION base pages; the crossing folio is in it
      let nrPages = 0;
      const limit = eng.nrMaxBatchedMigration;
      for (let folio = from.first(), next = NIL; folio !== NIL && nrPages < limit; folio = next) {
        next = from.nextOf(folio);
        from.del(folio);
        if ((m.flags[folio]! & PGF_hugetlb) !== 0) {
          // retried hugetlb folios are not batched
          ret.add(folio);
          continue;
        }
        folios.add(folio);
        nrPages += m.folioNrPages(folio);
      }
      if (folios.isEmpty()) break;
      ctx.mode = mode;
      const rc =
        mode === MIGRATE_ASYNC
          ? await migratePagesBatch(ctx, folios, ret, split, stats, NR_MAX_MIGRATE_PAGES_RETRY)
          : await migratePagesSync(ctx, folios, ret, split, stats, mode);
      ret.spliceTail(folios);
      if (rc < 0) {
        rcGather = rc;
        ret.spliceTail(split);
        break;
      }
      if (!split.isEmpty()) {
        // best effort: failures of split folios are already counted as their large folio's
        ctx.mode = MIGRATE_ASYNC;
        await migratePagesBatch(ctx, split, ret, null, stats, 1);
        ctx.mode = mode;
        ret.spliceTail(split);
      }
      rcGather += rc;
    }
  }
  // permanent failures go back to `from` for the caller's putback
  ret.spliceTail(from);
  from.spliceTail(ret);
  if (from.isEmpty()) rcGather = 0;
  sys.vmstat.count('pgmigrate_success', stats.nrSucceeded);
  sys.vmstat.count('pgmigrate_fail', stats.nrFailedPages);
  sys.vmstat.count('thp_migration_success', stats.nrThpSucceeded);
  sys.vmstat.count('thp_migration_fail', stats.nrThpFailed);
  sys.vmstat.count('thp_migration_split', stats.nrThpSplit);
  if (eng.tp.end.enabled) {
    eng.tp.end.emit({
      succeeded: stats.nrSucceeded,
      failed: stats.nrFailedPages,
      thpSucceeded: stats.nrThpSucceeded,
      thpFailed: stats.nrThpFailed,
      thpSplit: stats.nrThpSplit,
      largeSplit: stats.nrSplit,
      mode,
      reason,
    });
  }
  return { rc: rcGather, nrSucceeded: stats.nrSucceeded, stats };
}
