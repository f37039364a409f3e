/**
 * Static keys: a boolean that hot code tests on every call and that changes rarely (the kernel
 * patches a jump instead of loading a variable). Mirrors `DEFINE_STATIC_KEY_FALSE/TRUE`,
 * `static_key_enable()`, `static_key_disable()`, `static_key_enabled()` and
 * `static_branch_likely()/unlikely()`; pagemig's `migrate_offload_enabled` is one.
 *
 * Here a key is a plain object whose `enabled` field is read directly, so the test is as cheap as
 * a property load. Watchers (`watchStaticKey()`) are told synchronously after each real change, so
 * a test can check the order of "retarget the static call, then enable the key" (share one
 * listener with `watchStaticCall()`). Not modelled: reference-counted `static_branch_inc/dec`,
 * deferred keys, the jump-label patching itself.
 */

/** A change seen by a watcher: a key flipped or a static call was retargeted. */
export type StaticChange =
  | { readonly kind: 'key'; readonly name: string; readonly enabled: boolean }
  | { readonly kind: 'call'; readonly name: string; readonly target: (...args: never[]) => unknown };

/** Receives `StaticChange`s, synchronously, after the change is visible. */
export type StaticChangeListener = (change: StaticChange) => void;

/** A static key, like `struct static_key_false`; read `enabled` or use `staticBranchUnlikely()`. */
export interface StaticKey {
  /** Name for messages and watchers (e.g. `migrate_offload_enabled`). */
  readonly name: string;
  /** Current value; change it only with `staticKeyEnable()`/`staticKeyDisable()`. */
  readonly enabled: boolean;
}

interface StaticKeyImpl extends StaticKey {
  enabled: boolean;
  watchers: readonly StaticChangeListener[];
}

/** Calls each listener of a snapshot (listeners may unsubscribe while being called). */
export function notifyStaticWatchers(watchers: readonly StaticChangeListener[], change: StaticChange): void {
  for (const w of watchers) w(change);
}

function defineKey(name: string, enabled: boolean): StaticKey {
  const key: StaticKeyImpl = { name, enabled, watchers: [] };
  return key;
}

/** Mirrors `DEFINE_STATIC_KEY_FALSE(name)`: a key that starts disabled (the common, unlikely case). */
export function defineStaticKeyFalse(name: string): StaticKey {
  return defineKey(name, false);
}

/** Mirrors `DEFINE_STATIC_KEY_TRUE(name)`: a key that starts enabled. */
export function defineStaticKeyTrue(name: string): StaticKey {
  return defineKey(name, true);
}

function setKey(key: StaticKey, enabled: boolean): void {
  const k = key as StaticKeyImpl;
  if (k.enabled === enabled) return;
  k.enabled = enabled;
  notifyStaticWatchers(k.watchers, { kind: 'key', name: k.name, enabled });
}

/** Mirrors `static_key_enable()`: turns the key on (no-op, and no notification, if already on). */
export function staticKeyEnable(key: StaticKey): void {
  setKey(key, true);
}

/** Mirrors `static_key_disable()`: turns the key off (no-op, and no notification, if already off). */
export function staticKeyDisable(key: StaticKey): void {
  setKey(key, false);
}

/** Mirrors `static_key_enabled()`: the key's current value. */
export function staticKeyEnabled(key: StaticKey): boolean {
  return key.enabled;
}

/** Mirrors `static_branch_unlikely()`: the key's value, for a branch expected to be off. */
export function staticBranchUnlikely(key: StaticKey): boolean {
  return key.enabled;
}

/** Mirrors `static_branch_likely()`: the key's value, for a branch expected to be on. */
export function staticBranchLikely(key: StaticKey): boolean {
  return key.enabled;
}

/** Observes the key's changes (for ordering tests and tracing); returns the unsubscribe function. */
export function watchStaticKey(key: StaticKey, listener: StaticChangeListener): () => void {
  const k = key as StaticKeyImpl;
  k.watchers = [...k.watchers, listener];
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    const i = k.watchers.indexOf(listener);
    if (i >= 0) k.watchers = [...k.watchers.slice(0, i), ...k.watchers.slice(i + 1)];
  };
}
