import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { KernelError } from '@pagemig/kernel';
import { MR_SYSCALL } from '@pagemig/folio';
import { OFFLOAD_OUTCOMES, ProvenanceRing, type ProvenanceRecord } from './provenance-ring';

function rec(batchId: number): ProvenanceRecord {
  return { batchId, migrator: 'm', outcome: 'copied', rc: 0, reason: MR_SYSCALL, memcg: 1, hint: 'default', count: 1, bytes: 4096, copiedFolios: 1, fallbackFolios: 0, deviceNs: 0, cpuNs: 0 };
}

describe('ProvenanceRing', () => {
  test.prop([fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 60 })], { seed: 3 })('keeps the latest `capacity` records, oldest first', (capacity, pushes) => {
    const ring = new ProvenanceRing(capacity);
    for (let i = 1; i <= pushes; i++) ring.push(rec(i));
    const kept = Math.min(capacity, pushes);
    expect(ring.size).toBe(kept);
    expect(ring.toArray().map((r) => r.batchId)).toEqual(Array.from({ length: kept }, (_, i) => pushes - kept + 1 + i));
    if (pushes > 0) expect(ring.find(pushes)?.batchId).toBe(pushes);
    if (pushes > capacity) expect(ring.find(pushes - capacity)).toBeUndefined();
  });

  it('hands out copies, finds live records, clears, and refuses a bad capacity', () => {
    const ring = new ProvenanceRing(2);
    const r = rec(7);
    ring.push(r);
    ring.toArray()[0]!.rc = -5;
    expect(ring.find(7)).toBe(r);
    expect(r.rc).toBe(0);
    ring.clear();
    expect(ring.size).toBe(0);
    expect(ring.find(7)).toBeUndefined();
    for (const bad of [0, -1, 1.5, 65537, Number.NaN]) {
      let thrown: unknown;
      try {
        new ProvenanceRing(bad);
      } catch (error) {
        thrown = error;
      }
      expect(KernelError.isInstance(thrown) && thrown.code === 'EINVAL').toBe(true);
    }
    expect(OFFLOAD_OUTCOMES).toEqual(['copied', 'declined', 'error', 'key_off', 'reason_filtered', 'hint_never']);
  });
});
