/**
 * `move_pages(2)` (mirrors `kernel_move_pages()`, `do_pages_move()`,
 * `add_folio_for_migration()`, `move_pages_and_store_status()` and `do_pages_stat()`).
 *
 * Checks, in order: flags (-EINVAL), MOVE_ALL without CAP_SYS_NICE (-EPERM), the pid (-ESRCH)
 * and the right to ptrace-read it (-EPERM; see syscall-target.ts for the model). With
 * `nodes === null` it only reports where each page is. Otherwise it walks the pages in order:
 * a bad target node aborts the call (-ENODEV, or -EACCES outside the target's cpuset) after the
 * pages queued so far were migrated; per-page problems go to `status`; runs of pages with the
 * same target node are migrated together (MIGRATE_SYNC, MR_SYSCALL, allocation on exactly that
 * node), and a run is flushed when the target changes or right after a page that was not
 * queued. A run with failures stops the call with a positive count: the folios that failed
 * plus every page not yet attempted; the statuses of that run and of the pages after it keep
 * whatever the caller had put there.
 */
import { EACCES, EBUSY, EFAULT, EINVAL, ENODEV, ENOENT, EPERM } from '@pagemig/kernel';
import { MIGRATE_SYNC, MR_SYSCALL } from '@pagemig/folio';
import { FolioList, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, type MmStruct, type System, type Task } from '@pagemig/mm';
import { allocOnNode } from './alloc-target';
import type { MigrateEngine } from './engine';
import { folioMaybeMappedShared } from './folio-shared';
import { FW_NONE, FW_ZERO, folioWalk, vmaMigratable } from './folio-walk';
import { isolateFolioForMigration, putbackMovablePages } from './isolate';
import { migratePages } from './migrate-pages';
import { MAX_NUMNODES, NUMA_NO_NODE, nodeHasMemory } from './numa-nodes';
import { findMmStruct } from './syscall-target';

/** A user address the VMA lookup can take (anything else has no VMA). */
function userAddress(addr: number): boolean {
  return Number.isSafeInteger(addr) && addr >= 0;
}

/**
 * Where page `addr` lives, for query mode: its node, -EFAULT (no VMA, or the zero page), or
 * -ENOENT (never faulted in, or not present).
 */
function pageStatus(sys: System, mm: MmStruct, addr: number): number {
  const vma = userAddress(addr) ? mm.findVma(addr) : null;
  if (vma === null) return -EFAULT;
  const folio = folioWalk(sys, vma, addr);
  if (folio === FW_NONE) return -ENOENT;
  if (folio === FW_ZERO) return -EFAULT;
  return sys.phys.pfnToNid(folio);
}

/** Query mode (mirrors `do_pages_stat()`): 0, or -EFAULT when `status` is too short. */
function doPagesStat(sys: System, mm: MmStruct, pages: readonly number[], status: Int32Array): number {
  for (let i = 0; i < pages.length; i++) {
    if (i >= status.length) return -EFAULT;
    status[i] = pageStatus(sys, mm, pages[i]!);
  }
  return 0;
}

/**
 * Resolves `addr` and isolates its folio onto `list` for `node` (mirrors
 * `add_folio_for_migration()`): 1 queued, 0 already on `node`, or a per-page -errno.
 */
function addFolioForMigration(sys: System, mm: MmStruct, addr: number, node: number, list: FolioList, migrateAll: boolean): number {
  const vma = userAddress(addr) ? mm.findVma(addr) : null;
  if (vma === null || !vmaMigratable(vma)) return -EFAULT;
  const folio = folioWalk(sys, vma, addr);
  if (folio === FW_NONE) return -ENOENT;
  if (folio === FW_ZERO) return -EFAULT;
  if (sys.phys.pfnToNid(folio) === node) return 0;
  if (!migrateAll && folioMaybeMappedShared(sys, folio)) return -EACCES;
  // isolate_hugetlb() for hugetlb, folio_isolate_lru() otherwise (a second isolation fails)
  return isolateFolioForMigration(sys, folio, list) ? 1 : -EBUSY;
}

/** Writes `value` into `n` statuses from `start`; false when the array ends first (-EFAULT). */
function storeStatus(status: Int32Array, start: number, value: number, n: number): boolean {
  for (let i = start; i < start + n; i++) {
    if (i >= status.length) return false;
    status[i] = value;
  }
  return true;
}

