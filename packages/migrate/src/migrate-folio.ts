/**
 * The per-folio phases of `migrate_pages_batch()`: unmap (lock, record state, replace the
 * mappings with migration entries), move (into the new folio, remap), undo, and done. The
 * destination's `migrate_info` carries `anon_vma | FOLIO_WAS_MAPPED | FOLIO_WAS_MLOCKED` from
 * unmap to move with the record/extract semantics of series patches 1-2. All synchronous: the
 * two places that may sleep (SYNC lock and writeback waits) hand a wait code to the caller.
 */
import { EAGAIN, EBUSY, ENOMEM } from '@pagemig/kernel';
import {
  FOLIO_CONTENT_COPIED,
  FOLIO_OLD_STATES,
  FOLIO_WAS_MAPPED,
  FOLIO_WAS_MLOCKED,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MIGRATE_SYNC_LIGHT,
  MR_DEMOTION,
  MR_MEMORY_FAILURE,
  PGF_active,
  PGF_mlocked,
  PGF_movable_ops,
  PGF_private,
  PGF_unevictable,
  PGF_uptodate,
  PGF_writeback,
  migrateInfoExtract,
  migrateInfoRecord,
} from '@pagemig/folio';
import { NIL, TTU_BATCH_FLUSH, type FolioList } from '@pagemig/mm';
import type { MigrateContext } from './migrate-context';
import { moveToNewFolio } from './move-to-new-folio';

/** The folio is unmapped; src and dst go to the unmap lists (mirrors `MIGRATEPAGE_UNMAP`). */
export const MIGRATEPAGE_UNMAP = 1;
/** Internal: the caller must `await folioLock(src)` and resume at stage 1. */
export const UNMAP_WAIT_LOCK = 2;
/** Internal: the caller must `await folioWaitWriteback(src)` and resume at stage 2. */
export const UNMAP_WAIT_WRITEBACK = 3;

/** Restores the source after a failure (mirrors `migrate_folio_undo_src()`). */
export function migrateFolioUndoSrc(
  ctx: MigrateContext,
  src: number,
  wasMapped: boolean,
  locked: boolean,
  list: FolioList,
  ret: FolioList | null,
): void {
  if (wasMapped) ctx.sys.rmap.removeMigrationPtes(src, src);
  if (locked) ctx.sys.locks.folioUnlock(src);
  if (ret !== null) {
    list.del(src);
    ret.add(src);
  }
}

/** Releases an unused destination (mirrors `migrate_folio_undo_dst()`). */
export function migrateFolioUndoDst(ctx: MigrateContext, dst: number, locked: boolean): void {
  if (locked) ctx.sys.locks.folioUnlock(dst);
  ctx.putDst(dst);
}

/**
 * Cleans up a migrated source (mirrors `migrate_folio_done()`). Demotion's caller (reclaim)
 * accounts `NR_ISOLATED_*` for the folios it took itself, so MR_DEMOTION leaves it alone.
 */
export function migrateFolioDone(ctx: MigrateContext, src: number): void {
  const sys = ctx.sys;
  if ((sys.memmap.flags[src]! & PGF_movable_ops) === 0 && ctx.reason !== MR_DEMOTION) sys.lru.modIsolated(src, -1);
  // MR_MEMORY_FAILURE: the caller releases the page when it handles the poison
  if (ctx.reason !== MR_MEMORY_FAILURE) sys.alloc.folioPut(src);
}

/**
 * Allocates the destination, locks the source, and replaces its mappings with migration
 * entries (mirrors `migrate_folio_unmap()`). Returns MIGRATEPAGE_UNMAP with the destination
 * in `ctx.dst`, 0 when the folio was freed under us, an UNMAP_WAIT_* code (resume with that
 * stage after waiting), or -errno: -EAGAIN leaves `src` on `from`, others move it to `ret`.
 */
export function migrateFolioUnmap(ctx: MigrateContext, src: number, from: FolioList, ret: FolioList, stage: 0 | 1 | 2): number {
  const sys = ctx.sys;
  const m = sys.memmap;
  const mode = ctx.mode;
  let dst: number;
  let rc = -EAGAIN;
  let locked = stage > 0;
  let dstLocked = false;
  let states = 0;
  if (stage === 0) {
    dst = ctx.getNew(src);
    if (dst === NIL) return -ENOMEM;
    ctx.dst = dst;
    m.private[dst] = 0;
    if (sys.locks.folioTrylock(src)) {
      locked = true;
    } else if (mode === MIGRATE_ASYNC || ctx.pfMemalloc || (mode === MIGRATE_SYNC_LIGHT && (m.flags[src]! & PGF_uptodate) === 0)) {
      return unmapOut(ctx, src, dst, rc, false, false, 0, from, ret);
    } else {
      return UNMAP_WAIT_LOCK;
    }
  } else {
    dst = ctx.dst;
  }
  if (stage < 2 && (m.flags[src]! & PGF_writeback) !== 0) {
    if (mode !== MIGRATE_SYNC) return unmapOut(ctx, src, dst, -EBUSY, locked, false, 0, from, ret);
    return UNMAP_WAIT_WRITEBACK;
  }
  if ((m.flags[src]! & PGF_mlocked) !== 0) states |= FOLIO_WAS_MLOCKED;
  const anonVma = m.folioTestAnon(src) && m.mappingFlags(src) !== 3 ? m.mappingHandle(src) : 0;
  if (!sys.locks.folioTrylock(dst)) return unmapOut(ctx, src, dst, rc, locked, false, states, from, ret);
  dstLocked = true;
  if ((m.flags[src]! & PGF_movable_ops) !== 0) {
    migrateInfoRecord(m.private, dst, anonVma, states);
    return MIGRATEPAGE_UNMAP;
  }
  if (m.mapping[src] === 0) {
    // an orphaned folio with private data: free its buffers, then retry
    if ((m.flags[src]! & PGF_private) !== 0) {
      m.flags[src]! &= ~PGF_private;
      m.refcount[src]!--;
      return unmapOut(ctx, src, dst, rc, locked, dstLocked, states, from, ret);
    }
  } else if (m.folioMapped(src)) {
    sys.rmap.tryToMigrate(src, mode === MIGRATE_ASYNC ? TTU_BATCH_FLUSH : 0);
    states |= FOLIO_WAS_MAPPED;
  }
  if (!m.folioMapped(src)) {
    migrateInfoRecord(m.private, dst, anonVma, states);
    return MIGRATEPAGE_UNMAP;
  }
  return unmapOut(ctx, src, dst, rc, locked, dstLocked, states, from, ret);
}

