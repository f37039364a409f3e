import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_NONE, DMA_TO_DEVICE, dmaMapSgtable, dmaUnmapSgtable } from './dma-mapping';
import { createIommu } from './iommu';
import { sgAllocTable, sgSetBuf, sgTableBytes, sgTableFromRegions, type SgTable } from './scatterlist';
import { expectKernelError } from '@pagemig/test-kit';

const PAGE = 4096;

/** n contiguous 4 KiB pages starting at `base`, then a gap, then `m` more contiguous pages. */
function twoRuns(base: number, n: number, m: number): SgTable {
  const regions = [];
  for (let i = 0; i < n; i++) regions.push({ addr: base + i * PAGE, length: PAGE });
  for (let i = 0; i < m; i++) regions.push({ addr: base + (n + 10 + i) * PAGE, length: PAGE });
  return sgTableFromRegions(regions);
}

function segments(sgt: SgTable): [number, number][] {
  return Array.from({ length: sgt.nents }, (_, i) => [sgt.dmaAddress[i] as number, sgt.dmaLength[i] as number]);
}

describe('dmaMapSgtable', () => {
  it('maps one identity segment per entry without an IOMMU or with merge none', () => {
    for (const dev of [{}, { iommu: createIommu({ merge: 'none' }) }]) {
      const sgt = twoRuns(0x10000, 4, 2);
      expect(dmaMapSgtable(dev, sgt, DMA_TO_DEVICE)).toBe(0);
      expect(sgt.nents).toBe(6);
      expect(segments(sgt)[1]).toEqual([0x10000 + PAGE, PAGE]);
      expect(sgt.dir).toBe(DMA_TO_DEVICE);
    }
  });

  it('merges physically contiguous entries, keeping identity addresses and the max segment size', () => {
    const dev = { iommu: createIommu({ merge: 'contiguous', maxSegmentSize: 3 * PAGE }) };
    const sgt = twoRuns(0x10000, 4, 2);
    expect(dmaMapSgtable(dev, sgt, DMA_FROM_DEVICE)).toBe(0);
    expect(segments(sgt)).toEqual([
      [0x10000, 3 * PAGE],
      [0x10000 + 3 * PAGE, PAGE],
      [0x10000 + 14 * PAGE, 2 * PAGE],
    ]);
  });

  it('can merge the source side and not the destination side, so nents differ', () => {
    const dev = { iommu: createIommu({ merge: 'contiguous', directions: [DMA_TO_DEVICE] }) };
    const src = twoRuns(0x100000, 8, 0);
    const dst = twoRuns(0x900000, 8, 0);
    expect(dmaMapSgtable(dev, src, DMA_TO_DEVICE)).toBe(0);
    expect(dmaMapSgtable(dev, dst, DMA_FROM_DEVICE)).toBe(0);
    expect(src.nents).toBe(1);
    expect(dst.nents).toBe(8);
  });

  it('random merging is seeded: same seed, same segments', () => {
    const run = (seed: number) => {
      const dev = { iommu: createIommu({ merge: 'random', seed }) };
      const sgt = twoRuns(0, 12, 0);
      dmaMapSgtable(dev, sgt, DMA_BIDIRECTIONAL);
      return segments(sgt);
    };
    expect(run(7)).toEqual(run(7));
    const counts = new Set([1, 2, 3, 4, 5, 6].map((s) => run(s).length));
    expect(counts.size).toBeGreaterThan(1);
  });

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 40 }), fc.integer()])(
    'mapped segments cover exactly the entries, in order, never longer than the max segment',
    (shape, seed) => {
      // Build entries that are sometimes contiguous (gap 0) and sometimes not.
      const sgt = sgAllocTable(shape.length);
      let addr = 0x4000;
      shape.forEach(([gap, pages], i) => {
        addr += gap * PAGE;
        sgSetBuf(sgt, i, addr, pages * PAGE);
        addr += pages * PAGE;
      });
      const dev = { iommu: createIommu({ merge: 'random', seed, maxSegmentSize: 5 * PAGE }) };
      expect(dmaMapSgtable(dev, sgt, DMA_TO_DEVICE)).toBe(0);
      let total = 0;
      let e = 0;
      for (let s = 0; s < sgt.nents; s++) {
        const segLen = sgt.dmaLength[s] as number;
        expect(sgt.dmaAddress[s]).toBe(sgt.addr[e]);
        let covered = 0;
        let entries = 0;
        while (covered < segLen) {
          if (entries > 0) expect(sgt.addr[e]).toBe((sgt.addr[e - 1] as number) + (sgt.length[e - 1] as number));
          covered += sgt.length[e++] as number;
          entries++;
        }
        expect(covered).toBe(segLen);
        if (entries > 1) expect(segLen).toBeLessThanOrEqual(5 * PAGE);
        total += segLen;
      }
      expect(e).toBe(sgt.origNents);
      expect(total).toBe(sgTableBytes(sgt));
    },
  );

  it('unmaps only what is mapped, in the same direction', () => {
    const dev = {};
    const sgt = twoRuns(0, 2, 0);
    expect(dmaUnmapSgtable(dev, sgt, DMA_TO_DEVICE)).toBe(-22);
    expect(dmaMapSgtable(dev, sgt, DMA_TO_DEVICE)).toBe(0);
    expect(dmaMapSgtable(dev, sgt, DMA_TO_DEVICE)).toBe(-22);
    expect(dmaUnmapSgtable(dev, sgt, DMA_FROM_DEVICE)).toBe(-22);
    expect(dmaUnmapSgtable(dev, sgt, DMA_TO_DEVICE)).toBe(0);
    expect(sgt.nents).toBe(0);
    expect(sgt.dir).toBe(DMA_NONE);
    expect(dmaMapSgtable(dev, sgt, DMA_NONE)).toBe(-22);
  });

  it('rejects bad tables and IOMMU options with the accepted values', () => {
    expectKernelError(() => sgAllocTable(0), 'EINVAL', 'accepted');
    expectKernelError(() => sgSetBuf(sgAllocTable(1), 1, 0, 1), 'EINVAL', 'entry 1');
    expectKernelError(() => createIommu({ merge: 'always' as never }), 'EINVAL', 'always', 'none, contiguous, random');
    expectKernelError(() => createIommu({ directions: [3] }), 'EINVAL', 'DMA_TO_DEVICE');
    expectKernelError(() => createIommu({ maxSegmentSize: 0 }), 'EINVAL', 'maxSegmentSize');
  });
});
