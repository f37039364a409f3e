import { describe, it, expect } from 'vitest';
import {
  EBUSY,
  EINVAL,
  ENODEV,
  EAGAIN,
  createModule,
  deleteModule,
  moduleRefcount,
  modulePut,
  staticCallQuery,
  tryModuleGet,
  watchStaticCall,
  watchStaticKey,
  type StaticChange,
} from '@pagemig/kernel';
import { MR_COMPACTION, MR_DAMON, MR_DEMOTION, MR_SYSCALL, REASON_MASK_ALL, reasonMaskOf } from '@pagemig/folio';
import { createMigrateEngine, type BatchCopyContext } from '@pagemig/migrate';
import { createSystem } from '@pagemig/mm';
import { MIGRATE_OFFLOAD_V5_REASONS } from './reason-policy';
import { MigrateOffload, createMigrateOffload, migrateOffloadRegister, migrateOffloadUnregister } from './migrate-offload';
import type { Migrator } from './migrator';
import { expectKernelError } from '@pagemig/test-kit';
import { gatedMigrator, makeFixture, syncMigrator, tick } from './testing/fixture';


function ctxOf(batchId: number): BatchCopyContext {
  return { batchId, reason: MR_SYSCALL, memcg: 1, hint: 'default', bytes: 0 };
}

/** Everything a refused call must leave alone. */
function snapshot(o: MigrateOffload, owners: Migrator[]) {
  return {
    active: o.active,
    key: o.enabledKey.enabled,
    target: staticCallQuery(o.copyCall),
    mask: o.reasonMask,
    refs: owners.map((m) => moduleRefcount(m.owner)),
  };
}

describe('register', () => {
  it('pins the owner, retargets the call, sets active, then enables the key (in that order)', () => {
    const { offload, eng } = makeFixture();
    const m = syncMigrator('dcbm', eng);
    const seen: string[] = [];
    const listener = (c: StaticChange) => {
      const state = `active=${offload.active?.name ?? 'none'} refs=${moduleRefcount(m.owner)}`;
      seen.push(c.kind === 'key' ? `key ${c.name}=${c.enabled} ${state}` : `call ${c.name}=${c.target === eng.cpuBatchCopy ? 'cpu' : 'migrator'} ${state}`);
    };
    watchStaticKey(offload.enabledKey, listener);
    watchStaticCall(offload.copyCall, listener);
    expect(staticCallQuery(offload.copyCall)).toBe(eng.cpuBatchCopy);
    expect(offload.register(m)).toBe(0);
    expect(seen).toEqual([
      'call migrate_offload_copy=migrator active=none refs=1',
      'key migrate_offload_enabled=true active=dcbm refs=1',
    ]);
    expect(offload.active).toBe(m);
    expect(offload.messages()).toContain('migrate_offload: enabled by dcbm');
    expect(offload.stats().registered).toBe(1);
  });

  it('refuses a malformed migrator or mask with -EINVAL and changes nothing', () => {
    const { offload, eng } = makeFixture();
    const good = syncMigrator('good', eng);
    const before = snapshot(offload, [good]);
    const bad: unknown[] = [
      null,
      undefined,
      { name: 'x', owner: good.owner },
      { name: 'x', offloadCopy: good.offloadCopy },
      { name: 'x', offloadCopy: good.offloadCopy, owner: null },
      { name: '', offloadCopy: good.offloadCopy, owner: good.owner },
      { name: 'x'.repeat(32), offloadCopy: good.offloadCopy, owner: good.owner },
      { name: 'two words', offloadCopy: good.offloadCopy, owner: good.owner },
      { name: 'cpu', offloadCopy: good.offloadCopy, owner: good.owner },
    ];
    for (const m of bad) expect(offload.register(m as Migrator)).toBe(-EINVAL);
    for (const mask of [-1, REASON_MASK_ALL + 1, 1.5, Number.NaN]) expect(offload.register(good, mask)).toBe(-EINVAL);
    expect(snapshot(offload, [good])).toEqual(before);
    expect(offload.stats().registerFailed).toBe(bad.length + 4);
    expect(offload.messages().at(-1)).toContain('reason mask');
  });

  it('refuses a second migrator with -EBUSY while one is active, leaving the first in place', () => {
    const { offload, eng } = makeFixture();
    const a = syncMigrator('a', eng);
    const b = syncMigrator('b', eng);
    expect(migrateOffloadRegister(offload, a)).toBe(0);
    const before = snapshot(offload, [a, b]);
    expect(offload.register(b)).toBe(-EBUSY);
    expect(offload.register(a)).toBe(-EBUSY);
    expect(snapshot(offload, [a, b])).toEqual(before);
    expect(offload.messages().at(-1)).toBe('migrate_offload: cannot register a: a is already active');
  });

  it('refuses with -ENODEV when the owner cannot be pinned (module going or gone)', async () => {
    const { offload, eng } = makeFixture();
    const goingOwner = createModule('going_mod');
    expect(tryModuleGet(goingOwner)).toBe(true);
    const unload = deleteModule(goingOwner, { wait: true });
    const going = syncMigrator('going', eng, goingOwner);
    const goneOwner = createModule('gone_mod');
    expect(await deleteModule(goneOwner)).toBe(0);
    const gone = syncMigrator('gone', eng, goneOwner);
    const before = snapshot(offload, [going, gone]);
    expect(offload.register(going)).toBe(-ENODEV);
    expect(offload.register(gone)).toBe(-ENODEV);
    expect(snapshot(offload, [going, gone])).toEqual(before);
    expect(offload.messages().at(-1)).toContain('module gone_mod is gone');
    expect(offload.messages().at(-2)).toContain('module going_mod is going');
    // the slot stays free
    expect(offload.register(syncMigrator('next', eng))).toBe(0);
    modulePut(goingOwner);
    expect(await unload).toBe(0);
  });

  it('sets the reason mask given at registration, or the V5 set when none is given', async () => {
    const { offload, eng } = makeFixture();
    const m = syncMigrator('m', eng);
    const mask = reasonMaskOf(MR_COMPACTION, MR_DEMOTION);
    expect(offload.register(m, mask)).toBe(0);
    expect(offload.reasonMask).toBe(mask);
    expect(offload.migrateOffloadDoBatch(MR_COMPACTION)).toBe(true);
    expect(offload.migrateOffloadDoBatch(MR_SYSCALL)).toBe(false);
    expect(await offload.unregister(m)).toBe(0);
    expect(offload.reasonMask).toBe(mask); // unregister leaves the mask
    expect(offload.register(m)).toBe(0);
    expect(offload.reasonMask).toBe(MIGRATE_OFFLOAD_V5_REASONS);
  });
});

