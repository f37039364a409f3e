import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { SLICE_WORDS } from './lane-layout';
import { maxSlices, mtcopySplit } from './mtcopy-split';

interface Slice {
  dst: number;
  src: number;
  nr: number;
}

function split(orders: readonly number[], threads: number, alignPages: number): { lanes: Slice[][]; n: number } {
  const count = orders.length;
  const nrPages = Int32Array.from(orders, (o) => 2 ** o);
  // folios at distinct, naturally aligned PFNs; dst = src + 2^20 so the pair is recognisable
  const src = new Int32Array(count);
  let pfn = 0;
  for (let i = 0; i < count; i++) {
    pfn = Math.ceil(pfn / nrPages[i]!) * nrPages[i]!;
    src[i] = pfn;
    pfn += nrPages[i]!;
  }
  const dst = Int32Array.from(src, (s) => s + (1 << 20));
  const desc = new Int32Array(maxSlices(count, threads) * SLICE_WORDS);
  const laneStart = new Int32Array(threads + 1);
  const n = mtcopySplit(dst, src, nrPages, count, threads, alignPages, desc, laneStart);
  const lanes: Slice[][] = [];
  for (let t = 0; t < threads; t++) {
    const slices: Slice[] = [];
    for (let s = laneStart[t]!; s < laneStart[t + 1]!; s++) {
      slices.push({ dst: desc[s * SLICE_WORDS]!, src: desc[s * SLICE_WORDS + 1]!, nr: desc[s * SLICE_WORDS + 2]! });
    }
    lanes.push(slices);
  }
  expect(laneStart[0]).toBe(0);
  expect(laneStart[threads]).toBe(n);
  return { lanes, n };
}

describe('mtcopySplit', () => {
  it('gives whole folios in contiguous blocks, the first n % threads threads one more', () => {
    const { lanes } = split([0, 0, 0, 0, 0, 0, 0], 3, 1);
    expect(lanes.map((l) => l.length)).toEqual([3, 2, 2]);
    expect(lanes[0]!.map((s) => s.src)).toEqual([0, 1, 2]);
    expect(lanes[1]!.map((s) => s.src)).toEqual([3, 4]);
    expect(lanes[2]!.map((s) => s.src)).toEqual([5, 6]);
  });

  it('cuts every folio into one slice per thread when there are fewer folios than threads', () => {
    // one 2 MiB folio over 4 threads: 128 pages (512 KiB) each, as in the kernel driver
    const { lanes } = split([9], 4, 1);
    expect(lanes.map((l) => l.map((s) => [s.src, s.nr]))).toEqual([[[0, 128]], [[128, 128]], [[256, 128]], [[384, 128]]]);
  });

  it('rounds slices up to the alignment, leaving the last threads less or nothing', () => {
    // a 64 KiB folio (16 pages) over 3 threads, aligned to 32 KiB: 8 + 8 + 0 pages
    const { lanes } = split([4], 3, 8);
    expect(lanes.map((l) => l.map((s) => s.nr))).toEqual([[8], [8], []]);
  });

  it('keeps a 4 KiB folio whole on the first thread when threads outnumber its pages', () => {
    const { lanes } = split([0, 2], 8, 1);
    expect(lanes[0]!.map((s) => s.nr)).toEqual([1, 1]);
    expect(lanes[1]!.map((s) => s.nr)).toEqual([1]);
    expect(lanes[4]).toEqual([]);
  });

  test.prop(
    [
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 0, max: 9 }),
    ],
    { seed: 0x5eed, numRuns: 300 },
  )('covers every page of every folio exactly once, aligned, with the right shares', (orders, threads, alignOrder) => {
    const alignPages = 2 ** alignOrder;
    const { lanes, n } = split(orders, threads, alignPages);
    expect(n).toBeLessThanOrEqual(maxSlices(orders.length, threads));
    const covered = new Map<number, number>();
    for (const slices of lanes) {
      for (const s of slices) {
        expect(s.nr).toBeGreaterThan(0);
        expect(s.dst - s.src).toBe(1 << 20);
        for (let p = 0; p < s.nr; p++) covered.set(s.src + p, (covered.get(s.src + p) ?? 0) + 1);
      }
    }
    const total = orders.reduce((a, o) => a + 2 ** o, 0);
    expect(covered.size).toBe(total);
    expect([...covered.values()].every((c) => c === 1)).toBe(true);
    if (orders.length >= threads) {
      const base = Math.floor(orders.length / threads);
      const rem = orders.length % threads;
      expect(lanes.map((l) => l.length)).toEqual(Array.from({ length: threads }, (_, t) => base + (t < rem ? 1 : 0)));
      // whole folios, in order
      expect(lanes.flat().map((s) => Math.log2(s.nr))).toEqual(orders);
    } else {
      // slices: each thread has at most one slice per folio, starting at an aligned offset
      const heads: number[] = [];
      let pfn = 0;
      for (const o of orders) {
        pfn = Math.ceil(pfn / 2 ** o) * 2 ** o;
        heads.push(pfn);
        pfn += 2 ** o;
      }
      for (const slices of lanes) {
        const folios = slices.map((s) => heads.findLastIndex((h) => h <= s.src));
        expect(new Set(folios).size).toBe(slices.length);
        slices.forEach((s, k) => expect((s.src - heads[folios[k]!]!) % alignPages).toBe(0));
      }
    }
  });
});
