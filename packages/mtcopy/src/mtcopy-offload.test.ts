import { afterAll, describe, expect, it } from 'vitest';
import { KernelError, createModule, moduleRefcount } from '@pagemig/kernel';
import { MIGRATE_ASYNC, MIGRATE_SYNC, MR_SYSCALL } from '@pagemig/folio';
import { checkInvariants } from '@pagemig/mm';
import { createMigrateEngine, type BatchCopyContext } from '@pagemig/migrate';
import { createMigrateOffload, type Migrator, type OffloadBatchEvent } from '@pagemig/offload';
import { createMtcopy, type MtcopyOffloadRegistry, type MtcopySliceEvent } from './mtcopy';
import { expectKernelErrorAsync } from '@pagemig/test-kit';
import { allocPairs, checkSet, folioSum, freePairs, mapFolios, mapSmallFolios, migrateSet, twoNodeSystem, unmapSet } from './testing/mtcopy-test-kit';

const DIR = '/sys/module/mtcopy/parameters';

function setup() {
  const sys = twoNodeSystem(64);
  const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: 512 });
  const offload = createMigrateOffload(eng);
  // a MigrateOffload is what mtcopy expects of a registry (checked by the type checker)
  const registry: MtcopyOffloadRegistry = offload;
  // static shares: the worker always copies its share, so every batch has worker time to charge
  const mt = createMtcopy({ system: sys, offload: registry, threads: 2, workStealing: false, laneIdleMs: 100 });
  const tenant = sys.memcgs.create('tenant');
  const task = sys.createTask({ cpu: 0, memcg: 'tenant' });
  const events: OffloadBatchEvent[] = [];
  offload.tp.subscribe((e) => events.push({ ...e }));
  return { sys, eng, offload, mt, tenant, task, events };
}

describe('mtcopy through the offload registry', () => {
  const env = setup();
  const { sys, eng, offload, mt, tenant, task, events } = env;
  afterAll(() => mt.unload());

  it('offloading=1 registers mtcopy, and migrations are copied by it and charged to the memcg', async () => {
    expect(await sys.sysfs.write(`${DIR}/offloading`, '1\n')).toBe(2);
    expect(sys.sysfs.read(`${DIR}/offloading`)).toBe('1\n');
    expect(offload.active?.name).toBe('mtcopy');
    expect(sys.sysfs.read('/sys/kernel/mm/migrate_offload/active')).toBe('mtcopy\n');
    expect(moduleRefcount(mt.owner)).toBe(1);

    const set = mapFolios(sys, [9, 0, 4, 9, 2], 1, task);
    const small = mapSmallFolios(sys, 1100, 2, task);
    events.length = 0;
    const before = mt.stats;
    expect((await migrateSet(eng, set, 1, MIGRATE_SYNC, MR_SYSCALL, tenant.id)).rc).toBe(0);
    expect((await migrateSet(eng, small, 1, MIGRATE_ASYNC, MR_SYSCALL, tenant.id)).rc).toBe(0);
    expect(checkSet(set, 1)).toEqual([]);
    expect(checkSet(small, 1)).toEqual([]);
    expect(checkInvariants(sys)).toEqual([]);

    expect(events.length).toBeGreaterThan(2);
    expect(events.every((e) => e.migrator === 'mtcopy' && e.outcome === 'copied' && e.rc === 0)).toBe(true);
    expect(mt.stats.foliosCopied - before.foliosCopied).toBe(5 + 1100);
    const record = offload.accounting().find((r) => r.memcg === tenant.id && r.migrator === 'mtcopy');
    expect(record?.folios).toBe(5 + 1100);
    expect(record?.fallbackFolios).toBe(0);
    // worker time of every batch was charged to the tenant, none refused
    expect(record!.cpuNs).toBeGreaterThan(0);
    expect(mt.stats.unchargedBatches).toBe(0);
    expect(mt.stats.chargedNs).toBeCloseTo(record!.cpuNs, 0);
    unmapSet(set);
    unmapSet(small);
  });

  it('a crash through the registry is an error outcome with the data intact', async () => {
    const set = mapFolios(sys, [9, 9, 3, 9], 3, task);
    events.length = 0;
    await sys.sysfs.writeOrThrow(`${DIR}/main_thread_share`, '0');
    await sys.sysfs.writeOrThrow(`${DIR}/inject_crash`, 'exit');
    eng.nrMaxBatchedMigration = 262144;
    expect((await migrateSet(eng, set, 1, MIGRATE_ASYNC, MR_SYSCALL, tenant.id)).rc).toBe(0);
    eng.nrMaxBatchedMigration = 512;
    await sys.sysfs.writeOrThrow(`${DIR}/main_thread_share`, '1');
    expect(events.map((e) => e.outcome)).toEqual(['error']);
    expect(checkSet(set, 1)).toEqual([]);
    expect(checkInvariants(sys)).toEqual([]);
    unmapSet(set);
  });

  it('offloading=0 unregisters: batches go back to the CPU and the module is unpinned', async () => {
    expect(await sys.sysfs.write(`${DIR}/offloading`, '0')).toBe(1);
    expect(sys.sysfs.read(`${DIR}/offloading`)).toBe('0\n');
    expect(offload.active).toBeNull();
    expect(moduleRefcount(mt.owner)).toBe(0);
    const set = mapFolios(sys, [9, 0, 5], 4, task);
    events.length = 0;
    const copied = mt.stats.foliosCopied;
    expect((await migrateSet(eng, set, 1, MIGRATE_ASYNC, MR_SYSCALL)).rc).toBe(0);
    expect(checkSet(set, 1)).toEqual([]);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.migrator === 'cpu' && e.outcome === 'key_off')).toBe(true);
    expect(mt.stats.foliosCopied).toBe(copied);
    unmapSet(set);
  });

  it('a registration refused by the registry reaches the writer and changes nothing', async () => {
    const other: Migrator = { name: 'other', owner: createModule('other'), offloadCopy: () => Promise.resolve(0) };
    expect(offload.register(other)).toBe(0);
    await expectKernelErrorAsync(sys.sysfs.writeOrThrow(`${DIR}/offloading`, '1'), 'EBUSY', 'registering mtcopy failed', '"other"');
    expect(sys.sysfs.read(`${DIR}/offloading`)).toBe('0\n');
    expect(offload.active?.name).toBe('other');
    expect(moduleRefcount(mt.owner)).toBe(0);
    expect(await offload.unregister(other)).toBe(0);
  });
});

