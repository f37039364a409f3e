/**
 * Loadable-module lifetime: a reference count that pins a module while some code may still call
 * into it, and unloading that refuses or waits while references are held. Mirrors `struct module`
 * with `try_module_get()`, `module_put()`, `module_refcount()` and the `delete_module` syscall.
 *
 * States: `live` → `going` (unload in progress: `tryModuleGet()` fails) → `gone` (the `exit` hook
 * ran). `deleteModule()` without `wait` is what `rmmod` does today (O_NONBLOCK): a held module
 * fails with `-EAGAIN` (EWOULDBLOCK) and stays live. With `wait` it behaves like the blocking
 * `delete_module` that Linux had before 3.13: the module goes `going` at once and the promise
 * resolves after the last `modulePut()`, the `exit` hook and the move to `gone`.
 *
 * With a `sysfs` tree the module also appears as `/sys/module/<name>/{refcnt,initstate}`; the whole
 * `/sys/module/<name>` directory (driver groups included) is removed when the module is gone.
 * Not modelled: loading, `init`, dependencies between modules, forced unload (O_TRUNC).
 */
import { EAGAIN, EBUSY, ENOENT } from './errno';
import { KernelError } from './kernel-error';
import type { SysfsTree } from './sysfs';

/** Lifetime of a module: `live`, being unloaded (`going`), or unloaded (`gone`). */
export type ModuleState = 'live' | 'going' | 'gone';

/** A loadable module as the rest of pagemig sees it (read-only; change it through the functions). */
export interface Module {
  /** Module name, as in `/sys/module/<name>`. */
  readonly name: string;
  /** Where the module is in its lifetime. */
  readonly state: ModuleState;
  /** References held through `tryModuleGet()`. */
  readonly refcount: number;
}

/** How to create a module. */
export interface ModuleOptions {
  /** The module's exit function, run once on unload after the last reference is gone. */
  readonly exit?: () => void | Promise<void>;
  /** Tree in which to publish `/sys/module/<name>`. */
  readonly sysfs?: SysfsTree;
}

interface ModuleImpl {
  readonly name: string;
  state: ModuleState;
  refcount: number;
  readonly exit: (() => void | Promise<void>) | undefined;
  readonly sysfs: SysfsTree | undefined;
  zeroWaiters: (() => void)[];
}

/** Longest module name: MODULE_NAME_LEN (64 - sizeof(unsigned long)) minus the NUL. */
export const MODULE_NAME_MAX = 55;

function impl(m: Module): ModuleImpl {
  return m as ModuleImpl;
}

/** Creates a live module with no references; the model's `insmod`. Throws EINVAL/EEXIST. */
export function createModule(name: string, options: ModuleOptions = {}): Module {
  if (!/^[A-Za-z0-9_]+$/.test(name) || name.length > MODULE_NAME_MAX) {
    throw new KernelError('EINVAL', `createModule: name ${JSON.stringify(name)} is invalid; accepted: 1 to ${MODULE_NAME_MAX} of [A-Za-z0-9_]`);
  }
  const m: ModuleImpl = {
    name,
    state: 'live',
    refcount: 0,
    exit: options.exit,
    sysfs: options.sysfs,
    zeroWaiters: [],
  };
  if (m.sysfs !== undefined) {
    m.sysfs.createGroup(`/sys/module/${name}`, {
      refcnt: { mode: 'ro', show: () => String(m.refcount) },
      initstate: { mode: 'ro', show: () => m.state },
    });
  }
  return m;
}

/** Mirrors `try_module_get()`: takes a reference unless the module is going or gone. `null` is built-in code: always true. */
export function tryModuleGet(m: Module | null | undefined): boolean {
  if (m === null || m === undefined) return true;
  const mod = impl(m);
  if (mod.state !== 'live') return false;
  mod.refcount++;
  return true;
}

/** Mirrors `module_put()`: drops a reference and wakes a waiting unload at zero. Throws EINVAL on underflow. */
export function modulePut(m: Module | null | undefined): void {
  if (m === null || m === undefined) return;
  const mod = impl(m);
  if (mod.refcount === 0) {
    throw new KernelError('EINVAL', `modulePut(${mod.name}): reference count underflow (no reference is held)`);
  }
  mod.refcount--;
  if (mod.refcount === 0 && mod.zeroWaiters.length > 0) {
    const waiters = mod.zeroWaiters;
    mod.zeroWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** Mirrors `module_refcount()`: the references currently held. */
export function moduleRefcount(m: Module): number {
  return impl(m).refcount;
}

/** Mirrors `module_is_live()`: false once unloading has started. */
export function moduleIsLive(m: Module): boolean {
  return impl(m).state === 'live';
}

/** Options of `deleteModule()`. */
export interface DeleteModuleOptions {
  /** Wait for the references to drop (the pre-3.13 blocking unload) instead of failing with -EAGAIN. */
  readonly wait?: boolean;
}

/**
 * Mirrors the `delete_module` syscall. Resolves to 0 once the module is gone, or to `-EAGAIN`
 * (held, no `wait`; nothing changes), `-EBUSY` (already going) or `-ENOENT` (already gone).
 * If `exit` throws, the module is still gone and the promise rejects with that error.
 */
export async function deleteModule(m: Module, options: DeleteModuleOptions = {}): Promise<number> {
  const mod = impl(m);
  if (mod.state === 'gone') return -ENOENT;
  if (mod.state === 'going') return -EBUSY;
  if (mod.refcount !== 0 && options.wait !== true) return -EAGAIN;
  mod.state = 'going'; // from here on tryModuleGet() fails
  if (mod.refcount !== 0) {
    await new Promise<void>((resolve) => {
      mod.zeroWaiters.push(resolve);
    });
  }
  try {
    if (mod.exit !== undefined) await mod.exit();
  } finally {
    mod.state = 'gone';
    mod.sysfs?.remove(`/sys/module/${mod.name}`);
  }
  return 0;
}
