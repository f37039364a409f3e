/**
 * Moving one unmapped folio's contents and identity to its destination: `move_to_new_folio()`
 * and the a_ops callbacks it dispatches to (`migrate_folio`, `filemap_migrate_folio`,
 * `buffer_migrate_folio[_norefs]`, `fallback_migrate_folio`, hugetlbfs), all ending in
 * `__migrate_folio()`: refcount check, then the copy unless the batch already copied it
 * (series patch 3), then the mapping move, then the flags.
 */
import { EAGAIN, EBUSY, EOPNOTSUPP } from '@pagemig/kernel';
import {
  FOLIO_ALREADY_COPIED,
  MIGRATE_SYNC,
  PAGE_SIZE,
  PGF_active,
  PGF_dirty,
  PGF_hugetlb,
  PGF_isolated,
  PGF_movable_ops,
  PGF_owner_priv_1,
  PGF_private,
  PGF_referenced,
  PGF_swapbacked,
  PGF_swapcache,
  PGF_unevictable,
  PGF_uptodate,
  PGF_workingset,
  PGF_writeback,
  migrateInfoMarkCopied,
} from '@pagemig/folio';
import { NO_MEMCG, folioMcCopy, type AddressSpace } from '@pagemig/mm';
import type { MigrateContext } from './migrate-context';

/**
 * Moves the page-cache or anon identity from `src` to `dst` (mirrors `__folio_migrate_mapping()`):
 * the refcount must equal `expected` (the freeze), else -EAGAIN.
 */
export function folioMigrateMapping(ctx: MigrateContext, file: AddressSpace | null, dst: number, src: number, expected: number): number {
  const m = ctx.sys.memmap;
  if (m.refcount[src] !== expected) return -EAGAIN;
  m.index[dst] = m.index[src]!;
  m.mapping[dst] = m.mapping[src]!;
  if ((m.flags[src]! & PGF_swapbacked) !== 0) m.flags[dst]! |= PGF_swapbacked;
  if (file === null) return 0;
  const nr = m.folioNrPages(src);
  const cacheRefs = (m.flags[src]! & PGF_hugetlb) !== 0 ? 1 : nr;
  m.refcount[dst]! += cacheRefs;
  if ((m.flags[src]! & PGF_dirty) !== 0) {
    m.flags[src]! &= ~PGF_dirty;
    m.flags[dst]! |= PGF_dirty;
  }
  file.replace(m.index[src]!, src, dst, nr);
  m.refcount[src]! -= cacheRefs;
  return 0;
}

/** Copies the flags and the memcg charge to the destination (mirrors `folio_migrate_flags()`). */
export function folioMigrateFlags(ctx: MigrateContext, dst: number, src: number): void {
  const m = ctx.sys.memmap;
  const f = m.flags[src]!;
  let add = f & (PGF_referenced | PGF_uptodate | PGF_workingset | PGF_owner_priv_1 | PGF_dirty);
  if ((f & PGF_active) !== 0) add |= PGF_active;
  else if ((f & PGF_unevictable) !== 0) add |= PGF_unevictable;
  m.flags[dst]! |= add;
  m.flags[src]! &= ~(PGF_active | PGF_unevictable | PGF_swapcache | PGF_private);
  if ((m.flags[dst]! & PGF_writeback) !== 0) ctx.sys.locks.folioEndWriteback(dst);
  if ((f & PGF_hugetlb) === 0) {
    // mem_cgroup_migrate(): the charge moves, usage stays the same
    m.memcg[dst] = m.memcg[src]!;
    m.memcg[src] = NO_MEMCG;
  }
}

/**
 * The common core (mirrors `__migrate_folio()`): consume the "already copied" marker, check
 * the refcount before copying, copy, move the mapping, then private data and flags.
 */
function migrateFolioCore(ctx: MigrateContext, file: AddressSpace | null, dst: number, src: number, movePrivate: boolean, inBatch: boolean): number {
  const m = ctx.sys.memmap;
  const copied = (m.private[dst]! & FOLIO_ALREADY_COPIED) !== 0;
  m.private[dst] = 0;
  const expected = m.folioExpectedRefCount(src) + 1;
  if (m.refcount[src] !== expected) return -EAGAIN;
  if (!copied) {
    const tp = ctx.eng.tp.folioCopy;
    if (tp.enabled) tp.emit({ dst, src, bytes: m.folioNrPages(src) * PAGE_SIZE, fallback: inBatch });
    const rc = folioMcCopy(m, ctx.sys.phys, dst, src);
    if (rc !== 0) return rc;
  }
  const rc = folioMigrateMapping(ctx, file, dst, src, expected);
  if (rc !== 0) return rc;
  if (movePrivate && (m.flags[src]! & PGF_private) !== 0) {
    // folio_attach_private(dst, folio_detach_private(src)): the reference moves with it
    m.flags[src]! &= ~PGF_private;
    m.refcount[src]!--;
    m.flags[dst]! |= PGF_private;
    m.refcount[dst]!++;
  }
  folioMigrateFlags(ctx, dst, src);
  return 0;
}

