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
export { runLatency } from './latency/run-latency';
export type { LatencyResult, LatencyPoint } from './latency/run-latency';
export { parseLatencyOptions, LATENCY_LIMITS } from './latency/latency-options';
export type { LatencyOptions, LatencySweep } from './latency/latency-options';
export { measuredClock } from './latency/latency-clock';
export type { LatencyClock, LatencyClockFactory } from './latency/latency-clock';
export { latencyTable, latencyCsv, latencyJson } from './latency/latency-report';
export { throughputSpec } from './charts/throughput-chart';
export { speedupSpec } from './charts/speedup-chart';
export { latencySpec } from './charts/latency-chart';
export { renderSvg, svgToPng, renderChart } from './charts/render-chart';
export type { RenderedChart } from './charts/render-chart';
export { benchReportHtml } from './report/bench-report-html';
export { writeBenchReport, BENCH_REPORT_FILES } from './report/write-bench-report';
export { writeLatencyReport, LATENCY_REPORT_FILES } from './report/write-latency-report';
export { runModelBench, loadModelPreset } from './bench/run-model-bench';
export { benchMatrix, benchHostLine } from './bench/bench-report';
export { runModelLatency } from './latency/run-model-latency';
export { parseScenario, parseScenarioText, loadScenario } from './scenario/scenario-load';
export { buildWorld } from './scenario/scenario-world';
export { runScenario } from './scenario/scenario-run';
export { runShell } from './shell/run-shell';
export { chromeTrace, checkChromeTrace } from './trace/chrome-trace';
