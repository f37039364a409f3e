import { describe, it, expect } from 'vitest';
import { SysfsTree } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import { MemCgroups, NO_MEMCG, ROOT_MEMCG } from './memcg';

describe('MemCgroups', () => {
  it('charges against memory.max and publishes the cgroup v2 files', async () => {
    const sysfs = new SysfsTree();
    const memcgs = new MemCgroups(sysfs);
    const jobs = memcgs.create('jobs/batch', 4);
    expect(memcgs.tryCharge(jobs.id, 3)).toBe(true);
    expect(memcgs.tryCharge(jobs.id, 2)).toBe(false);
    expect(jobs.failcnt).toBe(1);
    expect(memcgs.tryCharge(NO_MEMCG, 1000)).toBe(true);
    expect(sysfs.read('/sys/fs/cgroup/jobs/batch/memory.current')).toBe(`${3 * PAGE_SIZE}\n`);
    expect(sysfs.read('/sys/fs/cgroup/jobs/batch/memory.max')).toBe(`${4 * PAGE_SIZE}\n`);
    expect(await sysfs.write('/sys/fs/cgroup/jobs/batch/memory.max', String(10 * PAGE_SIZE + 5))).toBeGreaterThan(0);
    expect(jobs.max).toBe(10);
    expect(sysfs.stat('/sys/fs/cgroup/memory.current')).toEqual({ type: 'attr', mode: 0o444 });
    expect(sysfs.stat('/sys/fs/cgroup/memory.max')).toBeUndefined();
    memcgs.uncharge(jobs.id, 3);
    expect(memcgs.get(ROOT_MEMCG).name).toBe('/');
    expect(() => memcgs.create('jobs/batch')).toThrow(/already exists/);
    expect(() => memcgs.create('bad name')).toThrow(/memcg name "bad name"/);
    expect(() => memcgs.get(99)).toThrow(/memcg id 99/);
  });
});
