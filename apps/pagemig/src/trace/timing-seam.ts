/**
 * Where a timing model plugs in: given a preset name, it records a run's tracepoints from the
 * system's registry and turns them into virtual time (a timeline of lanes and a total). The
 * build's provider is `@pagemig/timing` (timing-provider.ts); a caller may pass another, or
 * null, in which case asking for a preset is a runtime error and runs report measured time only.
 */
import type { TraceRegistry } from '@pagemig/kernel';
import { runtimeError } from '../cli-error';
import { costModelTimingProvider } from './timing-provider';
import type { Timeline } from './timeline';

/** A modelled run. */
export interface ModelledRun {
  preset: string;
  /** Virtual nanoseconds from the first event to the last. */
  totalNs: number;
  timeline: Timeline;
}

/** A recording in progress. */
export interface TimingSession {
  /** Stops recording and computes the modelled run. */
  finish(): ModelledRun;
}

/** A timing model with named presets. */
export interface TimingProvider {
  presets(): readonly string[];
  /** Starts recording `trace` for `preset`; throws for an unknown preset. */
  start(preset: string, trace: TraceRegistry): TimingSession;
}

/** The timing provider of this build, or null when none is installed. */
export function defaultTimingProvider(): TimingProvider | null {
  return costModelTimingProvider();
}

/** Starts a session for `preset`, or fails with a one-line reason. */
export function startTiming(provider: TimingProvider | null, preset: string, trace: TraceRegistry): TimingSession {
  if (provider === null) throw runtimeError(`timing preset ${JSON.stringify(preset)}: no timing presets are installed yet`);
  const presets = provider.presets();
  if (!presets.includes(preset)) throw runtimeError(`timing preset ${JSON.stringify(preset)} is not known: give one of ${presets.join(', ')}`);
  return provider.start(preset, trace);
}
