/**
 * NUMA balancing's migration (mirrors `migrate_misplaced_folio_prepare()` and
 * `migrate_misplaced_folio()`): a NUMA hinting fault found a folio on another node than the CPU
 * that touched it, so the folio moves there, alone (a single-folio list, MIGRATE_ASYNC,
 * MR_NUMA_MISPLACED, the exact node, never split). Counts `numa_page_migrate`, and
 * `pgpromote_success` when the move goes from a lower tier into the top tier (memory tiering
 * mode, which pagemig always runs in).
 */
import { HPAGE_PMD_ORDER, MIGRATE_ASYNC, MR_NUMA_MISPLACED, PGF_dirty, PGF_hugetlb, PGF_movable_ops, PGF_swapbacked } from '@pagemig/folio';
import { FolioList, VM_EXEC } from '@pagemig/mm';
import { allocMisplacedDstFolio } from './alloc-target';
import type { MigrateEngine } from './engine';
import { folioMaybeMappedShared } from './folio-shared';
import { isolateFolioForMigration, putbackMovablePages } from './isolate';
import { nodeIsToptier } from './memory-tiers';
import { migratePages } from './migrate-pages';
import { nodeHasMemory } from './numa-nodes';

/**
 * True when node `nid` has room for `nrPages` more above its high watermark (mirrors
 * `migrate_balanced_pgdat()`); pagemig has no watermarks, so the high watermark is taken as
 * 1/256 of the node [I].
 */
export function migrateBalancedPgdat(eng: MigrateEngine, nid: number, nrPages: number): boolean {
  const zone = eng.sys.zones[nid]!;
  return zone.nrFreePages >= nrPages + Math.ceil(zone.nrPages / 256);
}

/**
 * Whether `folio` may be taken for a NUMA move to `nid` (mirrors
 * `migrate_misplaced_folio_prepare()` minus the isolation): not a shared executable file folio
 * (a library), not a dirty file folio (ASYNC could not move it), not a THP mapped more than once,
 * and not onto a node that is nearly full.
 */
function misplacedFolioMovable(eng: MigrateEngine, folio: number, nid: number): boolean {
  const sys = eng.sys;
  const m = sys.memmap;
  const flags = m.flags[folio]!;
  if ((flags & (PGF_hugetlb | PGF_movable_ops)) !== 0) return false;
  if ((flags & PGF_swapbacked) === 0) {
    const exec = sys.rmap.walk(folio).some((hit) => (hit.vma.flags & VM_EXEC) !== 0);
    if (exec && folioMaybeMappedShared(sys, folio)) return false;
    if ((flags & PGF_dirty) !== 0) return false;
  }
  if (m.folioOrder(folio) >= HPAGE_PMD_ORDER && m.folioMapcount(folio) > 1) return false;
  return migrateBalancedPgdat(eng, nid, m.folioNrPages(folio));
}

/**
 * Moves `folio` (a head PFN) to node `nid` after a NUMA hinting fault (mirrors
 * `migrate_misplaced_folio()`). Resolves to true when it moved.
 */
export async function migrateMisplacedFolio(eng: MigrateEngine, folio: number, nid: number): Promise<boolean> {
  const sys = eng.sys;
  const m = sys.memmap;
  if (!nodeHasMemory(sys, nid) || !sys.phys.pfnValid(folio) || m.compoundHead(folio) !== folio) return false;
  const srcNid = sys.phys.pfnToNid(folio);
  if (srcNid === nid || m.refcount[folio]! <= 0 || !misplacedFolioMovable(eng, folio, nid)) return false;
  const list = new FolioList(m);
  if (!isolateFolioForMigration(sys, folio, list)) return false;
  const memcg = m.memcg[folio]!;
  const { rc, nrSucceeded } = await migratePages(eng, list, allocMisplacedDstFolio(sys, nid), null, {
    mode: MIGRATE_ASYNC,
    reason: MR_NUMA_MISPLACED,
    memcg,
  });
  if (!list.isEmpty()) putbackMovablePages(sys, list);
  if (nrSucceeded > 0) {
    sys.vmstat.count('numa_page_migrate', nrSucceeded);
    if (!nodeIsToptier(sys, srcNid) && nodeIsToptier(sys, nid)) sys.vmstat.count('pgpromote_success', nrSucceeded);
  }
  return rc === 0 && nrSucceeded > 0;
}

/**
 * Turns NUMA balancing on for the engine's system: NUMA hinting faults
 * (`System.numaHintingFault()`) migrate the folio towards the faulting CPU's node. Returns a
 * function that turns it off again (restoring the previous hook).
 */
export function enableNumaBalancing(eng: MigrateEngine): () => void {
  const hooks = eng.sys.hooks;
  const previous = hooks.numaMisplaced;
  const hook = async (_task: unknown, folio: number, nid: number): Promise<void> => {
    await migrateMisplacedFolio(eng, folio, nid);
  };
  hooks.numaMisplaced = hook;
  return () => {
    if (hooks.numaMisplaced !== hook) return;
    if (previous === undefined) delete hooks.numaMisplaced;
    else hooks.numaMisplaced = previous;
  };
}
