/**
 * A balloon driver (virtio-balloon-like) whose pages are movable_ops pages: the guest gives
 * memory back to a host by allocating pages into the balloon (inflate) and gets it back by
 * freeing them (deflate). Balloon pages are not on the LRU and not mapped; migration moves them
 * through the driver's callbacks (mirrors mm/balloon_compaction.c: `balloon_page_enqueue()`,
 * `balloon_page_dequeue()`, `balloon_page_isolate()`, `balloon_page_migrate()`,
 * `balloon_page_putback()`).
 *
 * State per page, as in the kernel: `PG_movable_ops`, the balloon's id in `private`
 * (`set_page_private(page, b_dev_info)`), one reference held by the balloon, and a link on the
 * balloon's own list through `lruNext/lruPrev` while not isolated. The migrate core takes the
 * isolation reference and sets/clears `PG_isolated` around the callbacks; the driver moves its
 * bookkeeping. `PG_movable_ops` stays on a migrated-away source until it is freed.
 */
import { EINVAL, KernelError, errnoName } from '@pagemig/kernel';
import { PGF_isolated, PGF_lru, PGF_movable_ops, type MigrateMode } from '@pagemig/folio';
import { FolioList, NIL } from './folio-list';
import { NO_MEMCG } from './memcg';
import type { MovableOperations } from './movable-ops';
import { __GFP_NOWARN, __GFP_THISNODE } from './page-alloc';
import type { System } from './system';

/** One balloon device (`struct balloon_dev_info`). */
export class Balloon implements MovableOperations {
  readonly name: string;
  /** Id stored in the `private` word of the balloon's pages (unique in its system). */
  readonly id: number;
  /** Pages in the balloon that are not isolated (`b_dev_info->pages`). */
  readonly pages: FolioList;
  /** Pages isolated for migration (`b_dev_info->isolated_pages`). */
  isolatedPages = 0;
  private readonly sys: System;
  private isolateFailures = 0;
  private readonly migrateFailures: number[] = [];

  /** Creates a balloon and registers it as a movable_ops driver of `sys`. */
  constructor(sys: System, name = 'balloon') {
    if (typeof name !== 'string' || name.length === 0 || name.length > 31) {
      throw new KernelError('EINVAL', `balloon name ${JSON.stringify(name)} is not accepted: give 1 to 31 characters`);
    }
    this.sys = sys;
    this.name = name;
    this.pages = new FolioList(sys.memmap);
    this.id = sys.registerMovableOps(this);
  }

  /** Pages the balloon holds, isolated ones included. */
  get size(): number {
    return this.pages.count + this.isolatedPages;
  }

  /**
   * Allocates up to `nrPages` pages on node `nid` into the balloon (mirrors `balloon_page_alloc()`
   * + `balloon_page_enqueue()`); stops early when the node runs out. Returns the pages added.
   */
  inflate(nid: number, nrPages: number): number {
    const sys = this.sys;
    if (!Number.isInteger(nid) || nid < 0 || nid >= sys.nrNodes) {
      throw new KernelError('EINVAL', `balloon node ${nid} is not accepted: nodes are 0..${sys.nrNodes - 1}`);
    }
    if (!Number.isSafeInteger(nrPages) || nrPages < 0) {
      throw new KernelError('EINVAL', `balloon page count ${nrPages} is not accepted: give an integer >= 0`);
    }
    const m = sys.memmap;
    let done = 0;
    while (done < nrPages) {
      const page = sys.alloc.allocFolio(nid, 0, __GFP_THISNODE | __GFP_NOWARN, NO_MEMCG);
      if (page === NIL) break;
      m.flags[page]! |= PGF_movable_ops;
      m.private[page] = this.id;
      this.pages.addHead(page);
      done++;
    }
    if (done > 0) sys.vmstat.count('balloon_inflate', done);
    return done;
  }

  /**
   * Frees up to `nrPages` pages of the balloon (mirrors `balloon_page_dequeue()`): locked pages are
   * skipped, isolated ones are not on the list. Returns the pages freed.
   */
  deflate(nrPages: number): number {
    if (!Number.isSafeInteger(nrPages) || nrPages < 0) {
      throw new KernelError('EINVAL', `balloon page count ${nrPages} is not accepted: give an integer >= 0`);
    }
    const sys = this.sys;
    const m = sys.memmap;
    let done = 0;
    for (let page = this.pages.first(); page !== NIL && done < nrPages; ) {
      const next = this.pages.nextOf(page);
      if (sys.locks.folioTrylock(page)) {
        this.pages.del(page);
        m.flags[page]! &= ~PGF_movable_ops;
        m.private[page] = 0;
        sys.locks.folioUnlock(page);
        sys.alloc.folioPut(page);
        done++;
      }
      page = next;
    }
    if (done > 0) sys.vmstat.count('balloon_deflate', done);
    return done;
  }

  /** Deflates everything and unregisters the driver; EBUSY while pages are isolated. */
  destroy(): void {
    if (this.isolatedPages > 0) {
      throw new KernelError('EBUSY', `balloon ${this.name} has ${this.isolatedPages} pages isolated for migration; put them back first`);
    }
    this.deflate(this.pages.count);
    if (this.pages.count > 0) throw new KernelError('EBUSY', `balloon ${this.name} has ${this.pages.count} locked pages`);
    this.sys.unregisterMovableOps(this);
  }

