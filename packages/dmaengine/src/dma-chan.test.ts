import { describe, expect, it } from 'vitest';
import { DmaChan } from './dma-chan';
import type { DmaDevice } from './dma-device';

describe('DmaChan waiters', () => {
  it('calls the waiters present when a round starts; changes made during a round apply from the next one', () => {
    const chan = new DmaChan({} as DmaDevice, 0);
    const calls: string[] = [];
    let removeB: () => void = () => undefined;
    let added = false;
    chan.addWaiter(() => {
      calls.push('a');
      if (added) return;
      added = true;
      removeB();
      chan.addWaiter(() => calls.push('d'));
    });
    removeB = chan.addWaiter(() => calls.push('b'));
    const removeC = chan.addWaiter(() => calls.push('c'));
    chan.wakeWaiters();
    expect(calls).toEqual(['a', 'b', 'c']); // b removed and d added during the round
    calls.length = 0;
    chan.wakeWaiters();
    expect(calls).toEqual(['a', 'c', 'd']);
    calls.length = 0;
    removeC();
    chan.stateChanged();
    expect(calls).toEqual(['a', 'd']);
    expect(chan.stateGeneration).toBe(1);
  });
});
