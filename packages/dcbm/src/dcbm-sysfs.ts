/**
 * The sysfs group of dcbm. V5 puts it on the module's kobject, so the files are
 * `/sys/module/dcbm/<attr>` next to the module's own `refcnt` and `initstate`:
 *
 * | file              | mode | V5? | meaning                                                        |
 * |-------------------|------|-----|----------------------------------------------------------------|
 * | `offloading`      | rw   | yes | 1 registers the migrator (its error goes to the writer), 0 unregisters (waits for batches in flight) |
 * | `nr_dma_chan`     | rw   | yes | channels per batch, 1..16                                      |
 * | `folios_migrated` | rw   | yes | folios copied by DMA; any write resets it                      |
 * | `folios_failures` | rw   | yes | folios left to the CPU; any write resets it                    |
 * | `min_batch_bytes` | rw   | no  | smaller batches are declined (-EOPNOTSUPP); 0 = never          |
 * | `completion`      | rw   | no  | `each` (per-descriptor tracking) or `last` (V5)                |
 * | `align`           | rw   | no  | 1: split segments the IOMMU merged unevenly instead of -EINVAL |
 * | `timeout_ms`      | rw   | no  | completion timeout per channel (V5: fixed 10000)               |
 * | `aligned_batches` | rw   | no  | batches offloaded after aligning; any write resets it          |
 *
 * Bad input is refused with EINVAL (or ERANGE) and a message naming the value and what is
 * accepted; nothing changes.
 */
import { boolAttribute, counterAttribute, enumAttribute, uintAttribute, type SysfsAttribute } from '@pagemig/kernel';
import { DCBM_COMPLETION_MODES, DCBM_TIMEOUT_MS_MAX, MAX_DMA_CHANNELS, type DcbmCompletion, type DcbmParams } from './dcbm-params';
import type { DcbmStats } from './dcbm-stats';

/** Where the group lives. */
export const DCBM_SYSFS_DIR = '/sys/module/dcbm';

/** What the files read and write. */
export interface DcbmSysfsHost {
  readonly params: Readonly<DcbmParams>;
  readonly counters: DcbmStats;
  readonly offloading: boolean;
  setOffloading(on: boolean): Promise<number>;
  setParam<K extends keyof DcbmParams>(key: K, value: DcbmParams[K]): void;
}

/** The attributes of the group (pass the same object to `createGroup` and `removeGroup`). */
export function dcbmSysfsAttributes(host: DcbmSysfsHost): Record<string, SysfsAttribute> {
  return {
    offloading: boolAttribute({ get: () => host.offloading, set: (on) => host.setOffloading(on) }),
    nr_dma_chan: uintAttribute({ get: () => host.params.nrDmaChan, set: (v) => host.setParam('nrDmaChan', v), min: 1, max: MAX_DMA_CHANNELS }),
    folios_migrated: counterAttribute({
      get: () => host.counters.foliosMigrated,
      reset: () => {
        host.counters.foliosMigrated = 0;
      },
    }),
    folios_failures: counterAttribute({
      get: () => host.counters.foliosFailures,
      reset: () => {
        host.counters.foliosFailures = 0;
      },
    }),
    min_batch_bytes: uintAttribute({ get: () => host.params.minBatchBytes, set: (v) => host.setParam('minBatchBytes', v) }),
    completion: enumAttribute<DcbmCompletion>({
      names: DCBM_COMPLETION_MODES,
      get: () => host.params.completion,
      set: (v) => host.setParam('completion', v),
    }),
    align: boolAttribute({ get: () => host.params.align, set: (v) => host.setParam('align', v) }),
    timeout_ms: uintAttribute({ get: () => host.params.timeoutMs, set: (v) => host.setParam('timeoutMs', v), min: 1, max: DCBM_TIMEOUT_MS_MAX }),
    aligned_batches: counterAttribute({
      get: () => host.counters.alignedBatches,
      reset: () => {
        host.counters.alignedBatches = 0;
      },
    }),
  };
}
