import { afterAll, describe, expect, it } from 'vitest';
import { EBUSY, createModule } from '@pagemig/kernel';
import { expectKernelErrorAsync } from '@pagemig/test-kit';
import { expectIntact, makeDcbmFixture, makeRegion, migrateRegion, regionNodes, tick, type DcbmFixture } from './testing/fixture';

const all: DcbmFixture[] = [];
function fixture(...args: Parameters<typeof makeDcbmFixture>): DcbmFixture {
  const fx = makeDcbmFixture(...args);
  all.push(fx);
  return fx;
}
afterAll(async () => {
  for (const fx of all) await fx.dev.shutdown();
});

const DIR = '/sys/module/dcbm';

function readAll(fx: DcbmFixture): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fx.sys.sysfs.list(DIR) as string[]) out[name] = String(fx.sys.sysfs.read(`${DIR}/${name}`));
  return out;
}

describe('/sys/module/dcbm', () => {
  it('lives on the module kobject next to refcnt and initstate, with the V5 defaults', () => {
    const fx = fixture();
    expect(fx.dcbm.sysfsDir).toBe(DIR);
    expect(readAll(fx)).toEqual({
      align: '0\n',
      aligned_batches: '0\n',
      completion: 'each\n',
      folios_failures: '0\n',
      folios_migrated: '0\n',
      initstate: 'live\n',
      min_batch_bytes: '0\n',
      nr_dma_chan: '1\n',
      offloading: '0\n',
      refcnt: '0\n',
      timeout_ms: '10000\n',
    });
  });

  it.each([
    ['offloading', '2', 'EINVAL', 'accepted: 1/0'],
    ['offloading', 'maybe', 'EINVAL', 'not a boolean'],
    ['nr_dma_chan', '0', 'EINVAL', 'accepted: an integer from 1 to 16'],
    ['nr_dma_chan', '17', 'EINVAL', 'from 1 to 16'],
    ['nr_dma_chan', '-1', 'EINVAL', 'not a decimal integer'],
    ['nr_dma_chan', '1.5', 'EINVAL', 'not a decimal integer'],
    ['nr_dma_chan', '', 'EINVAL', 'not a decimal integer'],
    ['min_batch_bytes', '-5', 'EINVAL', 'not a decimal integer'],
    ['min_batch_bytes', '4294967296', 'ERANGE', 'does not fit'],
    ['completion', 'first', 'EINVAL', 'accepted: each, last'],
    ['completion', 'EACH', 'EINVAL', 'accepted: each, last'],
    ['align', 'x', 'EINVAL', 'not a boolean'],
    ['timeout_ms', '0', 'EINVAL', 'from 1 to 3600000'],
  ] as const)('%s ← %j is refused (%s) and changes nothing', async (name, value, code, fragment) => {
    const fx = fixture();
    await fx.sys.sysfs.writeOrThrow(`${DIR}/nr_dma_chan`, '3');
    const before = readAll(fx);
    const paramsBefore = { ...fx.dcbm.params };
    await expectKernelErrorAsync(fx.sys.sysfs.writeOrThrow(`${DIR}/${name}`, value), code, `${DIR}/${name}`, fragment);
    expect(readAll(fx)).toEqual(before);
    expect(fx.dcbm.params).toEqual(paramsBefore);
    expect(fx.offload.active).toBeNull();
  });

  it('accepts the whole ranges and the kstrtobool spellings', async () => {
    const fx = fixture();
    const w = (name: string, value: string) => fx.sys.sysfs.writeOrThrow(`${DIR}/${name}`, value);
    await w('nr_dma_chan', '16');
    await w('min_batch_bytes', '4294967295');
    await w('completion', 'last');
    await w('align', 'on');
    await w('timeout_ms', '1');
    expect(fx.dcbm.params).toEqual({ nrDmaChan: 16, minBatchBytes: 4294967295, completion: 'last', align: true, timeoutMs: 1 });
    await w('offloading', 'y');
    expect(fx.sys.sysfs.read(`${DIR}/offloading`)).toBe('1\n');
    expect(fx.sys.sysfs.read(`${DIR}/refcnt`)).toBe('1\n'); // the registry pins the module
    await w('offloading', 'y'); // same value: no-op
    expect(fx.offload.stats().registered).toBe(1);
    await w('offloading', 'off');
    expect(fx.sys.sysfs.read(`${DIR}/offloading`)).toBe('0\n');
    expect(fx.sys.sysfs.read(`${DIR}/refcnt`)).toBe('0\n');
  });

  it('returns the registration error to the writer and stays off', async () => {
    const fx = fixture();
    const other = { name: 'other', owner: createModule('other'), offloadCopy: () => Promise.resolve(0) };
    expect(fx.offload.register(other)).toBe(0);
    expect(await fx.sys.sysfs.write(`${DIR}/offloading`, '1')).toBe(-EBUSY);
    await expectKernelErrorAsync(fx.sys.sysfs.writeOrThrow(`${DIR}/offloading`, '1'), 'EBUSY');
    expect(fx.sys.sysfs.read(`${DIR}/offloading`)).toBe('0\n');
    expect(fx.dcbm.offloading).toBe(false);
    expect(fx.offload.active).toBe(other);
    await fx.offload.unregister(other);
    expect(await fx.dcbm.setOffloading(true)).toBe(0);
    expect(fx.offload.active).toBe(fx.dcbm.migrator);
  });

  it('any write resets folios_migrated and folios_failures', async () => {
    const fx = fixture({ engine: { retrySemantics: 'v6' } });
    await fx.dcbm.setOffloading(true);
    fx.dev.injectFault({ kind: 'read-failed', nth: 2, channel: 0 });
    const r = await makeRegion(fx.task, 5, 1);
    expect((await migrateRegion(fx, r, 1)).rc).toBe(0);
    await expectIntact(fx, r);
    expect(fx.sys.sysfs.read(`${DIR}/folios_migrated`)).toBe('4\n');
    expect(fx.sys.sysfs.read(`${DIR}/folios_failures`)).toBe('1\n');
    await fx.sys.sysfs.writeOrThrow(`${DIR}/folios_migrated`, 'whatever');
    await fx.sys.sysfs.writeOrThrow(`${DIR}/folios_failures`, '');
    expect(fx.sys.sysfs.read(`${DIR}/folios_migrated`)).toBe('0\n');
    expect(fx.sys.sysfs.read(`${DIR}/folios_failures`)).toBe('0\n');
  });

  it('offloading toggled while batches are in flight loses nothing', async () => {
    const fx = fixture({ engine: { retrySemantics: 'v6' } });
    const chan = fx.dev.channels[0]!;
    await fx.sys.sysfs.writeOrThrow(`${DIR}/offloading`, '1');
    const a = await makeRegion(fx.task, 24, 2);
    const b = await makeRegion(fx.task, 24, 3);
    const c = await makeRegion(fx.task, 24, 4);
    fx.dev.injectFault({ kind: 'stall', nth: chan.cookie + 5, channel: 0 });
    const migA = migrateRegion(fx, a, 1);
    await fx.dev.whenStalled(chan);
    expect(fx.dcbm.inFlight).toBe(1);

    // off while A is inside the driver: the registry stops routing at once, the write waits for A
    let offDone = false;
    const off = fx.sys.sysfs.writeOrThrow(`${DIR}/offloading`, '0').then((n) => {
      offDone = true;
      return n;
    });
    await tick();
    expect(fx.offload.active).toBeNull();
    // B migrates meanwhile, on the CPU
    expect((await migrateRegion(fx, b, 1)).rc).toBe(0);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ migrator: 'cpu', outcome: 'key_off' });
    // and on again: queued behind the unregister by the driver's mutex
    let onDone = false;
    const on = fx.sys.sysfs.writeOrThrow(`${DIR}/offloading`, '1').then((n) => {
      onDone = true;
      return n;
    });
    for (let i = 0; i < 20; i++) await tick();
    expect(offDone).toBe(false);
    expect(onDone).toBe(false);
    expect(fx.sys.sysfs.read(`${DIR}/offloading`)).toBe('1\n'); // still registered until the grace period ends

    fx.dev.releaseStall(chan);
    expect((await migA).rc).toBe(0);
    await off;
    await on;
    expect(fx.dcbm.offloading).toBe(true);
    expect((await migrateRegion(fx, c, 1)).rc).toBe(0);
    expect(fx.offload.provenance().at(-1)).toMatchObject({ migrator: 'dcbm', outcome: 'copied' });
    for (const r of [a, b, c]) {
      await expectIntact(fx, r);
      expect(regionNodes(fx, r)).toEqual(new Set([1]));
    }
    expect(fx.dcbm.stats()).toMatchObject({ batchesCopied: 2, foliosMigrated: 48, foliosFailures: 0 });
  });
});
