import { afterAll, describe, expect, it } from 'vitest';
import { ENODEV, EOPNOTSUPP, moduleIsLive, type ErrnoName } from '@pagemig/kernel';
import { MIGRATE_ASYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import { checkInvariants } from '@pagemig/mm';
import { createMigrateEngine, type BatchCopyContext } from '@pagemig/migrate';
import { createMtcopy } from './mtcopy';
import { expectKernelError, expectKernelErrorAsync } from '@pagemig/test-kit';
import { allocPairs, checkSet, folioSum, freePairs, mapSmallFolios, migrateSet, twoNodeSystem, unmapSet } from './testing/mtcopy-test-kit';

const DIR = '/sys/module/mtcopy/parameters';

function ctxFor(bytes: number): BatchCopyContext {
  return { batchId: 1, reason: MR_SYSCALL, memcg: 1, hint: 'default', bytes };
}

describe('/sys/module/mtcopy/parameters', () => {
  const sys = twoNodeSystem(32);
  const mt = createMtcopy({ system: sys, laneIdleMs: 100 });
  afterAll(() => mt.unload());

  it('lists the knobs and shows the defaults', () => {
    expect(sys.sysfs.list(DIR)).toEqual([
      'align_bytes',
      'failures',
      'folios_copied',
      'inject_crash',
      'main_thread_share',
      'min_batch_bytes',
      'offloading',
      'threads',
      'work_stealing',
      'worker_spin_us',
    ]);
    expect(sys.sysfs.read(`${DIR}/threads`)).toBe('2\n');
    expect(sys.sysfs.read(`${DIR}/offloading`)).toBe('0\n');
    expect(sys.sysfs.read(`${DIR}/align_bytes`)).toBe('4096\n');
    expect(sys.sysfs.read(`${DIR}/main_thread_share`)).toBe('1\n');
    expect(sys.sysfs.read(`${DIR}/min_batch_bytes`)).toBe('0\n');
    expect(sys.sysfs.read(`${DIR}/inject_crash`)).toBe('none\n');
    expect(sys.sysfs.read(`${DIR}/work_stealing`)).toBe('1\n');
    expect(sys.sysfs.read(`${DIR}/worker_spin_us`)).toBe('0\n');
    expect(sys.sysfs.read('/sys/module/mtcopy/initstate')).toBe('live\n');
  });

  const bad: [string, string, ErrnoName, ...string[]][] = [
    ['threads', '0', 'EINVAL', '"0"', 'from 1 to 64'],
    ['threads', '65', 'EINVAL', '"65"', 'from 1 to 64'],
    ['threads', 'four', 'EINVAL', '"four"', 'from 1 to 64'],
    ['threads', '-1', 'EINVAL', '"-1"'],
    ['threads', '2.5', 'EINVAL', '"2.5"'],
    ['threads', '', 'EINVAL', '""'],
    ['threads', '99999999999', 'ERANGE', '"99999999999"', 'from 1 to 64'],
    ['align_bytes', '12288', 'EINVAL', '12288', 'power of two'],
    ['align_bytes', '2048', 'EINVAL', '"2048"', 'from 4096 to 2097152'],
    ['align_bytes', '4194304', 'EINVAL', '"4194304"', 'from 4096 to 2097152'],
    ['min_batch_bytes', '1M', 'EINVAL', '"1M"', 'integer'],
    ['offloading', 'maybe', 'EINVAL', '"maybe"', '1/0'],
    ['main_thread_share', '2', 'EINVAL', '"2"', 'on/off'],
    ['work_stealing', 'sometimes', 'EINVAL', '"sometimes"', 'on/off'],
    ['worker_spin_us', '10001', 'EINVAL', '"10001"', 'from 0 to 10000'],
    ['inject_crash', 'boom', 'EINVAL', '"boom"', 'none, throw, exit'],
  ];
  for (const [attr, input, code, ...fragments] of bad) {
    it(`rejects ${attr} = ${JSON.stringify(input)} with ${code} and keeps the value`, async () => {
      const path = `${DIR}/${attr}`;
      const before = sys.sysfs.read(path);
      const msg = await expectKernelErrorAsync(sys.sysfs.writeOrThrow(path, `${input}\n`), code, path, ...fragments);
      expect(msg.length).toBeGreaterThan(path.length);
      expect(sys.sysfs.read(path)).toBe(before);
    });
  }

  it('offloading without a registry is refused with ENODEV and stays 0', async () => {
    await expectKernelErrorAsync(sys.sysfs.writeOrThrow(`${DIR}/offloading`, '1'), 'ENODEV', 'without an offload registry');
    expect(sys.sysfs.read(`${DIR}/offloading`)).toBe('0\n');
    expect(await mt.setOffloading(true)).toBe(-ENODEV);
    // writing 0 when not registered changes nothing
    expect(await sys.sysfs.write(`${DIR}/offloading`, '0')).toBe(1);
  });

  it('applies good values: threads, alignment, main thread share', async () => {
    const threads: number[] = [];
    const off = mt.tpDispatch.subscribe((e) => threads.push(e.threads));
    await sys.sysfs.writeOrThrow(`${DIR}/threads`, '5\n');
    await sys.sysfs.writeOrThrow(`${DIR}/align_bytes`, '65536');
    await sys.sysfs.writeOrThrow(`${DIR}/main_thread_share`, 'off');
    await sys.sysfs.writeOrThrow(`${DIR}/worker_spin_us`, '250');
    expect(sys.sysfs.read(`${DIR}/worker_spin_us`)).toBe('250\n');
    expect(mt.workerSpinUs).toBe(250);
    expect(sys.sysfs.read(`${DIR}/threads`)).toBe('5\n');
    expect(sys.sysfs.read(`${DIR}/align_bytes`)).toBe('65536\n');
    expect(sys.sysfs.read(`${DIR}/main_thread_share`)).toBe('0\n');
    expect(mt.threads).toBe(5);
    expect(mt.mainThreadShare).toBe(false);
    const pairs = allocPairs(sys, [9, 3], 1);
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 2, ctxFor(pairs.bytes))).toBe(0);
    off();
    expect(threads).toEqual([5]);
    pairs.dst.forEach((d, i) => expect(folioSum(sys, d)).toBe(pairs.sums[i]));
    freePairs(sys, pairs);
    await sys.sysfs.writeOrThrow(`${DIR}/threads`, '2');
    await sys.sysfs.writeOrThrow(`${DIR}/align_bytes`, '4096');
    await sys.sysfs.writeOrThrow(`${DIR}/main_thread_share`, '1');
    await sys.sysfs.writeOrThrow(`${DIR}/worker_spin_us`, '0');
  });

  it('counts folios copied and failures, and a write resets them', async () => {
    const pairs = allocPairs(sys, [0, 0, 2], 2);
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 3, ctxFor(pairs.bytes))).toBe(0);
    expect(Number(sys.sysfs.read(`${DIR}/folios_copied`))).toBeGreaterThanOrEqual(3);
    expect(await sys.sysfs.write(`${DIR}/folios_copied`, '0')).toBe(1);
    expect(sys.sysfs.read(`${DIR}/folios_copied`)).toBe('0\n');
    mt.injectCrash('throw');
    await sys.sysfs.writeOrThrow(`${DIR}/main_thread_share`, '0');
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 3, ctxFor(pairs.bytes))).toBeLessThan(0);
    await sys.sysfs.writeOrThrow(`${DIR}/main_thread_share`, '1');
    expect(sys.sysfs.read(`${DIR}/failures`)).toBe('1\n');
    expect(await sys.sysfs.write(`${DIR}/failures`, 'anything')).toBe(8);
    expect(sys.sysfs.read(`${DIR}/failures`)).toBe('0\n');
    freePairs(sys, pairs);
  });

  it('declines batches smaller than min_batch_bytes with -EOPNOTSUPP; the core copies them', async () => {
    await sys.sysfs.writeOrThrow(`${DIR}/min_batch_bytes`, String(64 * PAGE_SIZE));
    const pairs = allocPairs(sys, [0, 0], 3);
    const declined = mt.stats.declined;
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 2, ctxFor(pairs.bytes))).toBe(-EOPNOTSUPP);
    expect(mt.stats.declined).toBe(declined + 1);
    freePairs(sys, pairs);
    const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: 512 });
    eng.batchCopy = mt.migrator.offloadCopy;
    const copied = mt.stats.foliosCopied;
    const small = mapSmallFolios(sys, 40, 3);
    expect((await migrateSet(eng, small, 1, MIGRATE_ASYNC, MR_SYSCALL)).rc).toBe(0);
    expect(mt.stats.foliosCopied).toBe(copied);
    expect(checkSet(small, 1)).toEqual([]);
    const big = mapSmallFolios(sys, 64, 4);
    expect((await migrateSet(eng, big, 1, MIGRATE_ASYNC, MR_SYSCALL)).rc).toBe(0);
    expect(mt.stats.foliosCopied).toBe(copied + 64);
    expect(checkSet(big, 1)).toEqual([]);
    expect(checkInvariants(sys)).toEqual([]);
    unmapSet(small);
    unmapSet(big);
    await sys.sysfs.writeOrThrow(`${DIR}/min_batch_bytes`, '0');
  });
});