function unmapOut(
  ctx: MigrateContext,
  src: number,
  dst: number,
  rc: number,
  locked: boolean,
  dstLocked: boolean,
  states: number,
  from: FolioList,
  ret: FolioList,
): number {
  // a folio that was not unmapped goes back to the right list unless it is retried
  migrateFolioUndoSrc(ctx, src, (states & FOLIO_WAS_MAPPED) !== 0, locked, from, rc === -EAGAIN ? null : ret);
  migrateFolioUndoDst(ctx, dst, dstLocked);
  if (ctx.eng.tp.unmap.enabled) ctx.eng.tp.unmap.emit({ src, dst, order: ctx.sys.memmap.folioOrder(src), rc });
  return rc;
}

/**
 * Moves one unmapped pair (mirrors `migrate_folio_move()`): extract the state, move, put the new
 * folio on the LRU and map it where the old one was, then release both. On -EAGAIN the pair
 * stays listed at its place and the state is recorded again for the next pass; other errors
 * restore the source to `ret` and free the destination.
 */
export function migrateFolioMove(
  ctx: MigrateContext,
  src: number,
  dst: number,
  srcList: FolioList,
  dstList: FolioList,
  alreadyCopied: boolean,
  inBatch: boolean,
  ret: FolioList,
): number {
  const sys = ctx.sys;
  const m = sys.memmap;
  const word = migrateInfoExtract(m.private, dst);
  const anonVma = word >>> 3;
  const states = word & FOLIO_OLD_STATES;
  const copied = ctx.eng.retrySemantics === 'v6' ? (states & FOLIO_CONTENT_COPIED) !== 0 : alreadyCopied;
  const prev = dstList.prevOf(dst);
  dstList.del(dst);
  const movable = (m.flags[src]! & PGF_movable_ops) !== 0;
  const rc = moveToNewFolio(ctx, dst, src, copied, inBatch);
  const tp = ctx.eng.tp.move;
  if (tp.enabled) tp.emit({ src, dst, order: m.folioOrder(src), rc });
  if (rc === 0) {
    if (!movable) {
      if ((states & FOLIO_WAS_MLOCKED) !== 0) m.flags[dst]! |= PGF_mlocked;
      sys.lru.folioAddLru(dst);
      if ((states & FOLIO_WAS_MAPPED) !== 0) sys.rmap.removeMigrationPtes(src, dst);
    }
    sys.locks.folioUnlock(dst);
    // the destination's allocation reference; its mappings and cache slots hold their own
    sys.alloc.folioPut(dst);
    srcList.del(src);
    sys.locks.folioUnlock(src);
    migrateFolioDone(ctx, src);
    return 0;
  }
  if (rc === -EAGAIN) {
    dstList.insertAfter(prev, dst);
    // V6 consumed the copied mark: a retry copies again
    migrateInfoRecord(m.private, dst, anonVma, states & ~FOLIO_CONTENT_COPIED);
    return rc;
  }
  migrateFolioUndoSrc(ctx, src, (states & FOLIO_WAS_MAPPED) !== 0, true, srcList, ret);
  migrateFolioUndoDst(ctx, dst, true);
  return rc;
}

/** Undoes every pair still listed after the move passes (mirrors `migrate_folios_undo()`). */
export function migrateFoliosUndo(ctx: MigrateContext, srcList: FolioList, dstList: FolioList, ret: FolioList): void {
  const m = ctx.sys.memmap;
  while (!srcList.isEmpty()) {
    const src = srcList.first();
    const dst = dstList.first();
    const word = migrateInfoExtract(m.private, dst);
    migrateFolioUndoSrc(ctx, src, (word & FOLIO_WAS_MAPPED) !== 0, true, srcList, ret);
    dstList.del(dst);
    migrateFolioUndoDst(ctx, dst, true);
  }
}

/** Clears what a freed-under-us folio keeps (the refcount == 1 case of the batch loop). */
export function clearFreedUnderUs(ctx: MigrateContext, src: number): void {
  ctx.sys.memmap.flags[src]! &= ~(PGF_active | PGF_unevictable);
}
