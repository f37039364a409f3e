import { describe, it, expect } from 'vitest';
import { expectKernelError } from '@pagemig/test-kit';
import * as reasons from './migrate-reason';
import {
  MR_COMPACTION,
  MR_SYSCALL,
  MR_DEMOTION,
  MR_DAMON,
  MR_TYPES,
  MIGRATE_REASON_NAMES,
  isMigrateReason,
  migrateReasonName,
  parseMigrateReason,
} from './migrate-reason';
import type { MigrateReason } from './migrate-reason';

const EXPECTED: Array<[string, number, string]> = [
  ['MR_COMPACTION', 0, 'compaction'],
  ['MR_MEMORY_FAILURE', 1, 'memory_failure'],
  ['MR_MEMORY_HOTPLUG', 2, 'memory_hotplug'],
  ['MR_SYSCALL', 3, 'syscall_or_cpuset'],
  ['MR_MEMPOLICY_MBIND', 4, 'mempolicy_mbind'],
  ['MR_NUMA_MISPLACED', 5, 'numa_misplaced'],
  ['MR_CONTIG_RANGE', 6, 'contig_range'],
  ['MR_LONGTERM_PIN', 7, 'longterm_pin'],
  ['MR_DEMOTION', 8, 'demotion'],
  ['MR_DAMON', 9, 'damon'],
];

const exported = reasons as unknown as Record<string, unknown>;

describe('migrate reasons', () => {
  it('have the enum values and the exact trace strings', () => {
    expect(MR_TYPES).toBe(10);
    expect(MIGRATE_REASON_NAMES).toHaveLength(MR_TYPES);
    for (const [constant, value, name] of EXPECTED) {
      expect(exported[constant], constant).toBe(value);
      expect(MIGRATE_REASON_NAMES[value]).toBe(name);
      expect(migrateReasonName(value as MigrateReason)).toBe(name);
      expect(parseMigrateReason(name)).toBe(value);
    }
    const mrExports = Object.keys(exported).filter((k) => k.startsWith('MR_') && k !== 'MR_TYPES');
    expect(mrExports.sort()).toEqual(EXPECTED.map(([c]) => c).sort());
  });

  it('validates reason values', () => {
    expect(isMigrateReason(MR_COMPACTION)).toBe(true);
    expect(isMigrateReason(MR_DAMON)).toBe(true);
    for (const bad of [-1, MR_TYPES, 2.5, '3', undefined]) expect(isMigrateReason(bad)).toBe(false);
    expect(() => migrateReasonName(MR_TYPES as MigrateReason)).toThrow(RangeError);
  });

  it('parses one reason, tolerating surrounding whitespace', () => {
    expect(parseMigrateReason(' demotion\n')).toBe(MR_DEMOTION);
    expect(parseMigrateReason('syscall_or_cpuset')).toBe(MR_SYSCALL);
  });

  it.each(['', 'syscall', 'MR_COMPACTION', 'Compaction', 'compaction,demotion'])('rejects %j naming it and listing every name', (text) => {
    const message = expectKernelError(() => parseMigrateReason(text), 'EINVAL', JSON.stringify(text));
    for (const name of MIGRATE_REASON_NAMES) expect(message).toContain(name);
  });
});
