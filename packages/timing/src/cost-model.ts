/**
 * The cost model: turns an `EventLog` (the event structure of a functional run) into virtual
 * time on a CPU timeline (the migrating task) and one timeline per DMA channel and copy thread.
 *
 * CPU lane, in event order: each op adds its cost (per call, per folio by order and PTEs, per
 * TLB flush and IPI, per byte of a CPU copy, per batch, per descriptor submitted, per channel
 * set up, per issue, per multi-threaded dispatch). A batch copy that went to channels or threads
 * makes the CPU wait at `migrate_batch_copy_end` until the last lane finished its work plus the
 * completion (wake-up) latency.
 *
 * Channel and thread lanes: a lane executes its work items in order, each from the moment it was
 * issued (DMA) or dispatched (threads). An item costs a fixed part (per descriptor, plus per
 * 4 KiB page for descriptors that are not whole 2 MiB pages; per thread start) plus its bytes at
 * the lane's rate. The rate is the smallest of the lane's own bandwidth, its port's bandwidth
 * shared by the port's busy lanes, and the aggregate memory bandwidth shared by every busy lane;
 * threads beyond the emulated core count share cores. Rates change only when the set of busy
 * lanes changes, so the lanes are simulated piecewise (fluid model) and run-length encoded items
 * advance in bulk.
 *
 * Deterministic: no clock, no randomness, nothing from the order in which real workers finished.
 */
import { KernelError } from '@pagemig/kernel';
import { HPAGE_PMD_ORDER, HPAGE_PMD_SIZE, PAGE_SIZE } from '@pagemig/folio';
import {
  OP_BATCH_END,
  OP_BATCH_START,
  OP_CALL_END,
  OP_CALL_START,
  OP_DMA_ISSUE,
  OP_DMA_SUBMIT,
  OP_FOLIO_COPY,
  OP_MOVE,
  OP_MT_DISPATCH,
  OP_MT_SLICE,
  OP_TLB_FLUSH,
  OP_UNMAP,
  type EventLog,
} from './event-log';
import type { CallTiming, CompletionRun, IntervalKind, LaneTimeline, RunTiming, TimelineInterval } from './run-timing';
import { PARAM_NAMES, PARAM_SPECS, type TimingParams } from './timing-params';

/** Options of `CostModel.run()`. */
export interface RunOptions {
  /** Keep intervals and per-folio completions (default true; the fit turns them off). */
  detail?: boolean;
}

/** A run of `k` equal work items on a lane. */
interface Work {
  ready: number;
  k: number;
  fixed: number;
  bytes: number;
  /** Items done so far (fractional while one is in progress). */
  done: number;
}

const EPS = 1e-9;

/** One channel or thread during a run. */
class Lane {
  readonly queue: Work[] = [];
  head = 0;
  pending: Work[] = [];
  freeAt = 0;
  busyNs = 0;
  bytes = 0;
  items = 0;
  readonly intervals: TimelineInterval[] = [];
  /** The work item the last interval belongs to (to extend it). */
  lastWork: Work | null = null;

  constructor(
    readonly name: string,
    readonly kind: 'dma' | 'thread',
    readonly port: number,
  ) {}

  hasWork(): boolean {
    return this.head < this.queue.length;
  }

  startTime(): number {
    const w = this.queue[this.head]!;
    return w.ready > this.freeAt ? w.ready : this.freeAt;
  }
}

/** The cost model with one set of parameters. */
export class CostModel {
  /** The parameters (validated). */
  readonly params: Readonly<TimingParams>;

  /** Throws KernelError EINVAL naming a missing or out-of-range parameter. */
  constructor(params: TimingParams) {
    for (const name of PARAM_NAMES) {
      const v = params[name];
      const spec = PARAM_SPECS[name];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min || v > spec.max) {
        throw new KernelError('EINVAL', `cost model parameter ${name} = ${String(v)} is not accepted: give a number of ${spec.unit} from ${spec.min} to ${spec.max}`);
      }
    }
    this.params = Object.freeze({ ...params });
  }

  /** CPU cost of unmapping plus moving one folio of `order` (without warm-up). */
  folioCost(order: number): number {
    const p = this.params;
    let ns = p.folioNs;
    if (order >= HPAGE_PMD_ORDER) ns += p.thpNs;
    else if (order > 0) ns += (1 << order) * p.pteNs;
    return ns;
  }

  /** The cold-start extra of `k` folios of `order` starting at index `i0` of a call. */
  warmCost(i0: number, k: number, order: number): number {
    const { warmNs, warmFolios } = this.params;
    if (warmNs === 0) return 0;
    const mib = (PAGE_SIZE * 2 ** order) / 2 ** 20;
    const q = Math.exp(-1 / warmFolios);
    return (warmNs * mib * Math.exp(-i0 / warmFolios) * (1 - Math.pow(q, k))) / (1 - q);
  }

  /** Fixed channel time of one descriptor of `len` bytes. */
  descFixed(len: number): number {
    const p = this.params;
    const pages = len % HPAGE_PMD_SIZE === 0 ? 0 : Math.ceil(len / PAGE_SIZE);
    return p.descExecNs + pages * p.dmaPageNs;
  }

  /** Times a recorded run. */
  run(log: EventLog, options: RunOptions = {}): RunTiming {
    return new ModelRun(this, log, options.detail ?? true).result();
  }
}

