import { describe, expect, it } from 'vitest';
import { checkChromeTrace, chromeTrace } from './chrome-trace';
import { packLanes, type Timeline } from './timeline';
import { wallTimeline } from './wall-timeline';
import type { TraceRecord } from './trace-recorder';

const rec = (name: string, ns: number, payload: Record<string, unknown>): TraceRecord => ({ name, ns, payload });

describe('timelines and Chrome traces', () => {
  it('pairs tracepoints into spans on lanes, and overlapping spans go to sub-lanes', () => {
    const records = [
      rec('pagemig_step', 0, { index: 0, kind: 'move_pages', label: 'move', phase: 'begin' }),
      rec('mm_migrate_pages_start', 1000, { mode: 2, reason: 3 }),
      rec('migrate_batch_copy_start', 2000, { batchId: 1, count: 4, bytes: 16384 }),
      rec('dma_desc_submit', 2100, { chan: 'dma0chan0', cookie: 1, len: 4096 }),
      rec('dma_desc_submit', 2200, { chan: 'dma0chan0', cookie: 2, len: 4096 }),
      rec('dma_desc_complete', 3000, { chan: 'dma0chan0', cookie: 1, len: 4096, result: 0, residue: 0 }),
      rec('dma_desc_complete', 3500, { chan: 'dma0chan0', cookie: 2, len: 4096, result: 0, residue: 0 }),
      rec('migrate_offload_batch', 3600, { batchId: 1, migrator: 'dcbm', outcome: 'copied', rc: 0 }),
      rec('migrate_batch_copy_end', 3700, { batchId: 1, rc: 0 }),
      rec('mm_migrate_pages_start', 1500, { mode: 0, reason: 5 }),
      rec('mm_migrate_pages', 4000, { succeeded: 4, failed: 0, mode: 2, reason: 3 }),
      rec('mm_migrate_pages', 4100, { succeeded: 1, failed: 0, mode: 0, reason: 5 }),
      rec('pagemig_step', 5000, { index: 0, kind: 'move_pages', label: 'move', phase: 'end' }),
    ];
    const t = wallTimeline(records);
    const span = (lane: string) => t.spans.filter((s) => s.lane === lane);
    expect(span('driver:steps')).toEqual([expect.objectContaining({ name: 'move', startNs: 0, durNs: 5000 })]);
    expect(span('dma:dma0chan0').map((s) => [s.startNs, s.durNs])).toEqual([
      [2100, 900],
      [3000, 500], // the second descriptor runs after the first completed
    ]);
    expect(span('cpu:batch_copy')).toEqual([expect.objectContaining({ startNs: 2000, durNs: 1700 })]);
    // two concurrent migrate_pages calls: the second goes to a sub-lane
    expect(span('cpu:migrate_pages')).toEqual([expect.objectContaining({ name: 'migrate_pages syscall_or_cpuset', startNs: 1000, durNs: 3000 })]);
    expect(span('cpu:migrate_pages#1')).toEqual([expect.objectContaining({ name: 'migrate_pages numa_misplaced', startNs: 1500, durNs: 2600 })]);
    expect(t.counters.at(-1)).toEqual({ name: 'pages migrated', atNs: 4100, values: { pages: 5 } });
    const trace = JSON.parse(JSON.stringify(chromeTrace(t)));
    expect(checkChromeTrace(trace)).toEqual([]);
    const names = trace.traceEvents.filter((e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'thread_name').map((e: { args: { name: string } }) => e.args.name);
    expect(names).toEqual(['steps', 'batch_copy', 'migrate_pages', 'migrate_pages#1', 'dma0chan0']);
    const x = trace.traceEvents.find((e: { ph: string; name: string }) => e.ph === 'X' && e.name === 'memcpy 4096');
    expect(x).toMatchObject({ ts: 2.1, dur: 0.9, cat: 'dma' });
  });

  it('packLanes never leaves two overlapping spans on one lane', () => {
    const spans = Array.from({ length: 50 }, (_, i) => ({ lane: 'cpu:x', name: `s${i}`, startNs: (i * 37) % 400, durNs: 10 + ((i * 53) % 90) }));
    const t = packLanes({ clock: 'wall', lanes: [], spans, instants: [], counters: [], endNs: 500 } satisfies Timeline);
    const byLane = new Map<string, { startNs: number; durNs: number }[]>();
    for (const s of t.spans) byLane.set(s.lane, [...(byLane.get(s.lane) ?? []), s]);
    for (const list of byLane.values()) {
      list.sort((a, b) => a.startNs - b.startNs);
      for (let i = 1; i < list.length; i++) expect(list[i]!.startNs).toBeGreaterThanOrEqual(list[i - 1]!.startNs + list[i - 1]!.durNs);
    }
    expect(t.spans).toHaveLength(50);
  });

  it('the structural check finds malformed events', () => {
    expect(checkChromeTrace([])).toEqual(['the top level is not an object with a traceEvents list']);
    expect(
      checkChromeTrace({
        traceEvents: [
          { name: 'a', ph: 'X', ts: 1, pid: 1, tid: 1 },
          { name: '', ph: 'i', ts: 1, pid: 1, tid: 1 },
          { name: 'c', ph: 'Q', ts: -1, pid: 1.5, tid: 'x' },
          { name: 'd', ph: 'C', ts: 0, pid: 1, tid: 0, args: { v: 'high' } },
        ],
      }),
    ).toEqual([
      'traceEvents[0]: X event without a finite dur >= 0',
      'traceEvents[1]: name is not a non-empty string',
      'traceEvents[2]: ph "Q" is not a known phase',
      'traceEvents[2]: ts is not a finite number >= 0',
      'traceEvents[2]: pid is not an integer',
      'traceEvents[2]: tid is not an integer',
      'traceEvents[3]: C event args are not all numbers',
    ]);
  });
});
