/**
 * `pagemig latency`: the downside of batching (Huang Ying's review of the series): how long
 * the first folio of a `move_pages` call waits, and the total time, against the batch size
 * (`NR_MAX_BATCHED_MIGRATION` or folios per call), per copy path; a table on stdout, and
 * `--json`, `--csv` or `--out DIR` (results and a chart).
 */
import { Command } from '@commander-js/extra-typings';
import { benchMigrators } from '../bench/bench-migrators';
import { createProgress } from '../bench/bench-progress';
import { runtimeError } from '../cli-error';
import { LATENCY_LIMITS, parseLatencyOptions } from '../latency/latency-options';
import { latencyCsv, latencyJson, latencyTable } from '../latency/latency-report';
import { runModelLatency } from '../latency/run-model-latency';
import { loadModelPreset } from '../bench/run-model-bench';
import { runLatency } from '../latency/run-latency';
import { writeLatencyReport } from '../report/write-latency-report';

/** Builds the `latency` command. */
export function latencyCommand(): Command {
  return new Command('latency')
    .description('measure first-folio latency and total time of move_pages against the batch size, per copy path, verifying the data')
    .option('--total <size>', 'region moved per point (multiple of 2M) (default: "256M")')
    .option('--size <size>', 'folio size (default: "2M")')
    .option('--paths <list>', 'copy paths: legacy,batch,mtcopy,dcbm (default: all available)')
    .option('--threads <list>', 'mtcopy thread counts (default: "2")')
    .option('--channels <list>', 'dcbm DMA channel counts (default: "2")')
    .option('--limits <list>', `NR_MAX_BATCHED_MIGRATION values in base pages, powers of two ${LATENCY_LIMITS[0]}..${LATENCY_LIMITS.at(-1)} (default: all of them)`)
    .option('--folios <list>', 'folios per move_pages call, or "all"; a list sweeps it instead of the limit (default: "all")')
    .option('--model <preset>', 'emulate a machine in virtual time instead of measuring this host')
    .option('--repeat <n>', 'moves per point; the point reports their median (default: "3")')
    .option('--seed <n>', 'seed for anything random (default: "1")')
    .option('--json', 'print the results as one JSON object')
    .option('--csv', 'print the results as CSV')
    .option('--out <dir>', 'write latency.json, latency.csv and the chart latency.svg/.png into DIR')
    .option('--no-progress', 'no progress output')
    .action(async (raw) => {
      const options = parseLatencyOptions({ ...raw, progress: raw.progress && raw.json !== true && raw.csv !== true });
      const progress = createProgress(options.progress);
      const result =
        options.model === undefined
          ? await runLatency(options, progress, benchMigrators(Math.max(...options.channels), options.seed))
          : await runModelLatency(options, await loadModelPreset(options.model), progress);
      if (result.skipped.length > 0 && (options.json || options.csv)) {
        process.stderr.write(`pagemig latency: not available in this build: ${result.skipped.join(', ')}\n`);
      }
      if (options.json) process.stdout.write(latencyJson(result));
      else if (options.csv) process.stdout.write(latencyCsv(result));
      else process.stdout.write(`${latencyTable(result)}\n`);
      if (options.out !== undefined) await writeLatencyReport(options.out, result);
      const failed = result.points.filter((p) => !p.verified);
      if (failed.length > 0) throw runtimeError(`${failed.length} point(s) failed verification: ${failed[0]!.problem ?? ''}`);
    });
}
