import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { EBUSY, EINVAL, ERANGE } from './errno';
import { KernelError } from './kernel-error';
import { SysfsTree } from './sysfs';
import {
  boolAttribute,
  counterAttribute,
  enumAttribute,
  intAttribute,
  kstrtobool,
  kstrtouint,
  uintAttribute,
} from './sysfs-attributes';

describe('kstrtobool', () => {
  it('follows the kernel table', () => {
    for (const s of ['1', 'y', 'Y', 't', 'T', 'yes', 'true', 'on', 'ON', 'oN', '1\n', '1abc']) expect(kstrtobool(s), s).toBe(true);
    for (const s of ['0', 'n', 'N', 'f', 'F', 'no', 'false', 'off', 'OFF', '0\n']) expect(kstrtobool(s), s).toBe(false);
    for (const s of ['', '2', 'o', 'ox', ' 1', 'x', 'enable']) expect(kstrtobool(s), s).toBeUndefined();
  });
});

describe('kstrtouint', () => {
  it('parses decimal u32, with an optional + and one trailing newline', () => {
    expect(kstrtouint('0')).toBe(0);
    expect(kstrtouint('+16')).toBe(16);
    expect(kstrtouint('16\n')).toBe(16);
    expect(kstrtouint('4294967295')).toBe(4294967295);
    expect(kstrtouint('4294967296')).toBe(-ERANGE);
    for (const bad of ['', '-1', ' 1', '1 ', '0x10', '1.5', '1e3', '16\n\n', 'abc']) expect(kstrtouint(bad), bad).toBe(-EINVAL);
  });

  test.prop([fc.integer({ min: 0, max: 0xffffffff })])('round-trips every u32', (n) => {
    expect(kstrtouint(String(n))).toBe(n);
    expect(kstrtouint(`${n}\n`)).toBe(n);
  });
});

