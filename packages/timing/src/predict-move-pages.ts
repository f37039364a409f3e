/**
 * The question the package answers: "what would N channels (or N copy threads) of this machine
 * do for my migrations?" Runs the `move_pages()` benchmark functionally (modelled device or
 * virtual threads, so any N runs on a laptop), records it, and times it with a preset.
 */
import { CostModel } from './cost-model';
import { recordMovePagesRun, type MovePagesRunOptions } from './move-pages-run';
import { presetParams, type Preset } from './preset';
import { runReport, type RunReport } from './run-report';
import type { RunTiming } from './run-timing';
import type { EventLog } from './event-log';

/** Options of `predictMovePages()`: the run, and the preset to time it with. */
export interface PredictOptions extends MovePagesRunOptions {
  preset: Preset;
}

/** A prediction: the recorded log, its timing and its report. */
export interface Prediction {
  log: EventLog;
  timing: RunTiming;
  report: RunReport;
}

/** Runs, records and times one `move_pages()` benchmark configuration. */
export async function predictMovePages(options: PredictOptions): Promise<Prediction> {
  const run = await recordMovePagesRun(options);
  const params = presetParams(options.preset);
  const timing = new CostModel(params).run(run.log);
  return { log: run.log, timing, report: runReport(timing, params) };
}