/** One evaluation of a log (all the mutable state of a run). */
class ModelRun {
  private t = 0;
  private readonly p: Readonly<TimingParams>;
  private readonly cpuIntervals: TimelineInterval[] = [];
  private readonly cpuByKind: Partial<Record<IntervalKind, number>> = {};
  private readonly calls: CallTiming[] = [];
  private call: CallTiming | null = null;
  private folioInCall = 0;
  private readonly completions: CompletionRun[] = [];
  private readonly dmaLanes: Lane[] = [];
  private readonly threadLanes: Lane[] = [];
  private batchOpen = false;
  private batchLanes = false;
  private batchBytes = 0;
  private batchCount = 0;
  private batchDmaSetup = new Set<number>();
  private mtReady = 0;
  private readonly bytes = { moved: 0, cpuCopied: 0, dmaCopied: 0, threadCopied: 0 };
  private readonly batches = { offloaded: 0, cpu: 0 };
  private cpuItems = 0;

  constructor(
    private readonly model: CostModel,
    private readonly log: EventLog,
    private readonly detail: boolean,
  ) {
    this.p = model.params;
  }

  private cpu(kind: IntervalKind, ns: number, count: number): void {
    if (ns <= 0) return;
    const start = this.t;
    this.t += ns;
    this.cpuByKind[kind] = (this.cpuByKind[kind] ?? 0) + ns;
    if (!this.detail) return;
    const last = this.cpuIntervals[this.cpuIntervals.length - 1];
    if (last !== undefined && last.kind === kind && last.end === start) {
      last.end = this.t;
      last.count += count;
    } else {
      this.cpuIntervals.push({ start, end: this.t, kind, count });
    }
  }

  private dmaLane(i: number): Lane {
    let lane = this.dmaLanes[i];
    if (lane === undefined) {
      for (let j = this.dmaLanes.length; j <= i; j++) {
        this.dmaLanes[j] = new Lane(this.log.dmaLanes[j] ?? `dma${j}`, 'dma', Math.floor(j / this.p.dmaLanesPerPort));
      }
      lane = this.dmaLanes[i]!;
    }
    return lane;
  }

  private threadLane(i: number): Lane {
    let lane = this.threadLanes[i];
    if (lane === undefined) {
      for (let j = this.threadLanes.length; j <= i; j++) {
        this.threadLanes[j] = new Lane(`thread${j}`, 'thread', Math.floor(j / this.p.mtLanesPerPort));
      }
      lane = this.threadLanes[i]!;
    }
    return lane;
  }

