import { describe, expect, it } from 'vitest';
import { EACCES, EBUSY, EINVAL, EISDIR, ENOENT, ENOTDIR, ERANGE } from './errno';
import { KernelError } from './kernel-error';
import { SysfsTree, sysfsMode } from './sysfs';

/** A driver-like knob: an integer 1..16 kept in a closure, validated before it changes. */
function channelKnob() {
  const state = { value: 1, stores: [] as string[] };
  return {
    state,
    attr: {
      mode: 'rw' as const,
      show: () => String(state.value),
      store: (input: string) => {
        state.stores.push(input);
        const n = Number(input);
        if (!/^\d+$/.test(input) || n < 1 || n > 16) {
          throw new KernelError('EINVAL', `${JSON.stringify(input)} is invalid; accepted: an integer from 1 to 16`);
        }
        state.value = n;
      },
    },
  };
}

describe('SysfsTree', () => {
  it('reads with a trailing newline and strips one from writes', async () => {
    const sysfs = new SysfsTree();
    const knob = channelKnob();
    sysfs.createAttribute('/sys/module/dcbm/nr_dma_chan', knob.attr);
    expect(sysfs.read('/sys/module/dcbm/nr_dma_chan')).toBe('1\n');
    expect(await sysfs.write('/sys/module/dcbm/nr_dma_chan', '4\n')).toBe(2);
    expect(knob.state.stores).toEqual(['4']);
    expect(sysfs.readOrThrow('/sys/module/dcbm/nr_dma_chan')).toBe('4\n');
    expect(await sysfs.write('/sys/module/dcbm/nr_dma_chan', '8')).toBe(1);
    expect(sysfs.read('/sys/module/dcbm/nr_dma_chan')).toBe('8\n');
    // Only one newline is stripped, and a show that ends in a newline gets no second one.
    sysfs.createAttribute('/sys/x/multi', { mode: 'rw', show: () => 'a\nb\n', store: (v) => void knob.state.stores.push(v) });
    expect(sysfs.read('/sys/x/multi')).toBe('a\nb\n');
    expect(await sysfs.write('/sys/x/multi', 'v\n\n')).toBe(3);
    expect(knob.state.stores.at(-1)).toBe('v\n');
  });

  it('counts written bytes in UTF-8', async () => {
    const sysfs = new SysfsTree();
    sysfs.createAttribute('/a', { mode: 'wo', store: () => {} });
    expect(await sysfs.write('/a', 'é€😀\n')).toBe(2 + 3 + 4 + 1);
  });

  it('a rejected store keeps the old value and surfaces its message', async () => {
    const sysfs = new SysfsTree();
    const knob = channelKnob();
    sysfs.createAttribute('/sys/module/dcbm/nr_dma_chan', knob.attr);
    expect(await sysfs.write('/sys/module/dcbm/nr_dma_chan', '17')).toBe(-EINVAL);
    expect(sysfs.read('/sys/module/dcbm/nr_dma_chan')).toBe('1\n');
    const error = await sysfs.writeOrThrow('/sys/module/dcbm/nr_dma_chan', 'lots\n').catch((e: unknown) => e);
    expect(KernelError.isInstance(error)).toBe(true);
    const ke = error as KernelError;
    expect(ke.code).toBe('EINVAL');
    expect(ke.message).toBe('/sys/module/dcbm/nr_dma_chan: "lots" is invalid; accepted: an integer from 1 to 16');
    expect(KernelError.isInstance(ke.cause)).toBe(true);
    expect(sysfs.read('/sys/module/dcbm/nr_dma_chan')).toBe('1\n');
  });

  it('a store may reject with a negative errno or a KernelError of any code', async () => {
    const sysfs = new SysfsTree();
    let value = 'old';
    sysfs.createAttribute('/k/busy', { mode: 'rw', show: () => value, store: () => -EBUSY });
    sysfs.createAttribute('/k/range', {
      mode: 'rw',
      show: () => value,
      store: async (v) => {
        await Promise.resolve();
        if (v !== 'ok') throw new KernelError('ERANGE', 'too big');
        value = v;
      },
    });
    expect(await sysfs.write('/k/busy', 'x')).toBe(-EBUSY);
    await expect(sysfs.writeOrThrow('/k/busy', 'x')).rejects.toMatchObject({ code: 'EBUSY', message: '/k/busy: Device or resource busy' });
    expect(await sysfs.write('/k/range', 'no')).toBe(-ERANGE);
    expect(value).toBe('old');
    expect(await sysfs.writeOrThrow('/k/range', 'ok')).toBe(2);
    expect(value).toBe('ok');
  });

  it('a bug in a store (not a KernelError) propagates', async () => {
    const sysfs = new SysfsTree();
    sysfs.createAttribute('/bug', {
      mode: 'wo',
      store: () => {
        throw new TypeError('oops');
      },
    });
    await expect(sysfs.write('/bug', '1')).rejects.toThrow(TypeError);
  });

  it('enforces modes: -EACCES for writing read-only and reading write-only', async () => {
    const sysfs = new SysfsTree();
    let stored = '';
    sysfs.createAttribute('/d/ro', { mode: 0o444, show: () => 'r' });
    sysfs.createAttribute('/d/wo', { mode: 'wo', store: (v) => void (stored = v) });
    sysfs.createAttribute('/d/rw', { mode: 0o644, show: () => 'rw', store: (v) => void (stored = v) });
    sysfs.createAttribute('/d/ro_with_store', { mode: 'ro', show: () => 'r', store: (v) => void (stored = v) });
    expect(await sysfs.write('/d/ro', '1')).toBe(-EACCES);
    expect(await sysfs.write('/d/ro_with_store', '1')).toBe(-EACCES);
    expect(stored).toBe('');
    await expect(sysfs.writeOrThrow('/d/ro', '1')).rejects.toMatchObject({ code: 'EACCES', message: '/d/ro: Permission denied (attribute is read-only)' });
    expect(sysfs.read('/d/wo')).toBe(-EACCES);
    expect(() => sysfs.readOrThrow('/d/wo')).toThrow(/write-only/);
    expect(await sysfs.write('/d/wo', 'x')).toBe(1);
    expect(stored).toBe('x');
    expect(sysfs.read('/d/rw')).toBe('rw\n');
    expect(sysfs.stat('/d/wo')).toEqual({ type: 'attr', mode: 0o200 });
    expect(sysfs.stat('/d/rw')).toEqual({ type: 'attr', mode: 0o644 });
    expect(sysfs.stat('/d')).toEqual({ type: 'dir' });
  });

  it('missing paths are -ENOENT, directories -EISDIR', async () => {
    const sysfs = new SysfsTree();
    sysfs.mkdir('/sys/kernel/mm');
    expect(sysfs.read('/sys/nope')).toBe(-ENOENT);
    expect(await sysfs.write('/sys/nope', '1')).toBe(-ENOENT);
    expect(sysfs.list('/sys/nope')).toBe(-ENOENT);
    expect(sysfs.stat('/sys/nope')).toBeUndefined();
    expect(() => sysfs.readOrThrow('/sys/nope')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(sysfs.read('/sys/kernel')).toBe(-EISDIR);
    expect(await sysfs.write('/sys/kernel/mm', '1')).toBe(-EISDIR);
    expect(sysfs.remove('/sys/nope')).toBe(-ENOENT);
  });

  it('creates parents, lists sorted, normalises slashes', () => {
    const sysfs = new SysfsTree();
    sysfs.createAttribute('/sys/kernel/debug/fail_page_alloc/times', { mode: 'ro', show: () => '1' });
    sysfs.createAttribute('/sys/kernel/debug/fail_page_alloc/probability', { mode: 'ro', show: () => '0' });
    sysfs.mkdir('/sys/module/');
    sysfs.mkdir('/sys/module'); // mkdir -p: existing is fine
    expect(sysfs.list('/')).toEqual(['sys']);
    expect(sysfs.list('/sys')).toEqual(['kernel', 'module']);
    expect(sysfs.list('//sys//kernel/debug/fail_page_alloc/')).toEqual(['probability', 'times']);
    expect(sysfs.list('/sys/kernel/debug/fail_page_alloc/times')).toBe(-ENOTDIR);
    expect(sysfs.read('sys/kernel/debug/fail_page_alloc/times')).toBe('1\n');
  });

  it('refuses conflicting or invalid creations and changes nothing', () => {
    const sysfs = new SysfsTree();
    sysfs.createAttribute('/a/file', { mode: 'ro', show: () => '' });
    expect(() => sysfs.createAttribute('/a/file', { mode: 'ro', show: () => '' })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => sysfs.createAttribute('/a', { mode: 'ro', show: () => '' })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => sysfs.mkdir('/a/file/sub')).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => sysfs.createAttribute('/a/file/sub/x', { mode: 'ro', show: () => '' })).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => sysfs.createAttribute('/', { mode: 'ro', show: () => '' })).toThrow(KernelError);
    expect(() => sysfs.createAttribute('/b/../c', { mode: 'ro', show: () => '' })).toThrow(KernelError);
    expect(() => sysfs.createAttribute('/b/x', { mode: 'rw', show: () => '' })).toThrow(/no store/);
    expect(() => sysfs.createAttribute('/b/x', { mode: 'ro' })).toThrow(/no show/);
    expect(() => sysfs.createAttribute('/b/x', { mode: 0o666, show: () => '', store: () => {} })).toThrow(/world-writable/);
    expect(() => sysfs.createAttribute('/b/x', { mode: 0o1644, show: () => '', store: () => {} })).toThrow(KernelError);
    expect(() => sysfs.createAttribute(`/b/${'n'.repeat(256)}`, { mode: 'ro', show: () => '' })).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
    expect(sysfs.list('/')).toEqual(['a']); // no half-created /b
    expect(sysfs.list('/a')).toEqual(['file']);
  });

  it('groups are created all or nothing and removed on unload', () => {
    const sysfs = new SysfsTree();
    const group = {
      offloading: { mode: 'rw' as const, show: () => '0', store: () => {} },
      folios_migrated: { mode: 'ro' as const, show: () => '0' },
    };
    sysfs.createAttribute('/sys/module/dcbm/refcnt', { mode: 'ro', show: () => '0' });
    sysfs.createGroup('/sys/module/dcbm', group);
    expect(sysfs.list('/sys/module/dcbm')).toEqual(['folios_migrated', 'offloading', 'refcnt']);
    // A second group with a clashing name creates nothing at all.
    expect(() =>
      sysfs.createGroup('/sys/module/dcbm', { extra: { mode: 'ro', show: () => '' }, refcnt: { mode: 'ro', show: () => '' } }),
    ).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => sysfs.createGroup('/sys/new', { ok: { mode: 'ro', show: () => '' }, bad: { mode: 'rw', show: () => '' } })).toThrow(KernelError);
    expect(sysfs.stat('/sys/new')).toBeUndefined();
    expect(sysfs.list('/sys/module/dcbm')).toEqual(['folios_migrated', 'offloading', 'refcnt']);
    expect(sysfs.removeGroup('/sys/module/dcbm', group)).toBe(0);
    expect(sysfs.list('/sys/module/dcbm')).toEqual(['refcnt']);
    expect(sysfs.removeGroup('/sys/module/none', group)).toBe(-ENOENT);
    expect(sysfs.remove('/sys/module/dcbm')).toBe(0);
    expect(sysfs.read('/sys/module/dcbm/refcnt')).toBe(-ENOENT);
    expect(sysfs.list('/sys/module')).toEqual([]);
    expect(sysfs.remove('/')).toBe(-EINVAL);
  });

  it('a show that throws KernelError fails the read with its errno', () => {
    const sysfs = new SysfsTree();
    sysfs.createAttribute('/gone', {
      mode: 'ro',
      show: () => {
        throw new KernelError('ENODEV', 'device removed');
      },
    });
    expect(sysfs.read('/gone')).toBe(-19);
    expect(() => sysfs.readOrThrow('/gone')).toThrow('/gone: device removed');
  });

  it('trees are independent', () => {
    const a = new SysfsTree();
    const b = new SysfsTree();
    a.mkdir('/sys/module/dcbm');
    expect(b.list('/')).toEqual([]);
  });

  it('maps symbolic modes', () => {
    expect(sysfsMode('ro')).toBe(0o444);
    expect(sysfsMode('rw')).toBe(0o644);
    expect(sysfsMode('wo')).toBe(0o200);
    expect(sysfsMode(0o600)).toBe(0o600);
    expect(() => sysfsMode('toString' as 'ro')).toThrow(KernelError);
    expect(() => sysfsMode(0)).toThrow(KernelError);
  });
});
