import { describe, it, expect } from 'vitest';
import { EHWPOISON } from '@pagemig/kernel';
import { PAGE_SIZE, PGF_hwpoison } from '@pagemig/folio';
import { folioMcCopy, foliosMcCopy } from './copy';
import { NO_MEMCG } from './memcg';
import { __GFP_THISNODE } from './page-alloc';
import { PhysMemView } from './phys-mem';
import { expectBytes, pattern, twoNodes } from './testing/fixture';

/** A folio of `order` on `nid` filled with `pattern(seed)`. */
function filledFolio(sys: ReturnType<typeof twoNodes>, nid: number, order: number, seed: number): number {
  const folio = sys.alloc.allocFolio(nid, order, __GFP_THISNODE, NO_MEMCG);
  sys.phys.write(folio * PAGE_SIZE, pattern(seed, PAGE_SIZE << order));
  return folio;
}

function bytesOf(sys: ReturnType<typeof twoNodes>, folio: number, pages: number): Uint8Array {
  const out = new Uint8Array(pages * PAGE_SIZE);
  sys.phys.read(folio * PAGE_SIZE, out);
  return out;
}

describe('folioMcCopy', () => {
  it('copies every page of a large folio', () => {
    const sys = twoNodes();
    const src = filledFolio(sys, 0, 4, 31);
    const dst = filledFolio(sys, 1, 4, 32);
    expect(folioMcCopy(sys.memmap, sys.phys, dst, src)).toBe(0);
    expectBytes(bytesOf(sys, dst, 16), pattern(31, 16 * PAGE_SIZE));
  });

  it('stops at a poisoned source page with -EHWPOISON, having copied the pages before it and nothing after', () => {
    const sys = twoNodes();
    const src = filledFolio(sys, 0, 3, 33);
    const dst = filledFolio(sys, 1, 3, 34);
    sys.memmap.flags[src + 5]! |= PGF_hwpoison;
    expect(sys.memmap.folioContainsHwpoison(src)).toBe(true);
    expect(folioMcCopy(sys.memmap, sys.phys, dst, src)).toBe(-EHWPOISON);
    const after = bytesOf(sys, dst, 8);
    expectBytes(after.subarray(0, 5 * PAGE_SIZE), pattern(33, 5 * PAGE_SIZE), 'pages before the poison');
    expectBytes(after.subarray(5 * PAGE_SIZE), pattern(34, 8 * PAGE_SIZE).subarray(5 * PAGE_SIZE), 'pages from the poison on');
  });

  it('copies through a worker-style view built from a share', () => {
    const sys = twoNodes();
    const src = filledFolio(sys, 0, 0, 35);
    const dst = filledFolio(sys, 1, 0, 36);
    const view = PhysMemView.fromShare(sys.phys.share());
    expect(folioMcCopy(sys.memmap, view, dst, src)).toBe(0);
    expectBytes(bytesOf(sys, dst, 1), pattern(35, PAGE_SIZE));
  });
});

describe('foliosMcCopy', () => {
  it('copies the pairs in order and stops at the first error', () => {
    const sys = twoNodes();
    const srcs = [0, 1, 2, 3].map((i) => filledFolio(sys, 0, 1, 40 + i));
    const dsts = [0, 1, 2, 3].map((i) => filledFolio(sys, 1, 1, 50 + i));
    sys.memmap.flags[srcs[2]! + 1]! |= PGF_hwpoison;
    expect(foliosMcCopy(sys.memmap, sys.phys, Int32Array.from(dsts), Int32Array.from(srcs), 4)).toBe(-EHWPOISON);
    expectBytes(bytesOf(sys, dsts[0]!, 2), pattern(40, 2 * PAGE_SIZE), 'pair 0');
    expectBytes(bytesOf(sys, dsts[1]!, 2), pattern(41, 2 * PAGE_SIZE), 'pair 1');
    expectBytes(bytesOf(sys, dsts[2]!, 1), pattern(42, PAGE_SIZE), 'pair 2 before the poison');
    expectBytes(bytesOf(sys, dsts[2]!, 2).subarray(PAGE_SIZE), pattern(52, 2 * PAGE_SIZE).subarray(PAGE_SIZE), 'pair 2 after the poison');
    expectBytes(bytesOf(sys, dsts[3]!, 2), pattern(53, 2 * PAGE_SIZE), 'pair 3 untouched');
    expect(foliosMcCopy(sys.memmap, sys.phys, Int32Array.from(dsts), Int32Array.from(srcs), 2)).toBe(0);
  });
});
