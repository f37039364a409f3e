import { describe, expect, it } from 'vitest';
import { dmatestInitDst, dmatestInitSrc, dmatestVerify, dmatestVerifyCopy, emptyDataErrors, MAX_ERROR_COUNT } from './dmatest-pattern';

/** Buffers as dmatest leaves them after a correct copy of `len` bytes from srcOff to dstOff. */
function copied(size: number, srcOff: number, dstOff: number, len: number): { src: Uint8Array; dst: Uint8Array } {
  const src = new Uint8Array(size);
  const dst = new Uint8Array(size);
  dmatestInitSrc(src, srcOff, len);
  dmatestInitDst(dst, dstOff, len);
  dst.set(src.subarray(srcOff, srcOff + len), dstOff);
  return { src, dst };
}

describe('dmatest patterns', () => {
  it('fills source and destination with the documented bytes', () => {
    const src = new Uint8Array(8);
    const dst = new Uint8Array(8);
    dmatestInitSrc(src, 2, 3);
    dmatestInitDst(dst, 4, 2);
    // c(i) = ~i & 0x1f: 1f 1e 1d 1c 1b 1a 19 18
    expect([...src].map((b) => b.toString(16))).toEqual(['9f', '9e', 'dd', 'dc', 'db', '9a', '99', '98']);
    expect([...dst].map((b) => b.toString(16))).toEqual(['1f', '1e', '1d', '1c', '3b', '3a', '19', '18']);
  });

  it('accepts a correct copy', () => {
    const { src, dst } = copied(4096, 100, 2000, 1000);
    const lines: string[] = [];
    expect(dmatestVerifyCopy(src, dst, 100, 2000, 1000, 't', lines, emptyDataErrors())).toBe(0);
    expect(lines).toEqual([]);
  });

  it('names each kind of damage with the kernel message', () => {
    const { src, dst } = copied(256, 16, 64, 32);
    src[3] = 0; // source outside the region changed
    dst[64 + 31] = 0x20 | (~(64 + 31) & 0x1f); // last byte of the window kept its "to be overwritten" value
    dst[64 + 5] = 0xc0 | (~(16 + 6) & 0x1f); // window byte holds the wrong source byte
    dst[64 + 32] = 0x80 | 0x05; // a source byte landed after the window
    const lines: string[] = [];
    const kinds = emptyDataErrors();
    expect(dmatestVerifyCopy(src, dst, 16, 64, 32, 'dma0chan0-copy0', lines, kinds)).toBe(4);
    expect(lines).toEqual([
      'dma0chan0-copy0: srcbuf[0x3] overwritten! Expected 9c, got 00',
      'dma0chan0-copy0: dstbuf[0x45] mismatch! Expected ca, got c9',
      'dma0chan0-copy0: dstbuf[0x5f] not copied! Expected d0, got 20',
      'dma0chan0-copy0: dstbuf[0x60] was copied! Expected 1f, got 85',
    ]);
    expect(kinds).toEqual({ srcOverwritten: 1, dstNotCopied: 1, dstWasCopied: 1, dstMismatch: 1 });
  });

  it('prints at most 32 lines per region, then the number suppressed', () => {
    const buf = new Uint8Array(100);
    const lines: string[] = [];
    expect(dmatestVerify(buf, 0, 100, 0, 0x80, true, 'x', lines, emptyDataErrors())).toBe(100);
    expect(lines).toHaveLength(MAX_ERROR_COUNT + 1);
    expect(lines.at(-1)).toBe('x: 68 errors suppressed');
  });
});