  /** True when `pfn` is one of this balloon's pages (`balloon_page_device(page) == b_dev_info`). */
  owns(pfn: number): boolean {
    const m = this.sys.memmap;
    return (
      Number.isInteger(pfn) &&
      pfn >= 0 &&
      pfn < m.nrPages &&
      (m.flags[pfn]! & PGF_movable_ops) !== 0 &&
      m.private[pfn] === this.id &&
      m.refcount[pfn]! > 0
    );
  }

  /**
   * Takes a page off the balloon list for migration (mirrors `balloon_page_isolate()`); the
   * caller holds the page lock and the isolation reference. False when the page is not on the
   * list (not ours, already isolated) or the driver is busy (`failIsolate()`).
   */
  isolate(pfn: number): boolean {
    const m = this.sys.memmap;
    if (!this.owns(pfn) || (m.flags[pfn]! & PGF_isolated) !== 0) return false;
    if (this.isolateFailures > 0) {
      this.isolateFailures--;
      return false;
    }
    this.pages.del(pfn);
    this.isolatedPages++;
    m.flags[pfn]! |= PGF_isolated;
    return true;
  }

  /**
   * Moves the balloon's use of `src` to `dst` (mirrors `balloon_page_migrate()`): `dst` becomes a
   * balloon page with the balloon's reference and joins the list; `src` loses its `private` and
   * the balloon's reference (the isolation reference keeps it until the core drops it). No bytes
   * move: the host owns a balloon page's contents. 0, -EINVAL (`src` is not an isolated page of
   * this balloon) or an error queued by `failMigrate()`.
   */
  migratePage(dst: number, src: number, _mode: MigrateMode): number {
    const sys = this.sys;
    const m = sys.memmap;
    if (!this.owns(src) || (m.flags[src]! & PGF_isolated) === 0) return -EINVAL;
    const injected = this.migrateFailures.shift();
    if (injected !== undefined) return injected;
    m.folioGet(dst);
    m.flags[dst]! |= PGF_movable_ops;
    m.private[dst] = this.id;
    this.pages.addHead(dst);
    m.private[src] = 0;
    this.isolatedPages--;
    sys.alloc.folioPut(src);
    sys.vmstat.count('balloon_migrate');
    return 0;
  }

  /** Returns an isolated page that was not migrated to the list (mirrors `balloon_page_putback()`). */
  putback(pfn: number): void {
    const m = this.sys.memmap;
    m.flags[pfn]! &= ~PGF_isolated;
    this.pages.addHead(pfn);
    this.isolatedPages--;
  }

  /** Test knob: the next `times` calls of `isolate()` report the driver busy. */
  failIsolate(times = 1): void {
    if (!Number.isSafeInteger(times) || times < 0) {
      throw new KernelError('EINVAL', `failIsolate times ${times} is not accepted: give an integer >= 0`);
    }
    this.isolateFailures = times;
  }

  /** Test knob: the next `times` calls of `migratePage()` return `rc` (-EAGAIN, -EBUSY, ...) and change nothing. */
  failMigrate(rc: number, times = 1): void {
    if (!Number.isInteger(rc) || rc >= 0 || errnoName(rc) === undefined) {
      throw new KernelError('EINVAL', `failMigrate rc ${rc} is not accepted: give a negative errno such as -EAGAIN or -EBUSY`);
    }
    if (!Number.isSafeInteger(times) || times < 0) {
      throw new KernelError('EINVAL', `failMigrate times ${times} is not accepted: give an integer >= 0`);
    }
    for (let i = 0; i < times; i++) this.migrateFailures.push(rc);
  }

  /** The balloon's rules: listed pages are its own, unisolated, unmapped, off the LRU; counts agree. */
  check(): string[] {
    const out: string[] = [];
    const m = this.sys.memmap;
    let listed = 0;
    for (let page = this.pages.first(); page !== NIL; page = this.pages.nextOf(page)) {
      listed++;
      if (!this.owns(page)) out.push(`balloon ${this.name}: listed page ${page} is not a balloon page of it`);
      if ((m.flags[page]! & (PGF_isolated | PGF_lru)) !== 0) out.push(`balloon ${this.name}: listed page ${page} is isolated or on an LRU`);
      if (m.mapcount[page] !== 0) out.push(`balloon ${this.name}: page ${page} is mapped`);
      if (listed > m.nrPages) break;
    }
    if (listed !== this.pages.count) out.push(`balloon ${this.name}: list count ${this.pages.count} but ${listed} pages linked`);
    let owned = 0;
    let isolated = 0;
    for (let pfn = 0; pfn < m.nrPages; pfn++) {
      if ((m.flags[pfn]! & PGF_movable_ops) === 0 || m.private[pfn] !== this.id || m.refcount[pfn]! <= 0) continue;
      if ((m.flags[pfn]! & PGF_isolated) !== 0) isolated++;
      else owned++;
    }
    if (owned !== this.pages.count) out.push(`balloon ${this.name}: ${owned} pages carry its id but ${this.pages.count} are listed`);
    if (isolated !== this.isolatedPages) out.push(`balloon ${this.name}: ${isolated} pages isolated but isolated_pages is ${this.isolatedPages}`);
    return out;
  }
}
