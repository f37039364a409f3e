import { describe, expect, it } from 'vitest';
import { DMA_CAP_ALL, DMA_INTERRUPT, DMA_MEMCPY, DMA_MEMCPY_SG, DMA_PRIVATE, dmaCapMask, dmaCapNames, dmaHasCap } from './dma-caps';
import { expectKernelError } from '@pagemig/test-kit';

describe('dma capability masks', () => {
  it('sets and tests bits like dma_cap_set / dma_has_cap', () => {
    const mask = dmaCapMask(DMA_MEMCPY, DMA_PRIVATE);
    expect(dmaHasCap(DMA_MEMCPY, mask)).toBe(true);
    expect(dmaHasCap(DMA_PRIVATE, mask)).toBe(true);
    expect(dmaHasCap(DMA_MEMCPY_SG, mask)).toBe(false);
    expect(dmaHasCap(DMA_INTERRUPT, mask)).toBe(false);
    expect(dmaCapNames(mask)).toBe('DMA_MEMCPY|DMA_PRIVATE');
    expect(dmaCapNames(0)).toBe('none');
    expect(dmaCapNames(DMA_CAP_ALL)).toBe('DMA_MEMCPY|DMA_MEMCPY_SG|DMA_INTERRUPT|DMA_PRIVATE');
  });

  it('rejects unknown capabilities and names the accepted ones', () => {
    expectKernelError(() => dmaCapMask(5), 'EINVAL', '5', 'DMA_MEMCPY (0)', 'DMA_PRIVATE (9)');
  });
});
