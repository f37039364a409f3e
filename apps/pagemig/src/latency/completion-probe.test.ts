import { describe, expect, it } from 'vitest';
import { createSystem } from '@pagemig/mm';
import { createMigrateEngine } from '@pagemig/migrate';
import { CompletionProbe } from './completion-probe';
import type { LatencyClock } from './latency-clock';

const M = 1024 * 1024;

/** A system with the migrate tracepoints, a clock the test moves, and a probe on both. */
function setup() {
  const sys = createSystem({ nodes: [{ size: 8 * M }, { size: 8 * M }] });
  const eng = createMigrateEngine(sys);
  let t = 0;
  const clock: LatencyClock = { mode: 'test', now: () => t };
  const probe = new CompletionProbe(sys, clock);
  const at = (ns: number) => {
    t = ns;
  };
  const ev = { src: 1, dst: 2, order: 9 };
  return { sys, eng, probe, at, ev };
}

describe('CompletionProbe', () => {
  it('times the first completion of each call and counts the work before it', () => {
    const { eng, probe, at, ev } = setup();
    probe.begin(2);
    at(100);
    probe.onCall();
    for (let i = 0; i < 3; i++) eng.tp.unmap.emit({ ...ev, rc: 0 });
    eng.tp.unmap.emit({ ...ev, rc: -11 }); // -EAGAIN: not unmapped
    eng.tp.batchStart.emit({ batchId: 1, count: 3, bytes: 6 * M, memcg: 0, reason: 3 });
    eng.tp.batchEnd.emit({ batchId: 1, rc: 0, copied: 3 });
    at(400);
    eng.tp.move.emit({ ...ev, rc: 0 });
    eng.tp.folioCopy.emit({ dst: 2, src: 1, bytes: 2 * M, fallback: false }); // after the first completion: not counted
    at(500);
    eng.tp.move.emit({ ...ev, rc: -11 }); // not a completion
    eng.tp.move.emit({ ...ev, rc: 0 });
    at(1000);
    probe.onCall();
    at(1100);
    eng.tp.move.emit({ ...ev, rc: 0 });
    const s = probe.end();
    expect(s).toEqual({
      calls: 2,
      completed: 3,
      firstNs: (300 + 100) / 2,
      meanNs: (300 + 400 + 100) / 3,
      totalNs: 1000,
      unmappedBeforeFirst: 3,
      copiedBeforeFirst: 6 * M,
    });
  });

  it('counts per-folio copies and the part of a failed batch that was copied', () => {
    const { eng, probe, at, ev } = setup();
    probe.begin(1);
    probe.onCall();
    eng.tp.batchStart.emit({ batchId: 7, count: 4, bytes: 8 * M, memcg: 0, reason: 3 });
    eng.tp.batchEnd.emit({ batchId: 7, rc: -5, copied: 1 }); // V6: one of four marked copied
    eng.tp.folioCopy.emit({ dst: 2, src: 1, bytes: 2 * M, fallback: true });
    at(10);
    eng.tp.move.emit({ ...ev, rc: 0 });
    expect(probe.end().copiedBeforeFirst).toBe(4 * M);
  });

  it('ignores events outside a move and stops listening when closed', () => {
    const { sys, eng, probe, ev } = setup();
    eng.tp.move.emit({ ...ev, rc: 0 });
    probe.begin(1);
    const s = probe.end();
    expect(s.completed).toBe(0);
    expect(Number.isNaN(s.firstNs)).toBe(true);
    probe.close();
    expect(sys.trace.get('migrate_folio_move')!.enabled).toBe(false);
  });
});
