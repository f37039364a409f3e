/**
 * Page-cache I/O and folio states without a mapping: `pread`/`pwrite`-like reads and writes
 * of a file's bytes through its page cache (mirrors `filemap_read()` and
 * `generic_perform_write()`; new folios are allocated by the calling task's memory policy and
 * charged to its memcg), the dirty → writeback → clean cycle (`folio_clear_dirty_for_io()` +
 * `folio_start_writeback()`, then `folio_end_writeback()`), and truncation
 * (`truncate_setsize()` → `truncate_pagecache()`).
 *
 * Writers and truncation take the folio lock like the kernel does, so they wait for a
 * migration holding it, and a migration that meets their reference backs off with -EAGAIN.
 * Readers of cached, up-to-date folios copy without the lock.
 */
import { EAGAIN, EBUSY, EINVAL, ENOENT, ENOMEM } from '@pagemig/kernel';
import { HPAGE_PMD_SIZE, PAGE_SIZE, PGF_dirty, PGF_hugetlb, PGF_private, PGF_uptodate, PGF_writeback } from '@pagemig/folio';
import type { AddressSpace } from './address-space';
import { waitOnBuffers } from './buffer-head';
import { filemapGetFolio } from './fault';
import { NIL } from './folio-list';
import { PTE_DIRTY, PTE_PRESENT, PTE_WRITE } from './page-table';
import type { System } from './system';
import type { Task } from './task';
import { VM_SHARED } from './vma';

/** Largest file offset (the memmap's `index` holds 32-bit page offsets). */
const MAX_LFS_FILESIZE = 2 ** 32 * PAGE_SIZE;

/** The frame caching page `index` of `file`, or -1 for a hole. */
function cachedPage(sys: System, file: AddressSpace, index: number): number {
  const folio = file.lookup(index);
  return folio === NIL ? -1 : folio + (index - sys.memmap.index[folio]!);
}

/**
 * The folio caching `index`, locked and with a reference (mirrors `filemap_lock_folio()` plus
 * the re-check after sleeping on the lock), or NIL for a hole. `create` allocates a folio by
 * the task's policy for a hole (`__filemap_get_folio(FGP_CREAT)`); NIL then means no memory.
 */
async function lockCachedFolio(sys: System, file: AddressSpace, index: number, task: Task | null): Promise<number> {
  const m = sys.memmap;
  for (;;) {
    let folio = file.lookup(index);
    if (folio === NIL) {
      if (task === null) return NIL;
      folio = filemapGetFolio(sys, file, index, task, null, 0);
      if (folio === NIL) return NIL;
    } else {
      m.folioGet(folio);
    }
    if (!sys.locks.folioTrylock(folio)) await sys.locks.folioLock(folio);
    if (file.lookup(index) === folio) return folio;
    // truncated or migrated while we slept: try again with what the cache holds now
    sys.locks.folioUnlock(folio);
    sys.alloc.folioPut(folio);
  }
}

/**
 * Reads up to `buf.length` bytes at `offset` (mirrors `filemap_read()`): stops at the end of
 * the file; a hole is read in as a zero-filled folio allocated by `task`'s policy (hugetlbfs
 * holes read as zeros without allocating). Returns the bytes read, or -EINVAL / -ENOMEM.
 */
export async function filemapRead(sys: System, task: Task, file: AddressSpace, buf: Uint8Array, offset: number): Promise<number> {
  if (!Number.isSafeInteger(offset) || offset < 0) return -EINVAL;
  const end = Math.min(offset + buf.length, file.size);
  let pos = offset;
  while (pos < end) {
    const index = Math.floor(pos / PAGE_SIZE);
    const off = pos % PAGE_SIZE;
    const n = Math.min(end - pos, PAGE_SIZE - off);
    const out = buf.subarray(pos - offset, pos - offset + n);
    let page = cachedPage(sys, file, index);
    if (page < 0 && file.kind === 'hugetlbfs') {
      out.fill(0);
      pos += n;
      continue;
    }
    if (page < 0) {
      const folio = filemapGetFolio(sys, file, index, task, null, 0);
      if (folio === NIL) return pos > offset ? pos - offset : -ENOMEM;
      sys.alloc.folioPut(folio);
      page = folio;
    }
    sys.phys.read(page * PAGE_SIZE + off, out);
    pos += n;
  }
  return Math.max(0, pos - offset);
}

