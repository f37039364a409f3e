/**
 * @pagemig/timing: the cost model that emulates hardware pagemig does not have, in virtual
 * time. A recorder turns the tracepoint events of a real functional run into an event log; the
 * cost model turns the log into a CPU timeline and one timeline per DMA channel or copy thread;
 * modelled DMA devices and virtual copy threads let 16 channels or 16 threads run on a 2-core
 * laptop; presets carry calibrated (zen3-ptdma), measured (host) or assumed (ae4dma, sdxi)
 * parameters with units and sources.
 */
export {
  /** Turns an event log into virtual time with one set of parameters. */
  CostModel,
} from './cost-model';
export type {
  /** Options of `CostModel.run()` (detail on/off). */
  RunOptions,
} from './cost-model';

export {
  /** Records the time-relevant events of a system's tracepoints into an event log. */
  TimelineRecorder,
  /** Starts a recorder on `sys.trace`. */
  createTimelineRecorder,
  /** Maps one tracepoint event to log ops (for tools that replay saved traces). */
  recordEvent,
} from './timeline-recorder';

export {
  /** The run-length encoded event structure of a run (JSON-serialisable, re-timeable). */
  EventLog,
  /** Op names, for dumps and messages. */
  OP_NAMES,
} from './event-log';
export type {
  /** The JSON form of an event log. */
  EventLogJson,
} from './event-log';

export type {
  /** The timing of a run: lanes, calls, per-folio completions, CPU time by kind. */
  RunTiming,
  /** One timeline (CPU, channel or thread) with its intervals. */
  LaneTimeline,
  /** One interval of a lane. */
  TimelineInterval,
  /** What a lane was doing. */
  IntervalKind,
  /** The timing of one migrate_pages() call. */
  CallTiming,
  /** Equally spaced per-folio completion times. */
  CompletionRun,
} from './run-timing';

export {
  /** Every model parameter: unit, lane, meaning, accepted range. */
  PARAM_SPECS,
  /** Parameter names in table order. */
  PARAM_NAMES,
} from './timing-params';
export type {
  /** The numbers the cost model runs on. */
  TimingParams,
  /** A parameter name. */
  ParamName,
  /** What the table says about a parameter. */
  ParamSpec,
  /** The timeline a parameter's time lands on. */
  ParamLane,
} from './timing-params';

export {
  /** Validates a preset object (zod), merging a derived preset onto its base. */
  parsePreset,
  /** The numbers of a preset. */
  presetParams,
  /** A preset with some values replaced (what-if questions). */
  withParams,
  /** The JSON a preset file holds. */
  presetToJson,
  /** The preset file format version. */
  PRESET_FORMAT_VERSION,
} from './preset';
export type {
  /** A resolved preset: values, units, sources, device shape, fit summary. */
  Preset,
  /** One parameter of a preset. */
  PresetParam,
  /** The DMA device shape of a preset. */
  PresetDevice,
} from './preset';

export {
  /** A built-in preset by name (zen3-ptdma, ae4dma, sdxi). */
  getPreset,
  /** Validates a user's preset JSON (a base may name a built-in preset). */
  loadPreset,
  /** Names of the built-in presets. */
  PRESET_NAMES,
} from './presets';
export type {
  /** A built-in preset name. */
  PresetName,
} from './presets';

export {
  /** A dmaengine provider with modelled channels: no worker threads, real copies, normal completions. */
  createModelledDmaDevice,
} from './modelled-dma-device';
export type {
  /** The devices and channels of a modelled provider. */
  ModelledDmaDevice,
  /** Options of `createModelledDmaDevice()`. */
  ModelledDmaDeviceOptions,
} from './modelled-dma-device';

export {
  /** An mtcopy migrator over N virtual threads (same split and tracepoints, copies inline). */
  createModelledMtcopy,
} from './modelled-mtcopy';
export type {
  /** The modelled mtcopy driver. */
  ModelledMtcopy,
  /** Options of `createModelledMtcopy()`. */
  ModelledMtcopyOptions,
} from './modelled-mtcopy';

export {
  /** Runs the series' move_pages() benchmark functionally along one copy path and records it. */
  recordMovePagesRun,
} from './move-pages-run';
export type {
  /** A recorded run (log, return codes, checks). */
  MovePagesRun,
  /** Options of `recordMovePagesRun()`. */
  MovePagesRunOptions,
  /** The copy path of a run. */
  RunPath,
} from './move-pages-run';

export {
  /** Runs, records and times one configuration: "what would N channels do for my migrations?". */
  predictMovePages,
} from './predict-move-pages';
export type {
  /** Options of `predictMovePages()`. */
  PredictOptions,
  /** A prediction: log, timing, report. */
  Prediction,
} from './predict-move-pages';

export {
  /** Throughput, CPU busy/freed, utilisation and first-folio latency of a run. */
  runReport,
  /** Every per-folio completion time, expanded. */
  folioCompletionTimes,
  /** The per-run timeline as plain JSON (for the app's Chrome trace export). */
  exportTimeline,
} from './run-report';
export type {
  /** The report of a run. */
  RunReport,
  /** One lane in a report. */
  LaneReport,
  /** The timeline export format. */
  TimelineExport,
} from './run-report';

export {
  /** The V3 calibration data as published (calibration rows only). */
  V3_CALIBRATION,
  /** Bytes per size-table cell (1 GiB). */
  V3_TOTAL_BYTES,
  /** Every calibration cell with the run that reproduces it. */
  v3Cells,
  /** The run key of a cell (cells share runs). */
  cellRunKey,
} from './v3-cells';
export type {
  /** One published number and its run. */
  CalibrationCell,
  /** The copy path of a cell. */
  CellPath,
} from './v3-cells';

export {
  /** Records, fits and reports the zen3-ptdma preset against the V3 calibration set. */
  calibrateZen3,
  /** Records every functional run the V3 cells need. */
  recordV3Runs,
  /** The modelled value of each cell for a parameter set. */
  evaluateCells,
  /** Median, mean and worst cells of a set of results. */
  fitReport,
  /** Fits free parameters to recorded runs (deterministic). */
  fitZen3,
  /** The parameters the zen3 fit moves. */
  ZEN3_FREE_PARAMS,
} from './calibrate-zen3';
export type {
  /** Recorded runs by key. */
  V3Runs,
  /** One cell of a fit report. */
  CellResult,
  /** A fit report. */
  FitReport,
  /** Options of `fitZen3()`. */
  FitOptions,
  /** Options of `calibrateZen3()`. */
  CalibrateZen3Options,
  /** What `calibrateZen3()` returns. */
  Zen3Calibration,
  /** Options of `recordV3Runs()`. */
  RecordV3Options,
} from './calibrate-zen3';

export {
  /** The small derivative-free minimiser the fit uses. */
  nelderMead,
} from './nelder-mead';
export type {
  /** Options of `nelderMead()`. */
  NelderMeadOptions,
  /** Its result. */
  NelderMeadResult,
} from './nelder-mead';

export {
  /** Measures this machine and returns the `host` preset. */
  calibrateHost,
  /** Copy bandwidth of this machine (GB/s). */
  measureCopyBandwidth,
  /** Per-call and per-folio costs of this implementation on this machine (ns). */
  measureFolioCosts,
} from './host-calibration';
export type {
  /** Options of `calibrateHost()`. */
  HostCalibrationOptions,
  /** What the host calibration measured. */
  HostMeasurements,
} from './host-calibration';
