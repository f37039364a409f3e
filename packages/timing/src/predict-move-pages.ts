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
  /** The functional run moved every folio to the target, kept the invariants and (with data) the bytes. */
  verified: boolean;
  /** Why it did not verify, when it did not. */
  problem: string | null;
}

/** Runs, records and times one `move_pages()` benchmark configuration. */
export async function predictMovePages(options: PredictOptions): Promise<Prediction> {
  const run = await recordMovePagesRun(options);
  const params = presetParams(options.preset);
  const timing = new CostModel(params).run(run.log);
  let problem: string | null = null;
  if (run.rcs.some((rc) => rc !== 0)) problem = `move_pages returned ${run.rcs.find((rc) => rc !== 0)}`;
  else if (run.misplaced > 0) problem = `${run.misplaced} folios did not reach the target node`;
  else if (run.violations.length > 0) problem = `invariant violated: ${run.violations[0]}`;
  else if (options.dataless === false && !run.dataChecked) problem = 'the moved bytes differ from the original';
  return { log: run.log, timing, report: runReport(timing, params), verified: problem === null, problem };
}
