/**
 * dmatest's buffer patterns and verifier (drivers/dma/dmatest.c, described in dmatest.rst).
 * Every byte is `flags | c` where `c = ~counter & 0x1f` and the counter is the byte index. Source
 * bytes carry 0x80 (PATTERN_SRC), plus 0x40 (PATTERN_COPY) inside the region to copy; destination
 * bytes carry 0x00, plus 0x20 (PATTERN_OVERWRITE) inside the region to overwrite. After the copy the
 * destination window must hold `0xC0 | c(src_off + k)`: the counter follows the source index, so an
 * offset slip shows. Six regions are checked; each prints at most 32 mismatch lines, then
 * "N errors suppressed".
 */

/** Source byte flag. */
export const PATTERN_SRC = 0x80;
/** Destination byte flag (none). */
export const PATTERN_DST = 0x00;
/** Byte is inside the region to copy. */
export const PATTERN_COPY = 0x40;
/** Byte is inside the region to overwrite. */
export const PATTERN_OVERWRITE = 0x20;
/** Low bits: the inverted counter. */
export const PATTERN_COUNT_MASK = 0x1f;
/** Mismatch lines printed per region before suppressing (`MAX_ERROR_COUNT`). */
export const MAX_ERROR_COUNT = 32;

/** Counts of wrong bytes by the message dmatest prints for them. */
export interface DmatestDataErrors {
  /** `srcbuf[..] overwritten!` */
  srcOverwritten: number;
  /** `dstbuf[..] not copied!` */
  dstNotCopied: number;
  /** `dstbuf[..] was copied!` */
  dstWasCopied: number;
  /** `dstbuf[..] mismatch!` */
  dstMismatch: number;
}

/** A zeroed error count. */
export function emptyDataErrors(): DmatestDataErrors {
  return { srcOverwritten: 0, dstNotCopied: 0, dstWasCopied: 0, dstMismatch: 0 };
}

function invIdx(counter: number): number {
  return ~counter & PATTERN_COUNT_MASK;
}

/** Fills a source buffer for a copy of `len` bytes at `start`. Mirrors `dmatest_init_srcs()`. */
export function dmatestInitSrc(buf: Uint8Array, start: number, len: number): void {
  const end = start + len;
  for (let i = 0; i < buf.length; i++) {
    buf[i] = PATTERN_SRC | invIdx(i) | (i >= start && i < end ? PATTERN_COPY : 0);
  }
}

/** Fills a destination buffer for a copy of `len` bytes at `start`. Mirrors `dmatest_init_dsts()`. */
export function dmatestInitDst(buf: Uint8Array, start: number, len: number): void {
  const end = start + len;
  for (let i = 0; i < buf.length; i++) {
    buf[i] = PATTERN_DST | invIdx(i) | (i >= start && i < end ? PATTERN_OVERWRITE : 0);
  }
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

/**
 * Checks `buf[start, end)` against `pattern | c(counter++)`; appends at most 32 mismatch lines
 * (`<thread>: srcbuf[0x..] overwritten! Expected xx, got yy`, ...) and a suppression line, counts
 * errors by kind and returns the number of wrong bytes. Mirrors `dmatest_verify()` + `dmatest_mismatch()`.
 */
export function dmatestVerify(
  buf: Uint8Array,
  start: number,
  end: number,
  counter: number,
  pattern: number,
  isSrcbuf: boolean,
  thread: string,
  lines: string[],
  kinds: DmatestDataErrors,
): number {
  let errors = 0;
  for (let i = start; i < end; i++, counter++) {
    const actual = buf[i] as number;
    const expected = pattern | invIdx(counter);
    if (actual === expected) continue;
    const diff = actual ^ pattern;
    let what: string;
    if (isSrcbuf) {
      what = 'srcbuf';
      kinds.srcOverwritten++;
    } else if ((pattern & PATTERN_COPY) !== 0 && (diff & (PATTERN_COPY | PATTERN_OVERWRITE)) !== 0) {
      what = 'not copied';
      kinds.dstNotCopied++;
    } else if ((diff & PATTERN_SRC) !== 0) {
      what = 'was copied';
      kinds.dstWasCopied++;
    } else {
      what = 'mismatch';
      kinds.dstMismatch++;
    }
    if (errors < MAX_ERROR_COUNT) {
      const idx = `0x${i.toString(16)}`;
      const tail = `Expected ${hex2(expected)}, got ${hex2(actual)}`;
      lines.push(what === 'srcbuf' ? `${thread}: srcbuf[${idx}] overwritten! ${tail}` : `${thread}: dstbuf[${idx}] ${what}! ${tail}`);
    }
    errors++;
  }
  if (errors > MAX_ERROR_COUNT) lines.push(`${thread}: ${errors - MAX_ERROR_COUNT} errors suppressed`);
  return errors;
}

/**
 * The six region checks of one memcpy test: source before/inside/after the copied region, then
 * destination before/inside/after the window. Returns the total of wrong bytes.
 */
export function dmatestVerifyCopy(
  src: Uint8Array,
  dst: Uint8Array,
  srcOff: number,
  dstOff: number,
  len: number,
  thread: string,
  lines: string[],
  kinds: DmatestDataErrors,
): number {
  const size = src.length;
  let errors = dmatestVerify(src, 0, srcOff, 0, PATTERN_SRC, true, thread, lines, kinds);
  errors += dmatestVerify(src, srcOff, srcOff + len, srcOff, PATTERN_SRC | PATTERN_COPY, true, thread, lines, kinds);
  errors += dmatestVerify(src, srcOff + len, size, srcOff + len, PATTERN_SRC, true, thread, lines, kinds);
  errors += dmatestVerify(dst, 0, dstOff, 0, PATTERN_DST, false, thread, lines, kinds);
  errors += dmatestVerify(dst, dstOff, dstOff + len, srcOff, PATTERN_SRC | PATTERN_COPY, false, thread, lines, kinds);
  errors += dmatestVerify(dst, dstOff + len, dst.length, dstOff + len, PATTERN_DST, false, thread, lines, kinds);
  return errors;
}
