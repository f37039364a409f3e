import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { KernelError } from './kernel-error';
import { Prng } from './prng';

describe('Prng', () => {
  it('matches the xoshiro128** reference outputs', () => {
    const p = Prng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => p.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
    const q = Prng.fromState([0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x12345678]);
    expect(Array.from({ length: 6 }, () => q.nextU32())).toEqual([
      2463954730, 5524658, 3566893527, 3794986392, 933487703, 1623283725,
    ]);
    expect(() => Prng.fromState([0, 0, 0, 0])).toThrow(KernelError);
  });

  test.prop([fc.integer(), fc.integer({ min: 1, max: 200 })])('same seed, same sequence', (seed, n) => {
    const a = new Prng(seed);
    const b = new Prng(seed);
    for (let i = 0; i < n; i++) {
      expect(a.nextU32()).toBe(b.nextU32());
      expect(a.below(n)).toBe(b.below(n));
      expect(a.float()).toBe(b.float());
    }
  });

  it('different seeds give different sequences, and seeds are taken modulo 2^32', () => {
    const seq = (seed: number) => {
      const p = new Prng(seed);
      return Array.from({ length: 8 }, () => p.nextU32());
    };
    expect(seq(1)).not.toEqual(seq(2));
    expect(seq(0)).not.toEqual(seq(1));
    expect(seq(-1)).toEqual(seq(0xffffffff));
    expect(seq(2 ** 32 + 5)).toEqual(seq(5));
    expect(new Prng(-1).seed).toBe(0xffffffff);
  });

  test.prop([fc.integer(), fc.integer({ min: 1, max: 2 ** 32 })])('below(n) stays in [0, n)', (seed, n) => {
    const p = new Prng(seed);
    for (let i = 0; i < 50; i++) {
      const x = p.below(n);
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(n);
    }
  });

  it('is roughly uniform (seeded chi-square over 10 buckets)', () => {
    const p = new Prng(12345);
    const buckets = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) buckets[p.below(10)]! += 1;
    const expected = draws / 10;
    const chi2 = buckets.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001 with 9 degrees of freedom
    let mean = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < draws; i++) {
      const f = p.float();
      min = Math.min(min, f);
      max = Math.max(max, f);
      mean += f / draws;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('rejects bad arguments', () => {
    const p = new Prng(1);
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 32 + 1]) expect(() => p.below(bad)).toThrow(KernelError);
    expect(() => new Prng(0.5)).toThrow(KernelError);
    expect(p.below(1)).toBe(0);
  });
});
