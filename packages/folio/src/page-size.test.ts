import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { EINVAL } from '@pagemig/kernel';
import { expectKernelError } from '@pagemig/test-kit';
import {
  PAGE_SHIFT,
  PAGE_SIZE,
  HPAGE_PMD_ORDER,
  HPAGE_PMD_NR,
  HPAGE_PMD_SIZE,
  HPAGE_PUD_ORDER,
  HPAGE_PUD_NR,
  HPAGE_PUD_SIZE,
  MAX_PAGE_ORDER,
  MAX_ORDER_NR_PAGES,
  NR_PAGE_ORDERS,
  pagesInOrder,
  orderToBytes,
  bytesToOrder,
  getOrder,
  parseSize,
  formatSize,
  parseFolioSize,
} from './page-size';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

describe('size constants', () => {
  it('match x86-64 with 4 KiB pages', () => {
    expect(PAGE_SHIFT).toBe(12);
    expect(PAGE_SIZE).toBe(2 ** PAGE_SHIFT);
    expect(HPAGE_PMD_ORDER).toBe(9);
    expect(HPAGE_PMD_NR).toBe(2 ** HPAGE_PMD_ORDER);
    expect(HPAGE_PMD_SIZE).toBe(2 * MiB);
    expect(HPAGE_PUD_ORDER).toBe(18);
    expect(HPAGE_PUD_NR).toBe(2 ** HPAGE_PUD_ORDER);
    expect(HPAGE_PUD_SIZE).toBe(GiB);
    expect(MAX_PAGE_ORDER).toBe(10);
    expect(MAX_ORDER_NR_PAGES).toBe(2 ** MAX_PAGE_ORDER);
    expect(NR_PAGE_ORDERS).toBe(11);
  });
});

