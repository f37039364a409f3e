/**
 * Test support (not exported from the package): asserts that a call throws a `KernelError` with
 * the given errno name and a message containing every fragment (the bad token, accepted forms).
 */
import { expect } from 'vitest';
import { KernelError } from '@pagemig/kernel';
import type { ErrnoName } from '@pagemig/kernel';

/** Runs `fn`, expects a KernelError with `code`, and returns its message for further checks. */
export function expectKernelError(fn: () => unknown, code: ErrnoName, ...fragments: string[]): string {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(KernelError.isInstance(thrown), `expected a KernelError, got ${String(thrown)}`).toBe(true);
  const error = thrown as KernelError;
  expect(error.code).toBe(code);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error.message;
}