describe('attribute helpers through a SysfsTree', () => {
  it('bool: shows 0/1, accepts kstrtobool input, rejects the rest unchanged', async () => {
    const sysfs = new SysfsTree();
    let on = false;
    sysfs.createAttribute('/sys/module/dcbm/offloading', boolAttribute({ get: () => on, set: (v) => void (on = v) }));
    expect(sysfs.read('/sys/module/dcbm/offloading')).toBe('0\n');
    expect(await sysfs.write('/sys/module/dcbm/offloading', 'y\n')).toBe(2);
    expect(on).toBe(true);
    expect(sysfs.read('/sys/module/dcbm/offloading')).toBe('1\n');
    await expect(sysfs.writeOrThrow('/sys/module/dcbm/offloading', 'maybe')).rejects.toThrow(
      '/sys/module/dcbm/offloading: "maybe" is not a boolean; accepted: 1/0, y/n, yes/no, true/false, on/off',
    );
    expect(on).toBe(true);
    expect(await sysfs.write('/sys/module/dcbm/offloading', 'off')).toBe(3);
    expect(on).toBe(false);
  });

  it('bool: a setter refusing (e.g. registration -EBUSY) reaches the writer', async () => {
    const sysfs = new SysfsTree();
    sysfs.createAttribute('/on', boolAttribute({ get: () => false, set: async () => -EBUSY }));
    expect(await sysfs.write('/on', '1')).toBe(-EBUSY);
  });

  it('bool: read-only without a setter', async () => {
    const sysfs = new SysfsTree();
    sysfs.createAttribute('/ro', boolAttribute({ get: () => true }));
    expect(sysfs.stat('/ro')).toEqual({ type: 'attr', mode: 0o444 });
    expect(await sysfs.write('/ro', '0')).toBeLessThan(0);
  });

  test.prop([fc.string({ maxLength: 12 })])('uint 1..16: accepts exactly the in-range decimals, else keeps the value', async (input) => {
    const sysfs = new SysfsTree();
    let chans = 1;
    sysfs.createAttribute('/nr_dma_chan', uintAttribute({ get: () => chans, set: (v) => void (chans = v), min: 1, max: 16 }));
    const rc = await sysfs.write('/nr_dma_chan', input);
    const text = input.endsWith('\n') ? input.slice(0, -1) : input;
    const valid = /^\+?[0-9]+$/.test(text) && Number(text) >= 1 && Number(text) <= 16;
    if (valid) {
      expect(rc).toBeGreaterThanOrEqual(0);
      expect(chans).toBe(Number(text));
    } else {
      expect(rc).toBeLessThan(0);
      expect(chans).toBe(1);
    }
  });

  it('uint: messages name the value and the range', async () => {
    const sysfs = new SysfsTree();
    let chans = 1;
    sysfs.createAttribute('/nr_dma_chan', uintAttribute({ get: () => chans, set: (v) => void (chans = v), min: 1, max: 16 }));
    await expect(sysfs.writeOrThrow('/nr_dma_chan', '17')).rejects.toMatchObject({
      code: 'EINVAL',
      message: '/nr_dma_chan: "17" is out of range; accepted: an integer from 1 to 16',
    });
    await expect(sysfs.writeOrThrow('/nr_dma_chan', 'four')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(sysfs.writeOrThrow('/nr_dma_chan', '99999999999')).rejects.toMatchObject({ code: 'ERANGE' });
    expect(sysfs.read('/nr_dma_chan')).toBe('1\n');
    expect(() => uintAttribute({ get: () => 0, min: 5, max: 4 })).toThrow(KernelError);
    expect(() => uintAttribute({ get: () => 0, min: -1 })).toThrow(KernelError);
  });

  it('int: accepts negatives within the range', async () => {
    const sysfs = new SysfsTree();
    let times = 1;
    sysfs.createAttribute('/times', intAttribute({ get: () => times, set: (v) => void (times = v), min: -1 }));
    expect(await sysfs.write('/times', '-1\n')).toBe(3);
    expect(times).toBe(-1);
    expect(await sysfs.write('/times', '-2')).toBe(-EINVAL);
    expect(await sysfs.write('/times', '2147483648')).toBe(-ERANGE);
    expect(await sysfs.write('/times', '--1')).toBe(-EINVAL);
    expect(times).toBe(-1);
    expect(sysfs.read('/times')).toBe('-1\n');
  });

  it('enum: exact names only, optional bracket display', async () => {
    const sysfs = new SysfsTree();
    let mode: 'always' | 'madvise' | 'never' = 'madvise';
    const names = ['always', 'madvise', 'never'] as const;
    sysfs.createAttribute('/thp/enabled', enumAttribute({ names, get: () => mode, set: (v) => void (mode = v), brackets: true }));
    sysfs.createAttribute('/thp/plain', enumAttribute({ names, get: () => mode }));
    expect(sysfs.read('/thp/enabled')).toBe('always [madvise] never\n');
    expect(sysfs.read('/thp/plain')).toBe('madvise\n');
    expect(await sysfs.write('/thp/enabled', 'never\n')).toBe(6);
    expect(mode).toBe('never');
    await expect(sysfs.writeOrThrow('/thp/enabled', 'Never')).rejects.toThrow('"Never" is not accepted; accepted: always, madvise, never');
    await expect(sysfs.writeOrThrow('/thp/enabled', 'never ')).rejects.toMatchObject({ code: 'EINVAL' });
    expect(mode).toBe('never');
    expect(() => enumAttribute({ names: [], get: () => 'x' as never })).toThrow(KernelError);
    expect(() => enumAttribute({ names: ['a', 'a'], get: () => 'a' })).toThrow(KernelError);
  });

  it('counter: read-only, or reset by any write', async () => {
    const sysfs = new SysfsTree();
    let migrated = 41;
    let failures = 3;
    sysfs.createAttribute('/dcbm/folios_migrated', counterAttribute({ get: () => migrated, reset: () => void (migrated = 0) }));
    sysfs.createAttribute('/dcbm/folios_failures', counterAttribute({ get: () => failures }));
    migrated++;
    expect(sysfs.read('/dcbm/folios_migrated')).toBe('42\n');
    expect(await sysfs.write('/dcbm/folios_migrated', 'whatever\n')).toBe(9);
    expect(sysfs.read('/dcbm/folios_migrated')).toBe('0\n');
    expect(await sysfs.write('/dcbm/folios_failures', '0')).toBeLessThan(0);
    failures++;
    expect(sysfs.read('/dcbm/folios_failures')).toBe('4\n');
  });
});
