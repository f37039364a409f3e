/**
 * A per-device IOMMU model for `dmaMapSgtable()`. Addresses stay identity-mapped (DMA address =
 * physical address); what the model decides is whether physically contiguous neighbouring entries
 * are merged into one DMA segment, as `iommu_dma_map_sg()` may do. Merging can be limited to some
 * directions and made random (seeded), so a test can map the source list merged and the destination
 * list unmerged: the mapped `nents` then differ, which is the case Gregory Price warned dcbm about.
 */
import { KernelError, Prng } from '@pagemig/kernel';

/** How contiguous entries are merged: never, always (up to the max segment size), or by a seeded coin. */
export type IommuMergeMode = 'none' | 'contiguous' | 'random';

/** Configuration of an IOMMU model. */
export interface IommuOptions {
  /** Merge policy (default `none`: one DMA segment per entry, like direct mapping). */
  readonly merge?: IommuMergeMode;
  /** Seed of the coin used by `random` (default 1). */
  readonly seed?: number;
  /** Chance (0..1) that `random` merges a contiguous neighbour (default 0.5). */
  readonly mergeProbability?: number;
  /** Longest merged segment in bytes (default 65536, the kernel's default `dma_get_max_seg_size()`). */
  readonly maxSegmentSize?: number;
  /** Directions in which merging happens (default: all); others map one segment per entry. */
  readonly directions?: readonly number[];
}

/** The IOMMU of one device. */
export interface Iommu {
  readonly merge: IommuMergeMode;
  readonly maxSegmentSize: number;
  readonly mergeProbability: number;
  /** Bit `dir` set when merging applies to that direction. */
  readonly directionMask: number;
  /** The coin of `random` merging (advanced by every mapping). */
  readonly prng: Prng;
  /** Mappings done so far (statistics). */
  mapped: number;
}

const MERGE_MODES: readonly IommuMergeMode[] = ['none', 'contiguous', 'random'];

/** Builds an IOMMU model; throws EINVAL naming the bad option and what is accepted. */
export function createIommu(options: IommuOptions = {}): Iommu {
  const merge = options.merge ?? 'none';
  if (!MERGE_MODES.includes(merge)) {
    throw new KernelError('EINVAL', `iommu: merge ${JSON.stringify(merge)} is unknown; accepted: ${MERGE_MODES.join(', ')}`);
  }
  const maxSegmentSize = options.maxSegmentSize ?? 65536;
  if (!Number.isSafeInteger(maxSegmentSize) || maxSegmentSize < 1) {
    throw new KernelError('EINVAL', `iommu: maxSegmentSize ${String(maxSegmentSize)} is invalid; accepted: an integer >= 1`);
  }
  const mergeProbability = options.mergeProbability ?? 0.5;
  if (!(mergeProbability >= 0 && mergeProbability <= 1)) {
    throw new KernelError('EINVAL', `iommu: mergeProbability ${String(mergeProbability)} is invalid; accepted: a number from 0 to 1`);
  }
  let directionMask = 0b111;
  if (options.directions !== undefined) {
    directionMask = 0;
    for (const dir of options.directions) {
      if (dir !== 0 && dir !== 1 && dir !== 2) {
        throw new KernelError('EINVAL', `iommu: direction ${String(dir)} is invalid; accepted: DMA_BIDIRECTIONAL (0), DMA_TO_DEVICE (1), DMA_FROM_DEVICE (2)`);
      }
      directionMask |= 1 << dir;
    }
  }
  return { merge, maxSegmentSize, mergeProbability, directionMask, prng: new Prng(options.seed ?? 1), mapped: 0 };
}

/**
 * Decides whether a contiguous entry joins the current segment. Called by `dmaMapSgtable()` only for
 * neighbours that are physically contiguous and whose merged length fits the max segment size.
 */
export function iommuShouldMerge(iommu: Iommu, dir: number): boolean {
  if ((iommu.directionMask & (1 << dir)) === 0) return false;
  switch (iommu.merge) {
    case 'none':
      return false;
    case 'contiguous':
      return true;
    case 'random':
      return iommu.prng.float() < iommu.mergeProbability;
  }
}