describe('unregister', () => {
  it('disables the key, restores the CPU default, clears active, waits, then releases the owner', async () => {
    const { offload, eng } = makeFixture();
    const m = gatedMigrator('slow', eng);
    expect(offload.register(m)).toBe(0);
    const seen: string[] = [];
    const listener = (c: StaticChange) => {
      const state = `active=${offload.active?.name ?? 'none'} refs=${moduleRefcount(m.owner)}`;
      seen.push(c.kind === 'key' ? `key=${c.enabled} ${state}` : `call=${c.target === eng.cpuBatchCopy ? 'cpu' : 'migrator'} ${state}`);
    };
    watchStaticKey(offload.enabledKey, listener);
    watchStaticCall(offload.copyCall, listener);
    // one batch inside the migrator
    const batch = offload.batchCopy(new Int32Array(0), new Int32Array(0), 0, ctxOf(1));
    expect(m.entered).toBe(1);
    let done = false;
    const un = migrateOffloadUnregister(offload, m).then((rc) => {
      done = true;
      seen.push(`resolved refs=${moduleRefcount(m.owner)}`);
      return rc;
    });
    expect(seen).toEqual(['key=false active=slow refs=1', 'call=cpu active=slow refs=1']);
    expect(offload.active).toBeNull();
    for (let i = 0; i < 10; i++) await tick();
    expect(done).toBe(false);
    expect(moduleRefcount(m.owner)).toBe(1);
    expect(offload.stats().unregistering).toBe(1);
    m.releaseAll();
    expect(await batch).toBe(0);
    expect(await un).toBe(0);
    expect(seen.at(-1)).toBe('resolved refs=0');
    expect(offload.messages()).toContain('migrate_offload: disabled slow; waiting for 1 batch(es) in flight');
    expect(offload.stats()).toMatchObject({ unregistered: 1, unregistering: 0, inFlight: 0 });
  });

  it('returns -EINVAL unless the migrator is the active one, changing nothing', async () => {
    const { offload, eng } = makeFixture();
    const a = syncMigrator('a', eng);
    const b = syncMigrator('b', eng);
    expect(await offload.unregister(a)).toBe(-EINVAL);
    expect(await offload.unregister(null as unknown as Migrator)).toBe(-EINVAL);
    expect(offload.register(a)).toBe(0);
    const before = snapshot(offload, [a, b]);
    expect(await offload.unregister(b)).toBe(-EINVAL);
    expect(await offload.unregister({ ...a })).toBe(-EINVAL); // a copy is not the registered migrator
    expect(snapshot(offload, [a, b])).toEqual(before);
    const first = offload.unregister(a);
    expect(await offload.unregister(a)).toBe(-EINVAL); // already cleared by the first call
    expect(await first).toBe(0);
    expect(moduleRefcount(a.owner)).toBe(0);
  });

  it('keeps the owner pinned, so rmmod fails with -EAGAIN until unregister', async () => {
    const { offload, eng } = makeFixture();
    const m = syncMigrator('dcbm', eng);
    expect(offload.register(m)).toBe(0);
    expect(await deleteModule(m.owner)).toBe(-EAGAIN);
    expect(m.owner.state).toBe('live');
    expect(await offload.unregister(m)).toBe(0);
    expect(await deleteModule(m.owner)).toBe(0);
    expect(offload.register(m)).toBe(-ENODEV);
  });

  it('calls the callback the migrator had at registration, with the migrator as this', async () => {
    const { offload, eng } = makeFixture();
    const owner = createModule('cls_mod');
    class Toy implements Migrator {
      name = 'toy';
      owner = owner;
      calls = 0;
      offloadCopy(dst: Int32Array, src: Int32Array, count: number): Promise<number> {
        this.calls++;
        return Promise.resolve(eng.foliosMcCopy(dst, src, count));
      }
    }
    const toy = new Toy();
    expect(offload.register(toy)).toBe(0);
    const ctx = ctxOf(1);
    expect(await offload.batchCopy(new Int32Array(0), new Int32Array(0), 0, ctx)).toBe(0);
    expect(toy.calls).toBe(1);
    expect(await offload.unregister(toy)).toBe(0);
  });
});

