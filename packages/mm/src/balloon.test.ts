import { describe, it, expect } from 'vitest';
import { EAGAIN, EBUSY, EINVAL } from '@pagemig/kernel';
import { MIGRATE_SYNC, PGF_isolated, PGF_lru, PGF_movable_ops } from '@pagemig/folio';
import { Balloon } from './balloon';
import { NIL } from './folio-list';
import { nodeMemStats } from './mem-stats';
import { NO_MEMCG } from './memcg';
import { __GFP_THISNODE } from './page-alloc';
import type { System } from './system';
import { MiB, expectClean, twoNodes } from './testing/fixture';

/** What the migrate core does around the driver's isolate (mirrors `isolate_movable_ops_page()`). */
function isolate(sys: System, balloon: Balloon, page: number): boolean {
  if (!sys.locks.folioTrylock(page)) return false;
  sys.memmap.folioGet(page);
  const ok = balloon.isolate(page);
  sys.locks.folioUnlock(page);
  if (!ok) sys.alloc.folioPut(page);
  else sys.memmap.flags[page]! |= PGF_isolated;
  return ok;
}

/** The core's move of an isolated page: dst allocated and locked, the driver's migratePage, then the puts. */
function migrate(sys: System, balloon: Balloon, src: number, nid: number): { rc: number; dst: number } {
  const dst = sys.alloc.allocFolio(nid, 0, __GFP_THISNODE, NO_MEMCG);
  sys.locks.folioTrylock(src);
  sys.locks.folioTrylock(dst);
  const rc = balloon.migratePage(dst, src, MIGRATE_SYNC);
  if (rc === 0) sys.memmap.flags[src]! &= ~PGF_isolated;
  sys.locks.folioUnlock(dst);
  sys.alloc.folioPut(dst);
  sys.locks.folioUnlock(src);
  if (rc === 0) sys.alloc.folioPut(src);
  return { rc, dst };
}

describe('Balloon', () => {
  it('inflates with movable_ops pages on one node that are neither on the LRU nor mapped, and deflates', () => {
    const sys = twoNodes(8 * MiB);
    const balloon = new Balloon(sys, 'virtio0');
    const free = sys.zones[1]!.nrFreePages;
    expect(balloon.inflate(1, 100)).toBe(100);
    expect(sys.zones[1]!.nrFreePages).toBe(free - 100);
    for (let page = balloon.pages.first(); page !== NIL; page = balloon.pages.nextOf(page)) {
      expect(sys.phys.pfnToNid(page)).toBe(1);
      expect(sys.memmap.flags[page]! & PGF_movable_ops).not.toBe(0);
      expect(sys.memmap.flags[page]! & PGF_lru).toBe(0);
      expect(sys.memmap.refcount[page]).toBe(1);
      expect(sys.movableOpsOwner(page)).toBe(balloon);
    }
    expect(nodeMemStats(sys)[1]!.balloon).toBe(100);
    expect(sys.vmstat.get('balloon_inflate')).toBe(100);
    expectClean(sys);
    expect(balloon.deflate(40)).toBe(40);
    expect(balloon.size).toBe(60);
    expect(sys.zones[1]!.nrFreePages).toBe(free - 60);
    expectClean(sys);
    // inflating stops where the node runs out
    expect(balloon.inflate(1, 1 << 20)).toBe(free - 60);
    expect(sys.zones[1]!.nrFreePages).toBe(0);
    expectClean(sys);
  });

  it('isolates, migrates to another node and puts back through the movable_ops callbacks', () => {
    const sys = twoNodes(8 * MiB);
    const balloon = new Balloon(sys);
    const other = new Balloon(sys, 'other');
    balloon.inflate(0, 3);
    const src = balloon.pages.first();
    expect(other.owns(src)).toBe(false);
    expect(isolate(sys, balloon, src)).toBe(true);
    expect(balloon.pages.count).toBe(2);
    expect(balloon.isolatedPages).toBe(1);
    expect(sys.memmap.refcount[src]).toBe(2);
    expect(balloon.isolate(src)).toBe(false);
    expectClean(sys);
    const { rc, dst } = migrate(sys, balloon, src, 1);
    expect(rc).toBe(0);
    expect(sys.memmap.refcount[src]).toBe(0);
    expect(sys.memmap.refcount[dst]).toBe(1);
    expect(sys.movableOpsOwner(dst)).toBe(balloon);
    expect(sys.movableOpsOwner(src)).toBeUndefined();
    expect(sys.phys.pfnToNid(dst)).toBe(1);
    expect(balloon.pages.count).toBe(3);
    expect(balloon.isolatedPages).toBe(0);
    expect(sys.vmstat.get('balloon_migrate')).toBe(1);
    expectClean(sys);
    // a page that was isolated but not migrated goes back on the list
    const page = balloon.pages.first();
    expect(isolate(sys, balloon, page)).toBe(true);
    sys.memmap.flags[page]! &= ~PGF_isolated;
    balloon.putback(page);
    sys.alloc.folioPut(page);
    expect(balloon.pages.count).toBe(3);
    expectClean(sys);
  });

  it('test knobs make isolate report busy and migratePage fail without changing anything', () => {
    const sys = twoNodes(8 * MiB);
    const balloon = new Balloon(sys);
    balloon.inflate(0, 2);
    const page = balloon.pages.first();
    balloon.failIsolate(1);
    expect(isolate(sys, balloon, page)).toBe(false);
    expect(isolate(sys, balloon, page)).toBe(true);
    balloon.failMigrate(-EAGAIN);
    balloon.failMigrate(-EBUSY);
    const first = migrate(sys, balloon, page, 1);
    expect(first.rc).toBe(-EAGAIN);
    expect(sys.memmap.refcount[first.dst]).toBe(0);
    expect(migrate(sys, balloon, page, 1).rc).toBe(-EBUSY);
    expect(balloon.isolatedPages).toBe(1);
    expectClean(sys);
    expect(migrate(sys, balloon, page, 1).rc).toBe(0);
    expect(balloon.migratePage(page, page + 1, MIGRATE_SYNC)).toBe(-EINVAL);
    expect(() => balloon.failMigrate(5)).toThrow(/negative errno/);
    expect(() => balloon.inflate(7, 1)).toThrow(/balloon node 7/);
    expectClean(sys);
  });

  it('deflate skips locked pages; destroy needs every page back and unregisters the driver', () => {
    const sys = twoNodes(8 * MiB);
    const free = sys.zones[0]!.nrFreePages;
    const balloon = new Balloon(sys);
    balloon.inflate(0, 4);
    const locked = balloon.pages.first();
    sys.locks.folioTrylock(locked);
    expect(balloon.deflate(4)).toBe(3);
    sys.locks.folioUnlock(locked);
    expect(isolate(sys, balloon, locked)).toBe(true);
    expect(() => balloon.destroy()).toThrow(/isolated for migration/);
    sys.memmap.flags[locked]! &= ~PGF_isolated;
    balloon.putback(locked);
    sys.alloc.folioPut(locked);
    balloon.destroy();
    expect(sys.movableOps).not.toContain(balloon);
    expect(sys.zones[0]!.nrFreePages).toBe(free);
    expect(sys.vmstat.get('balloon_deflate')).toBe(4);
    expectClean(sys);
  });
});
