import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { expectKernelError } from '@pagemig/test-kit';
import {
  MR_COMPACTION,
  MR_MEMORY_FAILURE,
  MR_SYSCALL,
  MR_NUMA_MISPLACED,
  MR_DEMOTION,
  MR_DAMON,
  MR_TYPES,
  MIGRATE_REASON_NAMES,
} from './migrate-reason';
import type { MigrateReason } from './migrate-reason';
import {
  REASON_MASK_NONE,
  REASON_MASK_ALL,
  reasonMaskOf,
  reasonMaskHas,
  isReasonMask,
  parseReasonList,
  formatReasonMask,
} from './reason-mask';

describe('reason masks', () => {
  it('use bit 1 << reason', () => {
    expect(REASON_MASK_NONE).toBe(0);
    expect(REASON_MASK_ALL).toBe(0x3ff);
    expect(reasonMaskOf()).toBe(0);
    expect(reasonMaskOf(MR_COMPACTION)).toBe(1);
    expect(reasonMaskOf(MR_DEMOTION, MR_COMPACTION, MR_DEMOTION)).toBe(0x101);
    expect(reasonMaskOf(...(Array.from({ length: MR_TYPES }, (_, r) => r) as MigrateReason[]))).toBe(REASON_MASK_ALL);
  });

  it('answers membership for every reason', () => {
    const v5Default = reasonMaskOf(MR_COMPACTION, MR_SYSCALL, MR_DEMOTION, MR_NUMA_MISPLACED);
    for (let r = 0; r < MR_TYPES; r++) {
      const reason = r as MigrateReason;
      expect(reasonMaskHas(v5Default, reason)).toBe([0, 3, 5, 8].includes(r));
      expect(reasonMaskHas(REASON_MASK_ALL, reason)).toBe(true);
      expect(reasonMaskHas(REASON_MASK_NONE, reason)).toBe(false);
    }
  });

  it('rejects values that are not reasons or masks', () => {
    expect(() => reasonMaskOf(MR_TYPES as MigrateReason)).toThrow(RangeError);
    expect(() => reasonMaskOf(-1 as MigrateReason)).toThrow(RangeError);
    for (const bad of [-1, 0x400, 1.5, Number.NaN]) {
      expect(isReasonMask(bad)).toBe(false);
      expect(() => formatReasonMask(bad)).toThrow(RangeError);
    }
  });
});

describe('parseReasonList / formatReasonMask', () => {
  it.each([
    ['compaction,demotion', reasonMaskOf(MR_COMPACTION, MR_DEMOTION)],
    ['demotion,compaction', reasonMaskOf(MR_COMPACTION, MR_DEMOTION)],
    [' compaction , demotion\n', reasonMaskOf(MR_COMPACTION, MR_DEMOTION)],
    ['damon,damon', reasonMaskOf(MR_DAMON)],
    ['memory_failure', reasonMaskOf(MR_MEMORY_FAILURE)],
    ['all', REASON_MASK_ALL],
    ['all\n', REASON_MASK_ALL],
    ['none', REASON_MASK_NONE],
    [MIGRATE_REASON_NAMES.join(','), REASON_MASK_ALL],
  ])('parses %j', (text, mask) => {
    expect(parseReasonList(text)).toBe(mask);
  });

  it('formats in enum order, none for 0, the explicit list for all', () => {
    expect(formatReasonMask(reasonMaskOf(MR_DEMOTION, MR_COMPACTION))).toBe('compaction,demotion');
    expect(formatReasonMask(0)).toBe('none');
    expect(formatReasonMask(REASON_MASK_ALL)).toBe(MIGRATE_REASON_NAMES.join(','));
  });

  it('rejects an unknown name, naming it and listing every accepted name', () => {
    const message = expectKernelError(() => parseReasonList('compaction,demotoin'), 'EINVAL', '"demotoin"', '"compaction,demotoin"');
    for (const name of [...MIGRATE_REASON_NAMES, 'all', 'none']) expect(message).toContain(name);
  });

  it.each([
    ['', 'empty reason list'],
    ['\n', 'empty reason list'],
    ['compaction,,demotion', 'empty reason name'],
    ['compaction,', 'empty reason name'],
    ['all,compaction', '"all" must stand alone'],
    ['none,demotion', '"none" must stand alone'],
    ['Compaction', '"Compaction"'],
    ['syscall', '"syscall"'],
    ['compaction;demotion', '"compaction;demotion"'],
    ['0x3', '"0x3"'],
  ])('rejects %j (%s)', (text, fragment) => {
    expectKernelError(() => parseReasonList(text), 'EINVAL', fragment, 'compaction, memory_failure', 'or all; or none');
  });

  it('round trips every one of the 1024 masks', () => {
    for (let mask = 0; mask <= REASON_MASK_ALL; mask++) expect(parseReasonList(formatReasonMask(mask))).toBe(mask);
  });

  test.prop([fc.array(fc.integer({ min: 0, max: MR_TYPES - 1 }), { maxLength: 20 })], { seed: 8 })(
    'any order, duplicates and spacing parse to the same mask as reasonMaskOf',
    (list) => {
      const mask = reasonMaskOf(...(list as MigrateReason[]));
      if (list.length === 0) {
        expect(parseReasonList('none')).toBe(mask);
        return;
      }
      const text = list.map((r) => ` ${MIGRATE_REASON_NAMES[r]}`).join(',') + '\n';
      expect(parseReasonList(text)).toBe(mask);
      expect(formatReasonMask(mask).split(',')).toEqual(
        [...new Set(list)].sort((a, b) => a - b).map((r) => MIGRATE_REASON_NAMES[r]),
      );
    },
  );
});