  result(): RunTiming {
    const log = this.log;
    const p = this.p;
    const m = this.model;
    for (let i = 0; i < log.length; i++) {
      const op = log.op(i);
      const a = log.a(i);
      const b = log.b(i);
      const k = log.count(i);
      switch (op) {
        case OP_CALL_START:
          for (let j = 0; j < k; j++) {
            this.endCall();
            this.call = { startNs: this.t, endNs: this.t, firstFolioNs: null, folios: 0, bytes: 0, copyNs: 0 };
            this.folioInCall = 0;
            this.cpu('call', p.callNs, 1);
          }
          break;
        case OP_CALL_END:
          this.endCall();
          break;
        case OP_UNMAP:
          this.cpu('unmap', k * p.unmapShare * m.folioCost(a) + m.warmCost(this.folioInCall, k, a), k);
          this.folioInCall += k;
          break;
        case OP_TLB_FLUSH:
          this.cpu('tlb_flush', k * (p.tlbFlushNs + a * p.tlbIpiNs), k);
          break;
        case OP_BATCH_START:
          this.batchOpen = true;
          this.batchLanes = false;
          this.batchCount = a;
          this.batchBytes = b;
          this.batchDmaSetup.clear();
          this.cpu('batch', p.batchNs, 1);
          break;
        case OP_BATCH_END:
          this.endBatch(b);
          break;
        case OP_FOLIO_COPY: {
          const ns = (k * a) / p.cpuCopyGBps;
          this.cpu('copy', ns, k);
          this.bytes.cpuCopied += k * a;
          if (this.call !== null) this.call.copyNs += ns;
          break;
        }
        case OP_MOVE: {
          const c = log.c(i);
          if (c > 0) {
            // the CPU copy inside the move (a folded `migrate_folio_copy`), before the move itself
            const copyNs = c / p.cpuCopyGBps;
            this.bytes.cpuCopied += k * c;
            if (this.call !== null) this.call.copyNs += k * copyNs;
            this.moves(a, b, k, copyNs);
          } else {
            this.moves(a, b, k, 0);
          }
          break;
        }
        case OP_DMA_SUBMIT: {
          const lane = this.dmaLane(a);
          if (this.batchOpen && !this.batchDmaSetup.has(a)) {
            this.batchDmaSetup.add(a);
            this.cpu('dma_setup', p.dmaChanNs, 1);
          }
          this.cpu('dma_submit', k * p.descSubmitNs, k);
          lane.pending.push({ ready: 0, k, fixed: m.descFixed(b), bytes: b, done: 0 });
          if (this.batchOpen) this.batchLanes = true;
          break;
        }
        case OP_DMA_ISSUE: {
          const lane = this.dmaLane(a);
          for (let j = 0; j < k; j++) this.cpu('dma_issue', p.issueNs, 1);
          for (const w of lane.pending) {
            w.ready = this.t;
            lane.queue.push(w);
          }
          lane.pending = [];
          break;
        }
        case OP_MT_DISPATCH:
          this.cpu('mt_dispatch', k * p.mtDispatchNs, k);
          this.mtReady = this.t;
          if (this.batchOpen) this.batchLanes = true;
          break;
        case OP_MT_SLICE: {
          const lane = this.threadLane(a);
          for (let j = 0; j < k; j++) lane.queue.push({ ready: this.mtReady, k: 1, fixed: p.mtSliceNs, bytes: b, done: 0 });
          break;
        }
        default:
          break; // completions and provenance carry no cost of their own
      }
    }
    this.endCall();
    const lanesEnd = this.drain();
    const totalNs = Math.max(this.t, lanesEnd);
    const cpuBusy = Object.entries(this.cpuByKind).reduce((s, [kind, ns]) => (kind === 'wait' ? s : s + (ns ?? 0)), 0);
    const cpuLane: LaneTimeline = {
      name: 'cpu',
      kind: 'cpu',
      intervals: this.cpuIntervals,
      busyNs: cpuBusy,
      bytes: this.bytes.cpuCopied,
      items: this.cpuItems,
    };
    const lanes: LaneTimeline[] = [cpuLane];
    for (const lane of [...this.dmaLanes, ...this.threadLanes]) {
      lanes.push({ name: lane.name, kind: lane.kind, intervals: lane.intervals, busyNs: lane.busyNs, bytes: lane.bytes, items: lane.items });
    }
    return {
      totalNs,
      lanes,
      calls: this.calls,
      completions: this.completions,
      cpuByKind: this.cpuByKind,
      bytes: this.bytes,
      batches: this.batches,
    };
  }

  /** `k` moves of folios of `order` (b = moved), each after a CPU copy of `copyNs`. */
  private moves(order: number, ok: number, k: number, copyNs: number): void {
    const per = (1 - this.p.unmapShare) * this.model.folioCost(order);
    const start = this.t;
    const step = per + copyNs;
    if (copyNs > 0 && per > 0) {
      // alternating copy and move per folio: kept as two totals, one interval each
      this.cpu('copy', k * copyNs, k);
      this.cpu('move', k * per, k);
    } else {
      this.cpu(copyNs > 0 ? 'copy' : 'move', k * step, k);
    }
    if (ok !== 1) return;
    const folioBytes = PAGE_SIZE * 2 ** order;
    this.bytes.moved += k * folioBytes;
    this.cpuItems += k;
    if (this.call !== null) {
      if (this.call.folios === 0) this.call.firstFolioNs = start + step - this.call.startNs;
      this.call.folios += k;
      this.call.bytes += k * folioBytes;
    }
    if (this.detail) this.completions.push({ start: start + step, step, count: k });
  }

