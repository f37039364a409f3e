/**
 * The timing provider of this build: `@pagemig/timing`'s cost model with its built-in presets
 * (zen3-ptdma, ae4dma, sdxi). A session records the run's tracepoints into the model's event
 * log; finishing it runs the cost model and turns its lanes (the CPU, each DMA channel, each
 * copy thread) into a virtual-time timeline for reports and Chrome traces.
 */
import type { TraceRegistry } from '@pagemig/kernel';
import { CostModel, PRESET_NAMES, createTimelineRecorder, getPreset, presetParams, type RunTiming } from '@pagemig/timing';
import { runtimeError } from '../cli-error';
import { packLanes, type Timeline, type TimelineSpan } from './timeline';
import type { TimingProvider } from './timing-seam';

/** The cost model's run as a timeline of lanes. */
export function timelineFromRunTiming(timing: RunTiming, preset: string): Timeline {
  const spans: TimelineSpan[] = [];
  for (const lane of timing.lanes) {
    const key = lane.kind === 'cpu' ? 'cpu:migrate (modelled)' : lane.kind === 'dma' ? `dma:${lane.name}` : `mtcopy:${lane.name}`;
    for (const iv of lane.intervals) {
      spans.push({ lane: key, name: iv.kind, startNs: iv.start, durNs: Math.max(0, iv.end - iv.start), args: { count: iv.count } });
    }
  }
  return packLanes({ clock: 'virtual', preset, lanes: [], spans, instants: [], counters: [], endNs: timing.totalNs });
}

/** `@pagemig/timing` as a timing provider. */
export function costModelTimingProvider(): TimingProvider {
  return {
    presets: () => PRESET_NAMES,
    start(preset: string, trace: TraceRegistry) {
      let model: CostModel;
      try {
        model = new CostModel(presetParams(getPreset(preset)));
      } catch (error) {
        throw runtimeError(`timing preset ${JSON.stringify(preset)}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const recorder = createTimelineRecorder(trace);
      return {
        finish() {
          recorder.stop();
          const timing = model.run(recorder.log);
          return { preset, totalNs: timing.totalNs, timeline: timelineFromRunTiming(timing, preset) };
        },
      };
    },
  };
}
