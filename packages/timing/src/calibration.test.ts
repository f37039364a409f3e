/**
 * The committed zen3-ptdma preset against the recorded V3 calibration runs
 * (calibration/v3-runs.json, written by `pnpm calibrate`), and the qualitative facts of the
 * reference that the calibrated model must reproduce.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateCells, fitReport, fitZen3, type V3Runs } from './calibrate-zen3';
import { EventLog } from './event-log';
import { recordMovePagesRun } from './move-pages-run';
import { presetParams } from './preset';
import { getPreset } from './presets';
import { V3_CALIBRATION, cellRunKey, v3Cells } from './v3-cells';

const runs = JSON.parse(readFileSync(new URL('../calibration/v3-runs.json', import.meta.url), 'utf8')) as V3Runs;
const params = presetParams(getPreset('zen3-ptdma'));
const report = fitReport(evaluateCells(params, runs));
const cell = (id: string) => report.cells.find((c) => c.id === id)!;

describe('zen3-ptdma against the V3 calibration set', () => {
  it('median absolute error at most 10% over every cell; prints the worst', () => {
    expect(report.cells.length).toBe(87);
    console.log(
      `V3 fit: median |err| ${(report.medianAbsRelErr * 100).toFixed(1)}%, mean ${(report.meanAbsRelErr * 100).toFixed(1)}%, worst: ${report.worstCells
        .map((c) => `${c.id} ${(c.relErr * 100).toFixed(1)}% (published ${c.published}, modelled ${c.modelled.toFixed(2)})`)
        .join('; ')}`,
    );
    expect(report.medianAbsRelErr).toBeLessThanOrEqual(0.1);
    expect(report.meanAbsRelErr).toBeLessThanOrEqual(0.1);
    expect(Math.abs(report.worst.relErr)).toBeLessThan(0.5);
  });

  it('the preset file states the fit it carries', () => {
    const fit = getPreset('zen3-ptdma').fit!;
    expect(fit.cells).toBe(87);
    expect(fit.medianAbsRelErr).toBeCloseTo(report.medianAbsRelErr, 3);
    expect(fit.worst.cell).toBe(report.worst.id);
  });

  it('1-channel DMA is slower than the baseline at 4 KiB and faster at 2 MiB', () => {
    expect(cell('dcbm1/4K').modelled).toBeLessThan(cell('baseline/4K').modelled);
    expect(cell('dcbm1/2M').modelled).toBeGreaterThan(cell('baseline/2M').modelled);
  });

  it('2 MiB throughput grows with channels and threads', () => {
    for (const path of ['dcbm', 'mtcopy']) {
      const v = [1, 2, 4].map((n) => cell(`${path}${n}/2M`).modelled);
      expect(v[1]!).toBeGreaterThan(v[0]!);
      expect(v[2]!).toBeGreaterThan(v[1]!);
    }
  });

  it('folio-count table: the 1-channel plateau past a few hundred folios', () => {
    const dma = V3_CALIBRATION.folioCount2M.map(([n]) => cell(`count/dcbm/${n}`).modelled);
    for (let i = 1; i < dma.length; i++) expect(dma[i]!).toBeGreaterThan(dma[i - 1]!); // still rising, ...
    const at = (n: number) => cell(`count/dcbm/${n}`).modelled;
    expect((at(8192) - at(256)) / at(8192)).toBeLessThan(0.05); // ... but within 5% from 256 folios on
    expect((at(8192) - at(8)) / at(8192)).toBeGreaterThan(0.2); // while small counts pay the setup
    expect(cell('count/dcbm/1').modelled).toBeLessThan(cell('count/baseline/1').modelled); // one folio: DMA loses
  });

  it('copy share of move_pages time: <1% at 4K x1, about 1/3 at 4K x512, 2/3 at 2M x1, nearly all at 2M x512', () => {
    expect(cell('share/4K x1').modelled).toBeLessThan(0.01);
    expect(cell('share/4K x512').modelled).toBeGreaterThan(0.25);
    expect(cell('share/4K x512').modelled).toBeLessThan(0.45);
    expect(cell('share/2M x1').modelled).toBeCloseTo(0.66, 1);
    expect(cell('share/2M x512').modelled).toBeGreaterThan(0.9);
  });

  it('the recorded runs still match what the functional code does today (a sample re-recorded)', async () => {
    for (const c of v3Cells().filter((x) => ['count/dcbm/8', 'count/mtcopy/8', 'count/baseline/16', 'share/4K x512'].includes(x.id))) {
      const run = await recordMovePagesRun({ folioSize: c.folioSize, count: c.count, path: c.path, lanes: Math.max(1, c.lanes) });
      expect(run.log.dump(), c.id).toBe(EventLog.fromJSON(runs[cellRunKey(c)]).dump());
    }
  });

  it('a reduced fit from a perturbed start is deterministic and does not get worse', () => {
    const start = { ...params, folioNs: params.folioNs * 1.3, chanGBps: params.chanGBps * 0.8 };
    const before = fitReport(evaluateCells(start, runs)).meanAbsRelErr;
    const a = fitZen3(start, runs, { free: ['folioNs', 'chanGBps'], maxEvaluations: 120, restarts: 1 });
    const b = fitZen3(start, runs, { free: ['folioNs', 'chanGBps'], maxEvaluations: 120, restarts: 1 });
    expect(a.params).toEqual(b.params);
    expect(a.report.meanAbsRelErr).toBeLessThan(before);
  }, 120_000);
});
