/**
 * Demotion (mirrors reclaim's `demote_folio_list()` with `alloc_demote_folio()`): cold folios
 * of a node's inactive LRU lists move to the nearest node of the next lower memory tier instead
 * of being reclaimed (MR_DEMOTION, MIGRATE_ASYNC). The target is tried alone first, then any
 * lower-tier node; cpusets and memory policies do not apply. Counts `pgdemote_direct` (the
 * caller plays direct reclaim).
 */
import { MIGRATE_ASYNC, MR_DEMOTION, PGF_swapbacked } from '@pagemig/folio';
import {
  FolioList,
  GFP_MIGRATE_THISNODE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  NIL,
  NR_LRU_LISTS,
  __GFP_NOWARN,
} from '@pagemig/mm';
import { allocMigrationTarget } from './alloc-target';
import type { MigrateEngine } from './engine';
import { isolateFolioForMigration, putbackMovablePages } from './isolate';
import { nextDemotionNode, nodeAllowedDemotionTargets } from './memory-tiers';
import { migratePages } from './migrate-pages';
import { NUMA_NO_NODE, nodeHasMemory } from './numa-nodes';
import type { NewFolioFn } from './types';

/** Target callback of demotion (mirrors `alloc_demote_folio()`): the target node, then any lower tier. */
function allocDemoteFolio(eng: MigrateEngine, nid: number, target: number): NewFolioFn {
  const exact = allocMigrationTarget(eng.sys, { nid: target, gfp: GFP_MIGRATE_THISNODE });
  const lower = allocMigrationTarget(eng.sys, { nid: target, gfp: __GFP_NOWARN, nodemask: nodeAllowedDemotionTargets(eng.sys, nid) });
  return (src) => {
    const dst = exact(src);
    return dst !== NIL ? dst : lower(src);
  };
}

/**
 * Demotes up to `nrPages` base pages from the oldest end of node `nid`'s inactive anon and file
 * lists (the folio that reaches the count is included). Resolves to the base pages that moved;
 * 0 when the node is in the lowest tier. Folios that did not move go back to their LRU.
 */
export async function demoteFolios(eng: MigrateEngine, nid: number, nrPages: number): Promise<number> {
  const sys = eng.sys;
  const m = sys.memmap;
  if (!nodeHasMemory(sys, nid) || !(nrPages > 0)) return 0;
  const target = nextDemotionNode(sys, nid);
  if (target === NUMA_NO_NODE) return 0;
  const list = new FolioList(m);
  // pages taken per LRU type, [anon, file]: reclaim accounts NR_ISOLATED_* itself
  const taken = [0, 0];
  for (const lru of [LRU_INACTIVE_ANON, LRU_INACTIVE_FILE]) {
    const lruList = sys.lru.lists[nid * NR_LRU_LISTS + lru]!;
    for (let folio = lruList.first(), next = NIL; folio !== NIL && taken[0]! + taken[1]! < nrPages; folio = next) {
      next = lruList.nextOf(folio);
      const file = (m.flags[folio]! & PGF_swapbacked) === 0 ? 1 : 0;
      if (isolateFolioForMigration(sys, folio, list)) taken[file]! += m.folioNrPages(folio);
    }
  }
  if (list.isEmpty()) return 0;
  const { nrSucceeded } = await migratePages(eng, list, allocDemoteFolio(eng, nid, target), null, {
    mode: MIGRATE_ASYNC,
    reason: MR_DEMOTION,
  });
  // what did not move goes back (putback undoes its own share of NR_ISOLATED_*) ...
  for (let folio = list.first(); folio !== NIL; folio = list.nextOf(folio)) {
    taken[(m.flags[folio]! & PGF_swapbacked) === 0 ? 1 : 0]! -= m.folioNrPages(folio);
  }
  putbackMovablePages(sys, list);
  // ... and the end of shrink_inactive_list() drops the rest (MR_DEMOTION leaves it to the caller)
  sys.lru.nrIsolated[nid * 2]! -= taken[0]!;
  sys.lru.nrIsolated[nid * 2 + 1]! -= taken[1]!;
  sys.vmstat.count('pgdemote_direct', nrSucceeded);
  return nrSucceeded;
}
