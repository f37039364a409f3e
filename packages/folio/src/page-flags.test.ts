import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { expectKernelError } from '@pagemig/test-kit';
import * as flags from './page-flags';
import {
  PG_locked,
  PG_uptodate,
  PG_dirty,
  PG_lru,
  PG_head,
  PG_zero,
  PGF_locked,
  PGF_uptodate,
  PGF_dirty,
  PGF_lru,
  PGF_head,
  PGF_zero,
  NR_PAGEFLAGS,
  PAGE_FLAGS_MASK,
  PAGE_FLAG_NAMES,
  formatPageFlags,
  parsePageFlags,
} from './page-flags';

/** The assignment the memory model depends on; a change here must be deliberate. */
const EXPECTED_BITS: Record<string, number> = {
  PG_locked: 0,
  PG_writeback: 1,
  PG_referenced: 2,
  PG_uptodate: 3,
  PG_dirty: 4,
  PG_lru: 5,
  PG_head: 6,
  PG_waiters: 7,
  PG_active: 8,
  PG_workingset: 9,
  PG_owner_priv_1: 10,
  PG_reserved: 11,
  PG_private: 12,
  PG_reclaim: 13,
  PG_swapbacked: 14,
  PG_unevictable: 15,
  PG_mlocked: 16,
  PG_hwpoison: 17,
  PG_tail: 18,
  PG_buddy: 19,
  PG_hugetlb: 20,
  PG_movable_ops: 21,
  PG_partially_mapped: 22,
  PG_isolated: 23,
  PG_anon_exclusive: 24,
  PG_swapcache: 25,
  PG_large_rmappable: 26,
  PG_zero: 27,
};

const exported = flags as unknown as Record<string, unknown>;

describe('bit layout', () => {
  it('assigns exactly the documented bit numbers and nothing else', () => {
    const pgExports = Object.keys(exported).filter((k) => k.startsWith('PG_'));
    expect(pgExports.sort()).toEqual(Object.keys(EXPECTED_BITS).sort());
    for (const [name, bit] of Object.entries(EXPECTED_BITS)) expect(exported[name], name).toBe(bit);
    expect(NR_PAGEFLAGS).toBe(28);
  });

  it('has one mask per bit, equal to 1 << bit, all distinct and within bits 0..27', () => {
    let union = 0;
    for (const [name, bit] of Object.entries(EXPECTED_BITS)) {
      const mask = exported[`PGF_${name.slice(3)}`];
      expect(mask, name).toBe(2 ** bit);
      expect(union & (mask as number)).toBe(0);
      union |= mask as number;
    }
    expect(union).toBe(PAGE_FLAGS_MASK);
    expect(PAGE_FLAGS_MASK).toBe(0x0fff_ffff);
    expect(Object.keys(exported).filter((k) => k.startsWith('PGF_'))).toHaveLength(NR_PAGEFLAGS);
  });

  it('names every bit with the %pGp spelling', () => {
    expect(PAGE_FLAG_NAMES).toHaveLength(NR_PAGEFLAGS);
    for (const [name, bit] of Object.entries(EXPECTED_BITS)) expect(PAGE_FLAG_NAMES[bit]).toBe(name.slice(3));
    expect(new Set(PAGE_FLAG_NAMES).size).toBe(NR_PAGEFLAGS);
  });

  it('masks work on Uint32Array words', () => {
    const memmap = new Uint32Array(2);
    memmap[0] = PGF_uptodate | PGF_dirty | PGF_zero;
    memmap[1] = 0xffff_ffff;
    expect(memmap[0]! & PGF_dirty).not.toBe(0);
    expect(memmap[0]! & PGF_lru).toBe(0);
    expect((memmap[1]! & ~PAGE_FLAGS_MASK) >>> 0).toBe(0xf000_0000);
  });
});

describe('formatPageFlags', () => {
  it('prints names in bit order joined by |', () => {
    expect(formatPageFlags(PGF_head | PGF_lru | PGF_dirty | PGF_uptodate)).toBe('uptodate|dirty|lru|head');
    expect(formatPageFlags(PGF_locked)).toBe('locked');
    expect(formatPageFlags(1 << PG_zero)).toBe('zero');
    expect(formatPageFlags(0)).toBe('');
  });

  it('appends unnamed bits 28..31 as one hex token, like the kernel', () => {
    expect(formatPageFlags(PGF_dirty | 0x1000_0000)).toBe('dirty|0x10000000');
    expect(formatPageFlags(0xf000_0000)).toBe('0xf0000000');
  });

  it('accepts the signed view of a word', () => {
    expect(formatPageFlags(-1)).toBe(formatPageFlags(0xffff_ffff));
    expect(formatPageFlags(0xffff_ffff)).toBe(`${PAGE_FLAG_NAMES.join('|')}|0xf0000000`);
  });

  it('rejects values that are not 32-bit words', () => {
    for (const bad of [1.5, 2 ** 32, -(2 ** 31) - 1, Number.NaN]) expect(() => formatPageFlags(bad)).toThrow(RangeError);
  });
});

describe('parsePageFlags', () => {
  it('parses names, PG_ names, whitespace and repeats', () => {
    expect(parsePageFlags('uptodate|dirty|lru|head')).toBe(PGF_uptodate | PGF_dirty | PGF_lru | PGF_head);
    expect(parsePageFlags(' PG_locked | dirty |dirty\n')).toBe((1 << PG_locked) | (1 << PG_dirty));
    expect(parsePageFlags('')).toBe(0);
    expect(parsePageFlags('zero|0xf0000000')).toBe(0xf800_0000);
    expect(parsePageFlags('lru|head')).toBe((1 << PG_lru) | (1 << PG_head));
    expect(parsePageFlags('uptodate')).toBe(1 << PG_uptodate);
  });

  it('rejects an unknown flag naming it and listing every accepted name', () => {
    const message = expectKernelError(() => parsePageFlags('dirty|dirtyy'), 'EINVAL', '"dirtyy"', '"dirty|dirtyy"');
    for (const name of PAGE_FLAG_NAMES) expect(message).toContain(name);
  });

  it.each(['dirty||lru', 'dirty|', 'Dirty', 'PG_', '0x', '0x123456789', 'pg_dirty', 'dirty,lru'])('rejects %j', (text) => {
    expectKernelError(() => parsePageFlags(text), 'EINVAL', JSON.stringify(text), 'accepted');
  });

  test.prop([fc.integer({ min: 0, max: 0xffff_ffff })], { seed: 3 })('parsePageFlags(formatPageFlags(w)) === w', (w) => {
    expect(parsePageFlags(formatPageFlags(w))).toBe(w);
  });
});
