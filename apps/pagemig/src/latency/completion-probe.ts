/**
 * Per-folio completion times of a move, from the system's tracepoints: a folio is complete
 * when its `migrate_folio_move` fires with rc 0 (its new mapping is in place). For each
 * `move_pages` call the probe keeps the call's start, its first completion, and the work
 * done before that first completion: folios unmapped (`migrate_folio_unmap` rc 0) and bytes
 * copied (a batch copy that finished, `migrate_batch_copy_end`, or a per-folio CPU copy,
 * `migrate_folio_copy`). Those two counts do not depend on the clock, so they order runs by
 * batch size deterministically. Preallocated typed arrays; nothing is allocated per folio.
 */
import type { Tracepoint } from '@pagemig/kernel';
import type { System } from '@pagemig/mm';
import type { BatchCopyEndEvent, BatchCopyStartEvent, FolioCopyEvent, MigrateFolioEvent } from '@pagemig/migrate';
import type { LatencyClock } from './latency-clock';

/** What one move measured, per call and overall (times in ns of the probe's clock). */
export interface CompletionSummary {
  calls: number;
  completed: number;
  /** Median over calls of (first completion − call start). */
  firstNs: number;
  /** Mean over folios of (completion − start of its call). */
  meanNs: number;
  /** Start of the first call to the last completion. */
  totalNs: number;
  /** Folios unmapped in the first call before its first completion (the first batch). */
  unmappedBeforeFirst: number;
  /** Bytes copied in the first call before its first completion. */
  copiedBeforeFirst: number;
}

const median = (xs: Float64Array) => {
  const s = Array.from(xs).sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Records completion times on one system until `close()`. */
export class CompletionProbe {
  private readonly clock: LatencyClock;
  private readonly offs: (() => void)[] = [];
  private callStart = new Float64Array(0);
  private callFirst = new Float64Array(0);
  private call = -1;
  private unmapped = 0;
  private copied = 0;
  private batchBytes = 0;
  private batchCount = 0;
  private completed = 0;
  private sumLatency = 0;
  private last = 0;
  private unmappedFirstCall = 0;
  private copiedFirstCall = 0;

  /** Subscribes to the migrate tracepoints of `sys`, reading `clock` at each event. */
  constructor(sys: System, clock: LatencyClock) {
    this.clock = clock;
    const tp = <T>(name: string) => {
      const point = sys.trace.get(name) as Tracepoint<T> | undefined;
      if (point === undefined) throw new Error(`tracepoint ${name} is not defined on this system (create the migrate engine first)`);
      return point;
    };
    this.offs.push(
      tp<MigrateFolioEvent>('migrate_folio_unmap').subscribe((e) => {
        if (e.rc === 0 && this.beforeFirst()) this.unmapped++;
      }),
      tp<BatchCopyStartEvent>('migrate_batch_copy_start').subscribe((e) => {
        this.batchBytes = e.bytes;
        this.batchCount = e.count;
      }),
      tp<BatchCopyEndEvent>('migrate_batch_copy_end').subscribe((e) => {
        if (!this.beforeFirst()) return;
        if (e.rc === 0) this.copied += this.batchBytes;
        else if (this.batchCount > 0) this.copied += Math.round((this.batchBytes * e.copied) / this.batchCount);
      }),
      tp<FolioCopyEvent>('migrate_folio_copy').subscribe((e) => {
        if (this.beforeFirst()) this.copied += e.bytes;
      }),
      tp<MigrateFolioEvent>('migrate_folio_move').subscribe((e) => {
        if (e.rc === 0) this.complete();
      }),
    );
  }

  private beforeFirst(): boolean {
    return this.call >= 0 && Number.isNaN(this.callFirst[this.call]!);
  }

  private complete(): void {
    if (this.call < 0) return;
    const t = this.clock.now();
    if (Number.isNaN(this.callFirst[this.call]!)) {
      this.callFirst[this.call] = t;
      if (this.call === 0) {
        this.unmappedFirstCall = this.unmapped;
        this.copiedFirstCall = this.copied;
      }
    }
    this.sumLatency += t - this.callStart[this.call]!;
    this.completed++;
    this.last = t;
  }

  /** Starts a move of `calls` calls. */
  begin(calls: number): void {
    this.callStart = new Float64Array(calls);
    this.callFirst = new Float64Array(calls).fill(Number.NaN);
    this.call = -1;
    this.completed = 0;
    this.sumLatency = 0;
    this.last = 0;
    this.unmappedFirstCall = 0;
    this.copiedFirstCall = 0;
  }

  /** Stamps the start of the next call (give it to `moveRegion` as `onCall`). */
  readonly onCall = (): void => {
    this.call++;
    this.unmapped = 0;
    this.copied = 0;
    this.callStart[this.call] = this.clock.now();
  };

  /** Ends the move started by `begin()` (later events are ignored) and returns its summary. */
  end(): CompletionSummary {
    const calls = this.call + 1;
    const firsts = new Float64Array(calls);
    let n = 0;
    for (let i = 0; i < calls; i++) if (!Number.isNaN(this.callFirst[i]!)) firsts[n++] = this.callFirst[i]! - this.callStart[i]!;
    this.call = -1;
    return {
      calls,
      completed: this.completed,
      firstNs: median(firsts.subarray(0, n)),
      meanNs: this.completed > 0 ? this.sumLatency / this.completed : Number.NaN,
      totalNs: this.completed > 0 ? this.last - this.callStart[0]! : Number.NaN,
      unmappedBeforeFirst: this.unmappedFirstCall,
      copiedBeforeFirst: this.copiedFirstCall,
    };
  }

  /** Unsubscribes from every tracepoint. */
  close(): void {
    for (const off of this.offs.splice(0)) off();
  }
}
