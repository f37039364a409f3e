/**
 * NUMA node ids as the system calls see them: `MAX_NUMNODES` (the width of a user nodemask),
 * `NUMA_NO_NODE`, the `N_MEMORY` state of a node, and node lists as sorted sets.
 */
import type { System } from '@pagemig/mm';

/** Nodes a nodemask can name (x86-64 `CONFIG_NODES_SHIFT` = 6): ids at or above fail with -ENODEV/-EINVAL. */
export const MAX_NUMNODES = 64;

/** No node (`NUMA_NO_NODE`). */
export const NUMA_NO_NODE = -1;

/**
 * True when `nid` is a node with memory (mirrors `node_state(nid, N_MEMORY)`). Every configured
 * node of a pagemig system has memory (at least 4 MiB); ids beyond them name no node.
 */
export function nodeHasMemory(sys: System, nid: number): boolean {
  return Number.isInteger(nid) && nid >= 0 && nid < sys.nrNodes;
}

/** A node list as a sorted set without duplicates (a nodemask's set bits in order). */
export function nodeSet(nodes: readonly number[]): number[] {
  return [...new Set(nodes)].sort((a, b) => a - b);
}

/** Lookup table by node id (`true` for members) over `nrNodes` ids. */
export function nodemaskOf(nodes: readonly number[], nrNodes: number): boolean[] {
  const mask = new Array<boolean>(nrNodes).fill(false);
  for (const nid of nodes) if (nid >= 0 && nid < nrNodes) mask[nid] = true;
  return mask;
}
