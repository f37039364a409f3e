import { describe, it, expect } from 'vitest';
import { TraceRegistry } from '@pagemig/kernel';
import { TLB_ENTRIES, Tlb, type TlbFlushEvent } from './tlb';

describe('Tlb', () => {
  it('caches per CPU, needs a writable entry for writes, and evicts by slot', () => {
    const tlb = new Tlb(2);
    tlb.fill(0, 1, 100, 555, false);
    expect(tlb.lookup(0, 1, 100, false)).toBe(555);
    expect(tlb.lookup(0, 1, 100, true)).toBe(-1);
    expect(tlb.lookup(1, 1, 100, false)).toBe(-1);
    expect(tlb.lookup(0, 2, 100, false)).toBe(-1);
    tlb.fill(0, 1, 100 + TLB_ENTRIES, 556, true);
    expect(tlb.lookup(0, 1, 100, false)).toBe(-1);
    expect(tlb.mapsFrames(556, 1)).toBe(true);
    expect(() => new Tlb(0)).toThrow(/nrCpus 0/);
  });

  it('flushes a range on the CPUs of a mask now, or once for a whole batch later, counting IPIs', () => {
    const trace = new TraceRegistry();
    const tp = trace.define<TlbFlushEvent>('mm_tlb_flush');
    const events: TlbFlushEvent[] = [];
    tp.subscribe((e) => events.push(e));
    const counted = new Map<string, number>();
    const tlb = new Tlb(4, tp, (name, n) => counted.set(name, (counted.get(name) ?? 0) + n));
    for (let cpu = 0; cpu < 4; cpu++) tlb.fill(cpu, 1, 10, 99, true);
    tlb.flushRange(0b0011, 1, 10, 1);
    expect(tlb.lookup(0, 1, 10, false)).toBe(-1);
    expect(tlb.lookup(2, 1, 10, false)).toBe(99);
    tlb.deferFlush(0b0100, 3);
    tlb.deferFlush(0b1000, 2);
    expect(tlb.flushPending()).toBe(true);
    expect(tlb.lookup(3, 1, 10, false)).toBe(99);
    tlb.tryToUnmapFlush();
    tlb.tryToUnmapFlush();
    expect(tlb.entries()).toEqual([]);
    expect(events).toEqual([
      { batched: false, cpus: 2, pages: 1 },
      { batched: true, cpus: 2, pages: 5 },
    ]);
    expect(tlb.stats).toMatchObject({ flushes: 2, batchedFlushes: 1, ipis: 4 });
    expect(counted.get('nr_tlb_remote_flush')).toBe(2);
    expect(counted.get('nr_tlb_remote_flush_received')).toBe(4);
  });
});
