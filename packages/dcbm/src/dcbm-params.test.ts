import { describe, expect, it } from 'vitest';
import { expectKernelError } from '@pagemig/test-kit';
import { DCBM_DEFAULT_PARAMS, checkDcbmParam, resolveDcbmParams } from './dcbm-params';

describe('dcbm parameters', () => {
  it('defaults to the V5 driver except for per-descriptor completion', () => {
    expect(resolveDcbmParams()).toEqual({ nrDmaChan: 1, completion: 'each', align: false, minBatchBytes: 0, timeoutMs: 10_000 });
    expect(resolveDcbmParams({ nrDmaChan: 16, completion: 'last', timeoutMs: undefined })).toEqual({ ...DCBM_DEFAULT_PARAMS, nrDmaChan: 16, completion: 'last' });
  });

  it.each([
    ['nrDmaChan', 0, 'nr_dma_chan 0 is not accepted; accepted: an integer from 1 to 16'],
    ['nrDmaChan', 17, 'from 1 to 16'],
    ['nrDmaChan', 1.5, 'nr_dma_chan 1.5'],
    ['minBatchBytes', -1, 'min_batch_bytes -1'],
    ['timeoutMs', 0, 'timeout_ms 0 is not accepted; accepted: an integer from 1 to 3600000'],
    ['align', 1, 'accepted: true or false'],
    ['completion', 'first', 'accepted: each, last'],
    ['bogus', 1, 'parameter bogus is unknown'],
  ] as const)('refuses %s = %s with EINVAL and says what is accepted', (key, value, fragment) => {
    expectKernelError(() => checkDcbmParam(key as never, value), 'EINVAL', fragment);
  });

  it('refuses unknown keys in a partial set', () => {
    expectKernelError(() => resolveDcbmParams({ nr_dma_chan: 2 } as never), 'EINVAL', 'unknown');
  });
});
