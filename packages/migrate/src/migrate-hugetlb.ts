/**
 * hugetlb migration, before and outside the batch path (mirrors `migrate_hugetlbs()` and
 * `unmap_and_move_huge_page()`): one folio at a time, up to 10 passes, the lock forced only
 * from the third pass and only in MIGRATE_SYNC; -ENOMEM aborts the whole call. hugetlb folios
 * never take the batch-copy path (`already_copied` is always false here).
 */
import { EAGAIN, ENOMEM } from '@pagemig/kernel';
import { MIGRATE_SYNC, PGF_hugetlb } from '@pagemig/folio';
import { NIL, type FolioList } from '@pagemig/mm';
import { NR_MAX_MIGRATE_PAGES_RETRY } from './engine';
import type { MigrateContext } from './migrate-context';
import { moveToNewFolio } from './move-to-new-folio';
import type { MigratePagesStats } from './types';

/** Puts back an isolated hugetlb folio (mirrors `folio_putback_hugetlb()`): drops the isolation reference. */
export function folioPutbackHugetlb(ctx: MigrateContext, folio: number): void {
  ctx.sys.alloc.folioPut(folio);
}

/**
 * Migrates one hugetlb folio; 0, -EAGAIN (stays on `from`), -ENOMEM, or another -errno
 * (moved to `ret`).
 */
export async function unmapAndMoveHugePage(ctx: MigrateContext, src: number, force: boolean, from: FolioList, ret: FolioList): Promise<number> {
  const sys = ctx.sys;
  const m = sys.memmap;
  if (m.refcount[src] === 1) {
    // freed under us: only the isolation reference is left
    from.del(src);
    folioPutbackHugetlb(ctx, src);
    return 0;
  }
  const dst = ctx.getNew(src);
  if (dst === NIL) return -ENOMEM;
  let rc = -EAGAIN;
  let srcLocked = sys.locks.folioTrylock(src);
  if (!srcLocked && force && ctx.mode === MIGRATE_SYNC) {
    await sys.locks.folioLock(src);
    srcLocked = true;
  }
  if (srcLocked) {
    if (sys.locks.folioTrylock(dst)) {
      let wasMapped = false;
      if (m.folioMapped(src)) {
        sys.rmap.tryToMigrate(src, 0);
        wasMapped = true;
      }
      if (!m.folioMapped(src)) rc = moveToNewFolio(ctx, dst, src, false, false);
      if (wasMapped) sys.rmap.removeMigrationPtes(src, rc === 0 ? dst : src);
      sys.locks.folioUnlock(dst);
    }
    sys.locks.folioUnlock(src);
  }
  if (rc === 0) {
    from.del(src);
    folioPutbackHugetlb(ctx, src);
    // the destination keeps its mappings' and cache references; drop the allocation's
    sys.alloc.folioPut(dst);
    return 0;
  }
  if (rc !== -EAGAIN) {
    from.del(src);
    ret.add(src);
  }
  ctx.putDst(dst);
  return rc;
}

/**
 * Migrates the hugetlb folios of `from` first (mirrors `migrate_hugetlbs()`); returns the
 * number that failed, or -ENOMEM.
 */
export async function migrateHugetlbs(ctx: MigrateContext, from: FolioList, stats: MigratePagesStats, ret: FolioList): Promise<number> {
  const m = ctx.sys.memmap;
  let retry = 1;
  let nrFailed = 0;
  let nrRetryPages = 0;
  for (let pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && retry !== 0; pass++) {
    retry = 0;
    nrRetryPages = 0;
    for (let folio = from.first(), next = NIL; folio !== NIL; folio = next) {
      next = from.nextOf(folio);
      if ((m.flags[folio]! & PGF_hugetlb) === 0) continue;
      const nrPages = m.folioNrPages(folio);
      const rc = await unmapAndMoveHugePage(ctx, folio, pass > 2, from, ret);
      switch (rc) {
        case -ENOMEM:
          stats.nrFailedPages += nrPages + nrRetryPages;
          return -ENOMEM;
        case -EAGAIN:
          retry++;
          nrRetryPages += nrPages;
          break;
        case 0:
          stats.nrSucceeded += nrPages;
          break;
        default:
          nrFailed++;
          stats.nrFailedPages += nrPages;
      }
    }
  }
  stats.nrFailedPages += nrRetryPages;
  return nrFailed + retry;
}
