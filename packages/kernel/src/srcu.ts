/**
 * Sleepable RCU: readers mark a section (which may span `await`s) and an updater waits for every
 * section that had already begun. Mirrors `struct srcu_struct` with `srcu_read_lock()`,
 * `srcu_read_unlock()` and `synchronize_srcu()`; pagemig uses it so a migrator's module is not
 * released while a batch is still inside the migrator.
 *
 * Semantics are exact rather than epoch-approximate: `synchronizeSrcu()` waits for precisely the
 * readers that entered before it was called, never for later ones, and any number of overlapping
 * calls are independent. Each reader gets a unique token, so a double or bogus unlock is caught
 * (the kernel would silently corrupt its counters). Read side cost: one Set insert and delete.
 * Not modelled: `call_srcu()` callbacks, expedited grace periods, per-CPU counters.
 */
import { KernelError } from './kernel-error';

/** A read-side token from `srcuReadLock()`, to give back to `srcuReadUnlock()`. */
export type SrcuToken = number;

interface SyncWaiter {
  /** Resolve once no reader with a token below this is still inside. */
  readonly before: number;
  readonly resolve: () => void;
}

/** One SRCU domain, like `DEFINE_SRCU(name)`; independent of every other. */
export interface SrcuStruct {
  /** Name for messages (e.g. `migrate_offload_srcu`). */
  readonly name: string;
}

interface SrcuImpl extends SrcuStruct {
  /** Next token; tokens increase, so token order is entry order. */
  nextToken: number;
  /** Readers inside, in entry order (a Set keeps insertion order). */
  readonly readers: Set<number>;
  /** Pending synchronizers, in call order (so `before` never decreases). */
  waiters: SyncWaiter[];
}

/** Creates an SRCU domain; mirrors `init_srcu_struct()`. */
export function createSrcuStruct(name = 'srcu'): SrcuStruct {
  const ss: SrcuImpl = { name, nextToken: 1, readers: new Set(), waiters: [] };
  return ss;
}

function oldestReader(ss: SrcuImpl): number {
  for (const token of ss.readers) return token;
  return ss.nextToken;
}

/** Mirrors `srcu_read_lock()`: enters a read-side section and returns its token. */
export function srcuReadLock(srcu: SrcuStruct): SrcuToken {
  const ss = srcu as SrcuImpl;
  const token = ss.nextToken++;
  ss.readers.add(token);
  return token;
}

/** Mirrors `srcu_read_unlock()`: leaves the section; throws EINVAL for a token not currently held. */
export function srcuReadUnlock(srcu: SrcuStruct, token: SrcuToken): void {
  const ss = srcu as SrcuImpl;
  if (!ss.readers.delete(token)) {
    throw new KernelError('EINVAL', `srcuReadUnlock(${ss.name}): token ${String(token)} is not held (double unlock or wrong srcu_struct); accepted: a token from srcuReadLock() not yet released`);
  }
  if (ss.waiters.length === 0) return;
  const oldest = oldestReader(ss);
  let done = 0;
  while (done < ss.waiters.length && (ss.waiters[done] as SyncWaiter).before <= oldest) done++;
  if (done === 0) return;
  const ready = ss.waiters.slice(0, done);
  ss.waiters = ss.waiters.slice(done);
  for (const w of ready) w.resolve();
}

/** Mirrors `synchronize_srcu()`: resolves once every reader that entered before this call has left. */
export function synchronizeSrcu(srcu: SrcuStruct): Promise<void> {
  const ss = srcu as SrcuImpl;
  const before = ss.nextToken;
  if (oldestReader(ss) >= before) return Promise.resolve();
  return new Promise<void>((resolve) => {
    ss.waiters.push({ before, resolve });
  });
}

/** Mirrors `srcu_readers_active()`: how many readers are inside right now. */
export function srcuReadersActive(srcu: SrcuStruct): number {
  return (srcu as SrcuImpl).readers.size;
}
