/**
 * `/sys/kernel/mm/migrate_offload/`: the registry as an administrator sees it.
 * - `active` (ro): the active migrator's name, or `none`.
 * - `reason_mask` (rw): V6's reason mask as `compaction,demotion`; writes take a list, `all` or
 *   `none`. An unknown or empty name is rejected (EINVAL, the message names the bad token and
 *   lists the accepted ones) and the old mask stays.
 * - `stats` (ro): `name value` lines of the global counters.
 * - `accounting` (ro): one line per memcg × migrator (see `formatAccountRecord()`).
 */
import type { SysfsTree } from '@pagemig/kernel';
import { formatReasonMask, parseReasonList } from '@pagemig/folio';
import { formatAccountRecord } from './offload-accounting';
import { OFFLOAD_OUTCOMES } from './provenance-ring';
import type { MigrateOffload, MigrateOffloadStats } from './migrate-offload';

/** Where a registry publishes its files. */
export const MIGRATE_OFFLOAD_SYSFS_DIR = '/sys/kernel/mm/migrate_offload';

/** The `stats` file: one `name value` line per counter. */
export function formatOffloadStats(s: MigrateOffloadStats): string {
  const lines = [
    `active ${s.active ?? 'none'}`,
    `reason_mask ${formatReasonMask(s.reasonMask)}`,
    `registered ${s.registered}`,
    `unregistered ${s.unregistered}`,
    `register_failed ${s.registerFailed}`,
    `unregistering ${s.unregistering}`,
    `in_flight ${s.inFlight}`,
    `batches ${s.batches}`,
    `folios ${s.folios}`,
    `bytes ${s.bytes}`,
    ...OFFLOAD_OUTCOMES.map((o) => `${o} ${s.outcomes[o]}`),
    `fallback_batches ${s.fallbackBatches}`,
    `fallback_folios ${s.fallbackFolios}`,
  ];
  return lines.join('\n');
}

function memcgName(offload: MigrateOffload, id: number): string {
  try {
    return offload.sys.memcgs.get(id).name;
  } catch {
    return `#${id}`;
  }
}

/** Creates the registry's sysfs group in `tree`. */
export function createOffloadSysfs(tree: SysfsTree, offload: MigrateOffload): void {
  tree.createGroup(MIGRATE_OFFLOAD_SYSFS_DIR, {
    active: { mode: 'ro', show: () => offload.active?.name ?? 'none' },
    reason_mask: {
      mode: 'rw',
      show: () => formatReasonMask(offload.reasonMask),
      store: (value) => {
        offload.reasonMask = parseReasonList(value);
      },
    },
    stats: { mode: 'ro', show: () => formatOffloadStats(offload.stats()) },
    accounting: {
      mode: 'ro',
      show: () =>
        offload
          .accounting()
          .map((rec) => formatAccountRecord(rec, memcgName(offload, rec.memcg)))
          .join('\n'),
    },
  });
}
