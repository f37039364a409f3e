import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { KernelError } from './kernel-error';
import { createSrcuStruct, srcuReadersActive, srcuReadLock, srcuReadUnlock, synchronizeSrcu } from './srcu';

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Tracks whether a promise has settled, without awaiting it. */
function track(p: Promise<void>): { done: boolean } {
  const state = { done: false };
  void p.then(() => {
    state.done = true;
  });
  return state;
}

/** A gate a test opens by hand: lets a reader hold the lock across an await. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('SRCU', () => {
  it('synchronize with no readers resolves at once', async () => {
    const ss = createSrcuStruct('test');
    const s = track(synchronizeSrcu(ss));
    await settle();
    expect(s.done).toBe(true);
  });

  it('waits for a reader that entered earlier and holds the lock across awaits', async () => {
    const ss = createSrcuStruct('migrate_offload_srcu');
    const g = gate();
    const log: string[] = [];
    const reader = (async () => {
      const idx = srcuReadLock(ss);
      log.push('reader in');
      await g.wait; // sleeping inside the read-side section
      await settle();
      log.push('reader out');
      srcuReadUnlock(ss, idx);
    })();
    expect(srcuReadersActive(ss)).toBe(1);
    const sync = synchronizeSrcu(ss).then(() => log.push('grace period over'));
    await settle();
    expect(log).toEqual(['reader in']);
    g.open();
    await Promise.all([reader, sync]);
    expect(log).toEqual(['reader in', 'reader out', 'grace period over']);
    expect(srcuReadersActive(ss)).toBe(0);
  });

  it('does not wait for readers that entered after it', async () => {
    const ss = createSrcuStruct();
    const early = srcuReadLock(ss);
    const s = track(synchronizeSrcu(ss));
    const late = srcuReadLock(ss); // entered after synchronize was called
    await settle();
    expect(s.done).toBe(false);
    srcuReadUnlock(ss, early);
    await settle();
    expect(s.done).toBe(true); // the late reader is still inside
    expect(srcuReadersActive(ss)).toBe(1);
    srcuReadUnlock(ss, late);
  });

  it('overlapping synchronizes each wait for exactly their own earlier readers', async () => {
    const ss = createSrcuStruct();
    const r1 = srcuReadLock(ss);
    const s1 = track(synchronizeSrcu(ss));
    const r2 = srcuReadLock(ss);
    const s2 = track(synchronizeSrcu(ss));
    const r3 = srcuReadLock(ss);
    const s3 = track(synchronizeSrcu(ss));
    // Release out of order: the newest reader first.
    srcuReadUnlock(ss, r3);
    await settle();
    expect([s1.done, s2.done, s3.done]).toEqual([false, false, false]);
    srcuReadUnlock(ss, r1);
    await settle();
    expect([s1.done, s2.done, s3.done]).toEqual([true, false, false]);
    srcuReadUnlock(ss, r2);
    await settle();
    expect([s1.done, s2.done, s3.done]).toEqual([true, true, true]);
  });

  it('back-to-back synchronizes both wait for the same earlier reader', async () => {
    // s2 is called after s1, so every reader s1 waits for is also one s2 waits for.
    const ss = createSrcuStruct();
    const r1 = srcuReadLock(ss);
    const s1 = track(synchronizeSrcu(ss));
    const s2 = track(synchronizeSrcu(ss));
    await settle();
    expect([s1.done, s2.done]).toEqual([false, false]);
    srcuReadUnlock(ss, r1);
    await settle();
    expect([s1.done, s2.done]).toEqual([true, true]);
  });

  it('throws on double unlock or a bad token, and keeps its state', () => {
    const ss = createSrcuStruct('x');
    const a = srcuReadLock(ss);
    const b = srcuReadLock(ss);
    srcuReadUnlock(ss, a);
    expect(() => srcuReadUnlock(ss, a)).toThrow(KernelError);
    expect(() => srcuReadUnlock(ss, 12345)).toThrow(/not held/);
    expect(() => srcuReadUnlock(ss, Number.NaN)).toThrow(KernelError);
    expect(srcuReadersActive(ss)).toBe(1);
    srcuReadUnlock(ss, b);
    expect(srcuReadersActive(ss)).toBe(0);
  });

  it('domains are independent', async () => {
    const a = createSrcuStruct('a');
    const b = createSrcuStruct('b');
    const ra = srcuReadLock(a);
    const sb = track(synchronizeSrcu(b));
    await settle();
    expect(sb.done).toBe(true);
    srcuReadUnlock(a, ra);
  });

  type Op = { kind: 'lock' } | { kind: 'unlock'; pick: number } | { kind: 'sync' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constant<Op>({ kind: 'lock' }),
    fc.nat(50).map((pick): Op => ({ kind: 'unlock', pick })),
    fc.constant<Op>({ kind: 'sync' }),
  );

  test.prop([fc.array(opArb, { maxLength: 60 })])(
    'a synchronize resolves exactly when the readers that preceded it have all left',
    async (ops) => {
      const ss = createSrcuStruct();
      const inside = new Set<number>(); // tokens currently held
      const syncs: { waitsFor: Set<number>; state: { done: boolean } }[] = [];
      for (const op of ops) {
        if (op.kind === 'lock') inside.add(srcuReadLock(ss));
        else if (op.kind === 'unlock') {
          const tokens = [...inside];
          const token = tokens[op.pick % Math.max(tokens.length, 1)];
          if (token === undefined) continue;
          srcuReadUnlock(ss, token);
          inside.delete(token);
        } else syncs.push({ waitsFor: new Set(inside), state: track(synchronizeSrcu(ss)) });
        await settle();
        for (const s of syncs) {
          const expected = [...s.waitsFor].every((t) => !inside.has(t));
          expect(s.state.done).toBe(expected);
        }
      }
    },
  );
});
