import { describe, it, expect } from 'vitest';
import { EACCES, EINVAL, KernelError, SysfsTree } from '@pagemig/kernel';
import { MR_COMPACTION, MR_DEMOTION, MR_SYSCALL, REASON_MASK_ALL, reasonMaskOf } from '@pagemig/folio';
import { createMigrateEngine } from '@pagemig/migrate';
import { createSystem } from '@pagemig/mm';
import { createMigrateOffload } from './migrate-offload';
import { MIGRATE_OFFLOAD_SYSFS_DIR, formatOffloadStats } from './offload-sysfs';
import { makeFixture, makeRegion, migrateRegion, regionIntact, syncMigrator, violations } from './testing/fixture';

const dir = MIGRATE_OFFLOAD_SYSFS_DIR;

async function writeError(tree: SysfsTree, path: string, value: string): Promise<KernelError> {
  let thrown: unknown;
  try {
    await tree.writeOrThrow(path, value);
  } catch (error) {
    thrown = error;
  }
  expect(KernelError.isInstance(thrown)).toBe(true);
  return thrown as KernelError;
}

describe('/sys/kernel/mm/migrate_offload', () => {
  it('lists active, reason_mask, stats and accounting', () => {
    const { sys } = makeFixture();
    expect(sys.sysfs.list(dir)).toEqual(['accounting', 'active', 'reason_mask', 'stats']);
  });

  it('active shows none or the name, and is read-only', async () => {
    const { sys, offload, eng } = makeFixture();
    expect(sys.sysfs.read(`${dir}/active`)).toBe('none\n');
    const m = syncMigrator('dcbm', eng);
    expect(offload.register(m)).toBe(0);
    expect(sys.sysfs.read(`${dir}/active`)).toBe('dcbm\n');
    expect(await sys.sysfs.write(`${dir}/active`, 'none')).toBe(-EACCES);
    expect(offload.active).toBe(m);
    expect(await sys.sysfs.write(`${dir}/stats`, '0')).toBe(-EACCES);
    expect(await sys.sysfs.write(`${dir}/accounting`, '0')).toBe(-EACCES);
  });

  it('reason_mask reads the V5 set and takes lists, all and none', async () => {
    const { sys, offload } = makeFixture();
    const path = `${dir}/reason_mask`;
    expect(sys.sysfs.read(path)).toBe('compaction,syscall_or_cpuset,numa_misplaced,demotion\n');
    expect(await sys.sysfs.write(path, 'compaction,demotion\n')).toBe('compaction,demotion\n'.length);
    expect(offload.reasonMask).toBe(reasonMaskOf(MR_COMPACTION, MR_DEMOTION));
    expect(sys.sysfs.read(path)).toBe('compaction,demotion\n');
    await sys.sysfs.writeOrThrow(path, 'all');
    expect(offload.reasonMask).toBe(REASON_MASK_ALL);
    await sys.sysfs.writeOrThrow(path, 'none');
    expect(offload.reasonMask).toBe(0);
    expect(sys.sysfs.read(path)).toBe('none\n');
    await sys.sysfs.writeOrThrow(path, ' syscall_or_cpuset , demotion ');
    expect(offload.reasonMask).toBe(reasonMaskOf(MR_SYSCALL, MR_DEMOTION));
  });

  it('reason_mask rejects bad input naming the bad token and listing the accepted names; the old mask stays', async () => {
    const { sys, offload } = makeFixture();
    const path = `${dir}/reason_mask`;
    const before = reasonMaskOf(MR_COMPACTION, MR_DEMOTION);
    offload.reasonMask = before;
    for (const [input, token] of [
      ['compaction,bogus', '"bogus"'],
      ['compaction,', 'empty reason name'],
      ['', 'empty reason list'],
      ['all,compaction', '"all" must stand alone'],
      ['Compaction', '"Compaction"'],
      ['syscall', '"syscall"'],
    ] as const) {
      expect(await sys.sysfs.write(path, input)).toBe(-EINVAL);
      const error = await writeError(sys.sysfs, path, input);
      expect(error.code).toBe('EINVAL');
      expect(error.message).toContain(path);
      expect(error.message).toContain(token);
      expect(error.message).toContain('compaction, memory_failure, memory_hotplug, syscall_or_cpuset');
      expect(error.message).toContain('or all; or none');
      expect(offload.reasonMask).toBe(before);
      expect(sys.sysfs.read(path)).toBe('compaction,demotion\n');
    }
  });

  it('stats and accounting describe the batches copied', async () => {
    const fx = makeFixture({ memcg: 'job' });
    const m = syncMigrator('fast', fx.eng);
    expect(fx.offload.register(m)).toBe(0);
    const r = await makeRegion(fx.task, 8, 40);
    expect((await migrateRegion(fx, r, 1, { reason: MR_SYSCALL })).rc).toBe(0);
    expect(await regionIntact(fx.task, r)).toBe(true);
    expect(violations(fx.sys)).toEqual([]);
    const stats = fx.sys.sysfs.read(`${dir}/stats`) as string;
    expect(stats).toBe(`${formatOffloadStats(fx.offload.stats())}\n`);
    expect(stats.split('\n')).toEqual(
      expect.arrayContaining(['active fast', 'registered 1', 'batches 1', 'folios 8', 'bytes 32768', 'copied 1', 'declined 0', 'key_off 0', 'fallback_folios 0', 'in_flight 0']),
    );
    const id = fx.sys.memcgs.byName('job')!.id;
    expect(fx.sys.sysfs.read(`${dir}/accounting`)).toBe(
      `memcg=job id=${id} migrator=fast batches=1 folios=8 bytes=32768 fallback_batches=0 fallback_folios=0 fallback_bytes=0 device_ns=0 cpu_ns=0\n`,
    );
    fx.offload.resetStats();
    expect(fx.sys.sysfs.read(`${dir}/accounting`)).toBe('\n');
    expect(fx.offload.stats()).toMatchObject({ batches: 0, registered: 1, active: 'fast' });
  });

  it('can live in a tree other than the system one', () => {
    const sys = createSystem({ nodes: [{ size: 8 << 20 }], sectionSize: 4 << 20 });
    const tree = new SysfsTree();
    createMigrateOffload(createMigrateEngine(sys), { sysfs: tree });
    expect(tree.read(`${dir}/active`)).toBe('none\n');
    expect(sys.sysfs.stat(dir)).toBeUndefined();
  });
});