/** `migrate_folio()`: folios with no private data (anon, shmem). */
export function migrateFolio(ctx: MigrateContext, file: AddressSpace | null, dst: number, src: number, inBatch: boolean): number {
  return migrateFolioCore(ctx, file, dst, src, false, inBatch);
}

/** `filemap_migrate_folio()`: moves the private pointer along. */
export function filemapMigrateFolio(ctx: MigrateContext, file: AddressSpace, dst: number, src: number, inBatch: boolean): number {
  return migrateFolioCore(ctx, file, dst, src, true, inBatch);
}

/**
 * `buffer_migrate_folio()` / `_norefs()`: with buffer heads, check refs before locking them,
 * lock them all (only ASYNC gives up at once; pagemig also retries instead of sleeping on
 * buffer I/O in the sync modes), the norefs variant also needs every `b_count` at zero.
 */
export function bufferMigrateFolio(ctx: MigrateContext, file: AddressSpace, dst: number, src: number, checkRefs: boolean, inBatch: boolean): number {
  const m = ctx.sys.memmap;
  const bh = file.buffers.get(src);
  if (bh === undefined) return migrateFolio(ctx, file, dst, src, inBatch);
  if (m.refcount[src] !== m.folioExpectedRefCount(src) + 1) return -EAGAIN;
  if (bh.locked > 0) return -EAGAIN;
  if (checkRefs && bh.refs > 0) return -EAGAIN;
  return migrateFolioCore(ctx, file, dst, src, true, inBatch);
}

/**
 * `fallback_migrate_folio()`: for mappings without a migrate_folio op. Dirty folios are refused
 * (-EBUSY); private data that cannot be released gives -EAGAIN in SYNC and -EBUSY otherwise.
 */
export function fallbackMigrateFolio(ctx: MigrateContext, file: AddressSpace, dst: number, src: number, inBatch: boolean): number {
  const m = ctx.sys.memmap;
  if ((m.flags[src]! & PGF_dirty) !== 0) return -EBUSY;
  if ((m.flags[src]! & PGF_private) !== 0) {
    const bh = file.buffers.get(src);
    if (bh !== undefined && (bh.locked > 0 || bh.refs > 0)) return ctx.mode === MIGRATE_SYNC ? -EAGAIN : -EBUSY;
    // filemap_release_folio(): the buffers go away with their reference
    file.buffers.delete(src);
    m.flags[src]! &= ~PGF_private;
    m.refcount[src]!--;
  }
  return migrateFolio(ctx, file, dst, src, inBatch);
}

/** hugetlbfs: one page-cache reference per huge folio (mirrors `hugetlbfs_migrate_folio()`). */
function hugetlbfsMigrateFolio(ctx: MigrateContext, file: AddressSpace, dst: number, src: number): number {
  return migrateFolioCore(ctx, file, dst, src, false, false);
}

/**
 * Moves `src` to `dst` (mirrors `move_to_new_folio()`), with the series' `already_copied`:
 * when set, the marker goes into dst's `migrate_info` just before the a_ops callback, and
 * `__migrate_folio()` skips the copy. movable_ops pages go to their driver.
 */
export function moveToNewFolio(ctx: MigrateContext, dst: number, src: number, alreadyCopied: boolean, inBatch: boolean): number {
  const sys = ctx.sys;
  const m = sys.memmap;
  let rc: number;
  if ((m.flags[src]! & PGF_movable_ops) !== 0) {
    const owner = sys.movableOpsOwner(src);
    rc = owner === undefined ? -EAGAIN : owner.migratePage(dst, src, ctx.mode);
    if (rc === 0) m.flags[src]! &= ~PGF_isolated;
    return rc;
  }
  if (alreadyCopied) migrateInfoMarkCopied(m.private, dst);
  if (m.folioTestAnon(src) || m.mapping[src] === 0) {
    rc = migrateFolio(ctx, null, dst, src, inBatch);
  } else {
    const file = sys.rmap.addressSpaces[m.mappingHandle(src)]!;
    switch (file.migrateFolio) {
      case 'unmovable':
        rc = -EOPNOTSUPP;
        break;
      case 'migrate_folio':
        rc = migrateFolio(ctx, file, dst, src, inBatch);
        break;
      case 'filemap_migrate_folio':
        rc = filemapMigrateFolio(ctx, file, dst, src, inBatch);
        break;
      case 'buffer_migrate_folio':
        rc = bufferMigrateFolio(ctx, file, dst, src, false, inBatch);
        break;
      case 'buffer_migrate_folio_norefs':
        rc = bufferMigrateFolio(ctx, file, dst, src, true, inBatch);
        break;
      case 'hugetlbfs':
        rc = hugetlbfsMigrateFolio(ctx, file, dst, src);
        break;
      default:
        rc = fallbackMigrateFolio(ctx, file, dst, src, inBatch);
    }
    // a file folio that moved loses its mapping (anon keeps it until freed)
    if (rc === 0) m.mapping[src] = 0;
  }
  return rc;
}
