/**
 * @pagemig/offload: the migrator registry of the batch-copy series (patch 5). It plugs into a
 * migrate engine's batch-copy seam: register/unregister a migrator (static call + static key,
 * owner pinned, SRCU grace period on unregister), dispatch each batch to it or to the CPU
 * default by reason mask and per-caller hint, and account every batch per memcg and migrator.
 */
export {
  /** Creates the registry of one engine; installs `engine.batchCopy`/`engine.doBatch` and the sysfs files. */
  createMigrateOffload,
  /** The registry class (register, unregister, dispatch, policy, accounting). */
  MigrateOffload,
  /** Mirrors `migrate_offload_register()`: kernel spelling for `o.register(m, mask)`. */
  migrateOffloadRegister,
  /** Mirrors `migrate_offload_unregister()`: kernel spelling for `o.unregister(m)`. */
  migrateOffloadUnregister,
} from './migrate-offload';
export type {
  /** Options of `createMigrateOffload()` (sysfs tree, provenance ring size). */
  MigrateOffloadOptions,
  /** Global counters of a registry, as `stats()` returns them. */
  MigrateOffloadStats,
} from './migrate-offload';

export {
  /** `MIGRATOR_NAME_LEN` (32): migrator names are 1..31 characters. */
  MIGRATOR_NAME_LEN,
  /** Names a migrator may not take (`cpu`, `none`): the registry uses them in views. */
  MIGRATOR_RESERVED_NAMES,
  /** Why a name is not accepted (or null): lets a driver check its name before registering. */
  migratorNameProblem,
  /** Why a migrator would be refused with -EINVAL (or null). */
  migratorProblem,
} from './migrator';
export type {
  /** What a copy-offload driver registers (mirrors `struct migrator`). */
  Migrator,
} from './migrator';

export {
  /** The V5 reason set (compaction, syscall, demotion, NUMA misplaced): the default mask. */
  MIGRATE_OFFLOAD_V5_REASONS,
  /** V5 `migrate_offload_do_batch()` as a pure function of key, mask and reason. */
  migrateOffloadReasonAllowed,
  /** The batch-path decision (truth table in reason-policy.ts) as a pure function. */
  offloadDoBatch,
  /** Where a batch at the seam is copied, as a pure function (for views and tests). */
  offloadRoute,
} from './reason-policy';
export type {
  /** `migrator` or the reason a batch stayed on the CPU. */
  OffloadRoute,
} from './reason-policy';

export {
  /** Every batch outcome, in view order. */
  OFFLOAD_OUTCOMES,
  /** Bounded ring of per-batch provenance records (what views read). */
  ProvenanceRing,
} from './provenance-ring';
export type {
  /** What happened to a batch at the seam (`copied`, `declined`, `error`, `key_off`, ...). */
  OffloadOutcome,
  /** Payload of the `migrate_offload_batch` tracepoint. */
  OffloadBatchEvent,
  /** Full per-batch record (backend, rc, folios copied and fallen back, time charged). */
  ProvenanceRecord,
} from './provenance-ring';

export {
  /** The memcg × migrator accounting table (one per registry). */
  OffloadAccounting,
  /** One `accounting` sysfs line for a record. */
  formatAccountRecord,
} from './offload-accounting';
export type {
  /** Batches, folios, bytes, fallbacks and time of one backend for one memcg. */
  OffloadAccountRecord,
} from './offload-accounting';

export {
  /** `/sys/kernel/mm/migrate_offload`: where a registry publishes its files. */
  MIGRATE_OFFLOAD_SYSFS_DIR,
  /** The `stats` sysfs text for a stats snapshot. */
  formatOffloadStats,
} from './offload-sysfs';
