/**
 * @pagemig/timing: the cost model that emulates hardware pagemig does not have, in virtual
 * time. A recorder turns the tracepoint events of a real functional run into an event log; the
 * cost model turns the log into a CPU timeline and one timeline per DMA channel or copy thread;
 * modelled DMA devices and copy threads let 16 channels or 16 threads run on a 2-core laptop;
 * presets carry calibrated (zen3-ptdma), measured (host) or assumed (ae4dma, sdxi) parameters.
 */
export { CostModel } from './cost-model';
export type { RunOptions } from './cost-model';
export { TimelineRecorder, createTimelineRecorder, recordEvent } from './timeline-recorder';
export { EventLog, OP_NAMES } from './event-log';
export type { EventLogJson } from './event-log';
export type { RunTiming, LaneTimeline, TimelineInterval, IntervalKind, CallTiming, CompletionRun } from './run-timing';
export { PARAM_SPECS, PARAM_NAMES } from './timing-params';
export type { TimingParams, ParamName, ParamSpec, ParamLane } from './timing-params';
export { parsePreset, presetParams, withParams, presetToJson, PRESET_FORMAT_VERSION } from './preset';
export type { Preset, PresetParam, PresetDevice } from './preset';
export { getPreset, loadPreset, PRESET_NAMES } from './presets';
export type { PresetName } from './presets';
export { createModelledDmaDevice } from './modelled-dma-device';
export type { ModelledDmaDevice, ModelledDmaDeviceOptions } from './modelled-dma-device';
export { createModelledMtcopy, virtualThreadSplit } from './modelled-mtcopy';
export type { ModelledMtcopy, ModelledMtcopyOptions } from './modelled-mtcopy';
export { recordMovePagesRun } from './move-pages-run';
export type { MovePagesRun, MovePagesRunOptions, RunPath } from './move-pages-run';
export { V3_CALIBRATION, V3_TOTAL_BYTES, v3Cells, cellRunKey } from './v3-cells';
export type { CalibrationCell, CellPath } from './v3-cells';
export { nelderMead } from './nelder-mead';
export type { NelderMeadOptions, NelderMeadResult } from './nelder-mead';
export { calibrateZen3, recordV3Runs, evaluateCells, fitReport, fitZen3, ZEN3_FREE_PARAMS } from './calibrate-zen3';
export type { V3Runs, CellResult, FitReport, FitOptions, CalibrateZen3Options, Zen3Calibration, RecordV3Options } from './calibrate-zen3';
export { runReport, folioCompletionTimes, exportTimeline } from './run-report';
export type { RunReport, LaneReport, TimelineExport } from './run-report';
export { predictMovePages } from './predict-move-pages';
export type { PredictOptions, Prediction } from './predict-move-pages';
export { calibrateHost, measureCopyBandwidth, measureFolioCosts } from './host-calibration';
export type { HostCalibrationOptions, HostMeasurements } from './host-calibration';
