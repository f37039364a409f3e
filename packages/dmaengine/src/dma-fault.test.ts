import { afterEach, describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { DMA_MEMCPY, dmaCapMask } from './dma-caps';
import type { DmaChan } from './dma-chan';
import type { DmaAsyncTxDescriptor } from './dma-descriptor';
import { DmaEngine } from './dma-engine';
import { DmaFaultPlan, type DmaFaultSpec } from './dma-fault';
import { FAULT_NONE, FAULT_PARTIAL, FAULT_READ_FAILED } from './dma-ring';
import { prepDmaMemcpy } from './dma-prep';
import { dmaReleaseChannel, dmaRequestChanByMask } from './dma-request';
import {
  DMA_COMPLETE,
  DMA_ERROR,
  DMA_IN_PROGRESS,
  DMA_PAUSED,
  DMA_PREP_INTERRUPT,
  DMA_TRANS_ABORTED,
  DMA_TRANS_NOERROR,
  DMA_TRANS_READ_FAILED,
  DMA_TRANS_WRITE_FAILED,
  type DmaengineResult,
} from './dma-status';
import { dmaAsyncIssuePending, dmaengineSubmit, dmaengineTxStatus } from './dma-submit';
import { dmaSyncWait } from './dma-sync-wait';
import { dmaengineTerminateSync } from './dma-terminate';
import { createSoftwareDmaDevice, type DmaCompletionOrder, type SoftwareDmaDevice } from './software-dma-device';
import { checksum, fillRandom, nodeAddr, readMem, twoNodes } from './testing/dma-test-kit';

const devices: SoftwareDmaDevice[] = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.shutdown()));
});

const SIZE = 8192;
/** Waits that must not time out (slow hosts must not make a test fail). */
const LONG = 30_000;

async function setup(faults: DmaFaultSpec[], completionOrder: DmaCompletionOrder = 'in-order') {
  const engine = new DmaEngine();
  const phys = twoNodes();
  const dev = createSoftwareDmaDevice(engine, { phys, faults, completionOrder, seed: 42 });
  devices.push(dev);
  await dev.startWorkers();
  const chan = dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY)) as DmaChan;
  return { engine, phys, dev, chan };
}

interface Sub {
  tx: DmaAsyncTxDescriptor;
  cookie: number;
  results: DmaengineResult[];
  src: Uint8Array;
}

/** Submits `n` copies of SIZE bytes (slot i: node0 + i*SIZE → node1 + i*SIZE), each recording its results. */
function submit(chan: DmaChan, phys: ReturnType<typeof twoNodes>, n: number, firstSlot = 0): Sub[] {
  const subs: Sub[] = [];
  for (let k = 0; k < n; k++) {
    const i = firstSlot + k;
    const src = fillRandom(phys, nodeAddr(phys, 0, i * SIZE), SIZE, 1000 + i);
    phys.fill(nodeAddr(phys, 1, i * SIZE), SIZE, 0);
    const tx = prepDmaMemcpy(chan, nodeAddr(phys, 1, i * SIZE), nodeAddr(phys, 0, i * SIZE), SIZE, DMA_PREP_INTERRUPT)!;
    const results: DmaengineResult[] = [];
    tx.callbackResult = (r) => results.push(r);
    subs.push({ tx, cookie: dmaengineSubmit(tx), results, src });
  }
  return subs;
}

function dst(phys: ReturnType<typeof twoNodes>, slot: number): Uint8Array {
  return readMem(phys, nodeAddr(phys, 1, slot * SIZE), SIZE);
}

function landed(phys: ReturnType<typeof twoNodes>, sub: Sub, slot: number): boolean {
  return checksum(dst(phys, slot)) === checksum(sub.src);
}

