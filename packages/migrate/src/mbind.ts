/**
 * `mbind(2)` (mirrors `do_mbind()` in mm/mempolicy.c): sets the memory policy of a range of
 * the caller's address space and, with MPOL_MF_MOVE / MPOL_MF_MOVE_ALL, migrates the folios of
 * the range that sit outside the policy's nodes (MIGRATE_SYNC, MR_MEMPOLICY_MBIND) to nodes the
 * new policy picks. MPOL_MF_STRICT turns folios that could not be moved (or, without a MOVE
 * flag, that are misplaced at all) into -EIO.
 *
 * Order of checks: the mode (-EINVAL), node ids at or above MAX_NUMNODES (-EINVAL), flags
 * (-EINVAL), MOVE_ALL without CAP_SYS_NICE (-EPERM), an unaligned start or a negative length
 * (-EINVAL), an empty range (0), the policy (`mpol_new()`: bad mode, nodes for default/local, no nodes for the
 * others; then the nodes left inside the caller's cpuset, none → -EINVAL), holes in the range
 * (-EFAULT; a default policy tolerates holes but not a range with no mapping at all).
 */
import { EINVAL, EIO, EPERM } from '@pagemig/kernel';
import { MIGRATE_SYNC, MR_MEMPOLICY_MBIND, PAGE_SIZE } from '@pagemig/folio';
import {
  DEFAULT_POLICY,
  FolioList,
  MPOL_BIND,
  MPOL_DEFAULT,
  MPOL_INTERLEAVE,
  MPOL_LOCAL,
  MPOL_MF_MOVE,
  MPOL_MF_MOVE_ALL,
  MPOL_MF_STRICT,
  MPOL_PREFERRED,
  mpolNew,
  type MemPolicy,
  type Task,
} from '@pagemig/mm';
import { allocMigrationTargetByMpol } from './alloc-by-mpol';
import type { MigrateEngine } from './engine';
import { putbackMovablePages } from './isolate';
import { migratePages } from './migrate-pages';
import { MAX_NUMNODES, nodeHasMemory, nodeSet, nodemaskOf } from './numa-nodes';
import { MPOL_MF_DISCONTIG_OK, MPOL_MF_INVERT, queuePagesRange } from './queue-pages';

/**
 * The modes pagemig models (default, preferred, bind, interleave, local); the kernel's
 * preferred-many and weighted-interleave are refused like an unknown mode.
 */
const MPOL_MODES: readonly number[] = [MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL];

/** The flags mbind accepts (`MPOL_MF_VALID`). */
export const MPOL_MF_VALID = MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL;

/**
 * Builds the new policy (mirrors `mpol_new()` + `mpol_set_nodemask()`): null for
 * MPOL_DEFAULT, the policy, or -EINVAL. Preferred with no nodes means local; the nodes of
 * preferred, bind and interleave are cut down to the caller's cpuset and nodes with memory.
 */
export function mpolCreate(caller: Task, mode: number, nodes: readonly number[]): MemPolicy | null | number {
  const sys = caller.mm.sys;
  const raw = nodeSet(nodes);
  if (mode === MPOL_DEFAULT) return raw.length > 0 ? -EINVAL : null;
  if (mode === MPOL_PREFERRED && raw.length === 0) mode = MPOL_LOCAL;
  else if (mode === MPOL_LOCAL) {
    if (raw.length > 0) return -EINVAL;
  } else if (mode !== MPOL_PREFERRED && mode !== MPOL_BIND && mode !== MPOL_INTERLEAVE) {
    return -EINVAL;
  } else if (raw.length === 0) {
    return -EINVAL;
  }
  const effective = mode === MPOL_LOCAL ? [] : raw.filter((nid) => nodeHasMemory(sys, nid) && caller.mems[nid] === true);
  if (mode !== MPOL_LOCAL && effective.length === 0) return -EINVAL;
  return mpolNew(mode, effective, sys.nrNodes);
}

/**
 * `mbind(addr, len, mode, nodemask, maxnode, flags)` on `caller`'s address space with the mask
 * given as a node list. Resolves to 0 or -errno.
 */
export async function mbind(
  eng: MigrateEngine,
  caller: Task,
  addr: number,
  len: number,
  mode: number,
  nodes: readonly number[],
  flags: number,
): Promise<number> {
  const sys = eng.sys;
  const mm = caller.mm;
  // kernel_mbind(): the mode (sanitize_mpol_flags()), then the node mask (get_nodes())
  if (!MPOL_MODES.includes(mode)) return -EINVAL;
  for (const nid of nodes) if (!Number.isInteger(nid) || nid < 0 || nid >= MAX_NUMNODES) return -EINVAL;
  // do_mbind()
  if (!Number.isInteger(flags) || (flags & ~MPOL_MF_VALID) !== 0) return -EINVAL;
  if ((flags & MPOL_MF_MOVE_ALL) !== 0 && !caller.capSysNice) return -EPERM;
  if (!Number.isSafeInteger(addr) || addr < 0 || addr % PAGE_SIZE !== 0) return -EINVAL;
  if (mode === MPOL_DEFAULT) flags &= ~MPOL_MF_STRICT;
  if (!Number.isSafeInteger(len) || len < 0) return -EINVAL;
  const end = addr + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (!Number.isSafeInteger(end)) return -EINVAL;
  if (end === addr) return 0;
  const policy = mpolCreate(caller, mode, nodes);
  if (typeof policy === 'number') return policy;
  if (policy === null) flags |= MPOL_MF_DISCONTIG_OK;

  // queue the misplaced folios before the policy changes (the kernel holds mmap_lock for both)
  const list = new FolioList(sys.memmap);
  let nrFailed = queuePagesRange(sys, mm, addr, end, nodemaskOf(nodeSet(nodes), sys.nrNodes), flags | MPOL_MF_INVERT, list);
  let err = 0;
  if (nrFailed < 0) {
    err = nrFailed;
    nrFailed = 0;
  } else if (policy === null) {
    // mbind_range() over the VMAs only: holes are fine for the default policy
    const ranges = mm.vmasIn(addr, end).map((vma) => [Math.max(addr, vma.start), Math.min(end, vma.end)] as const);
    for (const [lo, hi] of ranges) {
      err = mm.setVmaPolicy(lo, hi - lo, null);
      if (err !== 0) break;
    }
  } else {
    err = mm.setVmaPolicy(addr, end - addr, policy);
  }

  if (err === 0 && !list.isEmpty()) {
    // MPOL_DEFAULT migrates by the task policy
    const target = policy ?? caller.policy ?? DEFAULT_POLICY;
    const { rc } = await migratePages(eng, list, allocMigrationTargetByMpol(sys, caller, target), null, {
      mode: MIGRATE_SYNC,
      reason: MR_MEMPOLICY_MBIND,
      memcg: caller.memcg,
    });
    nrFailed |= rc;
  }
  if (nrFailed !== 0 && (flags & MPOL_MF_STRICT) !== 0) err = -EIO;
  if (!list.isEmpty()) putbackMovablePages(sys, list);
  return err;
}
