import { afterEach, describe, expect, it } from 'vitest';
import { SysfsTree, TraceRegistry } from '@pagemig/kernel';
import { DMA_INTERRUPT, DMA_MEMCPY, DMA_MEMCPY_SG, dmaCapMask } from './dma-caps';
import type { DmaChan } from './dma-chan';
import { DmaEngine } from './dma-engine';
import { DMA_FROM_DEVICE, DMA_TO_DEVICE, dmaMapSgtable } from './dma-mapping';
import { prepDmaMemcpy, prepDmaMemcpySg } from './dma-prep';
import { dmaReleaseChannel, dmaRequestChanByMask } from './dma-request';
import {
  DMA_COMPLETE,
  DMA_CTRL_ACK,
  DMA_ERROR,
  DMA_IN_PROGRESS,
  DMA_PAUSED,
  DMA_PREP_INTERRUPT,
  DMA_TRANS_NOERROR,
  DMA_TRANS_READ_FAILED,
  DMA_TRANS_WRITE_FAILED,
  type DmaengineResult,
} from './dma-status';
import { dmaAsyncIssuePending, dmaengineSubmit, dmaengineTxStatus } from './dma-submit';
import { dmaSyncWait } from './dma-sync-wait';
import { dmaenginePause, dmaengineResume } from './dma-terminate';
import { sgTableFromRegions } from './scatterlist';
import { createSoftwareDmaDevice, type SoftwareDmaDevice, type SoftwareDmaDeviceOptions } from './software-dma-device';
import { checksum, fillRandom, memChecksum, nodeAddr, readMem, recordDmaTrace, twoNodes } from './testing/dma-test-kit';

const devices: SoftwareDmaDevice[] = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.shutdown()));
});

/** Waits that must not time out (slow hosts must not make a test fail). */
const LONG = 30_000;

function setup(options: Partial<SoftwareDmaDeviceOptions> = {}, engineOptions: ConstructorParameters<typeof DmaEngine>[0] = {}) {
  const engine = new DmaEngine(engineOptions);
  const phys = twoNodes();
  const dev = createSoftwareDmaDevice(engine, { phys, ...options });
  devices.push(dev);
  return { engine, phys, dev };
}

function take(engine: DmaEngine): DmaChan {
  const chan = dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY));
  if (chan === null) throw new Error('no channel');
  return chan;
}

/** Submits `n` copies of `size` bytes from node 0 to node 1; the last one interrupts. Returns the cookies. */
function submitCopies(chan: DmaChan, phys: ReturnType<typeof twoNodes>, n: number, size: number, srcBase = 0, dstBase = 0): number[] {
  const cookies: number[] = [];
  for (let i = 0; i < n; i++) {
    const tx = prepDmaMemcpy(chan, nodeAddr(phys, 1, dstBase + i * size), nodeAddr(phys, 0, srcBase + i * size), size, i === n - 1 ? DMA_PREP_INTERRUPT | DMA_CTRL_ACK : DMA_CTRL_ACK);
    expect(tx).not.toBeNull();
    cookies.push(dmaengineSubmit(tx!));
  }
  return cookies;
}

