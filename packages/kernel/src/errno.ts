/**
 * Linux errno values (asm-generic/errno-base.h and errno.h, x86-64) with their names and
 * glibc strerror() texts. Functions that mirror kernel functions return 0 or `-errno`;
 * these tables turn such a number back into something a person can read.
 */

/** errno name → Linux value. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENOSPC: 28,
  EROFS: 30,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENODATA: 61,
  ETIME: 62,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  EALREADY: 114,
  EINPROGRESS: 115,
  ECANCELED: 125,
  EHWPOISON: 133,
} as const;

/** The closed set of errno names pagemig uses. */
export type ErrnoName = keyof typeof ERRNO;

/** `EPERM` (1): Operation not permitted. */
export const EPERM = ERRNO.EPERM;
/** `ENOENT` (2): No such file or directory. */
export const ENOENT = ERRNO.ENOENT;
/** `ESRCH` (3): No such process. */
export const ESRCH = ERRNO.ESRCH;
/** `EINTR` (4): Interrupted system call. */
export const EINTR = ERRNO.EINTR;
/** `EIO` (5): Input/output error. */
export const EIO = ERRNO.EIO;
/** `ENXIO` (6): No such device or address. */
export const ENXIO = ERRNO.ENXIO;
/** `E2BIG` (7): Argument list too long. */
export const E2BIG = ERRNO.E2BIG;
/** `EBADF` (9): Bad file descriptor. */
export const EBADF = ERRNO.EBADF;
/** `EAGAIN` (11): Resource temporarily unavailable. */
export const EAGAIN = ERRNO.EAGAIN;
/** `ENOMEM` (12): Cannot allocate memory. */
export const ENOMEM = ERRNO.ENOMEM;
/** `EACCES` (13): Permission denied. */
export const EACCES = ERRNO.EACCES;
/** `EFAULT` (14): Bad address. */
export const EFAULT = ERRNO.EFAULT;
/** `EBUSY` (16): Device or resource busy. */
export const EBUSY = ERRNO.EBUSY;
/** `EEXIST` (17): File exists. */
export const EEXIST = ERRNO.EEXIST;
/** `EXDEV` (18): Invalid cross-device link. */
export const EXDEV = ERRNO.EXDEV;
/** `ENODEV` (19): No such device. */
export const ENODEV = ERRNO.ENODEV;
/** `ENOTDIR` (20): Not a directory. */
export const ENOTDIR = ERRNO.ENOTDIR;
/** `EISDIR` (21): Is a directory. */
export const EISDIR = ERRNO.EISDIR;
/** `EINVAL` (22): Invalid argument. */
export const EINVAL = ERRNO.EINVAL;
/** `ENOSPC` (28): No space left on device. */
export const ENOSPC = ERRNO.ENOSPC;
/** `EROFS` (30): Read-only file system. */
export const EROFS = ERRNO.EROFS;
/** `ERANGE` (34): Numerical result out of range. */
export const ERANGE = ERRNO.ERANGE;
/** `EDEADLK` (35): Resource deadlock avoided. */
export const EDEADLK = ERRNO.EDEADLK;
/** `ENAMETOOLONG` (36): File name too long. */
export const ENAMETOOLONG = ERRNO.ENAMETOOLONG;
/** `ENOSYS` (38): Function not implemented. */
export const ENOSYS = ERRNO.ENOSYS;
/** `ENODATA` (61): No data available. */
export const ENODATA = ERRNO.ENODATA;
/** `ETIME` (62): Timer expired. */
export const ETIME = ERRNO.ETIME;
/** `EOVERFLOW` (75): Value too large for defined data type. */
export const EOVERFLOW = ERRNO.EOVERFLOW;
/** `EOPNOTSUPP` (95): Operation not supported. */
export const EOPNOTSUPP = ERRNO.EOPNOTSUPP;
/** `ETIMEDOUT` (110): Connection timed out. */
export const ETIMEDOUT = ERRNO.ETIMEDOUT;
/** `EALREADY` (114): Operation already in progress. */
export const EALREADY = ERRNO.EALREADY;
/** `EINPROGRESS` (115): Operation now in progress. */
export const EINPROGRESS = ERRNO.EINPROGRESS;
/** `ECANCELED` (125): Operation canceled. */
export const ECANCELED = ERRNO.ECANCELED;
/** `EHWPOISON` (133): Memory page has hardware error. */
export const EHWPOISON = ERRNO.EHWPOISON;
/** `EWOULDBLOCK` is `EAGAIN` (11) on Linux, the name `delete_module(O_NONBLOCK)` documents. */
export const EWOULDBLOCK = ERRNO.EAGAIN;

const MESSAGES: Record<ErrnoName, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ERANGE: 'Numerical result out of range',
  EDEADLK: 'Resource deadlock avoided',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ENODATA: 'No data available',
  ETIME: 'Timer expired',
  EOVERFLOW: 'Value too large for defined data type',
  EOPNOTSUPP: 'Operation not supported',
  ETIMEDOUT: 'Connection timed out',
  EALREADY: 'Operation already in progress',
  EINPROGRESS: 'Operation now in progress',
  ECANCELED: 'Operation canceled',
  EHWPOISON: 'Memory page has hardware error',
};

const NAMES = new Map<number, ErrnoName>(
  (Object.entries(ERRNO) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/** The name of an errno value; accepts the kernel's negative form too (`-22` → `EINVAL`). */
export function errnoName(errno: number): ErrnoName | undefined {
  return NAMES.get(Math.abs(errno));
}

/** True when `name` is one of the errno names pagemig knows. */
export function isErrnoName(name: string): name is ErrnoName {
  return Object.hasOwn(ERRNO, name);
}

/** glibc's strerror() text for an errno value (either sign); `Unknown error N` otherwise. */
export function strerror(errno: number): string {
  const name = errnoName(errno);
  return name === undefined ? `Unknown error ${Math.abs(errno)}` : MESSAGES[name];
}

/** `-EINVAL (Invalid argument)`: how a kernel return value is shown in logs and traces. */
export function formatErrno(rc: number): string {
  if (rc >= 0) return String(rc);
  const name = errnoName(rc);
  return name === undefined ? String(rc) : `-${name} (${strerror(rc)})`;
}
