/**
 * pagemig: the command line as a library, for scripts that want the same runs and outputs.
 */
export { main, buildProgram, VERSION } from './program';
export { CliError, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE } from './cli-error';
export { runBench } from './bench/run-bench';
export type { BenchResult, BenchRow, BenchProgress } from './bench/run-bench';
export { parseBenchOptions, BENCH_PATHS } from './bench/bench-options';
export type { BenchOptions, BenchPath } from './bench/bench-options';
export { benchTable, benchCsv, benchJson } from './bench/bench-report';
