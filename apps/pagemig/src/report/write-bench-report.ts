/**
 * The chart and report files of `pagemig bench --out DIR`: `throughput.svg/.png`,
 * `speedup.svg/.png` and `report.html` (the command writes `bench.json` and `bench.csv`
 * beside them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult } from '../bench/run-bench';
import { renderChart } from '../charts/render-chart';
import { speedupSpec } from '../charts/speedup-chart';
import { throughputSpec } from '../charts/throughput-chart';
import { benchReportHtml } from './bench-report-html';

/** Files `writeBenchReport()` writes, in order. */
export const BENCH_REPORT_FILES = ['throughput.svg', 'throughput.png', 'speedup.svg', 'speedup.png', 'report.html'] as const;

/** Renders both charts and the HTML report of `result` into `dir` (created if missing); returns the file names. */
export async function writeBenchReport(dir: string, result: BenchResult): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const throughput = await renderChart(throughputSpec(result));
  const speedup = await renderChart(speedupSpec(result));
  writeFileSync(join(dir, 'throughput.svg'), throughput.svg);
  writeFileSync(join(dir, 'throughput.png'), throughput.png);
  writeFileSync(join(dir, 'speedup.svg'), speedup.svg);
  writeFileSync(join(dir, 'speedup.png'), speedup.png);
  writeFileSync(join(dir, 'report.html'), benchReportHtml(result, { throughput: throughput.svg, speedup: speedup.svg }));
  return [...BENCH_REPORT_FILES];
}
