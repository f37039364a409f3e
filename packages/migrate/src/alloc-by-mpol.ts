/**
 * The migration target chosen by a memory policy (mirrors `alloc_migration_target_by_mpol()`
 * with `policy_nodemask()`): what `mbind(2)` with MPOL_MF_MOVE allocates into. Preferred
 * starts at its node, bind stays inside its nodes starting from the caller's node, interleave
 * picks the node by the folio's index (`ilx`), default and local start at the caller's node;
 * all but bind may fall back along the distance order.
 */
import { PGF_hugetlb } from '@pagemig/folio';
import { MPOL_BIND, MPOL_INTERLEAVE, MPOL_PREFERRED, NO_MEMCG, __GFP_NOWARN, type MemPolicy, type System, type Task } from '@pagemig/mm';
import type { NewFolioFn } from './types';

/**
 * The preferred node and allowed nodes for `src` under `policy` when `caller` migrates
 * (mirrors `policy_nodemask()` with `ilx` = the folio's index in units of its size).
 */
export function mpolTarget(sys: System, caller: Task, policy: MemPolicy, src: number): { nid: number; allowed: readonly boolean[] | undefined } {
  const m = sys.memmap;
  const local = sys.cpuNode(caller.cpu);
  switch (policy.mode) {
    case MPOL_PREFERRED:
      return { nid: policy.nodes[0]!, allowed: undefined };
    case MPOL_BIND:
      return { nid: local, allowed: policy.allowed };
    case MPOL_INTERLEAVE: {
      const ilx = Math.floor(m.index[src]! / m.folioNrPages(src));
      return { nid: policy.nodes[ilx % policy.nodes.length]!, allowed: undefined };
    }
    default:
      return { nid: local, allowed: undefined };
  }
}

/** Builds the `get_new_folio` callback of `mbind(2)` for `policy` applied by `caller`. */
export function allocMigrationTargetByMpol(sys: System, caller: Task, policy: MemPolicy): NewFolioFn {
  const m = sys.memmap;
  return (src) => {
    const { nid, allowed } = mpolTarget(sys, caller, policy, src);
    if ((m.flags[src]! & PGF_hugetlb) !== 0) {
      // alloc_hugetlb_folio_nodemask(): the pools, nearest first from the preferred node
      return sys.hugetlb.allocHugetlbFolio(sys.alloc.zonelists[nid]!.filter((n) => allowed === undefined || allowed[n] === true));
    }
    return sys.alloc.allocFolio(nid, m.folioOrder(src), __GFP_NOWARN, NO_MEMCG, allowed);
  };
}
