import { describe, expect, it, vi } from 'vitest';
import { KernelError } from './kernel-error';

describe('KernelError', () => {
  it('carries code, errno, message and cause', () => {
    const cause = new Error('root');
    const e = new KernelError('EBUSY', 'migrator dcbm already active', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('KernelError');
    expect(e.code).toBe('EBUSY');
    expect(e.errno).toBe(16);
    expect(e.message).toBe('migrator dcbm already active');
    expect(e.cause).toBe(cause);
  });

  it('builds from a kernel return value', () => {
    const e = KernelError.fromErrno(-22);
    expect(e.code).toBe('EINVAL');
    expect(e.message).toBe('Invalid argument');
    expect(KernelError.fromErrno(12, 'no pages').message).toBe('no pages');
    expect(() => KernelError.fromErrno(-999)).toThrow(RangeError);
  });

  it('isInstance recognises an error from a second copy of the module', async () => {
    vi.resetModules();
    const copy = (await import('./kernel-error')) as typeof import('./kernel-error');
    expect(copy.KernelError).not.toBe(KernelError); // really a second class
    const foreign = new copy.KernelError('ENODEV', 'no channel');
    expect(foreign instanceof KernelError).toBe(false);
    expect(KernelError.isInstance(foreign)).toBe(true);
    expect(copy.KernelError.isInstance(new KernelError('EIO', 'x'))).toBe(true);
  });

  it('isInstance rejects look-alikes', () => {
    expect(KernelError.isInstance(new Error('plain'))).toBe(false);
    expect(KernelError.isInstance({ code: 'EINVAL', errno: 22, name: 'KernelError' })).toBe(false);
    expect(KernelError.isInstance(null)).toBe(false);
    expect(KernelError.isInstance('EINVAL')).toBe(false);
  });
});
