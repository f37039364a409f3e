import { describe, expect, it } from 'vitest';
import {
  type StaticChange,
  defineStaticKeyFalse,
  defineStaticKeyTrue,
  staticBranchLikely,
  staticBranchUnlikely,
  staticKeyDisable,
  staticKeyEnable,
  staticKeyEnabled,
  watchStaticKey,
} from './static-key';

describe('static keys', () => {
  it('start as declared and flip', () => {
    const off = defineStaticKeyFalse('migrate_offload_enabled');
    const on = defineStaticKeyTrue('on_by_default');
    expect(off.enabled).toBe(false);
    expect(staticBranchUnlikely(off)).toBe(false);
    expect(staticKeyEnabled(on)).toBe(true);
    expect(staticBranchLikely(on)).toBe(true);
    staticKeyEnable(off);
    expect(staticBranchUnlikely(off)).toBe(true);
    expect(staticKeyEnabled(off)).toBe(true);
    staticKeyDisable(off);
    expect(off.enabled).toBe(false);
    staticKeyDisable(on);
    expect(staticBranchLikely(on)).toBe(false);
  });

  it('watchers see real changes only, after they are visible, until unsubscribed', () => {
    const key = defineStaticKeyFalse('k');
    const seen: (StaticChange & { visible: boolean })[] = [];
    const stop = watchStaticKey(key, (c) => seen.push({ ...c, visible: key.enabled }));
    staticKeyEnable(key);
    staticKeyEnable(key); // no-op
    staticKeyDisable(key);
    stop();
    stop(); // idempotent
    staticKeyEnable(key);
    expect(seen).toEqual([
      { kind: 'key', name: 'k', enabled: true, visible: true },
      { kind: 'key', name: 'k', enabled: false, visible: false },
    ]);
  });

  it('keys are independent objects', () => {
    const a = defineStaticKeyFalse('same');
    const b = defineStaticKeyFalse('same');
    staticKeyEnable(a);
    expect(b.enabled).toBe(false);
  });
});
