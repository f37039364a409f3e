/**
 * Calibration of the `zen3-ptdma` preset against the V3 calibration set:
 * 1. record once the event structure of every functional run the cells need (`recordV3Runs`:
 *    `move_pages()` of 1 GiB per folio size along the vanilla path, dcbm with 1/2/4 modelled
 *    channels and mtcopy with 1/2/4 virtual threads; the 2 MiB folio-count runs; the copy-share
 *    runs), run-length encoded so re-timing a run takes microseconds;
 * 2. fit the free parameters (log space, Nelder–Mead) minimising the mean absolute relative
 *    error over all cells (`fitZen3`), the other parameters staying at their stated assumptions;
 * 3. report each cell (published, modelled, relative error), the median, the mean and the worst.
 */
import { KernelError } from '@pagemig/kernel';
import { CostModel } from './cost-model';
import { EventLog, type EventLogJson } from './event-log';
import { recordMovePagesRun } from './move-pages-run';
import { nelderMead } from './nelder-mead';
import { presetParams, type Preset } from './preset';
import { PARAM_SPECS, type ParamName, type TimingParams } from './timing-params';
import { cellRunKey, v3Cells, type CalibrationCell } from './v3-cells';

/** Recorded runs by run key (see `cellRunKey()`), as JSON event logs. */
export type V3Runs = Record<string, EventLogJson>;

/** One cell of a fit report. */
export interface CellResult {
  id: string;
  table: CalibrationCell['table'];
  published: number;
  modelled: number;
  /** (modelled - published) / published; for an upper bound, 0 when at or below it. */
  relErr: number;
}

/** A fit report: every cell and the summary. */
export interface FitReport {
  cells: CellResult[];
  medianAbsRelErr: number;
  meanAbsRelErr: number;
  worst: CellResult;
  /** The three worst cells, worst first. */
  worstCells: CellResult[];
}

/** Parameters the fit moves (the rest are assumptions from the preset). */
export const ZEN3_FREE_PARAMS: readonly ParamName[] = [
  'callNs',
  'warmNs',
  'warmFolios',
  'folioNs',
  'pteNs',
  'thpNs',
  'cpuCopyGBps',
  'batchNs',
  'dmaChanNs',
  'descSubmitNs',
  'descExecNs',
  'dmaPageNs',
  'chanGBps',
  'dmaPortGBps',
  'wakeNs',
  'mtDispatchNs',
  'mtSliceNs',
  'mtThreadGBps',
  'mtPortGBps',
];

/** The functional run behind each run key. */
function runsNeeded(cells: readonly CalibrationCell[]): Map<string, CalibrationCell> {
  const out = new Map<string, CalibrationCell>();
  for (const cell of cells) if (!out.has(cellRunKey(cell))) out.set(cellRunKey(cell), cell);
  return out;
}

/** Options of `recordV3Runs()`. */
export interface RecordV3Options {
  /** Called after each run with its key and how many are done. */
  onProgress?: (key: string, done: number, total: number) => void;
  /** Preset for the DMA device shape (default PTDMA-like). */
  preset?: Preset;
  /** Only the runs of these cells (default all). */
  cells?: readonly CalibrationCell[];
}

/** Records every functional run the V3 cells need (dataless nodes; seconds, not minutes). */
export async function recordV3Runs(options: RecordV3Options = {}): Promise<V3Runs> {
  const needed = runsNeeded(options.cells ?? v3Cells());
  const runs: V3Runs = {};
  let done = 0;
  for (const [key, cell] of needed) {
    const run = await recordMovePagesRun({
      folioSize: cell.folioSize,
      count: cell.count,
      path: cell.path,
      lanes: Math.max(1, cell.lanes),
      ...(options.preset === undefined ? {} : { preset: options.preset }),
    });
    if (run.rcs.some((rc) => rc !== 0) || run.misplaced !== 0 || run.violations.length > 0) {
      throw new KernelError('EIO', `calibration run ${key} did not migrate cleanly: rc ${run.rcs.join(',')}, ${run.misplaced} misplaced, ${run.violations[0] ?? 'no violation'}`);
    }
    runs[key] = run.log.toJSON();
    options.onProgress?.(key, ++done, needed.size);
  }
  return runs;
}

/** Parsed logs per runs object, so a fit parses each recorded run once. */
const parsed = new WeakMap<V3Runs, Map<string, EventLog>>();

/** The modelled value of each cell with `params`. */
export function evaluateCells(params: TimingParams, runs: V3Runs, cells: readonly CalibrationCell[] = v3Cells()): CellResult[] {
  const model = new CostModel(params);
  let logs = parsed.get(runs);
  if (logs === undefined) {
    logs = new Map<string, EventLog>();
    parsed.set(runs, logs);
  }
  const values = new Map<string, { gbps: number; share: number }>();
  const out: CellResult[] = [];
  for (const cell of cells) {
    const key = cellRunKey(cell);
    let v = values.get(key);
    if (v === undefined) {
      const json = runs[key];
      if (json === undefined) throw new KernelError('ENOENT', `no recorded run ${key}; record it with recordV3Runs()`);
      let log = logs.get(key);
      if (log === undefined) {
        log = EventLog.fromJSON(json);
        logs.set(key, log);
      }
      const timing = model.run(log, { detail: false });
      const call = timing.calls[0];
      if (call === undefined) throw new KernelError('EINVAL', `run ${key} has no migrate_pages call`);
      const ns = call.endNs - call.startNs;
      v = { gbps: call.bytes / ns, share: call.copyNs / ns };
      values.set(key, v);
    }
    const modelled = cell.metric === 'GBps' ? v.gbps : v.share;
    let relErr = (modelled - cell.published) / cell.published;
    if (cell.bound === 'upper' && relErr < 0) relErr = 0;
    out.push({ id: cell.id, table: cell.table, published: cell.published, modelled, relErr });
  }
  return out;
}

