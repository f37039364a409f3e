/**
 * The offload policy as pure functions of (static key, reason mask, batching policy, reason,
 * hint): whether `migrate_pages_batch()` takes the batch path at all (`offloadDoBatch`, installed
 * as the engine's `doBatch`), and where a batch that reached the seam is copied (`offloadRoute`).
 *
 * Truth table (`keyOn` = a migrator is registered, `allowed` = the reason is in the mask):
 *
 * | hint    | keyOn | allowed | doBatch                  | route of a batch           |
 * |---------|-------|---------|--------------------------|----------------------------|
 * | never   |   –   |    –    | false                    | `hint_never` (CPU)         |
 * | prefer  | yes   |    –    | true                     | migrator                   |
 * | default | yes   | yes     | true                     | migrator                   |
 * | default | yes   | no      | batchingPolicy==='always'| `reason_filtered` (CPU)    |
 * | any     | no    |    –    | batchingPolicy==='always'| `key_off` (CPU)            |
 *
 * `prefer` overrides the reason filter (a caller that knows the offload pays off, or needs it,
 * as in D. Rientjes' confidential-computing case); `never` keeps the call on the CPU path even
 * with `batchingPolicy` `always` (a latency-sensitive caller, D. Hildenbrand's "handful of
 * folios"). The route is re-evaluated at dispatch time, because `doBatch` is sampled once per
 * `migratePagesBatch()` call and the key or mask may change before the batch reaches the seam.
 */
import {
  MR_COMPACTION,
  MR_DEMOTION,
  MR_NUMA_MISPLACED,
  MR_SYSCALL,
  reasonMaskHas,
  reasonMaskOf,
  type MigrateReason,
} from '@pagemig/folio';
import type { BatchingPolicy, OffloadHint } from '@pagemig/migrate';

/** The reasons V5's `migrate_offload_do_batch()` offloads: compaction, syscall, demotion, NUMA misplaced. */
export const MIGRATE_OFFLOAD_V5_REASONS = reasonMaskOf(MR_COMPACTION, MR_SYSCALL, MR_DEMOTION, MR_NUMA_MISPLACED);

/** Where a batch that reached the seam is copied: by the migrator, or by the CPU and why. */
export type OffloadRoute = 'migrator' | 'key_off' | 'reason_filtered' | 'hint_never';

/**
 * Mirrors V5 `migrate_offload_do_batch()` with V6's runtime mask: false while the key is off,
 * else whether `reason` is in `reasonMask`.
 */
export function migrateOffloadReasonAllowed(keyOn: boolean, reasonMask: number, reason: MigrateReason): boolean {
  return keyOn && reasonMaskHas(reasonMask, reason);
}

/** Whether a `migratePagesBatch()` call takes the batch path (the table's `doBatch` column). */
export function offloadDoBatch(
  keyOn: boolean,
  reasonMask: number,
  batchingPolicy: BatchingPolicy,
  reason: MigrateReason,
  hint: OffloadHint,
): boolean {
  if (hint === 'never') return false;
  if (keyOn && (hint === 'prefer' || reasonMaskHas(reasonMask, reason))) return true;
  return batchingPolicy === 'always';
}

/** Where a batch is copied (the table's route column); checked in this order: hint, key, reason. */
export function offloadRoute(keyOn: boolean, reasonMask: number, reason: MigrateReason, hint: OffloadHint): OffloadRoute {
  if (hint === 'never') return 'hint_never';
  if (!keyOn) return 'key_off';
  if (hint !== 'prefer' && !reasonMaskHas(reasonMask, reason)) return 'reason_filtered';
  return 'migrator';
}