/**
 * Writes `data` at `offset` (mirrors `generic_perform_write()`): each page is locked (waiting
 * for a migration that holds it), written, marked dirty and unlocked; holes get folios
 * allocated by `task`'s policy; the file grows as pages are written. Returns the bytes
 * written (short when memory runs out), or -EINVAL (bad offset, hugetlbfs, past the largest
 * file) / -ENOMEM (nothing written).
 */
export async function filemapWrite(sys: System, task: Task, file: AddressSpace, data: Uint8Array, offset: number): Promise<number> {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.length > MAX_LFS_FILESIZE) return -EINVAL;
  if (file.kind === 'hugetlbfs') return -EINVAL;
  const m = sys.memmap;
  const end = offset + data.length;
  let pos = offset;
  while (pos < end) {
    const index = Math.floor(pos / PAGE_SIZE);
    const off = pos % PAGE_SIZE;
    const n = Math.min(end - pos, PAGE_SIZE - off);
    const folio = await lockCachedFolio(sys, file, index, task);
    if (folio === NIL) break;
    sys.phys.write((folio + index - m.index[folio]!) * PAGE_SIZE + off, data.subarray(pos - offset, pos - offset + n));
    m.flags[folio]! |= PGF_dirty | PGF_uptodate;
    pos += n;
    if (pos > file.size) file.setSize(pos);
    sys.locks.folioUnlock(folio);
    sys.alloc.folioPut(folio);
  }
  const written = pos - offset;
  return written > 0 || data.length === 0 ? written : -ENOMEM;
}

/**
 * Write-protects and cleans every shared mapping of a file folio, flushing the TLBs, so the
 * next write through a mapping faults and dirties the folio again (mirrors `folio_mkclean()`).
 * Returns true when some mapping had written to it.
 */
export function folioMkclean(sys: System, folio: number): boolean {
  const m = sys.memmap;
  const nr = m.folioNrPages(folio);
  let dirty = false;
  for (const hit of sys.rmap.walk(folio)) {
    const vma = hit.vma;
    if ((vma.flags & VM_SHARED) === 0) continue;
    const mm = vma.mm;
    const pt = mm.pageTable;
    const first = Math.max(hit.address, vma.start);
    const last = Math.min(hit.address + nr * PAGE_SIZE, vma.end);
    for (let addr = first; addr < last; addr += PAGE_SIZE) {
      const slot = pt.pteSlot(addr);
      if (slot < 0) continue;
      const bits = pt.bitsAt(slot);
      const pfn = pt.pfnAt(slot);
      if ((bits & PTE_PRESENT) === 0 || pfn < folio || pfn >= folio + nr || (bits & (PTE_DIRTY | PTE_WRITE)) === 0) continue;
      if ((bits & PTE_DIRTY) !== 0) dirty = true;
      pt.setAt(slot, pfn, bits & ~(PTE_DIRTY | PTE_WRITE));
      sys.tlb.flushRange(mm.cpumask, mm.id, addr / PAGE_SIZE, 1);
    }
  }
  return dirty;
}

/**
 * Starts writeback of the folio caching `index` (mirrors the writeback path's
 * `folio_clear_dirty_for_io()` + `folio_start_writeback()` under the folio lock): dirty bits of
 * shared mappings are collected and cleaned, `PG_dirty` is cleared and `PG_writeback` set. The
 * data stays. 0, -ENOENT (not cached), -EBUSY (already under writeback) or -EAGAIN (locked,
 * e.g. being migrated: writeback skips it, as `WB_SYNC_NONE` does).
 */
export function startWriteback(sys: System, file: AddressSpace, index: number): number {
  const folio = file.lookup(index);
  if (folio === NIL) return -ENOENT;
  const m = sys.memmap;
  if ((m.flags[folio]! & PGF_writeback) !== 0) return -EBUSY;
  if (!sys.locks.folioTrylock(folio)) return -EAGAIN;
  folioMkclean(sys, folio);
  m.flags[folio]! &= ~PGF_dirty;
  sys.locks.folioStartWriteback(folio);
  sys.locks.folioUnlock(folio);
  return 0;
}

/**
 * Ends writeback of the folio caching `index` and wakes whoever waits for it, a SYNC migration
 * for example (mirrors `folio_end_writeback()`). 0, -ENOENT (not cached) or -EINVAL (not under
 * writeback).
 */
export function endWriteback(sys: System, file: AddressSpace, index: number): number {
  const folio = file.lookup(index);
  if (folio === NIL) return -ENOENT;
  if ((sys.memmap.flags[folio]! & PGF_writeback) === 0) return -EINVAL;
  sys.locks.folioEndWriteback(folio);
  return 0;
}

