/**
 * Asserts that a call throws pagemig's `KernelError` with a given errno name and a message that
 * contains every fragment (the bad token, the accepted forms): how tests check "bad input gets a
 * clear error naming the value and what is accepted". It recognises the error by the marker
 * `KernelError.isInstance()` checks, so this kit does not depend on `@pagemig/kernel` (which
 * uses it too).
 */
import { expect } from 'vitest';

const MARKER = Symbol.for('pagemig.kernel-error');

function check(thrown: unknown, code: string, fragments: readonly string[]): string {
  const isKernelError = typeof thrown === 'object' && thrown !== null && (thrown as Record<symbol, unknown>)[MARKER] === true;
  expect(isKernelError, `expected a KernelError, got ${String(thrown)}`).toBe(true);
  const error = thrown as { code: string; message: string };
  expect(error.code).toBe(code);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error.message;
}

/** Runs `fn`, expects a KernelError with `code` and message fragments; returns the message. */
export function expectKernelError(fn: () => unknown, code: string, ...fragments: string[]): string {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  return check(thrown, code, fragments);
}

/** Awaits `promise`, expects a KernelError with `code` and message fragments; returns the message. */
export async function expectKernelErrorAsync(promise: Promise<unknown>, code: string, ...fragments: string[]): Promise<string> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  return check(thrown, code, fragments);
}
