import { describe, expect, it } from 'vitest';
import { DmaIrqCoalescer } from './dma-irq-coalesce';

describe('DmaIrqCoalescer', () => {
  it('holds an interrupt until the window after the first request has passed, then starts over', () => {
    const c = new DmaIrqCoalescer(1);
    expect(c.pending).toBe(false);
    expect(c.request(10)).toBe(false); // more work ready: wait
    expect(c.pending).toBe(true);
    expect(c.request(10.5)).toBe(false); // the window counts from the first request
    expect(c.request(11)).toBe(true);
    c.raised();
    expect(c.pending).toBe(false);
    expect(c.request(11.2)).toBe(false); // a new window
    expect(c.request(12.1)).toBe(false);
    expect(c.request(12.2)).toBe(true);
  });

  it('forgets a waiting request when an interrupt is raised for another reason', () => {
    const c = new DmaIrqCoalescer(5);
    expect(c.request(0)).toBe(false);
    c.raised(); // e.g. a stall interrupt delivered everything
    expect(c.pending).toBe(false);
    expect(c.request(4)).toBe(false);
    expect(c.request(8.9)).toBe(false);
    expect(c.request(9)).toBe(true);
  });

  it('with a zero window every request is due at once (one interrupt per descriptor)', () => {
    const c = new DmaIrqCoalescer(0);
    expect(c.request(3)).toBe(true);
    c.raised();
    expect(c.request(3)).toBe(true);
  });
});
