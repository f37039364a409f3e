import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { EAGAIN, EBUSY, ENOENT, EWOULDBLOCK } from './errno';
import { KernelError } from './kernel-error';
import { createModule, deleteModule, moduleIsLive, modulePut, moduleRefcount, tryModuleGet } from './module';
import { SysfsTree } from './sysfs';

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('module references', () => {
  it('counts gets and puts', () => {
    const m = createModule('dcbm');
    expect(m.state).toBe('live');
    expect(tryModuleGet(m)).toBe(true);
    expect(tryModuleGet(m)).toBe(true);
    expect(moduleRefcount(m)).toBe(2);
    modulePut(m);
    expect(m.refcount).toBe(1);
    modulePut(m);
    expect(moduleRefcount(m)).toBe(0);
    expect(() => modulePut(m)).toThrow(KernelError);
    expect(moduleRefcount(m)).toBe(0);
  });

  it('treats a null owner as built-in code', () => {
    expect(tryModuleGet(null)).toBe(true);
    expect(tryModuleGet(undefined)).toBe(true);
    expect(() => modulePut(null)).not.toThrow();
  });

  it('rejects bad names', () => {
    expect(() => createModule('')).toThrow(KernelError);
    expect(() => createModule('a/b')).toThrow(KernelError);
    expect(() => createModule('x'.repeat(56))).toThrow(KernelError);
    expect(createModule('x'.repeat(55)).name).toHaveLength(55);
  });
});

describe('deleteModule', () => {
  it('without wait fails with -EAGAIN while referenced and changes nothing', async () => {
    let exits = 0;
    const m = createModule('dcbm', { exit: () => void exits++ });
    expect(tryModuleGet(m)).toBe(true);
    const rc = await deleteModule(m);
    expect(rc).toBe(-EAGAIN);
    expect(rc).toBe(-EWOULDBLOCK);
    expect(m.state).toBe('live');
    expect(moduleRefcount(m)).toBe(1);
    expect(exits).toBe(0);
    expect(tryModuleGet(m)).toBe(true); // still usable
    modulePut(m);
    modulePut(m);
    expect(await deleteModule(m)).toBe(0);
    expect(m.state).toBe('gone');
    expect(exits).toBe(1);
  });

  it('with wait goes going at once, refuses new gets, and resolves after the last put and exit', async () => {
    const events: string[] = [];
    const m = createModule('mtcopy', { exit: () => void events.push(`exit at refcount ${m.refcount}`) });
    expect(tryModuleGet(m)).toBe(true);
    expect(tryModuleGet(m)).toBe(true);
    const done = deleteModule(m, { wait: true }).then((rc) => events.push(`resolved ${rc}`));
    expect(m.state).toBe('going'); // synchronously
    expect(moduleIsLive(m)).toBe(false);
    expect(tryModuleGet(m)).toBe(false);
    expect(moduleRefcount(m)).toBe(2);
    await settle();
    expect(events).toEqual([]);
    modulePut(m);
    await settle();
    expect(events).toEqual([]);
    expect(m.state).toBe('going');
    modulePut(m);
    await done;
    expect(events).toEqual(['exit at refcount 0', 'resolved 0']);
    expect(m.state).toBe('gone');
    expect(tryModuleGet(m)).toBe(false);
  });

  it('a second delete while going is -EBUSY, after gone -ENOENT', async () => {
    const m = createModule('dcbm');
    expect(tryModuleGet(m)).toBe(true);
    const first = deleteModule(m, { wait: true });
    expect(await deleteModule(m)).toBe(-EBUSY);
    expect(await deleteModule(m, { wait: true })).toBe(-EBUSY);
    modulePut(m);
    expect(await first).toBe(0);
    expect(await deleteModule(m)).toBe(-ENOENT);
    expect(await deleteModule(m, { wait: true })).toBe(-ENOENT);
  });

  it('awaits an asynchronous exit hook; the module is going meanwhile', async () => {
    let release!: () => void;
    const exitGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const m = createModule('dcbm', { exit: () => exitGate });
    let resolved = false;
    const done = deleteModule(m).then(() => {
      resolved = true;
    });
    await settle();
    expect(resolved).toBe(false);
    expect(m.state).toBe('going');
    release();
    await done;
    expect(m.state).toBe('gone');
  });

  it('a throwing exit still leaves the module gone and rejects', async () => {
    const m = createModule('bad', {
      exit: () => {
        throw new Error('exit failed');
      },
    });
    await expect(deleteModule(m)).rejects.toThrow('exit failed');
    expect(m.state).toBe('gone');
  });

  test.prop([fc.array(fc.constantFrom('get', 'put', 'delete', 'deleteWait'), { maxLength: 40 })])(
    'state machine: refcount never negative, no get succeeds after unload starts, exit runs at most once at refcount 0',
    async (ops) => {
      let exits = 0;
      let exitRefcount = -1;
      const m = createModule('prop', {
        exit: () => {
          exits++;
          exitRefcount = m.refcount;
        },
      });
      let held = 0;
      const pending: Promise<number>[] = [];
      for (const op of ops) {
        const stateBefore = m.state;
        if (op === 'get') {
          const ok = tryModuleGet(m);
          expect(ok).toBe(stateBefore === 'live');
          if (ok) held++;
        } else if (op === 'put') {
          if (held > 0) {
            modulePut(m);
            held--;
          } else expect(() => modulePut(m)).toThrow(KernelError);
        } else {
          const wait = op === 'deleteWait';
          const p = deleteModule(m, { wait });
          if (stateBefore === 'live' && held > 0 && !wait) expect(await p).toBe(-EAGAIN);
          else if (stateBefore === 'going') expect(await p).toBe(-EBUSY);
          else if (stateBefore === 'gone') expect(await p).toBe(-ENOENT);
          else pending.push(p);
        }
        await settle();
        expect(m.refcount).toBe(held);
        expect(m.refcount).toBeGreaterThanOrEqual(0);
      }
      while (held > 0) {
        modulePut(m);
        held--;
      }
      for (const p of pending) expect(await p).toBe(0);
      expect(exits).toBe(pending.length > 0 ? 1 : 0);
      if (exits === 1) expect(exitRefcount).toBe(0);
      expect(m.state).toBe(pending.length > 0 ? 'gone' : 'live');
    },
  );
});

describe('module sysfs', () => {
  it('publishes refcnt and initstate and removes /sys/module/<name> when gone', async () => {
    const sysfs = new SysfsTree();
    const m = createModule('dcbm', { sysfs });
    sysfs.createAttribute('/sys/module/dcbm/offloading', { mode: 'ro', show: () => '0' });
    expect(sysfs.read('/sys/module/dcbm/refcnt')).toBe('0\n');
    expect(sysfs.read('/sys/module/dcbm/initstate')).toBe('live\n');
    tryModuleGet(m);
    expect(sysfs.read('/sys/module/dcbm/refcnt')).toBe('1\n');
    const done = deleteModule(m, { wait: true });
    expect(sysfs.read('/sys/module/dcbm/initstate')).toBe('going\n');
    expect(await sysfs.write('/sys/module/dcbm/refcnt', '0')).toBeLessThan(0);
    modulePut(m);
    expect(await done).toBe(0);
    expect(sysfs.stat('/sys/module/dcbm')).toBeUndefined();
    expect(sysfs.list('/sys/module')).toEqual([]);
    expect(() => createModule('dcbm', { sysfs })).not.toThrow(); // can be loaded again
    expect(() => createModule('dcbm', { sysfs })).toThrow(KernelError); // but not twice
  });
});
