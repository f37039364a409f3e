/**
 * `pagemig shell [scenario]`: an interactive shell over a live system, the scenario's (built up
 * to its run: processes, filled regions, migrator, sysfs writes) or a default two-node system
 * with a sample process. Reads commands from stdin; see `help` inside.
 */
import { Command } from '@commander-js/extra-typings';
import { loadScenario } from '../scenario/scenario-load';
import { buildWorld } from '../scenario/scenario-world';
import { defaultShellScenario, runShell } from '../shell/run-shell';
import { CliError } from '../cli-error';

/** Builds the `shell` command. */
export function shellCommand() {
  return new Command('shell')
    .description('an interactive shell over a live system: ls/cat/echo on sysfs, ps, numa_maps, vmstat, migratepages, move_pages, trace')
    .argument('[scenario]', 'scenario file (default: two DRAM nodes and a sample process)')
    .action(async (file) => {
      const scenario = file === undefined ? defaultShellScenario() : loadScenario(file);
      const world = await buildWorld(scenario);
      let outcome;
      try {
        outcome = await runShell(world, { input: process.stdin, output: process.stdout, error: process.stderr, interactive: process.stdin.isTTY === true });
      } finally {
        await world.dispose();
      }
      if (outcome.status !== 0) {
        throw new CliError(outcome.exited ? `shell: exit ${outcome.status}` : `shell: ${outcome.failed} of ${outcome.commands} command(s) failed`, outcome.status);
      }
    });
}
