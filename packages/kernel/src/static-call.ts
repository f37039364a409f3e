/**
 * Static calls: an indirect call whose target is patched in place, so hot code calls whatever was
 * last installed without a function-pointer load. Mirrors `DEFINE_STATIC_CALL()`,
 * `static_call_update()`, `static_call()` and `static_call_query()`; pagemig's
 * `migrate_offload_copy` is one, with `foliosMcCopy` as its default target.
 *
 * `staticCall(call)` returns the current target; call it as `staticCall(c)(args)`. Watchers
 * (`watchStaticCall()`) see every retarget synchronously after it is visible; give the same listener
 * to `watchStaticKey()` to check the order of call and key changes. Not modelled: NULL calls
 * (`DEFINE_STATIC_CALL_NULL`), trampolines, the text patching itself.
 */
import { KernelError } from './kernel-error';
import { notifyStaticWatchers, type StaticChangeListener } from './static-key';

/** Any function a static call may point at. */
export type StaticCallTarget = (...args: never[]) => unknown;

/** A static call with target type `F`, like `DEFINE_STATIC_CALL(name, func)`. */
export interface StaticCall<F extends StaticCallTarget> {
  /** Name for messages and watchers (e.g. `migrate_offload_copy`). */
  readonly name: string;
  /** The current target; change it only with `staticCallUpdate()`. */
  readonly func: F;
}

interface StaticCallImpl<F extends StaticCallTarget> extends StaticCall<F> {
  func: F;
  watchers: readonly StaticChangeListener[];
}

function checkTarget(name: string, fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new KernelError('EINVAL', `static call ${name}: target ${String(fn)} is not a function; accepted: a function`);
  }
}

/** Mirrors `DEFINE_STATIC_CALL(name, func)`: a static call that starts at `func`. */
export function defineStaticCall<F extends StaticCallTarget>(name: string, func: F): StaticCall<F> {
  checkTarget(name, func);
  const call: StaticCallImpl<F> = { name, func, watchers: [] };
  return call;
}

/** Mirrors `static_call_update()`: retargets the call (watchers are told only if the target changes). */
export function staticCallUpdate<F extends StaticCallTarget>(call: StaticCall<F>, func: F): void {
  checkTarget(call.name, func);
  const c = call as StaticCallImpl<F>;
  if (c.func === func) return;
  c.func = func;
  notifyStaticWatchers(c.watchers, { kind: 'call', name: c.name, target: func });
}

/** Mirrors `static_call(name)`: the current target, to be called at once: `staticCall(c)(a, b)`. */
export function staticCall<F extends StaticCallTarget>(call: StaticCall<F>): F {
  return call.func;
}

/** Mirrors `static_call_query()`: the current target, for comparison (e.g. "is the default installed?"). */
export function staticCallQuery<F extends StaticCallTarget>(call: StaticCall<F>): F {
  return call.func;
}

/** Observes retargets (for ordering tests and tracing); returns the unsubscribe function. */
export function watchStaticCall<F extends StaticCallTarget>(call: StaticCall<F>, listener: StaticChangeListener): () => void {
  const c = call as StaticCallImpl<F>;
  c.watchers = [...c.watchers, listener];
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    const i = c.watchers.indexOf(listener);
    if (i >= 0) c.watchers = [...c.watchers.slice(0, i), ...c.watchers.slice(i + 1)];
  };
}
