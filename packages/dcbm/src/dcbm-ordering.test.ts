/**
 * Out-of-order completion (Karim Manaouil's review of V5): V5 puts DMA_PREP_INTERRUPT and the only
 * callback on the last descriptor of each channel and takes its completion to mean the whole chunk
 * landed. On an engine that completes descriptors out of order that is false.
 *
 * Why it is dangerous: offloadCopy returning 0 tells the core the batch is copied, so the move phase
 * skips the CPU copy (`FOLIO_ALREADY_COPIED` / `batch_copied`), installs the destination in the page
 * tables and frees the source. If a descriptor has not landed yet, either
 * - it never lands: V5's cleanup calls `dmaengine_terminate_sync()` on every mapped channel, which
 *   aborts it (and whatever else the engine had not run yet), and the process now reads whatever the
 *   fresh destination page held before (another process's old data or zeros): silent corruption and
 *   potentially an information leak; or
 * - it lands later (an engine without that terminate): the copy of the old contents overwrites what
 *   the process has written to its page since the migration finished.
 * Either way no error is reported anywhere. The tests below check the destination bytes at the
 * moment offloadCopy resolves, not after a full migration, because the point is what the driver
 * claims at that moment.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DMA_INTERRUPT, DMA_MEMCPY, DMA_MEMCPY_SG } from '@pagemig/dmaengine';
import { folioPairs, makeDcbmFixture, pairsLanded, tick, type DcbmFixture, type DcbmFixtureOptions } from './testing/fixture';

const all: DcbmFixture[] = [];
function fixture(opts: DcbmFixtureOptions = {}): DcbmFixture {
  const fx = makeDcbmFixture({ engine: { retrySemantics: 'v6' }, device: { channels: 1, completionOrder: 'out-of-order', seed: 5 }, ...opts });
  all.push(fx);
  return fx;
}
afterAll(async () => {
  for (const fx of all) await fx.dev.shutdown();
});

/** Stalls the k-th descriptor (1-based) the device's channel 0 will be given from now on. */
function stallNext(fx: DcbmFixture, k: number): void {
  fx.dev.injectFault({ kind: 'stall', channel: 0, nth: fx.dev.channels[0]!.cookie + k });
}

const N = 8;

describe('completion tracking with an out-of-order engine', () => {
  it('last (V5): reports success while a stalled descriptor has not landed', async () => {
    const fx = fixture();
    fx.dcbm.setParam('completion', 'last');
    for (let k = 1; k < N; k++) {
      const pairs = folioPairs(fx.sys, N, 0, 10 * k);
      stallNext(fx, k); // descriptor k stalls; the last one (with the interrupt) completes before it
      const rc = await fx.dcbm.offloadCopy(pairs.dst, pairs.src, N, pairs.ctx);
      const landed = pairsLanded(fx.sys, pairs);
      expect(rc, `stall at descriptor ${k}`).toBe(0);
      expect(landed[k - 1], `folio ${k - 1} landed`).toBe(false);
      // Often more is missing: once the last descriptor reported, V5's cleanup terminates the channel and
      // aborts whatever the engine had not executed yet (how much depends on thread timing).
      expect(fx.dcbm.lastBatch).toMatchObject({ completion: 'last', rc: 0, copied: N, descriptors: N });
      pairs.free();
    }
  });

  it('each: never resolves before every descriptor reported, so nothing is claimed that did not land', async () => {
    const fx = fixture();
    expect(fx.dcbm.params.completion).toBe('each');
    const chan = fx.dev.channels[0]!;
    for (let k = 1; k < N; k++) {
      const pairs = folioPairs(fx.sys, N, 0, 10 * k);
      stallNext(fx, k);
      let settled: number | null = null;
      const pending = fx.dcbm.offloadCopy(pairs.dst, pairs.src, N, pairs.ctx).then((rc) => {
        settled = rc;
        return rc;
      });
      await fx.dev.whenStalled(chan);
      for (let i = 0; i < 50; i++) await tick();
      expect(settled, `resolved while descriptor ${k} was stalled`).toBeNull();
      expect(pairsLanded(fx.sys, pairs)[k - 1]).toBe(false);
      fx.dev.releaseStall(chan);
      expect(await pending).toBe(0);
      expect(pairsLanded(fx.sys, pairs).every(Boolean)).toBe(true);
      pairs.free();
    }
  });

  it('last is exact with memcpy_sg: the single descriptor completes after all of its segments', async () => {
    const fx = fixture({ device: { channels: 1, completionOrder: 'out-of-order', seed: 5, caps: [DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT] } });
    fx.dcbm.setParam('completion', 'last');
    const chan = fx.dev.channels[0]!;
    const pairs = folioPairs(fx.sys, N, 0, 99);
    stallNext(fx, 1);
    let settled: number | null = null;
    const pending = fx.dcbm.offloadCopy(pairs.dst, pairs.src, N, pairs.ctx).then((rc) => {
      settled = rc;
      return rc;
    });
    await fx.dev.whenStalled(chan);
    for (let i = 0; i < 50; i++) await tick();
    expect(settled).toBeNull();
    fx.dev.releaseStall(chan);
    expect(await pending).toBe(0);
    expect(pairsLanded(fx.sys, pairs).every(Boolean)).toBe(true);
    expect(fx.dcbm.lastBatch).toMatchObject({ memcpySg: true, descriptors: 1, rc: 0 });
    pairs.free();
  });
});
