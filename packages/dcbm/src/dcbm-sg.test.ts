import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { PAGE_SIZE, PGF_hwpoison } from '@pagemig/folio';
import { createSystem, GFP_HIGHUSER_MOVABLE, NO_MEMCG } from '@pagemig/mm';
import { sgAllocTable, type SgTable } from '@pagemig/dmaengine';
import { dcbmBuildSgTables, foliosCopiedByPieces, sgAlignPieces, sgSegmentsMatch } from './dcbm-sg';

/** A table "mapped" by hand into the given segment lengths, starting at `base`. */
function mapped(base: number, lengths: readonly number[]): SgTable {
  const t = sgAllocTable(lengths.length);
  let addr = base;
  lengths.forEach((len, i) => {
    t.dmaAddress[i] = addr;
    t.dmaLength[i] = len;
    addr += len + PAGE_SIZE; // a hole between segments: a piece must never cross it
  });
  t.nents = lengths.length;
  t.dir = 1;
  return t;
}

/** Splits `total` pages into segments at the given cut points (sorted, inside 1..total-1). */
function segments(totalPages: number, cuts: readonly number[]): number[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < totalPages))].sort((a, b) => a - b);
  const out: number[] = [];
  let prev = 0;
  for (const p of [...points, totalPages]) {
    out.push((p - prev) * PAGE_SIZE);
    prev = p;
  }
  return out;
}

describe('dcbmBuildSgTables', () => {
  it('has one entry per folio with the physical address and the folio size, and flags poisoned sources', () => {
    const sys = createSystem({ nodes: [{ size: 16 << 20 }, { size: 16 << 20 }], sectionSize: 4 << 20 });
    const src = Int32Array.of(
      sys.alloc.allocFolio(0, 0, GFP_HIGHUSER_MOVABLE, NO_MEMCG),
      sys.alloc.allocFolio(0, 9, GFP_HIGHUSER_MOVABLE, NO_MEMCG),
      sys.alloc.allocFolio(0, 2, GFP_HIGHUSER_MOVABLE, NO_MEMCG),
    );
    const dst = Int32Array.of(
      sys.alloc.allocFolio(1, 0, GFP_HIGHUSER_MOVABLE, NO_MEMCG),
      sys.alloc.allocFolio(1, 9, GFP_HIGHUSER_MOVABLE, NO_MEMCG),
      sys.alloc.allocFolio(1, 2, GFP_HIGHUSER_MOVABLE, NO_MEMCG),
    );
    sys.memmap.flags[src[2]! + 3] = sys.memmap.flags[src[2]! + 3]! | PGF_hwpoison;
    const sg = dcbmBuildSgTables(sys.memmap, dst, src, 1, 2);
    expect(sg.src.origNents).toBe(2);
    expect([...sg.src.addr]).toEqual([src[1]! * PAGE_SIZE, src[2]! * PAGE_SIZE]);
    expect([...sg.src.length]).toEqual([2 << 20, 4 * PAGE_SIZE]);
    expect([...sg.dst.addr]).toEqual([dst[1]! * PAGE_SIZE, dst[2]! * PAGE_SIZE]);
    expect([...sg.dst.length]).toEqual([2 << 20, 4 * PAGE_SIZE]);
    expect(sg.bytes).toBe((2 << 20) + 4 * PAGE_SIZE);
    expect(sg.sizesMatch).toBe(true);
    expect(sg.poisoned === null ? null : [...sg.poisoned]).toEqual([0, 1]);
    // a pair whose sizes differ is reported (the core never builds one)
    const odd = dcbmBuildSgTables(sys.memmap, Int32Array.of(dst[0]!), Int32Array.of(src[2]!), 0, 1);
    expect(odd.sizesMatch).toBe(false);
  });
});

describe('sgSegmentsMatch', () => {
  it('needs the same count and the same length segment by segment', () => {
    const P = PAGE_SIZE;
    expect(sgSegmentsMatch(mapped(0, [P, 2 * P]), mapped(1 << 30, [P, 2 * P]))).toBe(true);
    expect(sgSegmentsMatch(mapped(0, [3 * P]), mapped(1 << 30, [P, 2 * P]))).toBe(false);
    // equal nents, different boundaries: V5's nents check would pass and copy 2 pages into a 1-page segment
    expect(sgSegmentsMatch(mapped(0, [2 * P, P]), mapped(1 << 30, [P, 2 * P]))).toBe(false);
  });
});