describe('fault injection: result, residue and status per kind', () => {
  it('read-failed copies nothing (or the given prefix) and reports DMA_ERROR', async () => {
    const { phys, chan } = await setup([{ kind: 'read-failed', nth: 2 }, { kind: 'read-failed', nth: 3, bytes: 100 }]);
    const s = submit(chan, phys, 3);
    expect(await dmaSyncWait(chan, s[2]!.cookie, LONG)).toBe(DMA_ERROR);
    expect(s.map((x) => x.results)).toEqual([
      [{ result: DMA_TRANS_NOERROR, residue: 0 }],
      [{ result: DMA_TRANS_READ_FAILED, residue: SIZE }],
      [{ result: DMA_TRANS_READ_FAILED, residue: SIZE - 100 }],
    ]);
    expect(dmaengineTxStatus(chan, s[1]!.cookie)).toEqual({ status: DMA_ERROR, residue: SIZE });
    expect(dmaengineTxStatus(chan, s[2]!.cookie)).toEqual({ status: DMA_ERROR, residue: SIZE - 100 });
    expect(landed(phys, s[0]!, 0)).toBe(true);
    expect(dst(phys, 1).every((b) => b === 0)).toBe(true);
    expect(checksum(dst(phys, 2).subarray(0, 100))).toBe(checksum(s[2]!.src.subarray(0, 100)));
    expect(dst(phys, 2).subarray(100).every((b) => b === 0)).toBe(true);
    expect(chan.memcpyCount).toBe(1);
  });

  it('write-failed reports DMA_TRANS_WRITE_FAILED with the residue', async () => {
    const { phys, chan } = await setup([{ kind: 'write-failed', nth: 1, bytes: 4096 }]);
    const [s] = submit(chan, phys, 1);
    expect(await dmaSyncWait(chan, s!.cookie, LONG)).toBe(DMA_ERROR);
    expect(s!.results).toEqual([{ result: DMA_TRANS_WRITE_FAILED, residue: SIZE - 4096 }]);
  });

  it('partial copies a prefix and completes without error but with a residue', async () => {
    const { phys, chan } = await setup([{ kind: 'partial', nth: 1 }]);
    const [s] = submit(chan, phys, 1);
    expect(await dmaSyncWait(chan, s!.cookie, LONG)).toBe(DMA_COMPLETE);
    expect(s!.results).toEqual([{ result: DMA_TRANS_NOERROR, residue: SIZE / 2 }]);
    expect(dmaengineTxStatus(chan, s!.cookie)).toEqual({ status: DMA_COMPLETE, residue: SIZE / 2 });
    const d = dst(phys, 0);
    expect(checksum(d.subarray(0, SIZE / 2))).toBe(checksum(s!.src.subarray(0, SIZE / 2)));
    expect(d.subarray(SIZE / 2).every((b) => b === 0)).toBe(true);
    expect(chan.bytesTransferred).toBe(SIZE / 2);
  });

  it('never-complete makes dmaSyncWait time out with DMA_ERROR; terminate aborts it', async () => {
    const { phys, chan } = await setup([{ kind: 'never-complete', nth: 1 }]);
    const s = submit(chan, phys, 2);
    expect(await dmaSyncWait(chan, s[0]!.cookie, 50)).toBe(DMA_ERROR);
    expect(dmaengineTxStatus(chan, s[0]!.cookie).status).toBe(DMA_IN_PROGRESS);
    expect(await dmaSyncWait(chan, s[1]!.cookie, LONG)).toBe(DMA_COMPLETE); // later descriptors still run
    expect(s[0]!.results).toEqual([]);
    expect(await dmaengineTerminateSync(chan)).toBe(0);
    expect(s[0]!.results).toEqual([{ result: DMA_TRANS_ABORTED, residue: SIZE }]);
    expect(dmaengineTxStatus(chan, s[0]!.cookie)).toEqual({ status: DMA_ERROR, residue: SIZE });
    expect(landed(phys, s[1]!, 1)).toBe(true);
  });

  it('halt stops the channel (DMA_PAUSED) until terminate, which aborts and lets the channel be reused', async () => {
    const { engine, phys, dev, chan } = await setup([{ kind: 'halt', nth: 3 }]);
    const s = submit(chan, phys, 5);
    expect(await dmaSyncWait(chan, s[4]!.cookie, LONG)).toBe(DMA_PAUSED);
    expect(dev.isHalted(chan)).toBe(true);
    expect(s[0]!.results).toEqual([{ result: DMA_TRANS_NOERROR, residue: 0 }]);
    expect(s[1]!.results).toEqual([{ result: DMA_TRANS_NOERROR, residue: 0 }]);
    for (const k of [2, 3, 4]) {
      expect(dmaengineTxStatus(chan, s[k]!.cookie).status).toBe(DMA_PAUSED);
      expect(s[k]!.results).toEqual([]);
    }
    // Descriptors submitted after the halt also wait.
    const late = submit(chan, phys, 1, 5);
    dmaAsyncIssuePending(chan);
    expect(await dmaengineTerminateSync(chan)).toBe(0);
    expect(dev.isHalted(chan)).toBe(false);
    for (const x of [...s.slice(2), ...late]) expect(x.results).toEqual([{ result: DMA_TRANS_ABORTED, residue: SIZE }]);
    for (const k of [2, 3, 4]) expect(dst(phys, k).every((b) => b === 0)).toBe(true);
    // Release, request again: the same channel, working.
    dmaReleaseChannel(chan);
    const again = dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY));
    expect(again).toBe(chan);
    const [ok] = submit(chan, phys, 1, 8);
    expect(await dmaSyncWait(chan, ok!.cookie, LONG)).toBe(DMA_COMPLETE);
    expect(landed(phys, ok!, 8)).toBe(true);
  });

  it('terminate aborts submitted, queued and in-flight descriptors and waits until the engine is quiet', async () => {
    const { phys, dev, chan } = await setup([{ kind: 'stall', nth: 1 }]);
    const s = submit(chan, phys, 80); // ring depth 32, 64 in the engine: the rest stay in the software queue
    dmaAsyncIssuePending(chan);
    const notIssued = submit(chan, phys, 2, 80);
    await dev.whenStalled(chan);
    expect(dev.ringStats(chan).softwareQueued).toBeGreaterThan(0);
    expect(await dmaengineTerminateSync(chan)).toBe(0);
    const all = [...s, ...notIssued];
    for (const x of all) expect(x.results).toEqual([{ result: DMA_TRANS_ABORTED, residue: SIZE }]);
    for (const x of all) expect(dmaengineTxStatus(chan, x.cookie).status).toBe(DMA_ERROR);
    for (let k = 0; k < 82; k++) expect(dst(phys, k).every((b) => b === 0)).toBe(true);
    expect(chan.inProgress.size).toBe(0);
    expect(dev.ringStats(chan).softwareQueued).toBe(0);
  });

  it('a stall auto-released by stallMs completes normally', async () => {
    const { phys, chan } = await setup([{ kind: 'stall', nth: 1, stallMs: 20 }]);
    const [s] = submit(chan, phys, 1);
    expect(await dmaSyncWait(chan, s!.cookie, LONG)).toBe(DMA_COMPLETE);
    expect(landed(phys, s!, 0)).toBe(true);
  });
});

