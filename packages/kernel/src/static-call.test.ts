import { describe, expect, it } from 'vitest';
import { KernelError } from './kernel-error';
import { type StaticCall, defineStaticCall, staticCall, staticCallQuery, staticCallUpdate, watchStaticCall } from './static-call';
import {
  type StaticChange,
  type StaticKey,
  defineStaticKeyFalse,
  staticBranchUnlikely,
  staticKeyDisable,
  staticKeyEnable,
  watchStaticKey,
} from './static-key';

type CopyFn = (dst: number[], src: number[], count: number) => number;

const cpuCopy: CopyFn = (dst, src, count) => {
  for (let i = 0; i < count; i++) dst[i] = src[i] ?? 0;
  return 0;
};
const dmaCopy: CopyFn = (dst, src, count) => {
  for (let i = 0; i < count; i++) dst[i] = (src[i] ?? 0) + 1000;
  return 0;
};

describe('static calls', () => {
  it('call the current target and retarget', () => {
    const call = defineStaticCall('migrate_offload_copy', cpuCopy);
    const dst = [0, 0];
    expect(staticCall(call)(dst, [1, 2], 2)).toBe(0);
    expect(dst).toEqual([1, 2]);
    staticCallUpdate(call, dmaCopy);
    expect(staticCallQuery(call)).toBe(dmaCopy);
    staticCall(call)(dst, [1, 2], 2);
    expect(dst).toEqual([1001, 1002]);
    expect(call.func).toBe(dmaCopy);
  });

  it('refuses a non-function target and keeps the old one', () => {
    const call = defineStaticCall('c', cpuCopy);
    expect(() => staticCallUpdate(call, null as unknown as CopyFn)).toThrow(KernelError);
    expect(staticCallQuery(call)).toBe(cpuCopy);
    expect(() => defineStaticCall('d', 42 as unknown as CopyFn)).toThrow(KernelError);
  });

  it('watchers see retargets (not same-target updates) and can stop', () => {
    const call = defineStaticCall('c', cpuCopy);
    const seen: StaticChange[] = [];
    const stop = watchStaticCall(call, (c) => seen.push(c));
    staticCallUpdate(call, cpuCopy);
    staticCallUpdate(call, dmaCopy);
    stop();
    staticCallUpdate(call, cpuCopy);
    expect(seen).toEqual([{ kind: 'call', name: 'c', target: dmaCopy }]);
  });
});

/** A miniature of migrate_offload_register/unregister, to show how a user tests the ordering. */
function register(call: StaticCall<CopyFn>, key: StaticKey, fn: CopyFn) {
  staticCallUpdate(call, fn);
  staticKeyEnable(key);
}
function unregister(call: StaticCall<CopyFn>, key: StaticKey) {
  staticKeyDisable(key);
  staticCallUpdate(call, cpuCopy);
}

describe('static call and key ordering', () => {
  it('one shared listener records "retarget, then enable" and "disable, then restore"', () => {
    const call = defineStaticCall('migrate_offload_copy', cpuCopy);
    const key = defineStaticKeyFalse('migrate_offload_enabled');
    const log: string[] = [];
    const listener = (c: StaticChange) => {
      // What a dispatcher running at this instant would do: branch on the key, then call.
      const target = staticBranchUnlikely(key) ? staticCall(call) : cpuCopy;
      log.push(`${c.kind === 'key' ? `key ${c.enabled ? 'on' : 'off'}` : `call ${c.target === dmaCopy ? 'dma' : 'cpu'}`} → dispatch ${target === dmaCopy ? 'dma' : 'cpu'}`);
    };
    watchStaticCall(call, listener);
    watchStaticKey(key, listener);

    register(call, key, dmaCopy);
    unregister(call, key);
    expect(log).toEqual([
      'call dma → dispatch cpu', // retargeted while the key is still off: nobody reaches it yet
      'key on → dispatch dma', // enabled only once the target is in place
      'key off → dispatch cpu', // disabled first ...
      'call cpu → dispatch cpu', // ... then the default is restored
    ]);
  });

  it('the wrong order is visible to the same listener', () => {
    const call = defineStaticCall('migrate_offload_copy', cpuCopy);
    const key = defineStaticKeyFalse('migrate_offload_enabled');
    const order: string[] = [];
    const listener = (c: StaticChange) => order.push(c.kind);
    watchStaticCall(call, listener);
    watchStaticKey(key, listener);
    staticKeyEnable(key);
    staticCallUpdate(call, dmaCopy);
    expect(order).toEqual(['key', 'call']);
    expect(order).not.toEqual(['call', 'key']);
  });
});
