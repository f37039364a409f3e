/**
 * The tunables of dcbm and their limits: the V5 driver's `nr_dma_chan` (1..`MAX_DMA_CHANNELS`)
 * and its fixed 10 s completion timeout, plus what pagemig adds on top (completion tracking mode,
 * IOMMU segment alignment, the batch-size threshold of the series' open question 6, and the
 * timeout made configurable for tests). Validation lives here so the constructor, the typed
 * setters and the sysfs files refuse the same values with the same messages.
 */
import { KernelError } from '@pagemig/kernel';

/** Most channels one batch uses (mirrors the driver's `MAX_DMA_CHANNELS`). */
export const MAX_DMA_CHANNELS = 16;

/** The V5 driver's completion timeout per channel, in milliseconds (`msecs_to_jiffies(10000)`). */
export const DCBM_TIMEOUT_MS = 10_000;

/** Longest timeout accepted for `timeout_ms` (one hour). */
export const DCBM_TIMEOUT_MS_MAX = 3_600_000;

/**
 * How the driver learns that a channel finished:
 * - `each` (default): every descriptor reports its result and residue; the batch (or, with V6
 *   semantics, each folio) counts as copied only when all of its descriptors completed cleanly.
 * - `last` (V5): only the last descriptor of a channel carries `DMA_PREP_INTERRUPT` and a
 *   callback, and the driver trusts that it completes last; wrong on engines that complete out
 *   of order (Karim Manaouil's review of V5).
 */
export type DcbmCompletion = 'each' | 'last';

/** The accepted completion modes, in display order. */
export const DCBM_COMPLETION_MODES: readonly DcbmCompletion[] = ['each', 'last'];

/** The tunables, as `createDcbm()` takes them and the sysfs files show them. */
export interface DcbmParams {
  /** Channels requested per batch, 1..16 (`nr_dma_chan`, default 1). */
  nrDmaChan: number;
  /** Completion tracking (`completion`, default `each`). */
  completion: DcbmCompletion;
  /** Split DMA segments so both sides line up when the IOMMU merged them unevenly (`align`, default false). */
  align: boolean;
  /** Batches smaller than this many bytes are declined with -EOPNOTSUPP (`min_batch_bytes`, default 0). */
  minBatchBytes: number;
  /** Completion timeout per channel in ms (`timeout_ms`, default 10000). */
  timeoutMs: number;
}

/** The defaults: the V5 driver's behaviour except for `completion` (`each`). */
export const DCBM_DEFAULT_PARAMS: Readonly<DcbmParams> = {
  nrDmaChan: 1,
  completion: 'each',
  align: false,
  minBatchBytes: 0,
  timeoutMs: DCBM_TIMEOUT_MS,
};

function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new KernelError('EINVAL', `dcbm: ${name} ${String(value)} is not accepted; accepted: an integer from ${min} to ${max}`);
  }
  return value;
}

/** Checks one parameter; returns it or throws KernelError EINVAL naming the value and the accepted range. */
export function checkDcbmParam<K extends keyof DcbmParams>(key: K, value: unknown): DcbmParams[K] {
  switch (key) {
    case 'nrDmaChan':
      return integerIn('nr_dma_chan', value, 1, MAX_DMA_CHANNELS) as DcbmParams[K];
    case 'minBatchBytes':
      return integerIn('min_batch_bytes', value, 0, 0xffff_ffff) as DcbmParams[K];
    case 'timeoutMs':
      return integerIn('timeout_ms', value, 1, DCBM_TIMEOUT_MS_MAX) as DcbmParams[K];
    case 'align':
      if (typeof value !== 'boolean') {
        throw new KernelError('EINVAL', `dcbm: align ${String(value)} is not accepted; accepted: true or false`);
      }
      return value as DcbmParams[K];
    case 'completion':
      if (!DCBM_COMPLETION_MODES.includes(value as DcbmCompletion)) {
        throw new KernelError('EINVAL', `dcbm: completion ${JSON.stringify(value)} is not accepted; accepted: ${DCBM_COMPLETION_MODES.join(', ')}`);
      }
      return value as DcbmParams[K];
    default:
      throw new KernelError('EINVAL', `dcbm: parameter ${String(key)} is unknown; accepted: nrDmaChan, completion, align, minBatchBytes, timeoutMs`);
  }
}

/** The full parameter set from partial user input: defaults filled in, every given value checked. */
export function resolveDcbmParams(input: { [K in keyof DcbmParams]?: DcbmParams[K] | undefined } = {}): DcbmParams {
  const out: DcbmParams = { ...DCBM_DEFAULT_PARAMS };
  for (const key of Object.keys(input) as (keyof DcbmParams)[]) {
    const value = input[key];
    if (value === undefined) continue;
    (out as unknown as Record<string, unknown>)[key] = checkDcbmParam(key, value);
  }
  return out;
}
