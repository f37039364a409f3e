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
