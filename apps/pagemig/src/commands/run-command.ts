/**
 * `pagemig run <scenario.yaml|json>`: builds the scenario's system, runs its workload threads
 * and migration driver concurrently, verifies the data and the invariants, and prints a report
 * (or `--json`); `--trace FILE` writes a Chrome trace (Perfetto opens it). A malformed scenario
 * exits 2 with one line naming the field; a run that fails to verify exits 1.
 */
import { Command } from '@commander-js/extra-typings';
import { runtimeError } from '../cli-error';
import { loadScenario } from '../scenario/scenario-load';
import { formatRunReport } from '../scenario/scenario-report';
import { runScenario } from '../scenario/scenario-run';
import { writeChromeTrace } from '../trace/chrome-trace';

/** Builds the `run` command. */
export function runCommand() {
  return new Command('run')
    .description('run a scenario: a NUMA system, processes with workload threads, a migration driver and a migrator; verify the data and report')
    .argument('<scenario>', 'scenario file (YAML or JSON; see the examples shipped in scenarios/)')
    .option('--json', 'print the result as one JSON object')
    .option('--trace <file>', 'write a Chrome trace-event JSON file (open it in Perfetto)')
    .option('--model <preset>', 'also time the run with a timing preset (virtual time)')
    .action(async (file, opts) => {
      const scenario = loadScenario(file);
      const { result, timeline } = await runScenario(scenario, {
        trace: opts.trace !== undefined,
        ...(opts.model === undefined ? {} : { preset: opts.model }),
      });
      if (opts.trace !== undefined && timeline !== null) {
        try {
          writeChromeTrace(opts.trace, timeline, { scenario: result.scenario });
        } catch (error) {
          throw runtimeError(`--trace ${opts.trace}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      process.stdout.write(opts.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatRunReport(result));
      if (!result.ok) throw runtimeError(`scenario ${result.scenario} failed: ${result.problems[0]}`);
    });
}