/** The state of one `do_pages_move()` call. */
class PagesMove {
  readonly list: FolioList;

  constructor(
    readonly eng: MigrateEngine,
    readonly caller: Task,
    readonly nrPages: number,
    readonly status: Int32Array,
  ) {
    this.list = new FolioList(eng.sys.memmap);
  }

  /** Mirrors `do_move_pages_to_node()`: migrates the queued run; failures are put back. */
  async moveToNode(node: number): Promise<number> {
    const sys = this.eng.sys;
    const { rc } = await migratePages(this.eng, this.list, allocOnNode(sys, node), null, {
      mode: MIGRATE_SYNC,
      reason: MR_SYSCALL,
      memcg: this.caller.memcg,
    });
    if (rc !== 0 || !this.list.isEmpty()) putbackMovablePages(sys, this.list);
    return rc;
  }

  /**
   * Mirrors `move_pages_and_store_status()`: migrates the run [start, i) and writes `node`
   * into its statuses; a positive result also counts the pages from `i` on as not attempted.
   */
  async flush(node: number, start: number, i: number): Promise<number> {
    if (this.list.isEmpty()) return 0;
    let err = await this.moveToNode(node);
    if (err !== 0) {
      if (err > 0) err += this.nrPages - i;
      return err;
    }
    return storeStatus(this.status, start, node, i - start) ? 0 : -EFAULT;
  }
}

/** Mirrors `do_pages_move()`. */
async function doPagesMove(
  eng: MigrateEngine,
  caller: Task,
  target: Task,
  pages: readonly number[],
  nodes: readonly number[],
  status: Int32Array,
  flags: number,
): Promise<number> {
  const sys = eng.sys;
  const mm = target.mm;
  const allowed = target.mems;
  const migrateAll = (flags & MPOL_MF_MOVE_ALL) !== 0;
  const nr = pages.length;
  const run = new PagesMove(eng, caller, nr, status);
  let currentNode = NUMA_NO_NODE;
  let start = 0;
  let err = 0;
  let i = 0;
  for (; i < nr; i++) {
    const node = nodes[i];
    err = -EFAULT;
    if (node === undefined) break; // get_user() past the end of `nodes`
    err = -ENODEV;
    if (!Number.isInteger(node) || node < 0 || node >= MAX_NUMNODES || !nodeHasMemory(sys, node)) break;
    err = -EACCES;
    if (allowed[node] !== true) break;
    if (currentNode === NUMA_NO_NODE) {
      currentNode = node;
      start = i;
    } else if (node !== currentNode) {
      err = await run.flush(currentNode, start, i);
      if (err !== 0) return err;
      start = i;
      currentNode = node;
    }
    // errors of the lookup or the isolation are not fatal: they go to the status
    err = addFolioForMigration(sys, mm, pages[i]!, currentNode, run.list, migrateAll);
    if (err > 0) continue;
    if (!storeStatus(status, i, err !== 0 ? err : currentNode, 1)) {
      err = -EFAULT;
      break;
    }
    err = await run.flush(currentNode, start, i);
    if (err !== 0) {
      // page i has its status already
      if (err > 0) err--;
      return err;
    }
    currentNode = NUMA_NO_NODE;
  }
  // out_flush: the pages queued before an error are still migrated
  const err1 = await run.flush(currentNode, start, i);
  return err >= 0 ? err1 : err;
}

/**
 * `move_pages(pid, count, pages, nodes, status, flags)`: moves each page of `pages` (user
 * addresses in the address space of `pid`, 0 = the caller) to the node at the same index of
 * `nodes`, or with `nodes === null` reports each page's node in `status`. Resolves to 0 (every
 * page handled; per-page errors are in `status`), a positive count of pages not migrated, or
 * -errno.
 */
export async function movePages(
  eng: MigrateEngine,
  caller: Task,
  pid: number,
  pages: readonly number[],
  nodes: readonly number[] | null,
  status: Int32Array,
  flags: number,
): Promise<number> {
  if (!Number.isInteger(flags) || (flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) !== 0) return -EINVAL;
  if ((flags & MPOL_MF_MOVE_ALL) !== 0 && !caller.capSysNice) return -EPERM;
  const target = findMmStruct(eng.sys, caller, pid);
  if (typeof target === 'number') return target;
  if (nodes === null) return doPagesStat(eng.sys, target.mm, pages, status);
  return doPagesMove(eng, caller, target, pages, nodes, status, flags);
}
