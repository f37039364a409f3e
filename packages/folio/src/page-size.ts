/**
 * Page sizes and folio orders (x86-64 with 4 KiB base pages), plus the size strings users type
 * on the command line, in config files and into sysfs (`4K`, `2M`, `1G`).
 *
 * A folio of order `n` covers `2^n` base pages. Orders and page counts are plain numbers so the
 * memory model can use them in its per-frame loops.
 */
import { KernelError } from '@pagemig/kernel';

/** log2 of the base page size: a PFN is a byte address shifted right by this. */
export const PAGE_SHIFT = 12;
/** Base page (frame) size in bytes: the unit of the memmap and of the copy loops. */
export const PAGE_SIZE = 4096;
/** Order of a PMD-mapped THP (2 MiB): the upstream batch limit counts in these pages. */
export const HPAGE_PMD_ORDER = 9;
/** Base pages in a PMD-sized folio (512); the upstream `NR_MAX_BATCHED_MIGRATION`. */
export const HPAGE_PMD_NR = 512;
/** Bytes in a PMD-sized folio (2 MiB). */
export const HPAGE_PMD_SIZE = PAGE_SIZE * HPAGE_PMD_NR;
/** Order of a PUD-sized folio (1 GiB): the largest folio pagemig models. */
export const HPAGE_PUD_ORDER = 18;
/** Base pages in a PUD-sized folio (262144); patch 7's testing value of the batch limit. */
export const HPAGE_PUD_NR = 262144;
/** Bytes in a PUD-sized folio (1 GiB). */
export const HPAGE_PUD_SIZE = PAGE_SIZE * HPAGE_PUD_NR;
/** Largest order the buddy allocator hands out (kernel `MAX_PAGE_ORDER`). */
export const MAX_PAGE_ORDER = 10;
/** Base pages in a block of `MAX_PAGE_ORDER` (1024). */
export const MAX_ORDER_NR_PAGES = 1024;
/** Number of buddy free lists, orders `0..MAX_PAGE_ORDER` (11). */
export const NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;

/** Largest order whose byte size is still a safe integer: PAGE_SIZE × 2^40 = 2^52 bytes. */
const MAX_BYTES_ORDER = 40;

function checkOrder(order: number, fn: string): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_BYTES_ORDER) {
    throw new RangeError(`${fn}: order ${String(order)} is not an integer in 0..${MAX_BYTES_ORDER}`);
  }
}

/** Base pages in a folio of `order` (`1 << order`); throws RangeError outside `0..40`. */
export function pagesInOrder(order: number): number {
  checkOrder(order, 'pagesInOrder');
  return 2 ** order;
}

/** Bytes in a folio of `order` (`PAGE_SIZE << order`); throws RangeError outside `0..40`. */
export function orderToBytes(order: number): number {
  checkOrder(order, 'orderToBytes');
  return PAGE_SIZE * 2 ** order;
}

/**
 * The order of a folio of exactly `bytes` bytes. `bytes` must be PAGE_SIZE × 2^order; anything
 * else (not a page multiple, not a power of two, not a safe integer) throws `KernelError('EINVAL')`.
 */
export function bytesToOrder(bytes: number): number {
  if (Number.isSafeInteger(bytes) && bytes >= PAGE_SIZE && bytes % PAGE_SIZE === 0) {
    const pages = bytes / PAGE_SIZE;
    const order = Math.round(Math.log2(pages));
    if (2 ** order === pages) return order;
  }
  throw new KernelError(
    'EINVAL',
    `bytesToOrder: ${String(bytes)} bytes is not a folio size; accepted: PAGE_SIZE (4096) × 2^order ` +
      `for order 0..${MAX_BYTES_ORDER} (4096, 8192, 16384, ...)`,
  );
}

/**
 * Smallest order whose folio holds `size` bytes (rounds up). Mirrors `get_order()`.
 * `size` must be a positive safe integer no larger than PAGE_SIZE × 2^40, else RangeError.
 */
export function getOrder(size: number): number {
  if (!Number.isSafeInteger(size) || size < 1 || size > PAGE_SIZE * 2 ** MAX_BYTES_ORDER) {
    throw new RangeError(`getOrder: size ${String(size)} is not a positive safe integer up to 2^52`);
  }
  const pages = Math.ceil(size / PAGE_SIZE);
  let order = 0;
  while (2 ** order < pages) order++;
  return order;
}

const UNIT_SHIFT: Readonly<Record<string, number>> = { k: 10, m: 20, g: 30, t: 40, p: 50 };
const FORMAT_UNITS = [
  ['P', 2 ** 50],
  ['T', 2 ** 40],
  ['G', 2 ** 30],
  ['M', 2 ** 20],
  ['K', 2 ** 10],
] as const;

