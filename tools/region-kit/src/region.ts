/**
 * Regions of a task's anonymous memory filled with a per-region byte pattern, for tests of
 * migrators: make one, migrate it to a node through migratePages(), and check its bytes through the
 * task's page tables afterwards.
 */
import { MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE, type MigrateMode, type MigrateReason } from '@pagemig/folio';
import { FolioList, MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, accessVm, translate, type System, type Task } from '@pagemig/mm';
import { allocOnNode, isolateFolioForMigration, migratePages, putbackMovablePages, type MigrateEngine, type MigratePagesResult, type OffloadHint } from '@pagemig/migrate';

/** A region of a task's memory with a known pattern. */
export interface Region {
  addr: number;
  len: number;
  seed: number;
}

/** What migrating a region needs. */
export interface RegionHost {
  sys: System;
  eng: MigrateEngine;
  task: Task;
}

/** How to migrate a region (default: MIGRATE_SYNC, MR_SYSCALL, hint 'default'). */
export interface RegionMigration {
  reason?: MigrateReason;
  mode?: MigrateMode;
  hint?: OffloadHint;
}

/** The pattern byte at offset `i` of a region with `seed` (changes within and across pages). */
export function patternByte(seed: number, i: number): number {
  return (seed * 131 + i * 7 + Math.floor(i / PAGE_SIZE) * 13) & 255;
}

/** Maps `pages` base pages (2 MiB THPs when `huge`), fills them with the pattern of `seed`. */
export async function makeRegion(task: Task, pages: number, seed: number, huge = false): Promise<Region> {
  const len = pages * PAGE_SIZE;
  const mm = task.mm;
  const addr = mm.mmap(0, len + (huge ? 2 << 20 : 0), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const start = huge ? Math.ceil(addr / (2 << 20)) * (2 << 20) : addr;
  if (huge) mm.madvise(start, len, MADV_HUGEPAGE);
  const buf = new Uint8Array(len);
  for (let i = 0; i < len; i++) buf[i] = patternByte(seed, i);
  await accessVm(task, start, buf, true);
  return { addr: start, len, seed };
}

/** Index of the first byte of the region that lost its pattern (read through the page tables), or -1. */
export async function firstBadByte(task: Task, r: Region): Promise<number> {
  const buf = new Uint8Array(r.len);
  await accessVm(task, r.addr, buf, false);
  for (let i = 0; i < r.len; i++) if (buf[i] !== patternByte(r.seed, i)) return i;
  return -1;
}

/** Nodes holding the region's pages (from the page tables, without faulting). */
export function regionNodes(sys: System, task: Task, r: Region): Set<number> {
  const nodes = new Set<number>();
  for (let va = r.addr; va < r.addr + r.len; va += PAGE_SIZE) nodes.add(sys.phys.pfnToNid(translate(task.mm, va, false)));
  return nodes;
}

/** Isolates the region's folios not yet on `nid` and migrates them there; what is left is put back. */
export async function migrateRegion(host: RegionHost, r: Region, nid: number, call: RegionMigration = {}): Promise<MigratePagesResult> {
  const { sys, eng, task } = host;
  const list = new FolioList(sys.memmap);
  let last = -1;
  for (let va = r.addr; va < r.addr + r.len; va += PAGE_SIZE) {
    const pfn = translate(task.mm, va, false);
    if (pfn < 0) continue;
    const head = sys.memmap.compoundHead(pfn);
    if (head === last || sys.phys.pfnToNid(head) === nid) continue;
    last = head;
    // a folio already isolated (by a concurrent migration) is refused here, as in the kernel
    isolateFolioForMigration(sys, head, list);
  }
  const result = await migratePages(eng, list, allocOnNode(sys, nid), null, {
    mode: call.mode ?? MIGRATE_SYNC,
    reason: call.reason ?? MR_SYSCALL,
    memcg: task.memcg,
    hint: call.hint ?? 'default',
  });
  putbackMovablePages(sys, list);
  return result;
}
