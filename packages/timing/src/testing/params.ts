/**
 * Test support (not exported): round-number parameters whose arithmetic a test can do by hand,
 * and a builder for hand-written event logs.
 */
import {
  EventLog,
  OP_BATCH_END,
  OP_BATCH_START,
  OP_CALL_END,
  OP_CALL_START,
  OP_DMA_COMPLETE,
  OP_DMA_ISSUE,
  OP_DMA_SUBMIT,
  OP_MT_DISPATCH,
  OP_MT_SLICE,
  OP_TLB_FLUSH,
  OP_UNMAP,
} from '../event-log';
import type { TimingParams } from '../timing-params';

/** Round numbers; bandwidths in GB/s = bytes per ns, so 4.096 GB/s moves 4 KiB in 1000 ns. */
export function handParams(over: Partial<TimingParams> = {}): TimingParams {
  return {
    callNs: 1000,
    warmNs: 0,
    warmFolios: 10,
    folioNs: 200,
    pteNs: 10,
    thpNs: 1000,
    unmapShare: 0.5,
    tlbFlushNs: 50,
    tlbIpiNs: 10,
    cpuCopyGBps: 4.096,
    batchNs: 30,
    cores: 64,
    dmaChanNs: 500,
    descSubmitNs: 20,
    issueNs: 5,
    descExecNs: 100,
    dmaPageNs: 0,
    chanGBps: 4.096,
    dmaLanesPerPort: 1,
    dmaPortGBps: 1000,
    ringDepth: 32,
    wakeNs: 70,
    mtDispatchNs: 300,
    mtSliceNs: 40,
    mtThreadGBps: 4.096,
    mtLanesPerPort: 1,
    mtPortGBps: 1000,
    memGBps: 1000,
    ...over,
  };
}

/** One call moving `n` 4 KiB folios with a batch copied on DMA lanes (`perLane[i]` descriptors on lane i). */
export function dmaCallLog(perLane: readonly number[], len = 4096): EventLog {
  const log = new EventLog();
  const n = perLane.reduce((s, x) => s + x, 0);
  log.push(OP_CALL_START, 2, 3);
  log.push(OP_UNMAP, 0, 1, 0, n);
  log.push(OP_TLB_FLUSH, 1, 1);
  log.push(OP_BATCH_START, n, n * len);
  perLane.forEach((k, lane) => {
    log.dmaLane(`dma${lane}chan0`);
    log.push(OP_DMA_SUBMIT, lane, len, 0, k);
  });
  perLane.forEach((k, lane) => log.push(OP_DMA_ISSUE, lane, k));
  perLane.forEach((k, lane) => log.push(OP_DMA_COMPLETE, lane, len, 1, k));
  log.push(OP_BATCH_END, 0, n);
  log.pushMove(0, 1);
  for (let i = 1; i < n; i++) log.pushMove(0, 1);
  log.push(OP_CALL_END, n, 0);
  return log;
}

/** One call moving `n` 4 KiB folios with a batch split over copy threads (`slices[i]` bytes on thread i). */
export function mtCallLog(slices: readonly number[]): EventLog {
  const log = new EventLog();
  const bytes = slices.reduce((s, x) => s + x, 0);
  const n = bytes / 4096;
  log.push(OP_CALL_START, 2, 3);
  log.push(OP_UNMAP, 0, 1, 0, n);
  log.push(OP_TLB_FLUSH, 1, 1);
  log.push(OP_BATCH_START, n, bytes);
  log.push(OP_MT_DISPATCH, slices.length, bytes);
  slices.forEach((b, t) => log.push(OP_MT_SLICE, t, b));
  log.push(OP_BATCH_END, 0, n);
  for (let i = 0; i < n; i++) log.pushMove(0, 1);
  log.push(OP_CALL_END, n, 0);
  return log;
}
