/**
 * @pagemig/migrate: `migrate_pages()` with the batch-copy path of the series (patches 1-4),
 * the batch-copy seam that offload plugs into, and the entry points that drive it.
 */
export {
  MigrateEngine,
  createMigrateEngine,
  NR_MAX_BATCHED_MIGRATION,
  NR_MAX_BATCHED_MIGRATION_PUD,
  NR_MAX_MIGRATE_PAGES_RETRY,
  NR_MAX_MIGRATE_ASYNC_RETRY,
  NR_MAX_MIGRATE_SYNC_RETRY,
} from './engine';
export type {
  MigrateEngineConfig,
  MigrateTracepoints,
  MigratePagesStartEvent,
  MigratePagesEvent,
  MigrateFolioEvent,
  BatchCopyStartEvent,
  BatchCopyEndEvent,
  FolioCopyEvent,
} from './engine';
export type {
  BatchCopyFn,
  BatchCopyContext,
  DoBatchFn,
  OffloadHint,
  RetrySemantics,
  BatchingPolicy,
  NewFolioFn,
  PutNewFolioFn,
  MigrateCall,
  MigratePagesStats,
} from './types';
export { migratePages } from './migrate-pages';
export type { MigratePagesResult } from './migrate-pages';
export { isolateFolioForMigration, putbackMovablePages } from './isolate';
export { allocMigrationTarget, allocOnNode, allocMisplacedDstFolio } from './alloc-target';
export type { MigrationTargetControl } from './alloc-target';

// ---- entry points: system calls and kernel callers --------------------------------------------
export {
  /** Width of a user nodemask (64): node ids at or above it are -ENODEV/-EINVAL in the syscalls. */
  MAX_NUMNODES,
  /** "No node" (-1), as `next_demotion_node()` answers for the lowest tier. */
  NUMA_NO_NODE,
} from './numa-nodes';
export {
  /** `move_pages(2)` with kernel semantics: query mode, per-page statuses, runs per target node, partial returns. */
  movePages,
} from './move-pages';
export {
  /** `migrate_pages(2)`: moves a process's pages from old nodes to new ones keeping relative positions. */
  migratePagesSyscall,
  /** The node-by-node moves of `migrate_pages(2)` on one address space (`do_migrate_pages()`), for callers that did their own checks. */
  doMigratePages,
} from './migrate-pages-syscall';
export {
  /** `node_remap()`: where one node goes when a node list is remapped onto another (for `migratepages`). */
  nodeRemap,
  /** The (source, dest) moves `migrate_pages(2)` runs, in order (for `migratepages` and views). */
  migratePagesPairs,
} from './node-remap';
export {
  /** `mbind(2)`: sets a range's memory policy and with MPOL_MF_MOVE(_ALL) migrates misplaced folios. */
  mbind,
  /** The flags `mbind(2)` accepts (STRICT | MOVE | MOVE_ALL). */
  MPOL_MF_VALID,
} from './mbind';
export {
  /** `alloc_migration_target_by_mpol()`: the target callback that places a folio by a memory policy. */
  allocMigrationTargetByMpol,
} from './alloc-by-mpol';
export {
  /** `ptrace_may_access(READ_REALCREDS)` in pagemig's credential model: may `caller` move `target`'s memory. */
  ptraceMayAccessRead,
} from './syscall-target';
export {
  /** `folio_maybe_mapped_shared()`: a folio mapped by more than one process (EACCES / silent skip without MOVE_ALL). */
  folioMaybeMappedShared,
} from './folio-shared';
export {
  /** Tier rank of a node (0 = top: DRAM/HBM; 1 = CXL; 2 = others), for tiering policies and views. */
  nodeTier,
  /** `node_is_toptier()`: promotion targets and `pgpromote_success` accounting. */
  nodeIsToptier,
  /** `next_demotion_node()`: the nearest node of the next lower tier, or NUMA_NO_NODE. */
  nextDemotionNode,
} from './memory-tiers';
export {
  /** `migrate_misplaced_folio()`: NUMA balancing's single-folio ASYNC move after a hinting fault. */
  migrateMisplacedFolio,
  /** Installs NUMA balancing as the system's NUMA hinting fault hook; returns the function that removes it. */
  enableNumaBalancing,
} from './numa-balancing';
export {
  /** Demotes cold folios of a node's inactive LRUs to the next lower tier (MR_DEMOTION). */
  demoteFolios,
} from './demotion';
export {
  /** Compacts one node with a migrate scanner and a free scanner (MR_COMPACTION); reports buddy state before/after. */
  compactNode,
  /** Upstream compaction batch cap (32 base pages), the series' open question 5. */
  COMPACT_CLUSTER_MAX,
} from './compaction';
export type {
  /** Options of `compactNode()` (cluster size, mode, target order). */
  CompactOptions,
  /** What `compactNode()` did (free blocks per order before/after, calls, pages). */
  CompactResult,
} from './compaction';
export {
  /** Memory offline: evacuates a pageblock-aligned range (MR_MEMORY_HOTPLUG) and takes it from the allocator. */
  offlinePages,
  /** Memory online: gives an offline range back to the buddy allocator. */
  onlinePages,
  /** True for a frame taken offline by `offlinePages()` (views, invariants). */
  pageOffline,
} from './memory-hotplug';
