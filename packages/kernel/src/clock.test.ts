import { describe, expect, it } from 'vitest';
import { type Clock, MonotonicClock, VirtualClock } from './clock';
import { KernelError } from './kernel-error';

describe('VirtualClock', () => {
  it('moves only when told to', () => {
    const c = new VirtualClock();
    expect(c.now()).toBe(0);
    expect(c.now()).toBe(0);
    expect(c.advance(1500)).toBe(1500);
    expect(c.advance(0)).toBe(1500);
    expect(c.set(2000)).toBe(2000);
    expect(c.set(2000)).toBe(2000);
    expect(c.now()).toBe(2000);
    expect(new VirtualClock(42).now()).toBe(42);
  });

  it('refuses to go backwards or take bad values, and changes nothing then', () => {
    const c = new VirtualClock(100);
    expect(() => c.set(99)).toThrow(KernelError);
    expect(() => c.advance(-1)).toThrow(KernelError);
    expect(() => c.advance(Number.NaN)).toThrow(KernelError);
    expect(() => c.set(Number.POSITIVE_INFINITY)).toThrow(KernelError);
    expect(() => new VirtualClock(-5)).toThrow(KernelError);
    expect(c.now()).toBe(100);
  });
});

describe('MonotonicClock', () => {
  it('starts near zero and never goes backwards', () => {
    const c: Clock = new MonotonicClock();
    let last = c.now();
    expect(last).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 1000; i++) {
      const t = c.now();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
    expect(Number.isInteger(last)).toBe(true);
  });
});