describe('orders', () => {
  it('converts orders to pages and bytes', () => {
    expect(pagesInOrder(0)).toBe(1);
    expect(pagesInOrder(HPAGE_PMD_ORDER)).toBe(HPAGE_PMD_NR);
    expect(pagesInOrder(40)).toBe(2 ** 40);
    expect(orderToBytes(0)).toBe(PAGE_SIZE);
    expect(orderToBytes(4)).toBe(64 * KiB);
    expect(orderToBytes(HPAGE_PMD_ORDER)).toBe(HPAGE_PMD_SIZE);
    expect(orderToBytes(HPAGE_PUD_ORDER)).toBe(HPAGE_PUD_SIZE);
  });

  it('rejects orders that are not integers in 0..40', () => {
    for (const bad of [-1, 41, 1.5, Number.NaN, Infinity]) {
      expect(() => orderToBytes(bad)).toThrow(RangeError);
      expect(() => pagesInOrder(bad)).toThrow(RangeError);
    }
  });

  it('bytesToOrder inverts orderToBytes for every order', () => {
    for (let order = 0; order <= 40; order++) expect(bytesToOrder(orderToBytes(order))).toBe(order);
  });

  it('bytesToOrder rejects sizes that are not PAGE_SIZE × 2^order', () => {
    for (const bad of [0, 1, 2048, 4095, 4097, 3 * PAGE_SIZE, 12 * KiB, 2 ** 52 + 4096, -4096, 4096.5, 2 ** 53]) {
      const message = expectKernelError(() => bytesToOrder(bad), 'EINVAL', String(bad), 'PAGE_SIZE (4096) × 2^order');
      expect(message).toContain('bytesToOrder');
    }
  });

  it('getOrder rounds up like get_order()', () => {
    expect(getOrder(1)).toBe(0);
    expect(getOrder(PAGE_SIZE)).toBe(0);
    expect(getOrder(PAGE_SIZE + 1)).toBe(1);
    expect(getOrder(3 * PAGE_SIZE)).toBe(2);
    expect(getOrder(HPAGE_PMD_SIZE)).toBe(9);
    expect(getOrder(HPAGE_PMD_SIZE + 1)).toBe(10);
    expect(() => getOrder(0)).toThrow(RangeError);
    expect(() => getOrder(2 ** 52 + 1)).toThrow(RangeError);
  });

  test.prop([fc.integer({ min: 1, max: 2 ** 52 })], { seed: 12 })('getOrder is the smallest covering order', (size) => {
    const order = getOrder(size);
    expect(orderToBytes(order)).toBeGreaterThanOrEqual(size);
    if (order > 0) expect(orderToBytes(order - 1)).toBeLessThan(size);
  });
});

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['4096', 4096],
    ['4K', 4 * KiB],
    ['4k', 4 * KiB],
    ['4KB', 4 * KiB],
    ['4kb', 4 * KiB],
    ['4KiB', 4 * KiB],
    ['64K', 64 * KiB],
    ['2M', 2 * MiB],
    ['2MiB', 2 * MiB],
    ['1G', GiB],
    ['1T', TiB],
    ['1P', 1024 * TiB],
    ['4096B', 4096],
    ['1.5M', 1.5 * MiB],
    ['0.5K', 512],
    ['1.0', 1],
    ['007K', 7 * KiB],
    ['  2M\n', 2 * MiB],
    ['7P', 7 * 1024 * TiB],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('parses %j as %d', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    ['', 'empty'],
    ['   \n', 'empty'],
    ['-4K', 'negative'],
    ['-1', 'negative'],
    ['4X', 'not a size'],
    ['K', 'not a size'],
    ['4 K', 'not a size'],
    ['0x1000', 'not a size'],
    ['+4K', 'not a size'],
    ['4KK', 'not a size'],
    ['4Ki', 'not a size'],
    ['1e3', 'not a size'],
    ['.5K', 'not a size'],
    ['1.', 'not a size'],
    ['1.5', 'not a whole number of bytes'],
    ['0.1K', 'not a whole number of bytes'],
    ['8P', 'MAX_SAFE_INTEGER'],
    ['9P', 'MAX_SAFE_INTEGER'],
    ['9007199254740992', 'MAX_SAFE_INTEGER'],
    ['99999999999999999999999T', 'MAX_SAFE_INTEGER'],
  ])('rejects %j (%s) with EINVAL quoting it and listing accepted forms', (text, why) => {
    const message = expectKernelError(() => parseSize(text), 'EINVAL', JSON.stringify(text), why, '4K', '2M', '1G');
    expect(message).toMatch(/^parseSize: /);
  });

  it('reports the errno value of EINVAL', () => {
    try {
      parseSize('4X');
      expect.unreachable();
    } catch (error) {
      expect((error as { errno: number }).errno).toBe(EINVAL);
    }
  });

  it('shortens a huge bad input in the message', () => {
    const message = expectKernelError(() => parseSize('x'.repeat(10_000)), 'EINVAL', 'xxx...');
    expect(message.length).toBeLessThan(600);
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(['K', 10], ['M', 20], ['G', 30], ['T', 40])], {
    seed: 7,
  })('a number with a unit is that number times 2^shift, or EINVAL past MAX_SAFE_INTEGER', (n, [unit, shift]) => {
    const exact = BigInt(n) << BigInt(shift);
    if (exact <= BigInt(Number.MAX_SAFE_INTEGER)) {
      expect(parseSize(`${n}${unit}`)).toBe(Number(exact));
      expect(parseSize(`${n}${unit.toLowerCase()}iB`)).toBe(Number(exact));
    } else {
      expectKernelError(() => parseSize(`${n}${unit}`), 'EINVAL', 'MAX_SAFE_INTEGER');
    }
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [1000, '1000'],
    [4096, '4K'],
    [64 * KiB, '64K'],
    [1536, '1536'],
    [1.5 * MiB, '1536K'],
    [2 * MiB, '2M'],
    [GiB, '1G'],
    [3 * TiB, '3T'],
    [2 ** 52, '4P'],
  ])('formats %d as %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it('rejects negative and non-safe numbers', () => {
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN]) expect(() => formatSize(bad)).toThrow(RangeError);
  });

  test.prop([fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })], { seed: 1 })('parseSize(formatSize(x)) === x', (x) => {
    expect(parseSize(formatSize(x))).toBe(x);
  });

  test.prop([fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 1023 })], { seed: 2 })(
    'round trips unit multiples too',
    (order, k) => {
      const x = k * orderToBytes(order);
      if (Number.isSafeInteger(x)) expect(parseSize(formatSize(x))).toBe(x);
    },
  );
});

describe('parseFolioSize', () => {
  it('accepts every order 0..HPAGE_PUD_ORDER', () => {
    for (let order = 0; order <= HPAGE_PUD_ORDER; order++) {
      const bytes = orderToBytes(order);
      expect(parseFolioSize(formatSize(bytes))).toBe(bytes);
    }
    expect(parseFolioSize('4096')).toBe(PAGE_SIZE);
    expect(parseFolioSize('2MiB\n')).toBe(HPAGE_PMD_SIZE);
  });

  it.each(['0', '2K', '12K', '3M', '2G', '1T', '4097'])('rejects %j as not a folio size', (text) => {
    expectKernelError(() => parseFolioSize(text), 'EINVAL', JSON.stringify(text), 'not a folio size', '4K, 8K, 16K', '2M', '1G');
  });

  it('passes parseSize errors through under its own name', () => {
    const message = expectKernelError(() => parseFolioSize('4X'), 'EINVAL', '"4X"', 'not a size');
    expect(message).toMatch(/^parseFolioSize: /);
  });
});
