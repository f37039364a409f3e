import { afterEach, describe, expect, it } from 'vitest';
import { DMA_MEMCPY, dmaCapMask } from './dma-caps';
import { DmaEngine } from './dma-engine';
import type { DmaFaultSpec } from './dma-fault';
import { dmaRequestChanByMask } from './dma-request';
import { runDmatest } from './dmatest';
import { createSoftwareDmaDevice, type SoftwareDmaDevice } from './software-dma-device';
import { twoNodes } from './testing/dma-test-kit';

const devices: SoftwareDmaDevice[] = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.shutdown()));
});

/** A device whose workers already run, so no test's timeout includes thread start-up. */
async function setup(faults: DmaFaultSpec[] = [], channels = 2) {
  const engine = new DmaEngine();
  const phys = twoNodes();
  const dev = createSoftwareDmaDevice(engine, { phys, channels, faults, seed: 3 });
  devices.push(dev);
  await dev.startWorkers();
  return { engine, phys, dev };
}

/** Per-transfer timeout for runs that must not time out (a slow CI host must not make them fail). */
const LONG = 30_000;

const SUMMARY = /^dma\dchan\d-copy\d: summary \d+ tests, \d+ failures \d+\.\d\d iops \d+ KB\/s \(-?\d+\)$/;
const RESULT = /^dma\dchan\d-copy\d: result #\d+: '[a-z ]+' with src_off=0x[0-9a-f]+ dst_off=0x[0-9a-f]+ len=0x[0-9a-f]+ \(-?\d+\)$/;

