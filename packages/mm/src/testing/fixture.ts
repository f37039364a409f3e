/**
 * Test support for the mm package (not exported): small systems, byte patterns, user-memory
 * access helpers, an invariant assertion, and a by-hand migration of one folio that follows the
 * kernel's order (isolate, lock, unmap with a batched flush, flush, copy, move mapping and
 * flags, remap, unlock, put) so mm can be tested without the migrate layer.
 */
import { expect } from 'vitest';
import { PAGE_SIZE, PGF_dirty, PGF_hugetlb, PGF_mlocked, PGF_swapbacked, PGF_uptodate } from '@pagemig/folio';
import { accessVm } from '../access';
import { folioMcCopy } from '../copy';
import { checkInvariants } from '../invariants';
import { NO_MEMCG } from '../memcg';
import { __GFP_THISNODE } from '../page-alloc';
import { TTU_BATCH_FLUSH } from '../rmap';
import { createSystem, type System, type SystemConfig } from '../system';
import type { Task } from '../task';

export const MiB = 1 << 20;

/** A two-node system (node 0: CPUs 0-1, node 1: CPUs 2-3) with `size` bytes per node. */
export function twoNodes(size = 32 * MiB, extra: Partial<SystemConfig> = {}): System {
  return createSystem({ nodes: [{ size }, { size }], ...extra });
}

/** Deterministic bytes for `seed` (an LCG), so a test can check contents after moves. */
export function pattern(seed: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Writes bytes into a task's memory. */
export async function poke(task: Task, addr: number, data: Uint8Array): Promise<void> {
  await accessVm(task, addr, data, true);
}

/** Reads bytes from a task's memory. */
export async function peek(task: Task, addr: number, len: number): Promise<Uint8Array> {
  const out = new Uint8Array(len);
  await accessVm(task, addr, out, false);
  return out;
}

/**
 * Asserts two byte arrays are equal, reporting the first difference (vitest's deep equality is
 * slow on megabytes).
 */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let i = 0;
  while (i < Math.min(a.length, b.length) && a[i] === b[i]) i++;
  expect.fail(`${what} differ at byte ${i} of ${b.length} (got ${a[i]}, want ${b[i]}, lengths ${a.length}/${b.length})`);
}

/** Asserts that the system keeps every invariant. */
export function expectClean(sys: System): void {
  expect(checkInvariants(sys)).toEqual([]);
}

/** The folio (head PFN) mapped at `addr` in a task, from its page tables (-1 if none). */
export function folioAt(task: Task, addr: number): number {
  const mm = task.mm;
  const pt = mm.pageTable;
  const leaf = pt.pmdLeaf(addr - (addr % (2 * MiB)));
  if (leaf !== null) return leaf.pfn;
  const slot = pt.pteSlot(addr);
  if (slot < 0 || pt.bitsAt(slot) === 0) return -1;
  return mm.sys.memmap.compoundHead(pt.pfnAt(slot));
}

/** The frame mapped at `addr` (present entries only), or -1. */
export function frameAt(task: Task, addr: number): number {
  const pt = task.mm.pageTable;
  const pmdStart = addr - (addr % (2 * MiB));
  const leaf = pt.pmdLeaf(pmdStart);
  if (leaf !== null) return (leaf.bits & 1) !== 0 ? leaf.pfn + (addr - pmdStart) / PAGE_SIZE : -1;
  const slot = pt.pteSlot(addr);
  return slot >= 0 && (pt.bitsAt(slot) & 1) !== 0 ? pt.pfnAt(slot) : -1;
}

/** Steps of `migrateByHand()` a test may stop between. */
export interface HandMigration {
  src: number;
  dst: number;
  /** Copies the contents (after the flush, unless the test wants the hazard). */
  copy(): number;
  /** Moves mapping, index, flags, page-cache slot and memcg to dst, remaps and releases (call after copy). */
  finish(): void;
}

/**
 * Starts migrating `src` (a head PFN on an LRU) to node `nid` by hand: isolation, a dst from
 * `allocFolio(nid, order, __GFP_THISNODE, NO_MEMCG)`, both locked, `tryToMigrate(src,
 * TTU_BATCH_FLUSH)`, then the batched flush unless `flush` is false. The caller copies and
 * finishes, possibly with accesses in between.
 */
export function startMigration(sys: System, src: number, nid: number, flush = true): HandMigration {
  const m = sys.memmap;
  const hugetlb = (m.flags[src]! & PGF_hugetlb) !== 0;
  if (hugetlb) m.folioGet(src);
  else if (!sys.lru.folioIsolateLru(src)) throw new Error(`folio ${src} is not on an LRU`);
  if (!hugetlb) sys.lru.modIsolated(src, 1);
  const order = m.folioOrder(src);
  const dst = hugetlb ? sys.hugetlb.allocHugetlbFolio([nid]) : sys.alloc.allocFolio(nid, order, __GFP_THISNODE, NO_MEMCG);
  if (dst < 0) throw new Error(`no order-${order} folio on node ${nid}`);
  if (!sys.locks.folioTrylock(src) || !sys.locks.folioTrylock(dst)) throw new Error('lock taken');
  const wasMapped = m.folioMapped(src);
  sys.rmap.tryToMigrate(src, TTU_BATCH_FLUSH);
  if (flush) sys.tlb.tryToUnmapFlush();
  return {
    src,
    dst,
    copy: () => folioMcCopy(m, sys.phys, dst, src),
    finish: () => {
      const nr = m.folioNrPages(src);
      const file = m.folioTestAnon(src) || m.mapping[src] === 0 ? undefined : sys.rmap.addressSpaces[m.mappingHandle(src)];
      // __folio_migrate_mapping(): index, mapping, page-cache slots with their references
      m.index[dst] = m.index[src]!;
      m.mapping[dst] = m.mapping[src]!;
      if (file !== undefined) {
        const refs = hugetlb ? 1 : nr;
        file.replace(m.index[src]!, src, dst, nr);
        m.refcount[dst]! += refs;
        m.refcount[src]! -= refs;
      }
      // folio_migrate_flags() and mem_cgroup_migrate()
      m.flags[dst]! |= m.flags[src]! & (PGF_dirty | PGF_uptodate | PGF_swapbacked | PGF_mlocked);
      m.flags[src]! &= ~PGF_dirty;
      if (!hugetlb) {
        m.memcg[dst] = m.memcg[src]!;
        m.memcg[src] = NO_MEMCG;
        sys.lru.folioAddLru(dst);
      }
      if (wasMapped) sys.rmap.removeMigrationPtes(src, dst);
      if (file !== undefined) m.mapping[src] = 0;
      sys.locks.folioUnlock(dst);
      sys.alloc.folioPut(dst);
      if (!hugetlb) sys.lru.modIsolated(src, -1);
      sys.locks.folioUnlock(src);
      sys.alloc.folioPut(src);
    },
  };
}

/** Migrates `src` to node `nid` by hand in one go; returns the new folio. */
export function migrateByHand(sys: System, src: number, nid: number): number {
  const step = startMigration(sys, src, nid);
  expect(step.copy()).toBe(0);
  step.finish();
  return step.dst;
}
