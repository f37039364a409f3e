/**
 * Buffer heads of page-cache folios, for the filesystems whose a_ops migrate with
 * `buffer_migrate_folio()` (ext4-like) or `buffer_migrate_folio_norefs()` (block devices).
 * A folio with buffers has `PG_private` and holds one extra reference for them, as
 * `folio_attach_private()` takes (via `create_empty_buffers()`); the buffers themselves are
 * modelled by two counts in `AddressSpace.buffers`: buffer heads locked for I/O
 * (`lock_buffer()`) and extra `b_count` references (`get_bh()`). Migration needs every buffer
 * unlocked, and the norefs variant also needs no references.
 *
 * These mirror kernel functions: they return 0 or a negative errno and change nothing on error.
 */
import { EBUSY, EEXIST, EINVAL, ENOENT } from '@pagemig/kernel';
import { PGF_private } from '@pagemig/folio';
import type { AddressSpace } from './address-space';
import type { System } from './system';

/**
 * Attaches buffer heads to a folio of `file`'s page cache: `PG_private` plus one reference
 * (mirrors `create_empty_buffers()` → `folio_attach_private()`). 0, -ENOENT (not cached in
 * `file`) or -EEXIST (already has private data).
 */
export function createEmptyBuffers(sys: System, file: AddressSpace, folio: number): number {
  const m = sys.memmap;
  if (m.refcount[folio]! <= 0 || m.folioTestAnon(folio) || m.mappingHandle(folio) !== file.handle) return -ENOENT;
  if ((m.flags[folio]! & PGF_private) !== 0 || file.buffers.has(folio)) return -EEXIST;
  m.flags[folio]! |= PGF_private;
  m.folioGet(folio);
  file.buffers.set(folio, { locked: 0, refs: 0 });
  return 0;
}

/**
 * Frees a folio's buffer heads when none is locked or referenced, dropping `PG_private` and its
 * reference (mirrors `try_to_free_buffers()` → `folio_detach_private()`). 0, -ENOENT (no
 * buffers) or -EBUSY (locked or referenced).
 */
export function tryToFreeBuffers(sys: System, file: AddressSpace, folio: number): number {
  const bh = file.buffers.get(folio);
  if (bh === undefined) return -ENOENT;
  if (bh.locked > 0 || bh.refs > 0) return -EBUSY;
  file.buffers.delete(folio);
  sys.memmap.flags[folio]! &= ~PGF_private;
  sys.alloc.folioPut(folio);
  return 0;
}

/** Locks one buffer head of the folio for I/O (mirrors `lock_buffer()`). 0 or -ENOENT. */
export function lockBuffer(file: AddressSpace, folio: number): number {
  const bh = file.buffers.get(folio);
  if (bh === undefined) return -ENOENT;
  bh.locked++;
  return 0;
}

/** Unlocks one buffer head and wakes waiters once none is locked (mirrors `unlock_buffer()`). 0, -ENOENT or -EINVAL. */
export function unlockBuffer(file: AddressSpace, folio: number): number {
  const bh = file.buffers.get(folio);
  if (bh === undefined) return -ENOENT;
  if (bh.locked === 0) return -EINVAL;
  bh.locked--;
  if (bh.locked === 0) {
    const waiters = file.bufferWaiters.get(folio);
    if (waiters !== undefined) {
      file.bufferWaiters.delete(folio);
      for (const wake of waiters) wake();
    }
  }
  return 0;
}

/** Takes a `b_count` reference on the folio's buffers (mirrors `get_bh()`). 0 or -ENOENT. */
export function getBh(file: AddressSpace, folio: number): number {
  const bh = file.buffers.get(folio);
  if (bh === undefined) return -ENOENT;
  bh.refs++;
  return 0;
}

/** Drops a `b_count` reference (mirrors `put_bh()`). 0, -ENOENT or -EINVAL. */
export function putBh(file: AddressSpace, folio: number): number {
  const bh = file.buffers.get(folio);
  if (bh === undefined) return -ENOENT;
  if (bh.refs === 0) return -EINVAL;
  bh.refs--;
  return 0;
}

/** Resolves once no buffer head of the folio is locked (mirrors `wait_on_buffer()` over all of them). */
export function waitOnBuffers(file: AddressSpace, folio: number): Promise<void> {
  const bh = file.buffers.get(folio);
  if (bh === undefined || bh.locked === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const waiters = file.bufferWaiters.get(folio);
    if (waiters === undefined) file.bufferWaiters.set(folio, [resolve]);
    else waiters.push(resolve);
  });
}
