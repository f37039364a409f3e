/**
 * Memory tiers (mirrors mm/memory-tiers.c in its default setup): DRAM and HBM nodes form the
 * top tier, CXL-attached memory the tier below, anything else (PMEM, ...) a tier below that.
 * Demotion goes from a node to the nearest node of the next lower tier
 * (`next_demotion_node()`), promotion is a NUMA-balancing move into the top tier
 * (`node_is_toptier()`).
 */
import type { System } from '@pagemig/mm';
import { NUMA_NO_NODE } from './numa-nodes';

/** Tier rank of a node kind: 0 is the top tier; a larger rank is slower memory [I]. */
const KIND_TIER: Readonly<Record<string, number>> = { DRAM: 0, HBM: 0, CXL: 1 };
/** Rank of kinds not in the table. */
const OTHER_TIER = 2;

/** The tier rank of node `nid` (0 = top tier). */
export function nodeTier(sys: System, nid: number): number {
  const kind = (sys.phys.nodeKind[nid] ?? 'DRAM').toUpperCase();
  return KIND_TIER[kind] ?? OTHER_TIER;
}

/** True for a top-tier node (mirrors `node_is_toptier()`). */
export function nodeIsToptier(sys: System, nid: number): boolean {
  return nodeTier(sys, nid) === 0;
}

/** Every node of a lower tier than `nid`, as a lookup table (mirrors `node_get_allowed_targets()`). */
export function nodeAllowedDemotionTargets(sys: System, nid: number): boolean[] {
  const tier = nodeTier(sys, nid);
  return Array.from({ length: sys.nrNodes }, (_, n) => nodeTier(sys, n) > tier);
}

/**
 * The node `nid` demotes to (mirrors `next_demotion_node()`): the nearest node of the next
 * lower tier (ties go to the lower id, where the kernel picks at random), or NUMA_NO_NODE
 * when `nid` is in the lowest tier.
 */
export function nextDemotionNode(sys: System, nid: number): number {
  const tier = nodeTier(sys, nid);
  let next = Infinity;
  for (let n = 0; n < sys.nrNodes; n++) {
    const t = nodeTier(sys, n);
    if (t > tier && t < next) next = t;
  }
  let best = NUMA_NO_NODE;
  for (let n = 0; n < sys.nrNodes; n++) {
    if (nodeTier(sys, n) !== next) continue;
    if (best === NUMA_NO_NODE || sys.distance[nid]![n]! < sys.distance[nid]![best]!) best = n;
  }
  return best;
}
