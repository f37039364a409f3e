import { describe, expect, it } from 'vitest';
import { EventCounters } from './event-counters';
import { KernelError } from './kernel-error';

const NAMES = ['pgmigrate_success', 'pgmigrate_fail', 'thp_migration_success', 'thp_migration_fail', 'thp_migration_split'] as const;

describe('EventCounters', () => {
  it('counts, snapshots, diffs and formats in declaration order', () => {
    const vm = new EventCounters(NAMES);
    expect(vm.names).toEqual(NAMES);
    vm.count('pgmigrate_success');
    vm.count('pgmigrate_success', 511);
    const before = vm.snapshot();
    vm.count('pgmigrate_fail', 3);
    vm.count('thp_migration_success', 0);
    vm.count('pgmigrate_success', 2);
    const after = vm.snapshot();
    expect(vm.get('pgmigrate_success')).toBe(514);
    expect(before.pgmigrate_success).toBe(512);
    expect(vm.delta(before, after)).toEqual({
      pgmigrate_success: 2,
      pgmigrate_fail: 3,
      thp_migration_success: 0,
      thp_migration_fail: 0,
      thp_migration_split: 0,
    });
    expect(vm.format()).toBe(
      'pgmigrate_success 514\npgmigrate_fail 3\nthp_migration_success 0\nthp_migration_fail 0\nthp_migration_split 0\n',
    );
    expect(vm.format(vm.delta(before, after)).split('\n')[0]).toBe('pgmigrate_success 2');
  });

  it('snapshots are frozen copies', () => {
    const vm = new EventCounters(['a_b']);
    const s = vm.snapshot();
    vm.count('a_b');
    expect(s.a_b).toBe(0);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('unknown names are errors at declaration and lookup, and change nothing', () => {
    expect(() => new EventCounters([])).toThrow(KernelError);
    expect(() => new EventCounters(['x', 'x'])).toThrow(/declared twice/);
    expect(() => new EventCounters(['Bad Name'])).toThrow(KernelError);
    expect(() => new EventCounters(['__proto__'])).toThrow(KernelError);
    const vm = new EventCounters(['pgmigrate_success']);
    expect(() => vm.count('nope' as 'pgmigrate_success')).toThrow(/unknown event counter "nope"; accepted: pgmigrate_success/);
    expect(() => vm.get('toString' as 'pgmigrate_success')).toThrow(KernelError);
    expect(() => vm.count('pgmigrate_success', -1)).toThrow(KernelError);
    expect(() => vm.count('pgmigrate_success', 1.5)).toThrow(KernelError);
    expect(() => vm.count('pgmigrate_success', Number.NaN)).toThrow(KernelError);
    expect(() => vm.delta({} as never, vm.snapshot())).toThrow(KernelError);
    expect(vm.get('pgmigrate_success')).toBe(0);
  });

  it('sets are independent', () => {
    const a = new EventCounters(['x']);
    const b = new EventCounters(['x']);
    a.count('x', 5);
    expect(b.get('x')).toBe(0);
  });
});