  private endCall(): void {
    const c = this.call;
    if (c === null) return;
    c.endNs = this.t;
    this.calls.push(c);
    this.call = null;
  }

  private endBatch(copied: number): void {
    if (!this.batchOpen) return;
    this.batchOpen = false;
    if (this.batchLanes) {
      const done = this.drain() + this.p.wakeNs;
      if (done > this.t) this.cpu('wait', done - this.t, 1);
      this.batches.offloaded++;
      return;
    }
    if (copied > 0 && this.batchCount > 0) {
      // the CPU default (`folios_mc_copy()`) copied the batch inside the dispatch
      const bytes = (this.batchBytes * copied) / this.batchCount;
      const ns = bytes / this.p.cpuCopyGBps;
      this.cpu('copy', ns, copied);
      this.bytes.cpuCopied += bytes;
      if (this.call !== null) this.call.copyNs += ns;
      this.batches.cpu++;
    }
  }

  /** Runs every lane's queued work to the end (fluid model); returns the last finish time. */
  private drain(): number {
    const p = this.p;
    const all = [...this.dmaLanes, ...this.threadLanes].filter((l) => l.hasWork());
    let end = 0;
    if (all.length === 0) return end;
    let t = Infinity;
    for (const lane of all) t = Math.min(t, lane.startTime());
    const portBusy = new Map<number, number>();
    for (;;) {
      const busy: Lane[] = [];
      let nextStart = Infinity;
      for (const lane of all) {
        if (!lane.hasWork()) continue;
        const s = lane.startTime();
        if (s <= t + EPS) busy.push(lane);
        else if (s < nextStart) nextStart = s;
      }
      if (busy.length === 0) {
        if (nextStart === Infinity) break;
        t = nextStart;
        continue;
      }
      portBusy.clear();
      let threads = 0;
      for (const lane of busy) {
        const key = lane.kind === 'dma' ? lane.port * 2 : lane.port * 2 + 1;
        portBusy.set(key, (portBusy.get(key) ?? 0) + 1);
        if (lane.kind === 'thread') threads++;
      }
      const memShare = p.memGBps / busy.length;
      const coreShare = threads > p.cores ? p.cores / threads : 1;
      let dt = nextStart - t;
      const durs = new Float64Array(busy.length);
      for (let i = 0; i < busy.length; i++) {
        const lane = busy[i]!;
        const dma = lane.kind === 'dma';
        const key = dma ? lane.port * 2 : lane.port * 2 + 1;
        const own = dma ? p.chanGBps : p.mtThreadGBps;
        const port = (dma ? p.dmaPortGBps : p.mtPortGBps) / portBusy.get(key)!;
        const rate = Math.min(own, port, memShare);
        const w = lane.queue[lane.head]!;
        const dur = (w.fixed + w.bytes / rate) / (dma ? 1 : coreShare);
        durs[i] = dur;
        const remaining = (w.k - w.done) * dur;
        if (remaining < dt) dt = remaining;
      }
      for (let i = 0; i < busy.length; i++) {
        const lane = busy[i]!;
        const w = lane.queue[lane.head]!;
        const dur = durs[i]!;
        const remaining = (w.k - w.done) * dur;
        const finished = remaining <= dt * (1 + 1e-12) + EPS;
        const before = Math.floor(w.done + 1e-9);
        const stepNs = finished ? remaining : dt;
        w.done = finished ? w.k : w.done + (dur > 0 ? dt / dur : w.k);
        const items = Math.floor(w.done + 1e-9) - before;
        lane.busyNs += stepNs;
        lane.bytes += items * w.bytes;
        lane.items += items;
        if (this.detail && stepNs > 0) {
          const last = lane.intervals[lane.intervals.length - 1];
          if (last !== undefined && lane.lastWork === w && Math.abs(last.end - t) <= EPS) {
            last.end = t + stepNs;
            last.count += items;
          } else {
            lane.intervals.push({ start: t, end: t + stepNs, kind: lane.kind === 'dma' ? 'desc' : 'slice', count: items });
          }
          lane.lastWork = w;
        }
        lane.freeAt = t + stepNs;
        if (finished) {
          lane.head++;
          if (lane.freeAt > end) end = lane.freeAt;
        }
      }
      t += dt;
    }
    this.bytes.dmaCopied = this.dmaLanes.reduce((s, l) => s + l.bytes, 0);
    this.bytes.threadCopied = this.threadLanes.reduce((s, l) => s + l.bytes, 0);
    return end;
  }
}
