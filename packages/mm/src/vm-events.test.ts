import { describe, it, expect } from 'vitest';
import { VM_EVENT_NAMES, VM_PGFAULT, createVmEvents, vmEventIndex } from './vm-events';

describe('VmEvents', () => {
  it('folds fast-path additions into every read', () => {
    const ev = createVmEvents();
    const before = ev.snapshot();
    ev.add(VM_PGFAULT, 3);
    ev.add(vmEventIndex('balloon_migrate'), 1);
    expect(ev.get('pgfault')).toBe(3);
    ev.add(VM_PGFAULT, 2);
    ev.count('pgfault');
    const after = ev.snapshot();
    expect(after.pgfault).toBe(6);
    expect(ev.delta(before, after).balloon_migrate).toBe(1);
    ev.add(VM_PGFAULT, 1);
    expect(ev.format()).toContain('pgfault 7\n');
    expect(ev.names).toEqual(VM_EVENT_NAMES);
    expect(vmEventIndex('pgfault')).toBe(VM_PGFAULT);
  });
});
