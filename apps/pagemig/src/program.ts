/**
 * The `pagemig` command tree (commander): every subcommand with `--help`; parse errors become
 * usage errors (exit code 2) with a one-line reason.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { CliError, EXIT_OK, EXIT_USAGE, describeError } from './cli-error';
import { benchCommand } from './commands/bench-command';
import { latencyCommand } from './commands/latency-command';
import { runCommand } from './commands/run-command';
import { dmatestCommand } from './commands/dmatest-command';
import { shellCommand } from './commands/shell-command';

/** The version printed by `--version`. */
export const VERSION = '0.0.0';

/** Builds the program. */
export function buildProgram(): Command {
  const program = new Command('pagemig')
    .description('Linux batched folio migration with pluggable copy offload, modelled and run: benchmarks, scenarios, a shell, dmatest')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(benchCommand());
  program.addCommand(latencyCommand());
  program.addCommand(runCommand());
  program.addCommand(dmatestCommand());
  program.addCommand(shellCommand());
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[], io: { err: (line: string) => void } = { err: (l) => process.stderr.write(`${l}\n`) }): Promise<number> {
  const program = buildProgram();
  const output = { writeErr: (s: string) => io.err(s.trimEnd()) };
  program.configureOutput(output);
  for (const cmd of program.commands) cmd.configureOutput(output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT_OK;
      return EXIT_USAGE;
    }
    const { message, exitCode } = describeError(error);
    io.err(`pagemig: ${message}`);
    return exitCode === 0 ? 1 : exitCode;
  }
}

export { CliError };
