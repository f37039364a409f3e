import { describe, expect, it } from 'vitest';
import { CostModel } from './cost-model';
import { recordMovePagesRun } from './move-pages-run';
import { presetParams } from './preset';
import { getPreset } from './presets';
import { exportTimeline, folioCompletionTimes, runReport } from './run-report';
import { dmaCallLog, handParams } from './testing/params';

describe('runReport', () => {
  it('hand case: busy, wait, offload overhead, freed CPU time, utilisation, first folio', () => {
    const p = handParams();
    const r = runReport(new CostModel(p).run(dmaCallLog([2])), p);
    expect(r.totalNs).toBe(4305);
    expect(r.throughputGBps).toBeCloseTo(8192 / 4305, 12);
    expect(r.cpu).toMatchObject({ busyNs: 2035, waitNs: 2270, copyNs: 0, offloadNs: 545 });
    expect(r.cpu.freedNs).toBe(2000 - 545); // 8 KiB at 4.096 GB/s on the CPU would cost 2000 ns
    expect(r.lanes[1]).toMatchObject({ name: 'dma0chan0', busyNs: 2200, utilisation: 2200 / 4305 });
    expect(r.firstFolioNs).toBe(4205);
  });

  it('per-folio completion times and the timeline export', () => {
    const p = handParams();
    const t = new CostModel(p).run(dmaCallLog([3]));
    expect([...folioCompletionTimes(t)]).toEqual([t.totalNs - 200, t.totalNs - 100, t.totalNs]);
    expect([...folioCompletionTimes(t, 1)]).toHaveLength(1);
    const x = exportTimeline(t);
    expect(x).toMatchObject({ format: 'pagemig-timeline', version: 1, unit: 'ns', totalNs: t.totalNs });
    expect(x.lanes.map((l) => l.name)).toEqual(['cpu', 'dma0chan0']);
    expect(JSON.parse(JSON.stringify(x))).toEqual(x);
  });

  it('a functional run with real bytes: 4 modelled channels, data checked, first-folio latency after the batch', async () => {
    const run = await recordMovePagesRun({ folioSize: 64 << 10, count: 128, path: 'dcbm', lanes: 4, dataless: false });
    expect(run.dataChecked).toBe(true);
    expect(run.rcs).toEqual([0]);
    const params = presetParams(getPreset('zen3-ptdma'));
    const t = new CostModel(params).run(run.log);
    const r = runReport(t, params);
    expect(r.bytesMoved).toBe(128 * (64 << 10));
    expect(r.lanes.filter((l) => l.kind === 'dma').map((l) => l.items)).toEqual([32, 32, 32, 32]);
    for (const l of r.lanes) expect(l.utilisation).toBeLessThanOrEqual(1);
    // the batch copies everything before the first move: the first folio waits for the whole batch
    const waitEnd = t.lanes[0]!.intervals.find((iv) => iv.kind === 'wait')!.end;
    expect(r.firstFolioNs!).toBeGreaterThan(waitEnd);
    expect(r.cpu.freedNs).toBeGreaterThan(0);
  });
});