describe('completion order', () => {
  it('out-of-order: the last descriptor of a chain can complete before an earlier one landed', async () => {
    const { phys, dev, chan } = await setup([{ kind: 'stall', nth: 1 }], 'out-of-order');
    const s = submit(chan, phys, 4);
    const last = s[3]!;
    let firstLandedWhenLastCompleted: boolean | null = null;
    let firstStatusWhenLastCompleted = -1;
    last.tx.callbackResult = (r) => {
      last.results.push(r);
      firstLandedWhenLastCompleted = landed(phys, s[0]!, 0);
      firstStatusWhenLastCompleted = dmaengineTxStatus(chan, s[0]!.cookie).status;
    };
    expect(await dmaSyncWait(chan, last.cookie, LONG)).toBe(DMA_COMPLETE);
    expect(firstLandedWhenLastCompleted).toBe(false);
    expect(firstStatusWhenLastCompleted).toBe(DMA_IN_PROGRESS);
    expect(dst(phys, 0).every((b) => b === 0)).toBe(true);
    dev.releaseStall(chan);
    expect(await dmaSyncWait(chan, s[0]!.cookie, LONG)).toBe(DMA_COMPLETE);
    for (const [k, x] of s.entries()) expect(landed(phys, x, k)).toBe(true);
  });

  it('in-order: a completion never arrives before the data of earlier descriptors landed', async () => {
    const { phys, dev, chan } = await setup([{ kind: 'stall', nth: 1 }], 'in-order');
    const s = submit(chan, phys, 4);
    const seen: boolean[] = [];
    for (const [k, x] of s.entries()) {
      x.tx.callbackResult = (r) => {
        x.results.push(r);
        for (let j = 0; j <= k; j++) seen.push(landed(phys, s[j]!, j));
      };
    }
    dmaAsyncIssuePending(chan);
    await dev.whenStalled(chan);
    expect(s.map((x) => x.results.length)).toEqual([0, 0, 0, 0]);
    expect(dmaengineTxStatus(chan, s[3]!.cookie).status).toBe(DMA_IN_PROGRESS);
    dev.releaseStall(chan);
    expect(await dmaSyncWait(chan, s[3]!.cookie, LONG)).toBe(DMA_COMPLETE);
    expect(seen).toHaveLength(10);
    expect(seen.every(Boolean)).toBe(true);
  });

  it('in-order completes in cookie order over many chains; out-of-order covers the same set, reordered', async () => {
    for (const order of ['in-order', 'out-of-order'] as const) {
      const { phys, chan } = await setup([], order);
      const done: number[] = [];
      const s = submit(chan, phys, 96);
      for (const x of s) x.tx.callbackResult = () => done.push(x.cookie);
      for (const x of s) expect(await dmaSyncWait(chan, x.cookie, LONG)).toBe(DMA_COMPLETE);
      expect(done).toHaveLength(96);
      const cookies = s.map((x) => x.cookie);
      if (order === 'in-order') expect(done).toEqual(cookies);
      else {
        expect([...done].sort((a, b) => a - b)).toEqual(cookies);
        expect(done).not.toEqual(cookies);
      }
      for (const [k, x] of s.entries()) expect(landed(phys, x, k)).toBe(true);
    }
  });
});

