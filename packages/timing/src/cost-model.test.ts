import { describe, expect, it } from 'vitest';
import { KernelError } from '@pagemig/kernel';
import { CostModel } from './cost-model';
import { EventLog, OP_BATCH_END, OP_BATCH_START, OP_CALL_END, OP_CALL_START, OP_FOLIO_COPY, OP_TLB_FLUSH, OP_UNMAP } from './event-log';
import { dmaCallLog, handParams, mtCallLog } from './testing/params';

describe('CostModel: hand-computed cases', () => {
  it('2 folios, 1 channel: every nanosecond accounted for', () => {
    const t = new CostModel(handParams()).run(dmaCallLog([2]));
    // call 1000 | unmap 2x100 -> 1200 | flush 50+10 -> 1260 | batch 30 -> 1290 | channel setup 500 -> 1790
    // | submit 2x20 -> 1830 | issue 5 -> 1835 | channel 2 x (100 + 4096/4.096) = 2200 -> 4035
    // | wake 70 -> 4105 | move 100 -> 4205 (first folio), 100 -> 4305
    expect(t.totalNs).toBe(4305);
    expect(t.calls).toEqual([{ startNs: 0, endNs: 4305, firstFolioNs: 4205, folios: 2, bytes: 8192, copyNs: 0 }]);
    expect(t.completions).toEqual([{ start: 4205, step: 100, count: 2 }]);
    expect(t.cpuByKind).toEqual({ call: 1000, unmap: 200, tlb_flush: 60, batch: 30, dma_setup: 500, dma_submit: 40, dma_issue: 5, wait: 2270, move: 200 });
    const chan = t.lanes[1]!;
    expect(chan).toMatchObject({ name: 'dma0chan0', kind: 'dma', busyNs: 2200, bytes: 8192, items: 2 });
    expect(chan.intervals).toEqual([{ start: 1835, end: 4035, kind: 'desc', count: 2 }]);
    expect(t.bytes).toEqual({ moved: 8192, cpuCopied: 0, dmaCopied: 8192, threadCopied: 0 });
  });

  it('2 channels sharing one port start together and split its bandwidth', () => {
    const t = new CostModel(handParams({ dmaLanesPerPort: 2, dmaPortGBps: 4.096, issueNs: 0 })).run(dmaCallLog([1, 1]));
    // ... batch -> 1290 | setup+submit lane 0 -> 1810 | setup+submit lane 1 -> 2330 | both issued at 2330
    // each at 4.096/2 GB/s: 100 + 2000 = 2100 -> 4430 | wake -> 4500 | moves -> 4600, 4700
    expect(t.lanes.slice(1).map((l) => l.intervals)).toEqual([
      [{ start: 2330, end: 4430, kind: 'desc', count: 1 }],
      [{ start: 2330, end: 4430, kind: 'desc', count: 1 }],
    ]);
    expect(t.totalNs).toBe(4700);
  });

  it('the shared rate changes when the second channel starts (fluid model)', () => {
    const t = new CostModel(handParams({ dmaLanesPerPort: 2, dmaPortGBps: 4.096, issueNs: 5 })).run(dmaCallLog([1, 1]));
    // lane 0 issued at 2335 runs alone for 5 ns at 1100 ns/item, then both at 2100 ns/item;
    // lane 0 has (1 - 5/1100) x 2100 left; lane 1 then has (1 - that/2100) x 1100 = 5 ns alone
    const shared = (1 - 5 / 1100) * 2100;
    const lane0End = 2340 + shared;
    const lane1End = lane0End + (1 - shared / 2100) * 1100;
    expect(t.lanes[1]!.intervals.at(-1)!.end).toBeCloseTo(lane0End, 9);
    expect(t.lanes[2]!.intervals.at(-1)!.end).toBeCloseTo(lane1End, 9);
    expect(lane1End).toBeCloseTo(4435 + 5 / 11, 9);
    expect(t.totalNs).toBeCloseTo(lane1End + 70 + 200, 9);
  });

  it('copy threads: dispatch, slices capped by the aggregate memory bandwidth', () => {
    const t = new CostModel(handParams({ memGBps: 4.096 })).run(mtCallLog([4096, 4096]));
    // ... batch -> 1290 | dispatch 300 -> 1590 | each thread 40 + 4096/(4.096/2) = 2040 -> 3630 | wake -> 3700 | moves -> 3900
    expect(t.lanes.map((l) => l.name)).toEqual(['cpu', 'thread0', 'thread1']);
    expect(t.lanes[1]!.intervals).toEqual([{ start: 1590, end: 3630, kind: 'slice', count: 1 }]);
    expect(t.totalNs).toBe(3900);
    expect(t.bytes.threadCopied).toBe(8192);
  });

  it('threads beyond the emulated cores share them', () => {
    const t = new CostModel(handParams({ cores: 2 })).run(mtCallLog([4096, 4096, 4096, 4096]));
    // unmap 4x100: 1400 | flush 1460 | batch 1490 | dispatch 1790 | 4 threads on 2 cores: (40 + 1000) x 2 = 2080 -> 3870
    expect(t.lanes[4]!.intervals).toEqual([{ start: 1790, end: 3870, kind: 'slice', count: 1 }]);
    expect(t.totalNs).toBe(3870 + 70 + 400);
  });

  it('a batch nobody offloaded is copied by the CPU inside the dispatch', () => {
    const log = new EventLog();
    log.push(OP_CALL_START, 2, 3);
    log.push(OP_UNMAP, 0, 1, 0, 2);
    log.push(OP_BATCH_START, 2, 8192);
    log.push(OP_BATCH_END, 0, 2);
    log.pushMove(0, 1);
    log.pushMove(0, 1);
    log.push(OP_CALL_END, 2, 0);
    const t = new CostModel(handParams()).run(log);
    // 1000 + 200 + 30 + copy 8192/4.096 = 2000 -> 3230 + 2 moves
    expect(t.cpuByKind.copy).toBe(2000);
    expect(t.calls[0]!.copyNs).toBe(2000);
    expect(t.totalNs).toBe(3430);
  });

  it('the vanilla path: each CPU copy is folded into its move and delays that folio', () => {
    const log = new EventLog();
    log.push(OP_CALL_START, 2, 3);
    log.push(OP_UNMAP, 0, 1, 0, 3);
    log.push(OP_TLB_FLUSH, 2, 1);
    for (let i = 0; i < 3; i++) {
      log.push(OP_FOLIO_COPY, 4096, 0);
      log.pushMove(0, 1);
    }
    log.push(OP_CALL_END, 3, 0);
    expect(log.length).toBe(5); // start, unmap x3, flush, move(+copy) x3, end
    const t = new CostModel(handParams()).run(log);
    // 1000 + 300 + (50 + 2x10) = 1370; then per folio copy 1000 + move 100
    expect(t.completions).toEqual([{ start: 2470, step: 1100, count: 3 }]);
    expect(t.calls[0]).toMatchObject({ endNs: 4670, copyNs: 3000, firstFolioNs: 2470 });
  });

  it('per-folio cost by order: PTEs for mTHP, a THP extra for PMD folios', () => {
    const m = new CostModel(handParams());
    expect(m.folioCost(0)).toBe(200);
    expect(m.folioCost(4)).toBe(200 + 16 * 10);
    expect(m.folioCost(9)).toBe(200 + 1000);
  });

  it('per-page channel cost only for descriptors that are not whole 2 MiB pages', () => {
    const m = new CostModel(handParams({ dmaPageNs: 7 }));
    expect(m.descFixed(3 * 4096)).toBe(100 + 21);
    expect(m.descFixed(2 << 20)).toBe(100);
    expect(m.descFixed(4 << 20)).toBe(100);
  });

  it('the cold-start closed form equals the per-folio sum', () => {
    const m = new CostModel(handParams({ warmNs: 1000, warmFolios: 7 }));
    let sum = 0;
    for (let i = 3; i < 3 + 20; i++) sum += 1000 * 2 * Math.exp(-i / 7); // order 9 = 2 MiB
    expect(m.warmCost(3, 20, 9)).toBeCloseTo(sum, 9);
    expect(m.warmCost(0, 1, 0)).toBeCloseTo(1000 / 256, 12);
  });

  it('refuses a parameter out of range, naming it and its unit', () => {
    expect(() => new CostModel(handParams({ chanGBps: 0 }))).toThrow(KernelError);
    expect(() => new CostModel(handParams({ chanGBps: 0 }))).toThrow(/chanGBps = 0 .*GB\/s/);
    expect(() => new CostModel({ ...handParams(), folioNs: Number.NaN })).toThrow(/folioNs/);
  });

  it('is a function of the log only', () => {
    const m = new CostModel(handParams({ dmaLanesPerPort: 2, dmaPortGBps: 6 }));
    const log = dmaCallLog([5, 3, 9]);
    expect(m.run(log)).toEqual(m.run(log));
    expect(m.run(log, { detail: false }).totalNs).toBe(m.run(log).totalNs);
  });
});