describe('unload while registered', () => {
  it('unregisters, waits for batches in flight, closes the pool and deletes the module', async () => {
    const { sys, eng, offload, mt, task, events } = setup();
    expect(await mt.setOffloading(true)).toBe(0);
    const set = mapFolios(sys, [9, 9, 9, 9], 5, task);
    eng.nrMaxBatchedMigration = 262144;
    // unload from inside the batch: the workers are copying when it starts
    let unloaded: Promise<number> | null = null;
    const off = mt.tpDispatch.subscribe(() => {
      unloaded ??= mt.unload();
    });
    expect((await migrateSet(eng, set, 1, MIGRATE_ASYNC, MR_SYSCALL)).rc).toBe(0);
    off();
    expect(unloaded).not.toBeNull();
    expect(await unloaded).toBe(0);
    // the batch that was in flight was finished by mtcopy
    expect(events.map((e) => [e.migrator, e.outcome])).toEqual([['mtcopy', 'copied']]);
    expect(checkSet(set, 1)).toEqual([]);
    expect(offload.active).toBeNull();
    expect(mt.owner.state).toBe('gone');
    expect(sys.sysfs.stat('/sys/module/mtcopy')).toBeUndefined();
    expect(mt.pool.threads).toBe(0);
    const after = mapFolios(sys, [4], 6, task);
    expect((await migrateSet(eng, after, 1, MIGRATE_ASYNC, MR_SYSCALL)).rc).toBe(0);
    expect(checkSet(after, 1)).toEqual([]);
    expect(events.at(-1)?.migrator).toBe('cpu');
    expect(checkInvariants(sys)).toEqual([]);
  });
});

describe('charging worker time', () => {
  it('charges the workers\' busy time (not the dispatching thread\'s) once per batch as cpu time', async () => {
    const sys = twoNodeSystem(32);
    const charges: { ctx: BatchCopyContext; ns: number; kind: string }[] = [];
    let refuse = false;
    const registry: MtcopyOffloadRegistry = {
      active: null,
      register: () => 0,
      unregister: () => Promise.resolve(0),
      chargeTime: (ctx, ns, kind) => {
        if (refuse) throw new KernelError('EINVAL', 'chargeTime: batch unknown');
        charges.push({ ctx, ns, kind });
      },
    };
    const mt = createMtcopy({ system: sys, offload: registry, threads: 3, mainThreadShare: true, workStealing: false });
    const slices: MtcopySliceEvent[] = [];
    const off = mt.tpSlice.subscribe((e) => slices.push({ ...e }));
    const pairs = allocPairs(sys, [9, 9, 9, 0, 4, 9], 8);
    const ctx: BatchCopyContext = { batchId: 41, reason: MR_SYSCALL, memcg: 3, hint: 'default', bytes: pairs.bytes };
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 6, ctx)).toBe(0);
    expect(charges).toHaveLength(1);
    expect(charges[0]!.ctx).toBe(ctx);
    expect(charges[0]!.kind).toBe('cpu');
    const workerNs = slices.filter((s) => s.thread !== 2).reduce((a, s) => a + s.cpuNs, 0);
    expect(charges[0]!.ns).toBeCloseTo(workerNs, 3);
    expect(slices.map((s) => s.thread).sort()).toEqual([0, 1, 2]);
    // a registry that does not know the batch (mtcopy installed directly) refuses: counted, copy still good
    refuse = true;
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 6, { ...ctx, batchId: 42 })).toBe(0);
    expect(mt.stats.unchargedBatches).toBe(1);
    off();
    pairs.dst.forEach((d, i) => expect(folioSum(sys, d)).toBe(pairs.sums[i]));
    freePairs(sys, pairs);
    expect(await mt.unload()).toBe(0);
  });
});