describe('planted engine bugs claim success but leave wrong bytes', () => {
  it.each([
    ['short-copy', (d: Uint8Array, src: Uint8Array) => checksum(d.subarray(0, SIZE - 1)) === checksum(src.subarray(0, SIZE - 1)) && d[SIZE - 1] === 0],
    ['offset-slip', (d: Uint8Array, src: Uint8Array) => checksum(d.subarray(0, SIZE - 1)) === checksum(src.subarray(1))],
  ] as const)('%s', async (kind, check) => {
    const { phys, chan } = await setup([{ kind, nth: 1 }]);
    const [s] = submit(chan, phys, 1);
    expect(await dmaSyncWait(chan, s!.cookie, LONG)).toBe(DMA_COMPLETE);
    expect(s!.results).toEqual([{ result: DMA_TRANS_NOERROR, residue: 0 }]);
    expect(check(dst(phys, 0), s!.src)).toBe(true);
  });

  it('write-outside writes past the destination window', async () => {
    const { phys, chan } = await setup([{ kind: 'write-outside', nth: 1, bytes: 3 }]);
    fillRandom(phys, nodeAddr(phys, 0, SIZE), SIZE, 9);
    phys.fill(nodeAddr(phys, 1, SIZE), SIZE, 0);
    const [s] = submit(chan, phys, 1);
    expect(await dmaSyncWait(chan, s!.cookie, LONG)).toBe(DMA_COMPLETE);
    expect(landed(phys, s!, 0)).toBe(true);
    const after = readMem(phys, nodeAddr(phys, 1, SIZE), 4);
    const srcAfter = readMem(phys, nodeAddr(phys, 0, SIZE), 4);
    expect([...after.subarray(0, 3)]).toEqual([...srcAfter.subarray(0, 3)]);
    expect(after[3]).toBe(0);
  });

  it('src-overwrite clobbers the source after copying', async () => {
    const { phys, chan } = await setup([{ kind: 'src-overwrite', nth: 1, bytes: 2 }]);
    const [s] = submit(chan, phys, 1);
    expect(await dmaSyncWait(chan, s!.cookie, LONG)).toBe(DMA_COMPLETE);
    expect(landed(phys, s!, 0)).toBe(true);
    const now = readMem(phys, nodeAddr(phys, 0), 3);
    expect(now[0]).toBe(~s!.src[0]! & 0xff);
    expect(now[1]).toBe(~s!.src[1]! & 0xff);
    expect(now[2]).toBe(s!.src[2]);
  });
});

describe('DmaFaultPlan', () => {
  it('selects by nth, every and times, first rule wins', () => {
    const plan = new DmaFaultPlan([{ kind: 'partial', nth: [2, 5] }, { kind: 'read-failed', every: 3, times: 2 }], 1);
    const codes = Array.from({ length: 10 }, (_, i) => plan.decide(0, i + 1, 100).code);
    expect(codes).toEqual([FAULT_NONE, FAULT_PARTIAL, FAULT_READ_FAILED, FAULT_NONE, FAULT_PARTIAL, FAULT_READ_FAILED, FAULT_NONE, FAULT_NONE, FAULT_NONE, FAULT_NONE]);
    expect(plan.decide(1, 2, 100).arg).toBe(50);
  });

  it('only applies channel-scoped rules to their channel', () => {
    const plan = new DmaFaultPlan([{ kind: 'halt', every: 1, channel: 1 }], 1);
    expect(plan.decide(0, 1, 8).code).toBe(FAULT_NONE);
    expect(plan.decide(1, 1, 8).code).not.toBe(FAULT_NONE);
  });

  test.prop([fc.integer({ min: 0, max: 0xffffffff }), fc.double({ min: 0.05, max: 0.95, noNaN: true })])(
    'probability decisions replay exactly from the seed and follow the probability',
    (seed, p) => {
      const run = () => {
        const plan = new DmaFaultPlan([{ kind: 'read-failed', probability: p }], seed);
        return Array.from({ length: 400 }, (_, i) => plan.decide(0, i + 1, 64).code === FAULT_READ_FAILED);
      };
      const a = run();
      expect(run()).toEqual(a);
      const hits = a.filter(Boolean).length;
      // 400 Bernoulli draws: stay within ~6 standard deviations of the mean.
      const sd = Math.sqrt(400 * p * (1 - p));
      expect(Math.abs(hits - 400 * p)).toBeLessThan(6 * sd + 1);
    },
  );
});
