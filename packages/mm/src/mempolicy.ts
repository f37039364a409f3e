/**
 * Memory policies (mirrors mm/mempolicy.c's modes): where a fault allocates. Default and local
 * use the faulting CPU's node; preferred tries one node first; bind restricts to a node set;
 * interleave spreads pages round robin (by page offset for a VMA policy).
 */
import { KernelError } from '@pagemig/kernel';

/** Default policy: allocate on the faulting CPU's node, fall back by distance. */
export const MPOL_DEFAULT = 0;
/** Try one node first, then fall back by distance. */
export const MPOL_PREFERRED = 1;
/** Allocate only on the given nodes (nearest first); fail rather than fall back. */
export const MPOL_BIND = 2;
/** Spread allocations round robin over the given nodes. */
export const MPOL_INTERLEAVE = 3;
/** Allocate on the faulting CPU's node (like default, explicitly). */
export const MPOL_LOCAL = 4;

/** mbind flag: fail with -EIO when pages violate the policy and cannot be moved. */
export const MPOL_MF_STRICT = 1 << 0;
/** mbind flag: move pages of this process that violate the policy. */
export const MPOL_MF_MOVE = 1 << 1;
/** mbind flag: move shared pages too (needs CAP_SYS_NICE). */
export const MPOL_MF_MOVE_ALL = 1 << 2;

/** Names of the modes as `numa_maps` prints them. */
export const MPOL_NAMES = ['default', 'prefer', 'bind', 'interleave', 'local'] as const;

/** A memory policy. */
export interface MemPolicy {
  readonly mode: number;
  /** Nodes in ascending order (empty for default/local). */
  readonly nodes: readonly number[];
  /** Same set as a lookup table by node id. */
  readonly allowed: readonly boolean[];
}

/** Builds and validates a policy (mirrors `mpol_new()`): errors name the bad value. */
export function mpolNew(mode: number, nodes: readonly number[], nrNodes: number): MemPolicy {
  if (![MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL].includes(mode)) {
    throw new KernelError('EINVAL', `mempolicy mode ${mode} is not accepted: give one of ${MPOL_NAMES.map((n, i) => `${i} (${n})`).join(', ')}`);
  }
  for (const nid of nodes) {
    if (!Number.isInteger(nid) || nid < 0 || nid >= nrNodes) {
      throw new KernelError('EINVAL', `node ${nid} is not accepted: nodes are 0..${nrNodes - 1}`);
    }
  }
  const sorted = [...new Set(nodes)].sort((a, b) => a - b);
  if ((mode === MPOL_DEFAULT || mode === MPOL_LOCAL) && sorted.length > 0) {
    throw new KernelError('EINVAL', `${MPOL_NAMES[mode]} policy takes no nodes, got ${sorted.join(',')}`);
  }
  if ((mode === MPOL_BIND || mode === MPOL_INTERLEAVE || mode === MPOL_PREFERRED) && sorted.length === 0) {
    throw new KernelError('EINVAL', `${MPOL_NAMES[mode]} policy needs at least one node`);
  }
  const allowed = Array.from({ length: nrNodes }, (_, nid) => sorted.includes(nid));
  return { mode, nodes: sorted, allowed };
}

/** The default policy. */
export const DEFAULT_POLICY: MemPolicy = { mode: MPOL_DEFAULT, nodes: [], allowed: [] };

/** `numa_maps` text for a policy (`default`, `bind:0-1`, `interleave:0,2`). */
export function formatMemPolicy(policy: MemPolicy): string {
  const name = MPOL_NAMES[policy.mode] ?? 'default';
  return policy.nodes.length === 0 ? name : `${name}:${formatNodeList(policy.nodes)}`;
}

/** `0-2,5` for [0,1,2,5]. */
export function formatNodeList(nodes: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < nodes.length; ) {
    let j = i;
    while (j + 1 < nodes.length && nodes[j + 1] === nodes[j]! + 1) j++;
    out.push(j === i ? `${nodes[i]}` : `${nodes[i]}-${nodes[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
