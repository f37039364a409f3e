/**
 * dmatest (drivers/dma/dmatest.c): memcpy threads per channel that copy random lengths between
 * random offsets of two patterned buffers and verify every byte of both buffers afterwards.
 * `runDmatest()` takes the module parameters under their kernel names, prints the kernel's lines
 * (mismatches, failed results, per-thread summaries) through `log`, and returns the same facts
 * as a structured result.
 *
 * Differences from the module (all forced by running inside a library call):
 * - `iterations` must be finite (>= 1); there is no `run`/`wait`, the promise is the wait.
 * - Randomness is a seeded PRNG per thread (`seed`), so a run replays exactly.
 * - Polled mode waits with `dmaSyncWait()` using `timeout` (the kernel's is a fixed 5 s).
 * - A channel is terminated after all of its threads ended when any of them failed (the kernel
 *   does it per thread, which can abort a sibling thread's transfer).
 * - Buffers: from `options.alloc(bytes, nid)` if given, else carved from the top of node 0 (sources)
 *   and of the last node (destinations) of `options.phys`, else of the channel device's memory,
 *   else of a small 2-node memory dmatest makes for itself.
 */
import { EINVAL, KernelError, Prng } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import { PhysMem } from '@pagemig/mm';
import { DMA_MEMCPY, dmaCapMask } from './dma-caps';
import type { DmaChan } from './dma-chan';
import type { DmaEngine } from './dma-engine';
import { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, dmaMapSgtable, dmaUnmapSgtable } from './dma-mapping';
import { dmaMapSgtable as _unused } from './dma-mapping';
import { prepDmaMemcpy } from './dma-prep';
import { dmaReleaseChannel, dmaRequestChannel } from './dma-request';
import { DMA_COMPLETE, DMA_CTRL_ACK, DMA_ERROR, DMA_PREP_INTERRUPT, dmaSubmitError } from './dma-status';
import { dmaAsyncIssuePending, dmaengineSubmit, dmaengineTxStatus } from './dma-submit';
import { dmaSyncWait } from './dma-sync-wait';
import { dmaengineTerminateSync } from './dma-terminate';
import { dmatestInitDst, dmatestInitSrc, dmatestVerifyCopy, emptyDataErrors, type DmatestDataErrors } from './dmatest-pattern';
import { sgTableFromRegions } from './scatterlist';
