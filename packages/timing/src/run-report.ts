/**
 * What a modelled run means for a user: throughput, CPU busy time and the CPU time the offload
 * freed compared with copying on the CPU, per-lane utilisation, per-folio completion times and
 * first-folio latency; and the per-run timeline export (intervals per lane) that the app turns
 * into Chrome trace JSON.
 */
import type { TimingParams } from './timing-params';
import { CPU_BUSY_KINDS, type IntervalKind, type RunTiming } from './run-timing';

/** One lane in a report. */
export interface LaneReport {
  name: string;
  kind: 'cpu' | 'dma' | 'thread';
  busyNs: number;
  /** Busy time / run time. */
  utilisation: number;
  bytes: number;
  items: number;
}

/** The report of a modelled run. */
export interface RunReport {
  /** Virtual run time (ns). */
  totalNs: number;
  /** Bytes of folios moved. */
  bytesMoved: number;
  /** Bytes moved / run time, in GB/s (1e9 bytes per second). */
  throughputGBps: number;
  cpu: {
    /** Time the migrating task was busy (everything but waiting for a batch). */
    busyNs: number;
    /** Time it waited for channels or threads. */
    waitNs: number;
    /** Time it spent copying on the CPU. */
    copyNs: number;
    /** Time it spent driving the offload (channel setup, submits, doorbells, thread dispatch). */
    offloadNs: number;
    /**
     * CPU time the offload freed: what copying the offloaded bytes on this CPU would have cost
     * (`cpuCopyGBps`) minus `offloadNs`. Negative when driving the engine costs more than copying.
     */
    freedNs: number;
    byKind: Partial<Record<IntervalKind, number>>;
  };
  lanes: LaneReport[];
  /** Per `migrate_pages()` call: start, end, first-folio latency, folios. */
  calls: { startNs: number; endNs: number; firstFolioNs: number | null; folios: number; bytes: number; throughputGBps: number }[];
  /** First-folio latency of the first call (ns), or null. */
  firstFolioNs: number | null;
}

const OFFLOAD_KINDS: readonly IntervalKind[] = ['dma_setup', 'dma_submit', 'dma_issue', 'mt_dispatch'];

/** Builds the report of a run timed with `params`. */
export function runReport(timing: RunTiming, params: Readonly<TimingParams>): RunReport {
  const k = timing.cpuByKind;
  const busyNs = CPU_BUSY_KINDS.reduce((s, kind) => s + (k[kind] ?? 0), 0);
  const offloadNs = OFFLOAD_KINDS.reduce((s, kind) => s + (k[kind] ?? 0), 0);
  const offloaded = timing.bytes.dmaCopied + timing.bytes.threadCopied;
  const total = timing.totalNs;
  return {
    totalNs: total,
    bytesMoved: timing.bytes.moved,
    throughputGBps: total > 0 ? timing.bytes.moved / total : 0,
    cpu: {
      busyNs,
      waitNs: k.wait ?? 0,
      copyNs: k.copy ?? 0,
      offloadNs,
      freedNs: offloaded / params.cpuCopyGBps - offloadNs,
      byKind: { ...k },
    },
    lanes: timing.lanes.map((l) => ({
      name: l.name,
      kind: l.kind,
      busyNs: l.busyNs,
      utilisation: total > 0 ? l.busyNs / total : 0,
      bytes: l.bytes,
      items: l.items,
    })),
    calls: timing.calls.map((c) => ({
      startNs: c.startNs,
      endNs: c.endNs,
      firstFolioNs: c.firstFolioNs,
      folios: c.folios,
      bytes: c.bytes,
      throughputGBps: c.endNs > c.startNs ? c.bytes / (c.endNs - c.startNs) : 0,
    })),
    firstFolioNs: timing.calls[0]?.firstFolioNs ?? null,
  };
}

/** Every per-folio completion time (virtual ns), in order; `limit` caps how many are expanded. */
export function folioCompletionTimes(timing: RunTiming, limit = Infinity): Float64Array {
  let n = 0;
  for (const r of timing.completions) n += r.count;
  const out = new Float64Array(Math.min(n, limit));
  let i = 0;
  for (const r of timing.completions) {
    for (let j = 0; j < r.count && i < out.length; j++) out[i++] = r.start + j * r.step;
    if (i >= out.length) break;
  }
  return out;
}

/** The per-run timeline, as plain JSON (intervals per lane, virtual ns): what the app turns into a Chrome trace. */
export interface TimelineExport {
  format: 'pagemig-timeline';
  version: 1;
  unit: 'ns';
  totalNs: number;
  lanes: { name: string; kind: 'cpu' | 'dma' | 'thread'; intervals: { start: number; end: number; kind: IntervalKind; count: number }[] }[];
}

/** Exports the timeline of a run (copies; the run is not kept). */
export function exportTimeline(timing: RunTiming): TimelineExport {
  return {
    format: 'pagemig-timeline',
    version: 1,
    unit: 'ns',
    totalNs: timing.totalNs,
    lanes: timing.lanes.map((l) => ({ name: l.name, kind: l.kind, intervals: l.intervals.map((iv) => ({ ...iv })) })),
  };
}
