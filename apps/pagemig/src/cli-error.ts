/**
 * How the CLI fails: a usage error (bad arguments, a malformed scenario: exit code 2) or a
 * runtime failure (a run that failed or could not verify its data: exit code 1), each with a
 * one-line reason and never a stack trace.
 */
import { KernelError } from '@pagemig/kernel';

/** Exit code of a successful run. */
export const EXIT_OK = 0;
/** Exit code of a run that failed. */
export const EXIT_RUNTIME = 1;
/** Exit code of bad usage. */
export const EXIT_USAGE = 2;

/** An error the CLI reports with a one-line reason and an exit code. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Bad arguments or input: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT_USAGE);
}

/** A failed run: exit code 1. */
export function runtimeError(message: string): CliError {
  return new CliError(message, EXIT_RUNTIME);
}

/** The one line to print for any error, and its exit code (KernelError EINVAL counts as usage). */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (KernelError.isInstance(error)) {
    return { message: error.message, exitCode: error.code === 'EINVAL' || error.code === 'ERANGE' ? EXIT_USAGE : EXIT_RUNTIME };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: message.split('\n')[0] ?? 'unknown error', exitCode: EXIT_RUNTIME };
}