describe('registry per engine', () => {
  it('two systems have independent registries', async () => {
    const one = makeFixture();
    const two = makeFixture();
    const owner = createModule('shared_mod');
    const a = syncMigrator('a', one.eng, owner);
    const b = syncMigrator('b', two.eng, owner);
    expect(one.offload.register(a)).toBe(0);
    expect(two.offload.register(b)).toBe(0);
    expect(moduleRefcount(owner)).toBe(2);
    expect(one.sys.sysfs.read('/sys/kernel/mm/migrate_offload/active')).toBe('a\n');
    expect(two.sys.sysfs.read('/sys/kernel/mm/migrate_offload/active')).toBe('b\n');
    expect(await one.offload.unregister(a)).toBe(0);
    expect(two.offload.active).toBe(b);
    expect(two.offload.enabledKey.enabled).toBe(true);
    expect(moduleRefcount(owner)).toBe(1);
  });

  it('installs batchCopy and doBatch on the engine and refuses a second registry on the same tree', () => {
    const sys = createSystem({ nodes: [{ size: 8 << 20 }], sectionSize: 4 << 20 });
    const eng = createMigrateEngine(sys);
    const cpu = eng.batchCopy;
    const o = createMigrateOffload(eng);
    expect(eng.batchCopy).not.toBe(cpu);
    expect(eng.cpuBatchCopy).toBe(cpu);
    expect(eng.doBatch(MR_SYSCALL, 'default')).toBe(o.doBatch(MR_SYSCALL, 'default'));
    expectKernelError(() => createMigrateOffload(eng), 'EEXIST', '/sys/kernel/mm/migrate_offload');
    expect(sys.trace.get('migrate_offload_batch')).toBe(o.tp);
  });
});

describe('reasonMask and chargeTime validation', () => {
  it('rejects a bad mask with EINVAL and keeps the old one', () => {
    const { offload } = makeFixture();
    offload.reasonMask = reasonMaskOf(MR_DAMON);
    for (const bad of [-1, 0x400, 2.5, Number.NaN, '3' as unknown as number]) {
      expectKernelError(() => {
        offload.reasonMask = bad;
      }, 'EINVAL', String(bad), '0x3ff');
    }
    expect(offload.reasonMask).toBe(reasonMaskOf(MR_DAMON));
  });

  it('rejects bad charges and unknown batches, charging nothing', () => {
    const { offload } = makeFixture();
    const ctx = ctxOf(42);
    expectKernelError(() => offload.chargeTime(ctx, 10, 'gpu' as 'cpu'), 'EINVAL', '"gpu"', 'device, cpu');
    expectKernelError(() => offload.chargeTime(ctx, -1, 'device'), 'EINVAL', '-1 ns');
    expectKernelError(() => offload.chargeTime(ctx, Number.POSITIVE_INFINITY, 'device'), 'EINVAL', 'Infinity');
    expectKernelError(() => offload.chargeTime(ctx, 10, 'device'), 'EINVAL', 'batch 42 is unknown');
    expect(offload.accounting()).toEqual([]);
  });
});
