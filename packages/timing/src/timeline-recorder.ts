/**
 * The recorder of a modelled run: subscribes to every tracepoint of a system's `TraceRegistry`
 * (present and future, so tracepoints that drivers define later are seen too) and appends the
 * events that cost time to an `EventLog`. The functional run is unchanged: copies still happen
 * for real; only time comes from the cost model, which reads the log afterwards.
 *
 * What the recorder keeps of each event is its structure (order, lengths, lanes, counts), never
 * a time: given the same event structure, the model gives the same numbers, whatever the wall
 * clock or the order in which worker threads finished.
 */
import type { TraceRegistry } from '@pagemig/kernel';
import type { CostModel } from './cost-model';
import {
  EventLog,
  OP_BATCH_END,
  OP_BATCH_START,
  OP_CALL_END,
  OP_CALL_START,
  OP_DMA_COMPLETE,
  OP_DMA_ISSUE,
  OP_DMA_SUBMIT,
  OP_FOLIO_COPY,
  OP_MT_DISPATCH,
  OP_MT_SLICE,
  OP_OFFLOAD,
  OP_TLB_FLUSH,
  OP_UNMAP,
} from './event-log';
import type { RunTiming } from './run-timing';

/** Loose payload shape: every field the recorder reads, all optional. */
interface AnyPayload {
  mode?: number;
  reason?: number;
  succeeded?: number;
  failed?: number;
  order?: number;
  rc?: number;
  batched?: boolean;
  cpus?: number;
  count?: number;
  bytes?: number;
  copied?: number;
  fallback?: boolean;
  chan?: string;
  len?: number;
  result?: number;
  residue?: number;
  threads?: number;
  thread?: number;
  migrator?: string;
  outcome?: string;
}

const num = (v: number | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Turns one event into ops of `log` (unknown events are ignored). Exported for tests of the mapping. */
export function recordEvent(log: EventLog, name: string, payload: unknown): void {
  const p = (payload ?? {}) as AnyPayload;
  switch (name) {
    case 'mm_migrate_pages_start':
      log.push(OP_CALL_START, num(p.mode), num(p.reason));
      break;
    case 'mm_migrate_pages':
      log.push(OP_CALL_END, num(p.succeeded), num(p.failed));
      break;
    case 'migrate_folio_unmap':
      log.push(OP_UNMAP, num(p.order), p.rc === 0 ? 1 : 0);
      break;
    case 'mm_tlb_flush':
      log.push(OP_TLB_FLUSH, num(p.cpus), p.batched === true ? 1 : 0);
      break;
    case 'migrate_batch_copy_start':
      log.push(OP_BATCH_START, num(p.count), num(p.bytes));
      break;
    case 'migrate_batch_copy_end':
      log.push(OP_BATCH_END, num(p.rc), num(p.copied));
      break;
    case 'migrate_folio_copy':
      log.push(OP_FOLIO_COPY, num(p.bytes), p.fallback === true ? 1 : 0);
      break;
    case 'migrate_folio_move':
      log.pushMove(num(p.order), p.rc === 0 ? 1 : 0);
      break;
    case 'dma_desc_submit':
      log.push(OP_DMA_SUBMIT, log.dmaLane(String(p.chan)), num(p.len));
      break;
    case 'dma_issue_pending':
      log.push(OP_DMA_ISSUE, log.dmaLane(String(p.chan)), num(p.count));
      break;
    case 'dma_desc_complete':
      log.push(OP_DMA_COMPLETE, log.dmaLane(String(p.chan)), num(p.len), p.result === 0 && num(p.residue) === 0 ? 1 : 0);
      break;
    case 'mtcopy_dispatch':
      log.push(OP_MT_DISPATCH, num(p.threads), num(p.bytes));
      break;
    case 'mtcopy_slice':
      log.push(OP_MT_SLICE, num(p.thread), num(p.bytes));
      break;
    case 'migrate_offload_batch':
      log.push(OP_OFFLOAD, log.migrator(String(p.migrator)), p.outcome === 'copied' ? 1 : 0);
      break;
    default:
      break;
  }
}

/** Records the time-relevant events of one system into an `EventLog`. */
export class TimelineRecorder {
  /** The recorded structure. */
  readonly log: EventLog;
  private off: (() => void) | null;

  /** Starts recording every tracepoint of `trace` (a system's `sys.trace`). */
  constructor(trace: TraceRegistry, log: EventLog = new EventLog()) {
    this.log = log;
    this.off = trace.subscribeAll((name, payload) => recordEvent(this.log, name, payload));
  }

  /** True until `stop()`. */
  get recording(): boolean {
    return this.off !== null;
  }

  /** Stops recording (idempotent); the log stays readable. */
  stop(): void {
    this.off?.();
    this.off = null;
  }

  /** Empties the log, e.g. after a warm-up run, keeping lane names. */
  reset(): void {
    this.log.clear();
  }

  /** Times what was recorded so far with `model`. */
  timing(model: CostModel): RunTiming {
    return model.run(this.log);
  }
}

/** Starts a recorder on a system's tracepoints (`createTimelineRecorder(sys.trace)`). */
export function createTimelineRecorder(trace: TraceRegistry): TimelineRecorder {
  return new TimelineRecorder(trace);
}
