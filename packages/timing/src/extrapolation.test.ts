/**
 * Beyond the fit: 8 and 16 channels or threads (the V3 rows for them are held back), emulated on
 * this machine with modelled devices and virtual threads; and the determinism of virtual time.
 */
import { describe, expect, it } from 'vitest';
import { predictMovePages } from './predict-move-pages';
import { getPreset } from './presets';
import type { RunPath } from './move-pages-run';

const preset = getPreset('zen3-ptdma');
const GiB = 2 ** 30;
const gbps = async (path: RunPath, lanes: number, folioSize: number) =>
  (await predictMovePages({ preset, path, lanes, folioSize, count: GiB / folioSize })).report.calls[0]!.throughputGBps;

describe('extrapolation to 8 and 16 channels/threads (2 MiB folios, 1 GiB)', () => {
  it('DMA: throughput grows with channels to about 6x the baseline at 16', async () => {
    const base = await gbps('baseline', 1, 2 << 20);
    const rows: number[] = [];
    for (const n of [1, 2, 4, 8, 16]) rows.push(await gbps('dcbm', n, 2 << 20));
    console.log(`dcbm 2 MiB, x baseline (${base.toFixed(2)} GB/s): ${rows.map((v, i) => `${[1, 2, 4, 8, 16][i]}ch ${(v / base).toFixed(2)}x`).join(', ')}`);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!).toBeGreaterThan(rows[i - 1]!);
    expect(rows[4]! / base).toBeGreaterThan(4.5);
    expect(rows[4]! / base).toBeLessThan(7.5);
  }, 120_000);

  it('threads: throughput grows with threads; 16 threads print their number', async () => {
    const base = await gbps('baseline', 1, 2 << 20);
    const rows: number[] = [];
    for (const n of [1, 2, 4, 8, 16]) rows.push(await gbps('mtcopy', n, 2 << 20));
    console.log(`mtcopy 2 MiB, x baseline: ${rows.map((v, i) => `${[1, 2, 4, 8, 16][i]}t ${(v / base).toFixed(2)}x`).join(', ')}`);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!).toBeGreaterThan(rows[i - 1]!);
  }, 120_000);

  it('4 KiB folios: DMA never gets far from the baseline (per-descriptor and per-folio costs dominate)', async () => {
    const base = await gbps('baseline', 1, 4096);
    const one = await gbps('dcbm', 1, 4096);
    const sixteen = await gbps('dcbm', 16, 4096);
    console.log(`dcbm 4 KiB: 1ch ${(one / base).toFixed(2)}x, 16ch ${(sixteen / base).toFixed(2)}x baseline`);
    expect(one).toBeLessThan(base);
    expect(sixteen / base).toBeLessThan(2);
  }, 120_000);
});

describe('virtual time is deterministic', () => {
  it('16 channels on this 2-core machine: two runs give exactly the same numbers', async () => {
    const run = () => predictMovePages({ preset, path: 'dcbm', lanes: 16, folioSize: 64 << 10, count: 4096 });
    const a = await run();
    const b = await run();
    expect(a.log.dump()).toBe(b.log.dump());
    expect(a.timing).toEqual(b.timing);
    expect(a.report).toEqual(b.report);
    expect(a.timing.lanes.filter((l) => l.kind === 'dma').length).toBe(16);
  }, 60_000);

  it('16 threads: two runs give exactly the same numbers', async () => {
    const run = () => predictMovePages({ preset, path: 'mtcopy', lanes: 16, folioSize: 2 << 20, count: 64 });
    const a = await run();
    const b = await run();
    expect(a.timing).toEqual(b.timing);
    expect(a.timing.lanes.filter((l) => l.kind === 'thread').length).toBe(16);
  }, 60_000);
});

describe('worker completion order does not matter', () => {
  it('dcbm over the worker-thread software device times exactly like the modelled device', async () => {
    const { recordMovePagesRun } = await import('./move-pages-run');
    const { CostModel } = await import('./cost-model');
    const { presetParams } = await import('./preset');
    const model = new CostModel(presetParams(preset));
    const opts = { folioSize: 64 << 10, count: 96, path: 'dcbm' as const, lanes: 3, dataless: false };
    const sw = await recordMovePagesRun({ ...opts, dmaDevice: 'software' });
    const md = await recordMovePagesRun(opts);
    expect(sw.dataChecked).toBe(true);
    expect(md.dataChecked).toBe(true);
    const strip = (dump: string) => dump.split('\n').filter((l) => !l.startsWith('dma_complete')).join('\n');
    expect(strip(sw.log.dump())).toBe(strip(md.log.dump()));
    expect(model.run(sw.log)).toEqual(model.run(md.log));
  }, 60_000);
});
