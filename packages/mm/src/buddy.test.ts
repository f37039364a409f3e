import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { MAX_PAGE_ORDER, PGF_buddy, PGF_hwpoison, NR_PAGE_ORDERS } from '@pagemig/folio';
import { BuddyZone } from './buddy';
import { NIL } from './folio-list';
import { checkInvariants } from './invariants';
import { Memmap } from './memmap';
import { __GFP_THISNODE } from './page-alloc';
import { createSystem } from './system';

const MiB = 1 << 20;

/** Free pages of a zone counted from its lists. */
function listedPages(zone: BuddyZone): number {
  return zone.freeCounts().reduce((sum, n, order) => sum + n * 2 ** order, 0);
}

describe('BuddyZone', () => {
  it('boots with every MAX_ORDER block free', () => {
    const zone = new BuddyZone(new Memmap(4096), 0, 0, 4096);
    expect(zone.freeCounts()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    expect(zone.nrFreePages).toBe(4096);
  });

  it('splits the smallest larger block and hands the lower half out', () => {
    const memmap = new Memmap(1024);
    const zone = new BuddyZone(memmap, 0, 0, 1024);
    const pfn = zone.rmqueue(0);
    expect(pfn).toBe(0);
    // one free block of each order 0..9 is left over from the split
    expect(zone.freeCounts()).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(zone.nrFreePages).toBe(1023);
    expect(memmap.flags[1]! & PGF_buddy).not.toBe(0);
    expect(memmap.private[512]).toBe(9);
    zone.free(pfn, 0);
    expect(zone.freeCounts()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('returns NIL when no block is large enough', () => {
    const zone = new BuddyZone(new Memmap(1024), 0, 0, 1024);
    expect(zone.rmqueue(MAX_PAGE_ORDER)).toBe(0);
    expect(zone.rmqueue(0)).toBe(NIL);
  });

  it('takes one chosen block out of a larger free block', () => {
    const zone = new BuddyZone(new Memmap(1024), 0, 0, 1024);
    expect(zone.takeBlockContaining(300, 2)).toBe(true);
    expect(zone.nrFreePages).toBe(1020);
    expect(zone.takeBlockContaining(301, 0)).toBe(false);
    zone.free(300, 2);
    expect(zone.freeCounts()[MAX_PAGE_ORDER]).toBe(1);
  });

  it('never hands a poisoned frame out again', () => {
    const memmap = new Memmap(1024);
    const zone = new BuddyZone(memmap, 0, 0, 1024);
    expect(zone.rmqueue(MAX_PAGE_ORDER)).toBe(0);
    memmap.flags[37]! |= PGF_hwpoison;
    zone.free(0, MAX_PAGE_ORDER);
    expect(zone.nrFreePages).toBe(1023);
    expect(zone.poisoned).toBe(1);
    const seen = new Set<number>();
    for (let pfn = zone.rmqueue(0); pfn !== NIL; pfn = zone.rmqueue(0)) seen.add(pfn);
    expect(seen.size).toBe(1023);
    expect(seen.has(37)).toBe(false);
  });
});

type Op = { kind: 'alloc'; order: number; nid: number } | { kind: 'free'; pick: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('alloc' as const), order: fc.integer({ min: 0, max: MAX_PAGE_ORDER }), nid: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  ),
  { maxLength: 120 },
);

describe('buddy allocator under random alloc/free sequences', () => {
  test.prop([ops], { numRuns: 60, seed: 4242 })('counts stay exact and everything coalesces back to the boot state', (seq: Op[]) => {
    const sys = createSystem({ nodes: [{ size: 8 * MiB }, { size: 8 * MiB }] });
    const boot = sys.zones.map((zone) => zone.freeCounts());
    const held: { pfn: number; order: number }[] = [];
    const owner = new Int32Array(sys.phys.totalPages).fill(-1);
    for (const op of seq) {
      if (op.kind === 'alloc') {
        const pfn = sys.alloc.allocPages(op.nid, op.order, __GFP_THISNODE);
        if (pfn === NIL) {
          expect(sys.zones[op.nid]!.freeCounts().slice(op.order).every((n) => n === 0)).toBe(true);
          continue;
        }
        expect(pfn % 2 ** op.order).toBe(sys.zones[op.nid]!.startPfn % 2 ** op.order);
        expect(sys.phys.pfnToNid(pfn)).toBe(op.nid);
        for (let i = 0; i < 2 ** op.order; i++) {
          expect(owner[pfn + i]).toBe(-1);
          owner[pfn + i] = held.length;
        }
        held.push({ pfn, order: op.order });
      } else if (held.length > 0) {
        const [block] = held.splice(op.pick % held.length, 1);
        owner.fill(-1, block!.pfn, block!.pfn + 2 ** block!.order);
        sys.alloc.freePages(block!.pfn, block!.order);
      }
      const allocated = held.reduce((sum, b) => sum + 2 ** b.order, 0) + 1; // + the zero page
      for (const zone of sys.zones) expect(listedPages(zone)).toBe(zone.nrFreePages);
      expect(sys.zones.reduce((sum, z) => sum + z.nrFreePages, 0) + allocated).toBe(sys.zones.reduce((sum, z) => sum + z.nrPages, 0));
    }
    for (const block of held) sys.alloc.freePages(block.pfn, block.order);
    expect(sys.zones.map((zone) => zone.freeCounts())).toEqual(boot);
    expect(boot[1]).toEqual([...new Array<number>(NR_PAGE_ORDERS - 1).fill(0), 2]);
  });

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat()), { maxLength: 60 })], { numRuns: 40, seed: 77 })(
    'folios allocated and put in any order leave a clean system that matches boot',
    (seq) => {
      const sys = createSystem({ nodes: [{ size: 8 * MiB }, { size: 8 * MiB }] });
      const boot = sys.zones.map((zone) => zone.freeCounts());
      const live: number[] = [];
      for (const [order, pick] of seq) {
        if (pick % 3 === 0 && live.length > 0) {
          sys.alloc.folioPut(live.splice(pick % live.length, 1)[0]!);
        } else {
          const folio = sys.alloc.allocFolio(pick % 2, order, 0, 1);
          if (folio !== NIL) live.push(folio);
        }
        expect(checkInvariants(sys)).toEqual([]);
      }
      for (const folio of live) sys.alloc.folioPut(folio);
      expect(checkInvariants(sys)).toEqual([]);
      expect(sys.zones.map((zone) => zone.freeCounts())).toEqual(boot);
      expect(sys.memcgs.get(1).usage).toBe(0);
    },
  );
});