describe('options and lifetime', () => {
  it('rejects bad options with EINVAL naming the value and what is accepted', () => {
    const sys = twoNodeSystem(8);
    expectKernelError(() => createMtcopy({ system: sys, threads: 0 }), 'EINVAL', 'threads 0', '1 to 64');
    expectKernelError(() => createMtcopy({ system: sys, threads: 65 }), 'EINVAL', 'threads 65');
    expectKernelError(() => createMtcopy({ system: sys, alignBytes: 1000 }), 'EINVAL', 'alignment 1000', 'power of two');
    expectKernelError(() => createMtcopy({ system: sys, minBatchBytes: -1 }), 'EINVAL', 'minBatchBytes -1');
    expectKernelError(() => createMtcopy({ system: sys, workerSpinUs: 1.5 }), 'EINVAL', 'worker spin 1.5', 'from 0 to 10000');
    expectKernelError(() => createMtcopy({ system: sys, handoff: 'carrier-pigeon' as never }), 'EINVAL', 'carrier-pigeon', 'doorbell or piscina');
    // nothing was left behind by the refused attempts
    expect(sys.sysfs.stat('/sys/module/mtcopy')).toBeUndefined();
  });

  it('allows one mtcopy per system (EEXIST) and unload removes everything', async () => {
    const sys = twoNodeSystem(8);
    const mt = createMtcopy({ system: sys });
    expectKernelError(() => createMtcopy({ system: sys }), 'EEXIST');
    const pairs = allocPairs(sys, [2], 5);
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 1, ctxFor(pairs.bytes))).toBe(0);
    const unload = mt.unload();
    expect(mt.unload()).toBe(unload);
    expect(await unload).toBe(0);
    expect(moduleIsLive(mt.owner)).toBe(false);
    expect(mt.owner.state).toBe('gone');
    expect(sys.sysfs.stat('/sys/module/mtcopy')).toBeUndefined();
    expect(mt.pool.threads).toBe(0);
    expect(await mt.migrator.offloadCopy(pairs.dst, pairs.src, 1, ctxFor(pairs.bytes))).toBe(-ENODEV);
    // a new instance can load once the old one is gone
    const again = createMtcopy({ system: sys });
    expect(await again.migrator.offloadCopy(pairs.dst, pairs.src, 1, ctxFor(pairs.bytes))).toBe(0);
    expect(folioSum(sys, pairs.dst[0]!)).toBe(pairs.sums[0]);
    expect(await again.unload()).toBe(0);
    freePairs(sys, pairs);
  });

  it('unload waits for a batch in flight before closing the pool', async () => {
    const sys = twoNodeSystem(32);
    const mt = createMtcopy({ system: sys, threads: 3, mainThreadShare: false });
    const pairs = allocPairs(sys, [9, 9, 9, 9, 9, 9], 6);
    const copy = mt.migrator.offloadCopy(pairs.dst, pairs.src, 6, ctxFor(pairs.bytes));
    const unloaded = mt.unload();
    expect(await copy).toBe(0);
    expect(await unloaded).toBe(0);
    pairs.dst.forEach((d, i) => expect(folioSum(sys, d)).toBe(pairs.sums[i]));
    freePairs(sys, pairs);
  });
});
