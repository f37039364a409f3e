/**
 * Chrome trace-event JSON (`{"traceEvents":[...]}`), the format Perfetto and chrome://tracing
 * open: one process per lane group (driver, CPU side of migration, workload threads, DMA
 * channels, copy threads), one thread per lane, `X` events for spans, `i` for instants, `C` for
 * counters and `M` metadata naming processes and threads; times in microseconds.
 * `checkChromeTrace()` validates the shape structurally (what tests and `--trace` rely on).
 */
import { writeFileSync } from 'node:fs';
import { LANE_GROUPS, type LaneGroup, type Timeline } from './timeline';

/** One trace event. */
export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 'i' | 'C' | 'M';
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: 't' | 'p' | 'g';
  cat?: string;
  args?: Record<string, unknown>;
}

/** The file's object. */
export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms' | 'ns';
  otherData: Record<string, unknown>;
}

const PROCESS_NAMES: Record<LaneGroup, string> = {
  driver: 'migration driver',
  cpu: 'kernel: migrate (CPU)',
  workload: 'workload threads',
  dma: 'DMA channels',
  mtcopy: 'mtcopy copy threads',
};

const us = (ns: number) => Math.round(ns) / 1000;

/** Converts a timeline into Chrome trace events. */
export function chromeTrace(timeline: Timeline, otherData: Record<string, unknown> = {}): ChromeTrace {
  const events: ChromeTraceEvent[] = [];
  const tids = new Map<string, { pid: number; tid: number }>();
  const nextTid = new Map<number, number>();
  const lanes = [...timeline.lanes].sort((a, b) => LANE_GROUPS.indexOf(a.group) - LANE_GROUPS.indexOf(b.group) || a.key.localeCompare(b.key, 'en', { numeric: true }));
  for (const group of LANE_GROUPS) {
    const pid = LANE_GROUPS.indexOf(group) + 1;
    if (!lanes.some((l) => l.group === group) && group !== 'cpu') continue;
    events.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: PROCESS_NAMES[group] } });
    events.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: pid } });
  }
  for (const lane of lanes) {
    const pid = LANE_GROUPS.indexOf(lane.group) + 1;
    const tid = (nextTid.get(pid) ?? 0) + 1;
    nextTid.set(pid, tid);
    tids.set(lane.key, { pid, tid });
    events.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: lane.name } });
    events.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid, args: { sort_index: tid } });
  }
  const where = (lane: string) => tids.get(lane) ?? { pid: LANE_GROUPS.indexOf('cpu') + 1, tid: 0 };
  for (const span of timeline.spans) {
    const { pid, tid } = where(span.lane);
    const ev: ChromeTraceEvent = { name: span.name, ph: 'X', ts: us(Math.max(0, span.startNs)), dur: us(Math.max(0, span.durNs)), pid, tid, cat: span.lane.split(':')[0] ?? 'cpu' };
    if (span.args !== undefined) ev.args = span.args;
    events.push(ev);
  }
  for (const inst of timeline.instants) {
    const { pid, tid } = where(inst.lane);
    const ev: ChromeTraceEvent = { name: inst.name, ph: 'i', s: 't', ts: us(Math.max(0, inst.atNs)), pid, tid, cat: inst.lane.split(':')[0] ?? 'cpu' };
    if (inst.args !== undefined) ev.args = inst.args;
    events.push(ev);
  }
  const cpuPid = LANE_GROUPS.indexOf('cpu') + 1;
  for (const c of timeline.counters) events.push({ name: c.name, ph: 'C', ts: us(Math.max(0, c.atNs)), pid: cpuPid, tid: 0, args: { ...c.values } });
  events.sort((a, b) => (a.ph === 'M' ? -1 : 0) - (b.ph === 'M' ? -1 : 0) || a.ts - b.ts);
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { clock: timeline.clock, ...(timeline.preset === undefined ? {} : { preset: timeline.preset }), ...otherData },
  };
}

/** Writes a timeline as a Chrome trace file. */
export function writeChromeTrace(path: string, timeline: Timeline, otherData: Record<string, unknown> = {}): ChromeTrace {
  const trace = chromeTrace(timeline, otherData);
  writeFileSync(path, `${JSON.stringify(trace)}\n`);
  return trace;
}

/**
 * Structural check of a parsed trace file: `traceEvents` is a list; every event has a string
 * `name`, a known `ph`, a finite `ts` ≥ 0 and integer `pid`/`tid`; `X` events have `dur` ≥ 0;
 * `C` events have numeric args. Returns the problems (empty when the trace is well formed).
 */
export function checkChromeTrace(data: unknown): string[] {
  const problems: string[] = [];
  if (data === null || typeof data !== 'object' || !Array.isArray((data as { traceEvents?: unknown }).traceEvents)) {
    return ['the top level is not an object with a traceEvents list'];
  }
  const events = (data as { traceEvents: unknown[] }).traceEvents;
  events.forEach((raw, i) => {
    const e = raw as Record<string, unknown>;
    const bad = (what: string) => problems.push(`traceEvents[${i}]: ${what}`);
    if (e === null || typeof e !== 'object') return void bad('not an object');
    if (typeof e.name !== 'string' || e.name === '') bad('name is not a non-empty string');
    if (!['X', 'i', 'C', 'M', 'B', 'E'].includes(e.ph as string)) bad(`ph ${JSON.stringify(e.ph)} is not a known phase`);
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) bad('ts is not a finite number >= 0');
    if (!Number.isInteger(e.pid)) bad('pid is not an integer');
    if (!Number.isInteger(e.tid)) bad('tid is not an integer');
    if (e.ph === 'X' && (typeof e.dur !== 'number' || !Number.isFinite(e.dur) || e.dur < 0)) bad('X event without a finite dur >= 0');
    if (e.ph === 'C') {
      const args = e.args as Record<string, unknown> | undefined;
      if (args === undefined || Object.values(args).some((v) => typeof v !== 'number')) bad('C event args are not all numbers');
    }
  });
  return problems;
}
