/**
 * Folio lock and writeback waits. The bits live in the memmap (`PG_locked`, `PG_writeback`,
 * `PG_waiters`); only a contended folio gets a waiter queue, so the uncontended path allocates
 * nothing. Unlock hands the lock to the first exclusive waiter and wakes every waiter that only
 * wanted to see it unlocked (a fault on a migration entry waits like that; mirrors
 * `folio_unlock()` → `folio_wake_bit()` and `migration_entry_wait_on_locked()`).
 */
import { PGF_locked, PGF_waiters, PGF_writeback } from '@pagemig/folio';
import type { Memmap } from './memmap';

interface Waiter {
  exclusive: boolean;
  resolve: () => void;
}

/** Lock and writeback state transitions with their waiters. */
export class FolioLocks {
  private readonly memmap: Memmap;
  private readonly lockWaiters = new Map<number, Waiter[]>();
  private readonly writebackWaiters = new Map<number, (() => void)[]>();

  constructor(memmap: Memmap) {
    this.memmap = memmap;
  }

  /** Takes the lock if free (mirrors `folio_trylock()`). */
  folioTrylock(folio: number): boolean {
    const flags = this.memmap.flags;
    if ((flags[folio]! & PGF_locked) !== 0) return false;
    flags[folio]! |= PGF_locked;
    return true;
  }

  /** Takes the lock, waiting for it (mirrors `folio_lock()`). */
  folioLock(folio: number): Promise<void> {
    if (this.folioTrylock(folio)) return Promise.resolve();
    return new Promise((resolve) => this.enqueue(folio, { exclusive: true, resolve }));
  }

  /** Waits until the folio is unlocked without taking the lock (mirrors `folio_wait_locked()`). */
  folioWaitUnlocked(folio: number): Promise<void> {
    if ((this.memmap.flags[folio]! & PGF_locked) === 0) return Promise.resolve();
    return new Promise((resolve) => this.enqueue(folio, { exclusive: false, resolve }));
  }

  private enqueue(folio: number, waiter: Waiter): void {
    let queue = this.lockWaiters.get(folio);
    if (queue === undefined) {
      queue = [];
      this.lockWaiters.set(folio, queue);
    }
    queue.push(waiter);
    this.memmap.flags[folio]! |= PGF_waiters;
  }

  /** Releases the lock; an exclusive waiter gets it next (mirrors `folio_unlock()`). */
  folioUnlock(folio: number): void {
    const flags = this.memmap.flags;
    if ((flags[folio]! & PGF_locked) === 0) throw new Error(`folio ${folio} unlocked while not locked`);
    if ((flags[folio]! & PGF_waiters) === 0) {
      flags[folio]! &= ~PGF_locked;
      return;
    }
    const queue = this.lockWaiters.get(folio) ?? [];
    const next = queue.findIndex((w) => w.exclusive);
    const woken = queue.filter((w, i) => !w.exclusive && (next < 0 || i < next));
    const rest = queue.filter((w, i) => i > next && next >= 0);
    if (next < 0) flags[folio]! &= ~PGF_locked;
    if (rest.length > 0) this.lockWaiters.set(folio, rest);
    else {
      this.lockWaiters.delete(folio);
      flags[folio]! &= ~PGF_waiters;
    }
    // wake in queue order, as `folio_wake_bit()` walks the wait queue: the lookers queued before
    // the exclusive waiter, then the exclusive waiter, which now owns the lock
    for (const w of woken) w.resolve();
    if (next >= 0) queue[next]!.resolve();
  }

  /** Waiters queued on a folio's lock (for views and invariants). */
  lockWaitersOf(folio: number): number {
    return this.lockWaiters.get(folio)?.length ?? 0;
  }

  /** Marks writeback started (mirrors `folio_start_writeback()`). */
  folioStartWriteback(folio: number): void {
    this.memmap.flags[folio]! |= PGF_writeback;
  }

  /** Ends writeback and wakes its waiters (mirrors `folio_end_writeback()`). */
  folioEndWriteback(folio: number): void {
    this.memmap.flags[folio]! &= ~PGF_writeback;
    const queue = this.writebackWaiters.get(folio);
    if (queue === undefined) return;
    this.writebackWaiters.delete(folio);
    for (const resolve of queue) resolve();
  }

  /** Waits for writeback to end (mirrors `folio_wait_writeback()`). */
  folioWaitWriteback(folio: number): Promise<void> {
    if ((this.memmap.flags[folio]! & PGF_writeback) === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const queue = this.writebackWaiters.get(folio);
      if (queue === undefined) this.writebackWaiters.set(folio, [resolve]);
      else queue.push(resolve);
    });
  }
}
