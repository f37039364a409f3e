import { describe, expect, it } from 'vitest';
import { parseLatencyOptions } from './latency-options';
import { runLatency, type LatencyPoint } from './run-latency';

const K = 1024;
const M = 1024 * K;
const quiet = { start() {}, step() {}, stop() {} };
const byPath = (points: LatencyPoint[], path: string) => points.filter((p) => p.path === path);

describe('runLatency (measured, 2M folios)', () => {
  it('batching makes the first folio wait for the whole batch: work before the first completion grows with the limit', async () => {
    const options = parseLatencyOptions({ total: '16M', paths: 'legacy,batch', limits: '512,1024,2048,4096,8192', repeat: '1' });
    const result = await runLatency(options, quiet);
    expect(result.skipped).toEqual([]);
    expect(result.points).toHaveLength(10);
    for (const p of result.points) {
      expect(p.verified, p.problem).toBe(true);
      expect(p.mode).toBe('measured');
      expect(p.calls).toBe(1);
      expect(p.firstFolioUs).toBeGreaterThan(0);
      // the first completion cannot come after the last one
      expect(p.totalUs).toBeGreaterThanOrEqual(p.firstFolioUs);
      expect(p.meanFolioUs).toBeGreaterThanOrEqual(p.firstFolioUs);
    }
    // a chunk holds folios until it reaches the limit: 1, 2, 4, 8 folios, then the whole 8-folio region
    const batch = byPath(result.points, 'batch');
    expect(batch.map((p) => p.unmappedBeforeFirst)).toEqual([1, 2, 4, 8, 8]);
    expect(batch.map((p) => p.copiedBeforeFirst)).toEqual([2, 4, 8, 16, 16].map((n) => n * M));
    // legacy unmaps the same chunk but copies inside each move: one folio before the first completion
    const legacy = byPath(result.points, 'legacy');
    expect(legacy.map((p) => p.unmappedBeforeFirst)).toEqual([1, 2, 4, 8, 8]);
    expect(legacy.map((p) => p.copiedBeforeFirst)).toEqual([2, 2, 2, 2, 2].map((n) => n * M));
  });

  it('sweeps folios per move_pages call: each call is one batch, the region still moves whole', async () => {
    const options = parseLatencyOptions({ total: '16M', paths: 'batch', folios: '1,2,8', repeat: '2' });
    const result = await runLatency(options, quiet);
    expect(result.options).toMatchObject({ sweep: 'folios', limits: [262144], foliosPerCall: [1, 2, 8], folios: 8 });
    expect(result.points.map((p) => [p.foliosPerCall, p.calls, p.unmappedBeforeFirst, p.copiedBeforeFirst / M])).toEqual([
      [1, 8, 1, 2],
      [2, 4, 2, 4],
      [8, 1, 8, 16],
    ]);
    for (const p of result.points) {
      expect(p.verified, p.problem).toBe(true);
      expect(p.samples.firstFolioUs).toHaveLength(2);
    }
  });

  it('reports migrator paths that are not available as skipped', async () => {
    const options = parseLatencyOptions({ total: '2M', paths: 'batch,mtcopy,dcbm', limits: '512', repeat: '1' });
    const result = await runLatency(options, quiet);
    expect(result.skipped).toEqual(['mtcopy', 'dcbm']);
    expect(result.points.map((p) => p.path)).toEqual(['batch']);
  });
});

describe('runLatency (measured, 4K folios)', () => {
  it('counts 4K folios per batch by base pages', async () => {
    const options = parseLatencyOptions({ total: '4M', size: '4K', paths: 'batch', limits: '512,1024', repeat: '1' });
    const result = await runLatency(options, quiet);
    expect(result.points.map((p) => [p.unmappedBeforeFirst, p.copiedBeforeFirst])).toEqual([
      [512, 512 * 4 * K],
      [1024, 1024 * 4 * K],
    ]);
    expect(result.points.every((p) => p.verified)).toBe(true);
  });
});
