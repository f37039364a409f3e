/**
 * `pagemig bench`: the series' experiment on this host (measured) or on an emulated machine
 * (`--model <preset>`), with a table on stdout, and `--json`, `--csv` or `--out DIR` outputs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { benchCsv, benchHostLine, benchJson, benchMatrix, benchTable } from '../bench/bench-report';
import { loadModelPreset, runModelBench } from '../bench/run-model-bench';
import { parseBenchOptions } from '../bench/bench-options';
import { createProgress } from '../bench/bench-progress';
import { runBench } from '../bench/run-bench';
import { runtimeError } from '../cli-error';
import { benchMigrators } from '../bench/bench-migrators';
import { writeBenchReport } from '../report/write-bench-report';

/** Builds the `bench` command. */
export function benchCommand(): Command {
  return new Command('bench')
    .description("move a fixed total between two nodes with move_pages semantics along every copy path, verify the data, and report GB/s")
    .option('--total <size>', 'bytes moved per row, a multiple of 2M (default 256M measured, 1G modelled as the series did)')
    .option('--sizes <list>', 'folio sizes', '4K,16K,64K,256K,1M,2M')
    .option('--paths <list>', 'copy paths: legacy,batch,mtcopy,dcbm', 'legacy,batch,mtcopy,dcbm')
    .option('--threads <list>', 'mtcopy thread counts', '1,2')
    .option('--channels <list>', 'dcbm DMA channel counts', '1,2')
    .option('--model <preset>', 'emulate a machine in virtual time instead of measuring this host')
    .option('--repeat <n>', 'moves per row; the row reports their median', '3')
    .option('--batch-limit <pages>', 'NR_MAX_BATCHED_MIGRATION in base pages (512 upstream, 262144 with patch 7)', '262144')
    .option('--seed <n>', 'seed for anything random', '1')
    .option('--json', 'print the results as one JSON object')
    .option('--csv', 'print the results as CSV')
    .option('--out <dir>', 'write results, charts and an HTML report into DIR')
    .option('--no-progress', 'no progress output')
    .action(async (raw) => {
      const options = parseBenchOptions({ ...raw, progress: raw.progress && raw.json !== true && raw.csv !== true });
      const progress = createProgress(options.progress);
      const result =
        options.model === undefined
          ? await runBench(options, progress, benchMigrators(Math.max(...options.channels), options.seed))
          : await runModelBench(options, await loadModelPreset(options.model), progress);
      if (options.json) process.stdout.write(benchJson(result));
      else if (options.csv) process.stdout.write(benchCsv(result));
      else if (options.model !== undefined) process.stdout.write(`${benchHostLine(result)}\n${benchMatrix(result)}\n`);
      else process.stdout.write(`${benchTable(result)}\n`);
      if (options.out !== undefined) {
        mkdirSync(options.out, { recursive: true });
        writeFileSync(join(options.out, 'bench.json'), benchJson(result));
        writeFileSync(join(options.out, 'bench.csv'), benchCsv(result));
        const files = await writeBenchReport(options.out, result);
        if (options.progress) process.stderr.write(`wrote ${['bench.json', 'bench.csv', ...files].map((f) => join(options.out!, f)).join(', ')}\n`);
      }
      const failed = result.rows.filter((r) => !r.verified);
      if (failed.length > 0) throw runtimeError(`${failed.length} row(s) failed verification: ${failed[0]!.problem ?? ''}`);
    });
}
