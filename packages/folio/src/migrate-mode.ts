/**
 * Migration modes (`enum migrate_mode`): how hard migration may block.
 *
 * The values and trace strings follow `include/trace/events/migrate.h`, which lists only these
 * three (`MIGRATE_SYNC_NO_COPY` was removed upstream).
 */
import { KernelError } from '@pagemig/kernel';

/** Never block: trylock only, no waiting for writeback; the unmap TLB flush is deferred and batched. */
export const MIGRATE_ASYNC = 0;
/** May block on a folio lock (not for a folio that is not uptodate), but not on writeback. */
export const MIGRATE_SYNC_LIGHT = 1;
/** May block on anything, including writeback. */
export const MIGRATE_SYNC = 2;

/** A migration mode value (`enum migrate_mode`). */
export type MigrateMode = typeof MIGRATE_ASYNC | typeof MIGRATE_SYNC_LIGHT | typeof MIGRATE_SYNC;

/** Mode → trace string, as `mm_migrate_pages` prints it (index = mode). */
export const MIGRATE_MODE_NAMES = ['MIGRATE_ASYNC', 'MIGRATE_SYNC_LIGHT', 'MIGRATE_SYNC'] as const;

/** A mode's trace string (`MIGRATE_ASYNC`, ...). */
export type MigrateModeName = (typeof MIGRATE_MODE_NAMES)[number];

const SHORT_NAMES = ['async', 'sync_light', 'sync'] as const;

/** True when `value` is a valid migration mode (0, 1 or 2). */
export function isMigrateMode(value: unknown): value is MigrateMode {
  return value === MIGRATE_ASYNC || value === MIGRATE_SYNC_LIGHT || value === MIGRATE_SYNC;
}

/** The trace string of `mode`; RangeError for a value that is not a mode. */
export function migrateModeName(mode: MigrateMode): MigrateModeName {
  if (!isMigrateMode(mode)) throw new RangeError(`migrateModeName: ${String(mode)} is not a migrate mode (0..2)`);
  return MIGRATE_MODE_NAMES[mode];
}

/**
 * Parses a mode from its trace string (`MIGRATE_SYNC_LIGHT`) or short name (`sync_light`), exact
 * spelling, surrounding whitespace ignored. Anything else throws `KernelError('EINVAL')` naming the
 * input and listing the six accepted spellings.
 */
export function parseMigrateMode(text: string): MigrateMode {
  const token = typeof text === 'string' ? text.trim() : '';
  for (let mode = 0; mode < MIGRATE_MODE_NAMES.length; mode++) {
    if (token === MIGRATE_MODE_NAMES[mode] || token === SHORT_NAMES[mode]) return mode as MigrateMode;
  }
  throw new KernelError(
    'EINVAL',
    `parseMigrateMode: unknown migrate mode ${JSON.stringify(text)}; accepted: ` +
      `${[...SHORT_NAMES, ...MIGRATE_MODE_NAMES].join(', ')}`,
  );
}