describe('software DMA device', () => {
  it('copies between two nodes and the bytes match by checksum', async () => {
    const { engine, phys } = setup();
    const chan = take(engine);
    const src = fillRandom(phys, nodeAddr(phys, 0), 1 << 20, 11);
    const cookies = submitCopies(chan, phys, 16, 65536);
    expect(await dmaSyncWait(chan, cookies.at(-1)!, LONG)).toBe(DMA_COMPLETE);
    for (const c of cookies) expect(dmaengineTxStatus(chan, c)).toEqual({ status: DMA_COMPLETE, residue: 0 });
    expect(memChecksum(phys, nodeAddr(phys, 1), 1 << 20)).toBe(checksum(src));
  });

  it('gives monotonically increasing cookies per channel', () => {
    const { engine, phys } = setup({ channels: 2 });
    const a = take(engine);
    const b = take(engine);
    const ca = submitCopies(a, phys, 5, 64);
    const cb = submitCopies(b, phys, 3, 64, 4096, 4096);
    expect(ca).toEqual([1, 2, 3, 4, 5]);
    expect(cb).toEqual([1, 2, 3]);
  });

  it('startWorkers starts every channel at once; idle workers do not count as busy', async () => {
    const { engine, phys, dev } = setup({ channels: 3 });
    await dev.startWorkers();
    expect(dev.channels.map((c) => dev.workerRunning(c))).toEqual([true, true, true]);
    await dev.startWorkers(); // idempotent
    const chan = take(engine);
    const src = fillRandom(phys, nodeAddr(phys, 0), 4096, 8);
    const [c] = submitCopies(chan, phys, 1, 4096);
    expect(await dmaSyncWait(chan, c!, LONG)).toBe(DMA_COMPLETE);
    expect(memChecksum(phys, nodeAddr(phys, 1), 4096)).toBe(checksum(src));
    expect(dev.channels.map((ch) => dev.ringStats(ch).workerStarts)).toEqual([1, 1, 1]);
  });

  it('starts a worker only on the first issue with work, and shutdown stops it (restart on demand)', async () => {
    const { engine, phys, dev } = setup();
    const chan = take(engine);
    expect(dev.workerRunning(chan)).toBe(false);
    dmaAsyncIssuePending(chan);
    expect(dev.workerRunning(chan)).toBe(false);
    const [cookie] = submitCopies(chan, phys, 1, 4096);
    expect(dev.workerRunning(chan)).toBe(false);
    expect(await dmaSyncWait(chan, cookie!, LONG)).toBe(DMA_COMPLETE);
    expect(dev.workerRunning(chan)).toBe(true);
    await dev.shutdown();
    expect(dev.workerRunning(chan)).toBe(false);
    fillRandom(phys, nodeAddr(phys, 0, 8192), 4096, 3);
    const [again] = submitCopies(chan, phys, 1, 4096, 8192, 8192);
    expect(await dmaSyncWait(chan, again!, LONG)).toBe(DMA_COMPLETE);
    expect(dev.ringStats(chan).workerStarts).toBe(2);
    expect(memChecksum(phys, nodeAddr(phys, 1, 8192), 4096)).toBe(memChecksum(phys, nodeAddr(phys, 0, 8192), 4096));
  });

  it('wraps the ring and queues in software when given far more descriptors than the ring depth', async () => {
    const { engine, phys, dev } = setup({ ringDepth: 4 });
    const chan = take(engine);
    const n = 300;
    const src = fillRandom(phys, nodeAddr(phys, 0), n * 4096, 21);
    const done: number[] = [];
    const cookies = submitCopies(chan, phys, n, 4096);
    chan.addWaiter(() => done.push(chan.completedCookie));
    expect(await dmaSyncWait(chan, cookies.at(-1)!, LONG)).toBe(DMA_COMPLETE);
    const stats = dev.ringStats(chan);
    expect(stats.maxSoftwareQueued).toBeGreaterThan(4);
    expect(stats.produced).toBe(n);
    expect(stats.fetched).toBe(n);
    expect(stats.executed).toBe(n);
    expect(stats.softwareQueued).toBe(0);
    expect(stats.produced / stats.ringDepth).toBeGreaterThan(70);
    expect(done).toEqual(cookies); // in-order device: completions in cookie order
    expect(memChecksum(phys, nodeAddr(phys, 1), n * 4096)).toBe(checksum(src));
  });

  it('refills the ring from the shared queue by itself: one doorbell for a batch of many chains', async () => {
    const { engine, phys, dev } = setup({ ringDepth: 4, irqCoalesceUs: 1_000_000 });
    const chan = take(engine);
    const n = 40;
    const src = fillRandom(phys, nodeAddr(phys, 0), n * 4096, 31);
    const done: number[] = [];
    const cookies: number[] = [];
    for (let i = 0; i < n; i++) {
      // every descriptor asks for an interrupt, as dcbm's completion=each does
      const tx = prepDmaMemcpy(chan, nodeAddr(phys, 1, i * 4096), nodeAddr(phys, 0, i * 4096), 4096, DMA_PREP_INTERRUPT | DMA_CTRL_ACK)!;
      tx.callback = () => done.push(chan.completedCookie);
      cookies.push(dmaengineSubmit(tx));
    }
    expect(await dmaSyncWait(chan, cookies.at(-1)!, LONG)).toBe(DMA_COMPLETE);
    const stats = dev.ringStats(chan);
    expect(stats.doorbells).toBe(1); // ten chains of four, no refill round trip through the driver
    expect([stats.produced, stats.fetched, stats.executed, stats.softwareQueued]).toEqual([n, n, n, 0]);
    expect(stats.maxSoftwareQueued).toBeGreaterThan(n / 2); // queued behind the ring at issue
    // coalesced: far fewer interrupts than descriptors asking for one, yet every callback ran
    expect(stats.interrupts).toBeLessThan(n / 4);
    expect(done).toEqual(cookies);
    expect(memChecksum(phys, nodeAddr(phys, 1), n * 4096)).toBe(checksum(src));
  });

  it('with irqCoalesceUs 0 raises one interrupt per DMA_PREP_INTERRUPT descriptor', async () => {
    const { engine, phys, dev } = setup({ ringDepth: 4, irqCoalesceUs: 0 });
    const chan = take(engine);
    const n = 12;
    const cookies: number[] = [];
    for (let i = 0; i < n; i++) {
      const tx = prepDmaMemcpy(chan, nodeAddr(phys, 1, i * 64), nodeAddr(phys, 0, i * 64), 64, DMA_PREP_INTERRUPT)!;
      cookies.push(dmaengineSubmit(tx));
    }
    expect(await dmaSyncWait(chan, cookies.at(-1)!, LONG)).toBe(DMA_COMPLETE);
    expect(dev.irqCoalesceUs).toBe(0);
    expect(dev.ringStats(chan).interrupts).toBeGreaterThanOrEqual(n);
  });

  it('keeps descriptors that do not fit in the shared queue in software and moves them in as the engine fetches', async () => {
    const { engine, phys, dev } = setup({ ringDepth: 4 });
    const chan = take(engine);
    const n = 1500; // more records than the shared queue holds
    const size = 64;
    const src = fillRandom(phys, nodeAddr(phys, 0), n * size, 41);
    const cookies = submitCopies(chan, phys, n, size);
    expect(await dmaSyncWait(chan, cookies.at(-1)!, LONG)).toBe(DMA_COMPLETE);
    const stats = dev.ringStats(chan);
    expect(stats.maxSoftwareQueued).toBeGreaterThan(1024);
    expect(stats.doorbells).toBeGreaterThan(1); // the driver moved the rest in from its interrupts
    expect([stats.produced, stats.fetched, stats.executed, stats.softwareQueued]).toEqual([n, n, n, 0]);
    for (const c of cookies) expect(dmaengineTxStatus(chan, c)).toEqual({ status: DMA_COMPLETE, residue: 0 });
    expect(memChecksum(phys, nodeAddr(phys, 1), n * size)).toBe(checksum(src));
  });

  it('calls back only from the completion path, never inside submit or issue, with result and residue', async () => {
    const { engine, phys } = setup();
    const chan = take(engine);
    const results: DmaengineResult[] = [];
    let plain = 0;
    const tx1 = prepDmaMemcpy(chan, nodeAddr(phys, 1), nodeAddr(phys, 0), 512, DMA_PREP_INTERRUPT)!;
    tx1.callbackResult = (r) => results.push(r);
    const tx2 = prepDmaMemcpy(chan, nodeAddr(phys, 1, 4096), nodeAddr(phys, 0, 4096), 512, DMA_PREP_INTERRUPT)!;
    tx2.callback = () => plain++;
    dmaengineSubmit(tx1);
    const c2 = dmaengineSubmit(tx2);
    dmaAsyncIssuePending(chan);
    expect(results).toEqual([]);
    expect(plain).toBe(0);
    expect(await dmaSyncWait(chan, c2, LONG)).toBe(DMA_COMPLETE);
    expect(results).toEqual([{ result: DMA_TRANS_NOERROR, residue: 0 }]);
    expect(plain).toBe(1);
  });

  it('rejects a double submit and a released channel', () => {
    const { engine, phys } = setup();
    const chan = take(engine);
    const tx = prepDmaMemcpy(chan, nodeAddr(phys, 1), nodeAddr(phys, 0), 64, 0)!;
    expect(dmaengineSubmit(tx)).toBe(1);
    expect(dmaengineSubmit(tx)).toBe(-22);
    const tx2 = prepDmaMemcpy(chan, nodeAddr(phys, 1), nodeAddr(phys, 0), 64, 0)!;
    dmaReleaseChannel(chan);
    expect(dmaengineSubmit(tx2)).toBe(-19);
    expect(prepDmaMemcpy(chan, nodeAddr(phys, 1), nodeAddr(phys, 0), 64, 0)).toBeNull();
  });

  it('prep returns null for bad lengths, bad flags and missing capabilities', () => {
    const { engine, phys } = setup();
    const chan = take(engine);
    expect(prepDmaMemcpy(chan, 0, 4096, 0, 0)).toBeNull();
    expect(prepDmaMemcpy(chan, 0, 4096, 1.5, 0)).toBeNull();
    expect(prepDmaMemcpy(chan, -1, 4096, 8, 0)).toBeNull();
    expect(prepDmaMemcpy(chan, 0, 4096, 8, 1 << 7)).toBeNull();
    const sg = sgTableFromRegions([{ addr: nodeAddr(phys, 0), length: 4096 }]);
    dmaMapSgtable(chan.device, sg, DMA_TO_DEVICE);
    expect(prepDmaMemcpySg(chan, sg, sg, 0)).toBeNull(); // device lacks DMA_MEMCPY_SG
  });

  it('reports READ_FAILED / WRITE_FAILED for addresses outside memory', async () => {
    const { engine, phys } = setup();
    const chan = take(engine);
    const end = phys.totalPages * 4096;
    const got: DmaengineResult[] = [];
    const bad1 = prepDmaMemcpy(chan, nodeAddr(phys, 1), end - 100, 4096, 0)!;
    bad1.callbackResult = (r) => got.push(r);
    const bad2 = prepDmaMemcpy(chan, end + 4096, nodeAddr(phys, 0), 4096, 0)!;
    bad2.callbackResult = (r) => got.push(r);
    const c1 = dmaengineSubmit(bad1);
    const c2 = dmaengineSubmit(bad2);
    expect(await dmaSyncWait(chan, c2, LONG)).toBe(DMA_ERROR);
    expect(got).toEqual([
      { result: DMA_TRANS_READ_FAILED, residue: 4096 },
      { result: DMA_TRANS_WRITE_FAILED, residue: 4096 },
    ]);
    expect(dmaengineTxStatus(chan, c1)).toEqual({ status: DMA_ERROR, residue: 4096 });
  });

  it('reaches sections allocated after the worker started (the share is resent when generation moves)', async () => {
    const engine = new DmaEngine();
    const phys = twoNodes(16); // 4 sections per node, allocated lazily
    const dev = createSoftwareDmaDevice(engine, { phys });
    devices.push(dev);
    const chan = take(engine);
    fillRandom(phys, nodeAddr(phys, 0), 4096, 1);
    const [c0] = submitCopies(chan, phys, 1, 4096);
    expect(await dmaSyncWait(chan, c0!, LONG)).toBe(DMA_COMPLETE);
    const before = phys.generation;
    const far = 12 << 20; // third section of each node: not allocated yet
    const src = fillRandom(phys, nodeAddr(phys, 0, far), 8192, 2);
    expect(phys.generation).toBeGreaterThan(before);
    const tx = prepDmaMemcpy(chan, nodeAddr(phys, 1, far), nodeAddr(phys, 0, far), 8192, DMA_PREP_INTERRUPT)!;
    expect(await dmaSyncWait(chan, dmaengineSubmit(tx), LONG)).toBe(DMA_COMPLETE);
    expect(checksum(readMem(phys, nodeAddr(phys, 1, far), 8192))).toBe(checksum(src));
  });

  it('memcpy_sg copies across differently segmented lists and completes once', async () => {
    const { engine, phys, dev } = setup({ caps: [DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT], completionOrder: 'out-of-order', ringDepth: 4 });
    const chan = take(engine);
    // Source: 6 scattered 8 KiB pieces; destination: 3 scattered 16 KiB pieces.
    const srcRegions = [0, 5, 2, 9, 7, 12].map((k) => ({ addr: nodeAddr(phys, 0, k * 16384), length: 8192 }));
    const dstRegions = [3, 0, 6].map((k) => ({ addr: nodeAddr(phys, 1, k * 32768), length: 16384 }));
    const expected: number[] = [];
    for (const [i, r] of srcRegions.entries()) expected.push(...fillRandom(phys, r.addr, r.length, 100 + i));
    const src = sgTableFromRegions(srcRegions);
    const dst = sgTableFromRegions(dstRegions);
    expect(dmaMapSgtable(dev, src, DMA_TO_DEVICE)).toBe(0);
    expect(dmaMapSgtable(dev, dst, DMA_FROM_DEVICE)).toBe(0);
    const tx = prepDmaMemcpySg(chan, dst, src, DMA_PREP_INTERRUPT)!;
    expect(tx.len).toBe(49152);
    let calls = 0;
    tx.callback = () => calls++;
    const cookie = dmaengineSubmit(tx);
    expect(await dmaSyncWait(chan, cookie, LONG)).toBe(DMA_COMPLETE);
    expect(calls).toBe(1);
    const got: number[] = [];
    for (const r of dstRegions) got.push(...readMem(phys, r.addr, r.length));
    expect(checksum(Uint8Array.from(got))).toBe(checksum(Uint8Array.from(expected)));
    expect(dev.ringStats(chan).produced).toBe(6);
    // unequal totals are refused
    const short = sgTableFromRegions([{ addr: nodeAddr(phys, 1), length: 4096 }]);
    dmaMapSgtable(dev, short, DMA_FROM_DEVICE);
    expect(prepDmaMemcpySg(chan, short, src, 0)).toBeNull();
  });

  it('counts memcpy_count and bytes_transferred in sysfs and emits the three tracepoints', async () => {
    const sysfs = new SysfsTree();
    const trace = new TraceRegistry();
    const { engine, phys } = setup({}, { sysfs, trace });
    expect(trace.names()).toEqual(['dma_desc_complete', 'dma_desc_submit', 'dma_issue_pending']);
    const rec = recordDmaTrace(engine);
    const chan = take(engine);
    const cookies = submitCopies(chan, phys, 3, 1000);
    expect(await dmaSyncWait(chan, cookies.at(-1)!, LONG)).toBe(DMA_COMPLETE);
    rec.stop();
    expect(sysfs.read(`/sys/class/dma/${chan.name}/memcpy_count`)).toBe('3\n');
    expect(sysfs.read(`/sys/class/dma/${chan.name}/bytes_transferred`)).toBe('3000\n');
    expect(sysfs.read(`/sys/class/dma/${chan.name}/in_use`)).toBe('1\n');
    const names = rec.events.map((e) => e.name);
    expect(names.slice(0, 4)).toEqual(['dma_desc_submit', 'dma_desc_submit', 'dma_desc_submit', 'dma_issue_pending']);
    expect(rec.events[0]!.payload).toEqual({ chan: chan.name, cookie: 1, len: 1000 });
    expect(rec.events[3]!.payload).toEqual({ chan: chan.name, count: 3 });
    const completes = rec.events.filter((e) => e.name === 'dma_desc_complete').map((e) => e.payload);
    expect(completes).toEqual([1, 2, 3].map((cookie) => ({ chan: chan.name, cookie, len: 1000, result: DMA_TRANS_NOERROR, residue: 0 })));
  });

  it('pause holds descriptors (DMA_PAUSED) and resume lets them finish', async () => {
    const { engine, phys } = setup();
    const chan = take(engine);
    expect(dmaenginePause(chan)).toBe(0);
    const [c] = submitCopies(chan, phys, 1, 4096);
    expect(await dmaSyncWait(chan, c!, LONG)).toBe(DMA_PAUSED);
    expect(dmaengineTxStatus(chan, c!).status).toBe(DMA_PAUSED);
    expect(dmaengineResume(chan)).toBe(0);
    expect(dmaengineTxStatus(chan, c!).status).toBe(DMA_IN_PROGRESS);
    expect(await dmaSyncWait(chan, c!, LONG)).toBe(DMA_COMPLETE);
  });

  it('serves a dcbm-shaped batch: map both lists, compare nents, one descriptor per segment, interrupt on the last', async () => {
    // The IOMMU merges contiguous source folios but not destinations (Gregory Price's case).
    const { engine, phys, dev } = setup({ iommu: { merge: 'contiguous', directions: [DMA_TO_DEVICE], maxSegmentSize: 1 << 20 } });
    const chan = take(engine);
    const folios = 32;
    const srcRegions = Array.from({ length: folios }, (_, i) => ({ addr: nodeAddr(phys, 0, i * 4096), length: 4096 }));
    const dstRegions = Array.from({ length: folios }, (_, i) => ({ addr: nodeAddr(phys, 1, (folios - 1 - i) * 8192), length: 4096 }));
    const srcSg = sgTableFromRegions(srcRegions);
    const dstSg = sgTableFromRegions(dstRegions);
    expect(dmaMapSgtable(dev, srcSg, DMA_TO_DEVICE)).toBe(0);
    expect(dmaMapSgtable(dev, dstSg, DMA_FROM_DEVICE)).toBe(0);
    expect([srcSg.nents, dstSg.nents]).toEqual([1, folios]); // dcbm V5 would give up with -EINVAL here
    // A client that copes: re-map the source without merging and copy folio by folio.
    const flat = sgTableFromRegions(srcRegions);
    expect(dmaMapSgtable({}, flat, DMA_TO_DEVICE)).toBe(0);
    const data = srcRegions.map((r, i) => fillRandom(phys, r.addr, r.length, 500 + i));
    let done = 0;
    let cookie = 0;
    for (let i = 0; i < flat.nents; i++) {
      const last = i === flat.nents - 1;
      const tx = prepDmaMemcpy(chan, dstSg.dmaAddress[i]!, flat.dmaAddress[i]!, flat.dmaLength[i]!, last ? DMA_PREP_INTERRUPT | DMA_CTRL_ACK : DMA_CTRL_ACK)!;
      if (last) tx.callback = () => done++;
      cookie = dmaengineSubmit(tx);
    }
    dmaAsyncIssuePending(chan);
    expect(await dmaSyncWait(chan, cookie, LONG)).toBe(DMA_COMPLETE);
    expect(done).toBe(1);
    for (const [i, r] of dstRegions.entries()) expect(memChecksum(phys, r.addr, r.length)).toBe(checksum(data[i]!));
  });

  it('runs two channels in parallel without mixing their data', async () => {
    const { engine, phys } = setup({ channels: 2 });
    const a = take(engine);
    const b = take(engine);
    const sa = fillRandom(phys, nodeAddr(phys, 0), 256 * 1024, 5);
    const sb = fillRandom(phys, nodeAddr(phys, 0, 1 << 20), 256 * 1024, 6);
    const ca = submitCopies(a, phys, 64, 4096);
    const cb = submitCopies(b, phys, 64, 4096, 1 << 20, 1 << 20);
    const [ra, rb] = await Promise.all([dmaSyncWait(a, ca.at(-1)!, LONG), dmaSyncWait(b, cb.at(-1)!, LONG)]);
    expect([ra, rb]).toEqual([DMA_COMPLETE, DMA_COMPLETE]);
    expect(memChecksum(phys, nodeAddr(phys, 1), 256 * 1024)).toBe(checksum(sa));
    expect(memChecksum(phys, nodeAddr(phys, 1, 1 << 20), 256 * 1024)).toBe(checksum(sb));
  });
});