/**
 * Unmaps page offsets `first` and up of `file` from every mapping, copy-on-write copies in
 * private mappings included (mirrors `unmap_mapping_range(mapping, start, 0, even_cows=1)`).
 */
function unmapMappingRange(file: AddressSpace, first: number, last = Infinity): void {
  for (const vma of [...file.iMmap]) {
    const lo = Math.max(vma.start, vma.addressOf(first));
    const hi = last === Infinity ? vma.end : Math.min(vma.end, vma.addressOf(last));
    if (lo < hi) vma.mm.zapRange(vma, lo, hi);
  }
}

/** Takes a locked folio out of the page cache, dropping the cache's references (mirrors `filemap_remove_folio()`). */
function removeFromPageCache(sys: System, file: AddressSpace, folio: number): void {
  const m = sys.memmap;
  const nr = m.folioNrPages(folio);
  file.remove(m.index[folio]!, nr);
  m.mapping[folio] = 0;
  m.flags[folio]! &= ~PGF_dirty;
  sys.alloc.folioPutRefs(folio, (m.flags[folio]! & PGF_hugetlb) !== 0 ? 1 : nr);
}

/**
 * Sets the file size to `size` bytes (mirrors `truncate_setsize()` → `truncate_pagecache()`).
 * Shrinking zeroes the rest of the last partial page, unmaps the pages past the end from every
 * mapping (faults there get SIGBUS), then locks each cached folio past the end, waits for its
 * writeback and its locked buffers, frees its buffers and removes it from the cache. A folio
 * someone else still holds stays allocated until they drop it. 0 or -EINVAL (negative size, or
 * a hugetlbfs size that is not a multiple of 2 MiB).
 */
export async function truncateSetsize(sys: System, file: AddressSpace, size: number): Promise<number> {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_LFS_FILESIZE) return -EINVAL;
  if (file.kind === 'hugetlbfs' && size % HPAGE_PMD_SIZE !== 0) return -EINVAL;
  const oldSize = file.size;
  file.setSize(size);
  if (size >= oldSize) return 0;
  const m = sys.memmap;
  const partial = size % PAGE_SIZE;
  if (partial !== 0) {
    const index = Math.floor(size / PAGE_SIZE);
    const folio = await lockCachedFolio(sys, file, index, null);
    if (folio !== NIL) {
      sys.phys.fill((folio + index - m.index[folio]!) * PAGE_SIZE + partial, PAGE_SIZE - partial, 0);
      sys.locks.folioUnlock(folio);
      sys.alloc.folioPut(folio);
    }
  }
  const first = Math.ceil(size / PAGE_SIZE);
  unmapMappingRange(file, first);
  const indexes = [...file.pages.keys()].filter((index) => index >= first).sort((a, b) => a - b);
  for (const index of indexes) {
    const folio = await lockCachedFolio(sys, file, index, null);
    if (folio === NIL) continue;
    await sys.locks.folioWaitWriteback(folio);
    if (m.folioMapped(folio)) {
      // mapped again meanwhile (an undone migration restored its entries): unmap it once more
      const start = m.index[folio]!;
      unmapMappingRange(file, start, start + m.folioNrPages(folio));
    }
    if (file.buffers.has(folio)) {
      await waitOnBuffers(file, folio);
      // discard the buffers (`block_invalidate_folio()`), with the reference they held
      file.buffers.delete(folio);
      m.flags[folio]! &= ~PGF_private;
      m.refcount[folio]!--;
    }
    removeFromPageCache(sys, file, folio);
    sys.locks.folioUnlock(folio);
    sys.alloc.folioPut(folio);
  }
  return 0;
}

/**
 * Frees the pages of a deleted file whose last mapping is gone (mirrors inode eviction:
 * `truncate_inode_pages_final()`). Folios nobody holds locked go at once; one locked by a
 * migration in flight is left for an asynchronous truncation that waits for it.
 */
export function releaseDeletedFile(sys: System, file: AddressSpace): void {
  const m = sys.memmap;
  let busy = false;
  for (const folio of new Set(file.pages.values())) {
    if (!sys.locks.folioTrylock(folio)) {
      busy = true;
      continue;
    }
    m.folioGet(folio);
    if (file.buffers.delete(folio)) {
      m.flags[folio]! &= ~PGF_private;
      m.refcount[folio]!--;
    }
    removeFromPageCache(sys, file, folio);
    sys.locks.folioUnlock(folio);
    sys.alloc.folioPut(folio);
  }
  if (busy) void truncateSetsize(sys, file, 0);
  else file.setSize(0);
}
