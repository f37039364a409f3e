import { describe, expect, it } from 'vitest';
import * as errno from './errno';
import { ERRNO, errnoName, formatErrno, isErrnoName, strerror } from './errno';

describe('errno', () => {
  it('has the Linux values', () => {
    const linux: Record<string, number> = {
      EPERM: 1,
      ENOENT: 2,
      ESRCH: 3,
      EAGAIN: 11,
      ENOMEM: 12,
      EACCES: 13,
      EFAULT: 14,
      EBUSY: 16,
      ENODEV: 19,
      ENOTDIR: 20,
      EISDIR: 21,
      EINVAL: 22,
      ENOSPC: 28,
      ENOSYS: 38,
      EOPNOTSUPP: 95,
      ETIMEDOUT: 110,
      EHWPOISON: 133,
    };
    for (const [name, value] of Object.entries(linux)) {
      expect(ERRNO[name as keyof typeof ERRNO], name).toBe(value);
      expect((errno as unknown as Record<string, number>)[name], `const ${name}`).toBe(value);
    }
    expect(errno.EWOULDBLOCK).toBe(errno.EAGAIN);
  });

  it('exports one constant per table entry, and the values are distinct', () => {
    const values = Object.values(ERRNO);
    expect(new Set(values).size).toBe(values.length);
    for (const [name, value] of Object.entries(ERRNO)) {
      expect((errno as unknown as Record<string, number>)[name]).toBe(value);
    }
  });

  it('maps values back to names, either sign', () => {
    expect(errnoName(22)).toBe('EINVAL');
    expect(errnoName(-22)).toBe('EINVAL');
    expect(errnoName(-11)).toBe('EAGAIN');
    expect(errnoName(10)).toBeUndefined();
    expect(isErrnoName('EBUSY')).toBe(true);
    expect(isErrnoName('EWOULDBLOCK')).toBe(false);
    expect(isErrnoName('toString')).toBe(false);
  });

  it('gives glibc strerror texts', () => {
    expect(strerror(2)).toBe('No such file or directory');
    expect(strerror(-13)).toBe('Permission denied');
    expect(strerror(-21)).toBe('Is a directory');
    expect(strerror(-95)).toBe('Operation not supported');
    expect(strerror(133)).toBe('Memory page has hardware error');
    expect(strerror(-999)).toBe('Unknown error 999');
  });

  it('formats kernel return values', () => {
    expect(formatErrno(0)).toBe('0');
    expect(formatErrno(4096)).toBe('4096');
    expect(formatErrno(-16)).toBe('-EBUSY (Device or resource busy)');
    expect(formatErrno(-999)).toBe('-999');
  });
});
