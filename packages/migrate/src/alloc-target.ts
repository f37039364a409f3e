/**
 * Allocation callbacks for migration targets: `alloc_migration_target()` (a node, a gfp mask and
 * an optional node mask; hugetlb from the pools, large folios at the same order) and
 * `alloc_misplaced_dst_folio()` for NUMA balancing. Targets are not charged: the move hands the
 * source's memcg charge over (`mem_cgroup_migrate()`).
 */
import { PGF_hugetlb } from '@pagemig/folio';
import { GFP_MIGRATE_THISNODE, NO_MEMCG, __GFP_NOWARN, __GFP_THISNODE, type System } from '@pagemig/mm';
import type { NewFolioFn } from './types';

/** What `alloc_migration_target()` is told (mirrors `struct migration_target_control`). */
export interface MigrationTargetControl {
  /** Preferred node; -1 (`NUMA_NO_NODE`) means the source's node. */
  nid: number;
  gfp: number;
  /** Allowed nodes by id, or undefined for all. */
  nodemask?: readonly boolean[];
}

/** Builds a `get_new_folio` callback (mirrors `alloc_migration_target()`). */
export function allocMigrationTarget(sys: System, mtc: MigrationTargetControl): NewFolioFn {
  const m = sys.memmap;
  return (src) => {
    const nid = mtc.nid < 0 ? sys.phys.pfnToNid(src) : mtc.nid;
    if ((m.flags[src]! & PGF_hugetlb) !== 0) {
      const nodes = (mtc.gfp & __GFP_THISNODE) !== 0 ? [nid] : sys.alloc.zonelists[nid]!.filter((n) => mtc.nodemask?.[n] !== false);
      return sys.hugetlb.allocHugetlbFolio(nodes);
    }
    return sys.alloc.allocFolio(nid, m.folioOrder(src), mtc.gfp, NO_MEMCG, mtc.nodemask);
  };
}

/** The target callback of `move_pages()` for one node (`GFP_HIGHUSER_MOVABLE | __GFP_THISNODE`). */
export function allocOnNode(sys: System, nid: number): NewFolioFn {
  return allocMigrationTarget(sys, { nid, gfp: GFP_MIGRATE_THISNODE });
}

/** NUMA balancing's target: the exact node, no reclaim, no warning (mirrors `alloc_misplaced_dst_folio()`). */
export function allocMisplacedDstFolio(sys: System, nid: number): NewFolioFn {
  return allocMigrationTarget(sys, { nid, gfp: __GFP_THISNODE | __GFP_NOWARN });
}
