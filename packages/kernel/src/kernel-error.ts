/**
 * The one error class of pagemig's public boundary, carrying a closed errno `code`. Mirrors how a
 * failing syscall reports `-errno` to user space, plus a message saying what is accepted. It is
 * recognised across two installed copies of the package through a `Symbol.for()` marker.
 */
import { ERRNO, errnoName, strerror, type ErrnoName } from './errno';

const MARKER = Symbol.for('pagemig.kernel-error');

/**
 * The one error class pagemig throws at its public boundary (sysfs writes, registration,
 * configuration, CLI). `code` is a closed errno name, `errno` its positive Linux value.
 * Code that mirrors the kernel returns `-errno` instead of throwing.
 */
export class KernelError extends Error {
  readonly code: ErrnoName;
  readonly errno: number;
  private readonly [MARKER] = true;

  constructor(code: ErrnoName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KernelError';
    this.code = code;
    this.errno = ERRNO[code];
  }

  /** Builds the error from a kernel-style return value (`-22` or `22`). */
  static fromErrno(rc: number, message?: string, options?: { cause?: unknown }): KernelError {
    const code = errnoName(rc);
    if (code === undefined) {
      throw new RangeError(`fromErrno: ${rc} is not a known errno value`);
    }
    return new KernelError(code, message ?? strerror(rc), options);
  }

  /** Works across two installed copies of this package (it checks a global symbol, not the class). */
  static isInstance(error: unknown): error is KernelError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