/** Number, optional fraction, optional unit (K/M/G/T/P, then optional B or iB) or a bare B. */
const SIZE_PATTERN = /^(\d+)(?:\.(\d+))?(?:([kmgtp])(?:i?b)?|b)?$/i;

const SIZE_ACCEPTED =
  'accepted: a whole number of bytes with an optional binary unit K, M, G, T or P ' +
  '(any case, optionally followed by B or iB; 1K = 1KB = 1KiB = 1024), ' +
  'e.g. 4096, 4K, 64KiB, 2M, 1G; a decimal such as 1.5M only when it gives whole bytes';

/** Quotes user text for an error message, shortened so a huge input cannot flood a log. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);
}

function sizeError(fn: string, text: string, why: string, accepted: string): KernelError {
  return new KernelError('EINVAL', `${fn}: invalid size ${quote(text)}: ${why}; ${accepted}`);
}

function parseSizeIn(fn: string, text: string): number {
  if (typeof text !== 'string') {
    throw new KernelError('EINVAL', `${fn}: expected a string, got ${typeof text}; ${SIZE_ACCEPTED}`);
  }
  const trimmed = text.trim();
  if (trimmed === '') throw sizeError(fn, text, 'empty', SIZE_ACCEPTED);
  if (trimmed.startsWith('-')) throw sizeError(fn, text, 'negative', SIZE_ACCEPTED);
  const m = SIZE_PATTERN.exec(trimmed);
  if (m === null) throw sizeError(fn, text, 'not a size', SIZE_ACCEPTED);
  const [, intDigits = '0', fracDigits = '', unit] = m;
  const shift = unit === undefined ? 0 : (UNIT_SHIFT[unit.toLowerCase()] ?? 0);
  // Exact arithmetic: (int + frac / 10^n) × 2^shift must be a whole number of bytes.
  const scale = 10n ** BigInt(fracDigits.length);
  const scaled = (BigInt(intDigits) * scale + BigInt(fracDigits === '' ? '0' : fracDigits)) << BigInt(shift);
  if (scaled % scale !== 0n) throw sizeError(fn, text, 'not a whole number of bytes', SIZE_ACCEPTED);
  const bytes = scaled / scale;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw sizeError(fn, text, `larger than Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER}) bytes`, SIZE_ACCEPTED);
  }
  return Number(bytes);
}

/**
 * Parses a byte size like the kernel's `memparse()`: `4096`, `4K`/`4k`/`4KB`/`4KiB`, `64K`, `2M`,
 * `1G`, `1T`, `1P`. Units are binary (K = KB = KiB = 1024). Surrounding whitespace (a sysfs
 * newline) is ignored. A decimal is accepted only when it yields whole bytes (`1.5M` yes, `1.5`
 * no). Unlike `memparse()`, digits are always decimal (no `0x` or octal). Empty, negative, junk
 * and sizes above `Number.MAX_SAFE_INTEGER` throw `KernelError('EINVAL')` quoting the input.
 */
export function parseSize(text: string): number {
  return parseSizeIn('parseSize', text);
}

/**
 * Formats bytes with the largest binary unit that divides them exactly (`4K`, `64K`, `2M`,
 * `1G`, `1536K`), or as plain bytes when no unit does (`1000`). Never prints a decimal, so
 * `parseSize(formatSize(x)) === x` always holds. Throws RangeError for a non-safe or negative number.
 */
export function formatSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`formatSize: ${String(bytes)} is not a non-negative safe integer`);
  }
  if (bytes === 0) return '0';
  for (const [suffix, unit] of FORMAT_UNITS) {
    if (bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

const FOLIO_SIZE_ACCEPTED = `accepted folio sizes: PAGE_SIZE × 2^order for order 0..${HPAGE_PUD_ORDER}: ${Array.from(
  { length: HPAGE_PUD_ORDER + 1 },
  (_, order) => formatSize(PAGE_SIZE * 2 ** order),
).join(', ')}`;

/**
 * Parses a folio size (`4K`, `64K`, `2M`, `1G`): {@link parseSize} plus the rule that the size is
 * PAGE_SIZE × 2^order with order ≤ `HPAGE_PUD_ORDER`. Returns bytes (use {@link bytesToOrder} for
 * the order). Anything else throws `KernelError('EINVAL')` listing the accepted sizes.
 */
export function parseFolioSize(text: string): number {
  const bytes = parseSizeIn('parseFolioSize', text);
  if (bytes >= PAGE_SIZE && bytes <= HPAGE_PUD_SIZE && bytes % PAGE_SIZE === 0) {
    const pages = bytes / PAGE_SIZE;
    if ((pages & (pages - 1)) === 0) return bytes;
  }
  throw sizeError('parseFolioSize', text, `${bytes} bytes is not a folio size`, FOLIO_SIZE_ACCEPTED);
}
