/**
 * Reason masks (V6 `reason_mask`): which migration reasons a copy offload serves.
 *
 * A mask is a plain number with bit `1 << reason` set for each reason, so the per-batch check
 * `reasonMaskHas(mask, reason)` is one shift and one AND. The text form is what the sysfs file and
 * the CLI read and write: `compaction,demotion`, `all`, `none`.
 */
import { KernelError } from '@pagemig/kernel';
import { MIGRATE_REASON_NAMES, MR_TYPES, isMigrateReason, migrateReasonByName } from './migrate-reason';
import type { MigrateReason } from './migrate-reason';

/** The empty mask: no reason is offloaded. */
export const REASON_MASK_NONE = 0;
/** Every reason `0..MR_TYPES-1` (0x3ff). */
export const REASON_MASK_ALL = (1 << MR_TYPES) - 1;

/** The mask with exactly `reasons` set (duplicates allowed); RangeError for a value that is not a reason. */
export function reasonMaskOf(...reasons: MigrateReason[]): number {
  let mask = 0;
  for (const reason of reasons) {
    if (!isMigrateReason(reason)) {
      throw new RangeError(`reasonMaskOf: ${String(reason)} is not a migrate reason (0..${MR_TYPES - 1})`);
    }
    mask |= 1 << reason;
  }
  return mask;
}

/** True when `mask` includes `reason`. Hot-path check, no validation (V6 `migrate_should_offload()`). */
export function reasonMaskHas(mask: number, reason: MigrateReason): boolean {
  return ((mask >>> reason) & 1) !== 0;
}

/** True when `mask` is an integer using only the bits of `REASON_MASK_ALL`. */
export function isReasonMask(mask: unknown): mask is number {
  return typeof mask === 'number' && Number.isInteger(mask) && mask >= 0 && (mask & ~REASON_MASK_ALL) === 0;
}

const REASON_LIST_ACCEPTED =
  `accepted: a comma-separated list of ${MIGRATE_REASON_NAMES.join(', ')}; ` + 'or all; or none';

function listError(text: string, what: string): KernelError {
  return new KernelError('EINVAL', `parseReasonList: ${what} in ${JSON.stringify(text)}; ${REASON_LIST_ACCEPTED}`);
}

/**
 * Parses a reason list into a mask: `compaction,demotion` (comma-separated trace names, exact
 * spelling, whitespace around names and a trailing newline ignored, duplicates harmless), `all`
 * or `none`. `all` and `none` stand alone. An empty string, an empty item (`a,,b`, `a,`) and an
 * unknown name throw `KernelError('EINVAL')` naming the bad token and listing every accepted name;
 * use `none` to clear a mask, so an accidental empty write never disables the offload.
 */
export function parseReasonList(text: string): number {
  if (typeof text !== 'string') throw listError(String(text), `expected a string, got ${typeof text}`);
  const trimmed = text.trim();
  if (trimmed === '') throw listError(text, 'empty reason list (write "none" to clear the mask)');
  if (trimmed === 'all') return REASON_MASK_ALL;
  if (trimmed === 'none') return REASON_MASK_NONE;
  let mask = 0;
  for (const raw of trimmed.split(',')) {
    const token = raw.trim();
    if (token === '') throw listError(text, 'empty reason name');
    if (token === 'all' || token === 'none') throw listError(text, `"${token}" must stand alone`);
    const reason = migrateReasonByName(token);
    if (reason === -1) throw listError(text, `unknown migrate reason ${JSON.stringify(token)}`);
    mask |= 1 << reason;
  }
  return mask;
}

/**
 * Formats a mask as its reasons' trace names in enum order (`compaction,demotion`), `none` for 0.
 * A full mask prints the explicit list, not `all`, so a reader sees exactly which reasons are on.
 * `parseReasonList(formatReasonMask(m)) === m` for every valid mask; RangeError for bits ≥ MR_TYPES.
 */
export function formatReasonMask(mask: number): string {
  if (!isReasonMask(mask)) {
    throw new RangeError(`formatReasonMask: ${String(mask)} is not a reason mask (0..0x${REASON_MASK_ALL.toString(16)})`);
  }
  if (mask === 0) return 'none';
  const names: string[] = [];
  for (let reason = 0; reason < MR_TYPES; reason++) {
    if ((mask & (1 << reason)) !== 0) names.push(MIGRATE_REASON_NAMES[reason]!);
  }
  return names.join(',');
}
