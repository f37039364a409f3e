/**
 * `migrate_pages(2)` (mirrors `kernel_migrate_pages()`, `do_migrate_pages()` and
 * `migrate_to_node()` in mm/mempolicy.c): moves every page of a process that sits on one of
 * the old nodes to the node at the same relative position among the new nodes.
 *
 * Checks, in order: node ids in the masks (-EINVAL at or above MAX_NUMNODES), the pid
 * (-ESRCH), the right to ptrace-read it (-EPERM), new nodes outside the target's cpuset without
 * CAP_SYS_NICE (-EPERM), and new nodes that leave nothing inside the caller's own cpuset
 * (-EINVAL). Pages move with MPOL_MF_MOVE_ALL when the caller has CAP_SYS_NICE; otherwise shared
 * pages are skipped silently and are not counted. Resolves to the number of pages that could
 * not be moved, or -errno.
 */
import { EINVAL, EPERM } from '@pagemig/kernel';
import { MIGRATE_SYNC, MR_SYSCALL } from '@pagemig/folio';
import { FolioList, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, TASK_SIZE, type MmStruct, type Task } from '@pagemig/mm';
import { allocOnNode } from './alloc-target';
import type { MigrateEngine } from './engine';
import { putbackMovablePages } from './isolate';
import { migratePages } from './migrate-pages';
import { migratePagesPairs } from './node-remap';
import { MAX_NUMNODES, nodeSet, nodemaskOf } from './numa-nodes';
import { MPOL_MF_DISCONTIG_OK, queuePagesRange } from './queue-pages';
import { findTaskByVpid, ptraceMayAccessRead } from './syscall-target';

/** Reads a user node mask (mirrors `get_nodes()`): the sorted node set, or -EINVAL. */
function getNodes(nodes: readonly number[]): number[] | number {
  for (const nid of nodes) if (!Number.isInteger(nid) || nid < 0 || nid >= MAX_NUMNODES) return -EINVAL;
  return nodeSet(nodes);
}

/**
 * Moves every folio of `mm` on `source` to `dest` (mirrors `migrate_to_node()`): the pages not
 * moved (isolation failures included), or -errno.
 */
async function migrateToNode(eng: MigrateEngine, caller: Task, mm: MmStruct, source: number, dest: number, flags: number): Promise<number> {
  const sys = eng.sys;
  const first = mm.vmas[0];
  if (first === undefined) return 0;
  const list = new FolioList(sys.memmap);
  const nrFailed = queuePagesRange(sys, mm, first.start, TASK_SIZE, nodemaskOf([source], sys.nrNodes), flags | MPOL_MF_DISCONTIG_OK, list);
  if (nrFailed < 0) {
    putbackMovablePages(sys, list);
    return nrFailed;
  }
  let err = 0;
  if (!list.isEmpty()) {
    ({ rc: err } = await migratePages(eng, list, allocOnNode(sys, dest), null, {
      mode: MIGRATE_SYNC,
      reason: MR_SYSCALL,
      memcg: caller.memcg,
    }));
    if (err !== 0 || !list.isEmpty()) putbackMovablePages(sys, list);
  }
  return err >= 0 ? err + nrFailed : err;
}

/**
 * Runs the moves of `from` → `to` over `mm` (mirrors `do_migrate_pages()`): pages not moved,
 * summed over the moves, or the first -errno.
 */
export async function doMigratePages(
  eng: MigrateEngine,
  caller: Task,
  mm: MmStruct,
  from: readonly number[],
  to: readonly number[],
  flags: number,
): Promise<number> {
  let busy = 0;
  for (const [source, dest] of migratePagesPairs(from, to)) {
    const err = await migrateToNode(eng, caller, mm, source, dest, flags);
    if (err < 0) return err;
    busy += err;
  }
  return busy;
}

/**
 * `migrate_pages(pid, maxnode, old_nodes, new_nodes)` with the masks given as node lists.
 * Resolves to the number of pages left behind (≥ 0) or -errno.
 */
export async function migratePagesSyscall(
  eng: MigrateEngine,
  caller: Task,
  pid: number,
  oldNodes: readonly number[],
  newNodes: readonly number[],
): Promise<number> {
  const sys = eng.sys;
  const from = getNodes(oldNodes);
  if (typeof from === 'number') return from;
  let to = getNodes(newNodes);
  if (typeof to === 'number') return to;
  const task = findTaskByVpid(sys, caller, pid);
  if (typeof task === 'number') return task;
  if (!ptraceMayAccessRead(caller, task)) return -EPERM;
  // may the caller put memory of this task on the new nodes?
  if (!to.every((nid) => task.mems[nid] === true) && !caller.capSysNice) return -EPERM;
  to = to.filter((nid) => caller.mems[nid] === true);
  if (to.length === 0) return -EINVAL;
  return doMigratePages(eng, caller, task.mm, from, to, caller.capSysNice ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE);
}
