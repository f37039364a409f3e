/**
 * A timeline of lanes: what a run looked like in time, measured (wall-clock stamps of the
 * tracepoints) or modelled (a timing preset's virtual time). Lanes belong to groups that become
 * processes in the Chrome trace (the CPU side of migration, the driver, workload threads, DMA
 * channels, copy threads); spans within one lane never overlap (`packLanes()` spreads
 * overlapping ones over numbered sub-lanes).
 */

/** What a lane shows. */
export type LaneGroup = 'driver' | 'cpu' | 'workload' | 'dma' | 'mtcopy';

/** Every group, in display order. */
export const LANE_GROUPS: readonly LaneGroup[] = ['driver', 'cpu', 'workload', 'dma', 'mtcopy'];

/** One lane (a Chrome trace thread). */
export interface TimelineLane {
  /** Unique key, e.g. `dma:dma0chan1`. */
  key: string;
  group: LaneGroup;
  /** Display name, e.g. `dma0chan1`. */
  name: string;
}

/** Something that took time on a lane. */
export interface TimelineSpan {
  lane: string;
  name: string;
  startNs: number;
  durNs: number;
  args?: Record<string, unknown>;
}

/** A point event on a lane. */
export interface TimelineInstant {
  lane: string;
  name: string;
  atNs: number;
  args?: Record<string, unknown>;
}

/** Counter values at a point in time (one track per counter name). */
export interface TimelineCounter {
  name: string;
  atNs: number;
  values: Record<string, number>;
}

/** A run in time. */
export interface Timeline {
  /** `wall`: measured stamps; `virtual`: a timing model's time. */
  clock: 'wall' | 'virtual';
  /** The timing preset of a virtual timeline. */
  preset?: string;
  lanes: TimelineLane[];
  spans: TimelineSpan[];
  instants: TimelineInstant[];
  counters: TimelineCounter[];
  /** End of the last event. */
  endNs: number;
}

/** The group of a lane key (`dma:...` → dma). */
export function laneGroup(key: string): LaneGroup {
  const prefix = key.split(':')[0] as LaneGroup;
  return LANE_GROUPS.includes(prefix) ? prefix : 'cpu';
}

/**
 * Moves spans that overlap an earlier span of the same lane to sub-lanes `<lane>#1`, `#2`, ...
 * (greedy interval partitioning), and adds every lane the spans and instants use.
 */
export function packLanes(timeline: Timeline): Timeline {
  const byLane = new Map<string, TimelineSpan[]>();
  for (const span of timeline.spans) {
    const list = byLane.get(span.lane);
    if (list === undefined) byLane.set(span.lane, [span]);
    else list.push(span);
  }
  const spans: TimelineSpan[] = [];
  const lanes = new Map<string, TimelineLane>(timeline.lanes.map((l) => [l.key, l]));
  const addLane = (key: string, base: string) => {
    if (lanes.has(key)) return;
    const parent = lanes.get(base);
    const suffix = key.slice(base.length);
    lanes.set(key, { key, group: parent?.group ?? laneGroup(base), name: `${parent?.name ?? base.slice(base.indexOf(':') + 1)}${suffix}` });
  };
  for (const [lane, list] of byLane) {
    list.sort((a, b) => a.startNs - b.startNs);
    const ends: number[] = [];
    for (const span of list) {
      let i = ends.findIndex((end) => end <= span.startNs);
      if (i < 0) {
        i = ends.length;
        ends.push(0);
      }
      ends[i] = span.startNs + span.durNs;
      const key = i === 0 ? lane : `${lane}#${i}`;
      addLane(lane, lane);
      addLane(key, lane);
      spans.push({ ...span, lane: key });
    }
  }
  for (const inst of timeline.instants) addLane(inst.lane, inst.lane);
  return { ...timeline, lanes: [...lanes.values()], spans };
}