describe('dmatest', () => {
  it('1000 random transfers per channel on a 2-channel device: no failures', async () => {
    const { engine, dev } = await setup();
    const log: string[] = [];
    const res = await runDmatest(engine, { iterations: 1000, seed: 7, timeout: LONG }, { log: (l) => log.push(l) });
    expect(res.channels).toEqual(['dma0chan0', 'dma0chan1']);
    expect(res.threads.map((t) => [t.thread, t.tests, t.failures])).toEqual([
      ['dma0chan0-copy0', 1000, 0],
      ['dma0chan1-copy0', 1000, 0],
    ]);
    expect(res.failures).toBe(0);
    for (const t of res.threads) {
      expect(t.totalLen).toBeGreaterThan(1000);
      expect(t.dataErrors).toEqual({ srcOverwritten: 0, dstNotCopied: 0, dstWasCopied: 0, dstMismatch: 0 });
    }
    expect(log).toEqual(res.lines);
    expect(log.filter((l) => l.startsWith('Started'))).toEqual(['Started 1 threads using dma0chan0', 'Started 1 threads using dma0chan1']);
    const summaries = log.filter((l) => l.includes('summary'));
    expect(summaries).toHaveLength(2);
    for (const s of summaries) expect(s).toMatch(SUMMARY);
    // every transfer really went through the engine
    for (const chan of dev.channels) {
      expect(chan.memcpyCount).toBe(1000);
      expect(chan.clientCount).toBe(0); // released afterwards
    }
  });

  it('is reproducible from its seed (same lengths and offsets)', async () => {
    const lens: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const { engine } = await setup([], 1);
      const res = await runDmatest(engine, { iterations: 50, seed: 99, verbose: true, timeout: LONG });
      lens.push(res.lines.filter((l) => l.includes('test passed')).map((l) => Number.parseInt(/len=0x([0-9a-f]+)/.exec(l)![1]!, 16)));
      expect(res.threads[0]!.totalLen).toBe(lens[run]!.reduce((a, b) => a + b, 0));
    }
    expect(lens[0]).toHaveLength(50);
    expect(lens[1]).toEqual(lens[0]);
  });

  it.each([
    ['short-copy', 'not copied!', 'dstNotCopied'],
    ['offset-slip', 'mismatch!', 'dstMismatch'],
    ['write-outside', 'was copied!', 'dstWasCopied'],
    ['src-overwrite', 'overwritten!', 'srcOverwritten'],
  ] as const)('reports the planted %s bug with "%s"', async (kind, message, counter) => {
    const { engine } = await setup([{ kind, nth: [3, 7], bytes: 4 }], 1);
    const res = await runDmatest(engine, { iterations: 10, transfer_size: 4096, seed: 5, timeout: LONG });
    const t = res.threads[0]!;
    expect(t.failures).toBe(2);
    expect(t.failureKinds.data).toBe(2);
    expect(t.dataErrors[counter]).toBeGreaterThanOrEqual(2);
    const bad = res.lines.filter((l) => l.includes(message));
    expect(bad.length).toBeGreaterThanOrEqual(2);
    const prefix = kind === 'src-overwrite' ? 'srcbuf' : 'dstbuf';
    for (const l of bad) expect(l).toMatch(new RegExp(`^dma0chan0-copy0: ${prefix}\\[0x[0-9a-f]+\\] ${message.replace('!', '!')} Expected [0-9a-f]{2}, got [0-9a-f]{2}$`));
    const results = res.lines.filter((l) => l.includes("'data error'"));
    expect(results.map((l) => /result #(\d+)/.exec(l)![1])).toEqual(['3', '7']);
    for (const l of results) expect(l).toMatch(RESULT);
    expect(res.lines.at(-1)).toMatch(/summary 10 tests, 2 failures/);
  });

  it('reports an engine error as completion error status', async () => {
    const { engine } = await setup([{ kind: 'read-failed', nth: 2 }], 1);
    const res = await runDmatest(engine, { iterations: 4, timeout: LONG });
    const t = res.threads[0]!;
    expect(t.failures).toBe(1);
    expect(t.failureKinds).toMatchObject({ completionError: 1, timeout: 0, data: 0 });
    const results = res.lines.filter((l) => l.includes('result #'));
    expect(results).toHaveLength(1);
    expect(results[0]).toMatch(RESULT);
    expect(results[0]).toContain("result #2: 'completion error status'");
  });

  it('reports a transfer that never completes as test timed out, then terminates the channel', async () => {
    const { engine } = await setup([{ kind: 'never-complete', nth: 1 }], 1);
    const res = await runDmatest(engine, { iterations: 1, timeout: 100 });
    expect(res.threads[0]!.failureKinds).toMatchObject({ timeout: 1 });
    expect(res.lines.filter((l) => l.includes('result #'))[0]).toContain("result #1: 'test timed out'");
    // the stuck transfer was aborted at the end and the channel released
    const chan = dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY))!;
    expect(chan.inProgress.size).toBe(0);
  });

  it('polled mode copies without callbacks and verifies', async () => {
    const { engine } = await setup([], 1);
    const res = await runDmatest(engine, { iterations: 30, polled: true, seed: 12, timeout: LONG });
    expect(res.failures).toBe(0);
    expect(res.tests).toBe(30);
  });

  it('honours norandom, noverify, alignment, channel filter, threads_per_chan and max_channels', async () => {
    const { engine } = await setup([], 2);
    const res = await runDmatest(engine, { iterations: 5, norandom: true, verbose: true, channel: 'dma0chan1', threads_per_chan: 2, timeout: LONG });
    expect(res.channels).toEqual(['dma0chan1']);
    expect(res.threads.map((t) => t.thread)).toEqual(['dma0chan1-copy0', 'dma0chan1-copy1']);
    const passed = res.lines.filter((l) => l.includes('test passed'));
    expect(passed).toHaveLength(10);
    for (const l of passed) expect(l).toContain('src_off=0x0 dst_off=0x0 len=0x4000');
    const aligned = await runDmatest(engine, { iterations: 40, alignment: 6, verbose: true, max_channels: 1, timeout: LONG });
    expect(aligned.channels).toEqual(['dma0chan0']);
    for (const l of aligned.lines.filter((x) => x.includes('test passed'))) {
      for (const m of l.matchAll(/(?:src_off|dst_off|len)=0x([0-9a-f]+)/g)) expect(Number.parseInt(m[1]!, 16) % 64).toBe(0);
    }
    const nover = await runDmatest(engine, { iterations: 5, noverify: true, timeout: LONG });
    expect(nover.failures).toBe(0);
  });

  it('stops a thread on an impossible transfer size or alignment, like the module', async () => {
    const { engine } = await setup([], 1);
    const big = await runDmatest(engine, { iterations: 3, transfer_size: 16384, timeout: LONG });
    expect(big.lines).toContain('16384-byte transfer size must be lower than 16384-byte buffer size');
    expect(big.threads[0]!.tests).toBe(1);
    const tiny = await runDmatest(engine, { iterations: 3, test_buf_size: 8, alignment: 4, timeout: LONG });
    expect(tiny.lines).toContain('8-byte buffer too small for 16-byte alignment');
    expect(tiny.threads[0]!.ret).toBe(-22);
  });

  it('rejects bad parameters and says what is accepted', async () => {
    const { engine } = await setup([], 1);
    await expect(runDmatest(engine, { iterations: 0 })).rejects.toThrow(/iterations 0 is invalid; accepted: an integer from 1/);
    await expect(runDmatest(engine, { iterations: 1, test_buf_size: -5, timeout: LONG })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(runDmatest(engine, { iterations: 1, alignment: 40, timeout: LONG })).rejects.toThrow(/alignment 40 is invalid/);
  });

  it('prints a line and returns no threads when no channel is free', async () => {
    const { engine } = await setup([], 1);
    const held = dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY));
    expect(held).not.toBeNull();
    const res = await runDmatest(engine, { iterations: 1, timeout: LONG });
    expect(res.threads).toEqual([]);
    expect(res.lines).toEqual(['dmatest: no DMA_MEMCPY channel available']);
  });
});