describe('sgAlignPieces', () => {
  it('cuts at every boundary of either side', () => {
    const P = PAGE_SIZE;
    const src = mapped(0, [3 * P, P]);
    const dst = mapped(1 << 30, [P, 3 * P]);
    const pieces = sgAlignPieces(src, dst)!;
    expect(pieces.count).toBe(3);
    expect([...pieces.len.subarray(0, 3)]).toEqual([P, 2 * P, P]);
    expect([...pieces.src.subarray(0, 3)]).toEqual([0, P, 4 * P]);
    expect([...pieces.dst.subarray(0, 3)]).toEqual([1 << 30, (1 << 30) + 2 * P, (1 << 30) + 4 * P]);
  });

  it('refuses tables whose totals differ', () => {
    expect(sgAlignPieces(mapped(0, [PAGE_SIZE]), mapped(1 << 30, [2 * PAGE_SIZE]))).toBeNull();
  });

  test.prop([fc.integer({ min: 1, max: 64 }), fc.array(fc.integer({ min: 1, max: 63 })), fc.array(fc.integer({ min: 1, max: 63 }))], { seed: 42, numRuns: 300 })(
    'pieces are contiguous on both sides, in order, and cover every byte once',
    (pages, srcCuts, dstCuts) => {
      const sL = segments(pages, srcCuts);
      const dL = segments(pages, dstCuts);
      const src = mapped(0, sL);
      const dst = mapped(1 << 30, dL);
      const p = sgAlignPieces(src, dst)!;
      expect(p.count).toBeLessThanOrEqual(sL.length + dL.length - 1);
      // Replay: byte offset o of the stream lives at segment-relative addresses on each side.
      const at = (t: SgTable, o: number): number => {
        for (let i = 0; i < t.nents; i++) {
          if (o < t.dmaLength[i]!) return t.dmaAddress[i]! + o;
          o -= t.dmaLength[i]!;
        }
        throw new Error('past the end');
      };
      let off = 0;
      for (let k = 0; k < p.count; k++) {
        const len = p.len[k]!;
        expect(len).toBeGreaterThan(0);
        expect(p.src[k]).toBe(at(src, off));
        expect(p.dst[k]).toBe(at(dst, off));
        // the last byte is in the same segment as the first on both sides
        expect(at(src, off + len - 1)).toBe(p.src[k]! + len - 1);
        expect(at(dst, off + len - 1)).toBe(p.dst[k]! + len - 1);
        off += len;
      }
      expect(off).toBe(pages * PAGE_SIZE);
    },
  );
});

describe('foliosCopiedByPieces', () => {
  it('a folio is copied only when every piece overlapping it completed cleanly', () => {
    const P = PAGE_SIZE;
    const folios = Float64Array.of(P, P, 2 * P, P);
    // pieces: [folio0], [folio1 + first half of folio2], [second half of folio2 + folio3]
    const pieces = Float64Array.of(P, 2 * P, 2 * P);
    const out = new Uint8Array(4);
    expect(foliosCopiedByPieces(folios, 4, pieces, 3, Uint8Array.of(1, 1, 1), out)).toBe(4);
    expect(foliosCopiedByPieces(folios, 4, pieces, 3, Uint8Array.of(1, 2, 1), out)).toBe(2);
    expect([...out]).toEqual([1, 0, 0, 1]);
    expect(foliosCopiedByPieces(folios, 4, pieces, 3, Uint8Array.of(0, 1, 2), out)).toBe(1);
    expect([...out]).toEqual([0, 1, 0, 0]);
    // pieces that stop short never make the uncovered folios copied
    expect(foliosCopiedByPieces(folios, 4, pieces, 2, Uint8Array.of(1, 1), out)).toBe(2);
    expect([...out]).toEqual([1, 1, 0, 0]);
  });
});