/** Median, mean and worst of a set of cell results. */
export function fitReport(cells: CellResult[]): FitReport {
  const abs = cells.map((c) => Math.abs(c.relErr)).sort((a, b) => a - b);
  const mid = abs.length >> 1;
  const median = abs.length === 0 ? 0 : abs.length % 2 === 1 ? abs[mid]! : (abs[mid - 1]! + abs[mid]!) / 2;
  const mean = abs.reduce((s, x) => s + x, 0) / Math.max(1, abs.length);
  const sorted = [...cells].sort((a, b) => Math.abs(b.relErr) - Math.abs(a.relErr) || a.id.localeCompare(b.id));
  return { cells, medianAbsRelErr: median, meanAbsRelErr: mean, worst: sorted[0]!, worstCells: sorted.slice(0, 3) };
}

/** Options of `fitZen3()`. */
export interface FitOptions {
  /** Parameters to fit (default `ZEN3_FREE_PARAMS`). */
  free?: readonly ParamName[];
  /** Objective evaluations (default 6000). */
  maxEvaluations?: number;
  /** Nelder–Mead restarts (default 4). */
  restarts?: number;
}

/** Fits the free parameters of `start` to the recorded runs; deterministic for the same inputs. */
export function fitZen3(start: TimingParams, runs: V3Runs, options: FitOptions = {}): { params: TimingParams; report: FitReport; evaluations: number } {
  const free = options.free ?? ZEN3_FREE_PARAMS;
  const cells = v3Cells();
  const x0 = free.map((name) => Math.log(Math.max(start[name], 1e-6)));
  const toParams = (x: ArrayLike<number>): TimingParams => {
    const p = { ...start };
    free.forEach((name, i) => {
      const spec = PARAM_SPECS[name];
      p[name] = Math.min(spec.max, Math.max(spec.min, Math.exp(x[i]!)));
    });
    return p;
  };
  const objective = (x: Float64Array): number => {
    const results = evaluateCells(toParams(x), runs, cells);
    let s = 0;
    for (const r of results) s += Math.abs(r.relErr);
    return s / results.length;
  };
  const res = nelderMead(objective, x0, { step: 0.4, maxEvaluations: options.maxEvaluations ?? 6000, restarts: options.restarts ?? 4 });
  const params = toParams(res.x);
  for (const name of free) params[name] = roundSig(params[name], 4);
  return { params, report: fitReport(evaluateCells(params, runs, cells)), evaluations: res.evaluations };
}

function roundSig(v: number, digits: number): number {
  return Number(v.toPrecision(digits));
}

/** Options of `calibrateZen3()`. */
export interface CalibrateZen3Options extends FitOptions {
  /** The starting preset (its assumptions stay; its free values are the fit's start). */
  start: Preset;
  /** Runs recorded before (skips the functional runs). */
  runs?: V3Runs;
  /** Progress of the functional runs. */
  onProgress?: (key: string, done: number, total: number) => void;
}

/** What `calibrateZen3()` returns: the fitted preset, its report and the recorded runs. */
export interface Zen3Calibration {
  preset: Preset;
  report: FitReport;
  runs: V3Runs;
  evaluations: number;
}

/** Records (unless given) and fits; the preset keeps `start`'s assumptions and notes the fit. */
export async function calibrateZen3(options: CalibrateZen3Options): Promise<Zen3Calibration> {
  const runs = options.runs ?? (await recordV3Runs({ preset: options.start, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) }));
  const { params, report, evaluations } = fitZen3(presetParams(options.start), runs, options);
  const free = new Set(options.free ?? ZEN3_FREE_PARAMS);
  const fitted = { ...options.start.params };
  for (const name of free) {
    const prev = options.start.params[name].source;
    const from = prev.includes('starting point: ') ? prev.slice(prev.indexOf('starting point: ')) : `starting point: ${prev}`;
    fitted[name] = { value: params[name], unit: PARAM_SPECS[name].unit, source: `fit: V3 calibration set (${report.cells.length} cells, mean |rel err|); ${from}` };
  }
  const preset: Preset = {
    ...options.start,
    params: fitted,
    fit: {
      cells: report.cells.length,
      medianAbsRelErr: round(report.medianAbsRelErr),
      meanAbsRelErr: round(report.meanAbsRelErr),
      worst: { cell: report.worst.id, relErr: round(report.worst.relErr) },
    },
  };
  return { preset, report, runs, evaluations };
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
