/**
 * Migration reasons (`enum migrate_reason`): who asked for the migration.
 *
 * Values and trace strings follow `include/trace/events/migrate.h` and `migrate_reason_names[]`
 * in mm/debug.c. The series decides by reason whether a batch goes to the copy offload
 * (V5 `migrate_offload_do_batch`, V6 `reason_mask`, see reason-mask.ts).
 */
import { KernelError } from '@pagemig/kernel';

/** Memory compaction (kcompactd, direct compaction, proactive compaction). */
export const MR_COMPACTION = 0;
/** Soft-offlining a page with a memory error. */
export const MR_MEMORY_FAILURE = 1;
/** Memory hot-remove: evacuating a range before offlining it. */
export const MR_MEMORY_HOTPLUG = 2;
/** `move_pages(2)`, `migrate_pages(2)` or cpuset migration (trace string `syscall_or_cpuset`). */
export const MR_SYSCALL = 3;
/** `mbind(2)` with MPOL_MF_MOVE. */
export const MR_MEMPOLICY_MBIND = 4;
/** NUMA balancing moving a folio to the node that faults on it (promotion included). */
export const MR_NUMA_MISPLACED = 5;
/** `alloc_contig_range()` (CMA, gigantic pages). */
export const MR_CONTIG_RANGE = 6;
/** Moving a folio out of ZONE_MOVABLE/CMA before a long-term pin. */
export const MR_LONGTERM_PIN = 7;
/** Memory tiering: demoting cold folios to a slower node. */
export const MR_DEMOTION = 8;
/** DAMON-driven migration (DAMOS_MIGRATE_HOT/COLD). */
export const MR_DAMON = 9;
/** Number of reasons (`MR_TYPES`): valid reasons are `0..MR_TYPES-1`. */
export const MR_TYPES = 10;

/** A migration reason value (`enum migrate_reason`, without `MR_TYPES`). */
export type MigrateReason =
  | typeof MR_COMPACTION
  | typeof MR_MEMORY_FAILURE
  | typeof MR_MEMORY_HOTPLUG
  | typeof MR_SYSCALL
  | typeof MR_MEMPOLICY_MBIND
  | typeof MR_NUMA_MISPLACED
  | typeof MR_CONTIG_RANGE
  | typeof MR_LONGTERM_PIN
  | typeof MR_DEMOTION
  | typeof MR_DAMON;

/** Reason → trace string (`migrate_reason_names[]`, index = reason). */
export const MIGRATE_REASON_NAMES = [
  'compaction',
  'memory_failure',
  'memory_hotplug',
  'syscall_or_cpuset',
  'mempolicy_mbind',
  'numa_misplaced',
  'contig_range',
  'longterm_pin',
  'demotion',
  'damon',
] as const;

/** A reason's trace string (`compaction`, `demotion`, ...). */
export type MigrateReasonName = (typeof MIGRATE_REASON_NAMES)[number];

/** True when `value` is a valid reason (an integer in `0..MR_TYPES-1`). */
export function isMigrateReason(value: unknown): value is MigrateReason {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < MR_TYPES;
}

/** The trace string of `reason`; RangeError for a value that is not a reason. */
export function migrateReasonName(reason: MigrateReason): MigrateReasonName {
  if (!isMigrateReason(reason)) {
    throw new RangeError(`migrateReasonName: ${String(reason)} is not a migrate reason (0..${MR_TYPES - 1})`);
  }
  return MIGRATE_REASON_NAMES[reason];
}

/** The reason whose trace string is `name` exactly, or -1. */
export function migrateReasonByName(name: string): MigrateReason | -1 {
  return MIGRATE_REASON_NAMES.indexOf(name as MigrateReasonName) as MigrateReason | -1;
}

/**
 * Parses one reason from its trace string (`demotion`), exact spelling, surrounding whitespace
 * ignored. Anything else throws `KernelError('EINVAL')` naming the input and listing every name.
 */
export function parseMigrateReason(text: string): MigrateReason {
  const reason = typeof text === 'string' ? migrateReasonByName(text.trim()) : -1;
  if (reason === -1) {
    throw new KernelError(
      'EINVAL',
      `parseMigrateReason: unknown migrate reason ${JSON.stringify(text)}; accepted: ${MIGRATE_REASON_NAMES.join(', ')}`,
    );
  }
  return reason;
}
