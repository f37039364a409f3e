import { describe, it, expect } from 'vitest';
import { PGF_locked, PGF_waiters, PGF_writeback } from '@pagemig/folio';
import { FolioLocks } from './folio-lock';
import { Memmap } from './memmap';

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('FolioLocks', () => {
  it('hands the lock to the first exclusive waiter and wakes the lookers queued before it', async () => {
    const memmap = new Memmap(4);
    const locks = new FolioLocks(memmap);
    expect(locks.folioTrylock(1)).toBe(true);
    expect(locks.folioTrylock(1)).toBe(false);
    const order: string[] = [];
    void locks.folioWaitUnlocked(1).then(() => order.push('look1'));
    void locks.folioLock(1).then(() => order.push('lockA'));
    void locks.folioWaitUnlocked(1).then(() => order.push('look2'));
    void locks.folioLock(1).then(() => order.push('lockB'));
    expect(memmap.flags[1]! & PGF_waiters).not.toBe(0);
    expect(locks.lockWaitersOf(1)).toBe(4);
    locks.folioUnlock(1);
    await settle();
    expect(order).toEqual(['look1', 'lockA']);
    expect(memmap.flags[1]! & PGF_locked).not.toBe(0);
    locks.folioUnlock(1);
    await settle();
    expect(order).toEqual(['look1', 'lockA', 'look2', 'lockB']);
    locks.folioUnlock(1);
    expect(memmap.flags[1]! & (PGF_locked | PGF_waiters)).toBe(0);
    expect(() => locks.folioUnlock(1)).toThrow(/not locked/);
  });

  it('waits for writeback to end', async () => {
    const memmap = new Memmap(4);
    const locks = new FolioLocks(memmap);
    await locks.folioWaitWriteback(2);
    locks.folioStartWriteback(2);
    expect(memmap.flags[2]! & PGF_writeback).not.toBe(0);
    let done = false;
    void locks.folioWaitWriteback(2).then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false);
    locks.folioEndWriteback(2);
    await settle();
    expect(done).toBe(true);
  });
});
