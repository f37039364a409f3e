/**
 * The files of `pagemig latency --out DIR`: `latency.json`, `latency.csv`, and the chart
 * `latency.svg` / `latency.png` (first-folio latency and total time against batch size).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencySpec } from '../charts/latency-chart';
import { renderChart } from '../charts/render-chart';
import { latencyCsv, latencyJson } from '../latency/latency-report';
import type { LatencyResult } from '../latency/run-latency';

/** Files `writeLatencyReport()` writes, in order. */
export const LATENCY_REPORT_FILES = ['latency.json', 'latency.csv', 'latency.svg', 'latency.png'] as const;

/** Writes the results and the chart of `result` into `dir` (created if missing); returns the file names. */
export async function writeLatencyReport(dir: string, result: LatencyResult): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latency.json'), latencyJson(result));
  writeFileSync(join(dir, 'latency.csv'), latencyCsv(result));
  const chart = await renderChart(latencySpec(result));
  writeFileSync(join(dir, 'latency.svg'), chart.svg);
  writeFileSync(join(dir, 'latency.png'), chart.png);
  return [...LATENCY_REPORT_FILES];
}
