/**
 * What the cost model computes for one recorded run: the virtual-time timeline of the CPU (the
 * migrating task) and of every DMA channel and copy thread, as intervals per lane, plus the
 * per-call and per-folio times that reports are built from. All times are virtual nanoseconds
 * from the start of the log.
 */

/** What a lane was doing during an interval. */
export type IntervalKind =
  | 'call'
  | 'unmap'
  | 'tlb_flush'
  | 'batch'
  | 'copy'
  | 'move'
  | 'dma_setup'
  | 'dma_submit'
  | 'dma_issue'
  | 'mt_dispatch'
  | 'wait'
  | 'desc'
  | 'slice';

/** Kinds that count as CPU busy time (everything on the CPU lane but `wait`). */
export const CPU_BUSY_KINDS: readonly IntervalKind[] = [
  'call',
  'unmap',
  'tlb_flush',
  'batch',
  'copy',
  'move',
  'dma_setup',
  'dma_submit',
  'dma_issue',
  'mt_dispatch',
];

/** One interval of a lane: `count` equal items back to back from `start` to `end`. */
export interface TimelineInterval {
  start: number;
  end: number;
  kind: IntervalKind;
  /** Items in it (folios, descriptors, slices). */
  count: number;
}

/** One timeline: the CPU, a DMA channel or a copy thread. */
export interface LaneTimeline {
  /** `cpu`, the channel name (`dma0chan3`) or `thread<N>`. */
  name: string;
  kind: 'cpu' | 'dma' | 'thread';
  intervals: TimelineInterval[];
  /** Time doing work (for the CPU: everything but waiting). */
  busyNs: number;
  /** Bytes it copied. */
  bytes: number;
  /** Items it executed (descriptors, slices; folios moved for the CPU). */
  items: number;
}

/** Equally spaced per-folio completion times: `count` folios at `start`, `start + step`, ... */
export interface CompletionRun {
  start: number;
  step: number;
  count: number;
}

/** One `migrate_pages()` call (one `move_pages()` run). */
export interface CallTiming {
  startNs: number;
  endNs: number;
  /** Virtual time from the call's start to its first folio moved, or null when none moved. */
  firstFolioNs: number | null;
  /** Folios moved (move rc 0) and their bytes. */
  folios: number;
  bytes: number;
  /** Time of the call spent in CPU folio copies (`migrate_folio_copy` and CPU batch copies). */
  copyNs: number;
}

/** The timing of a run. */
export interface RunTiming {
  /** End of the CPU timeline. */
  totalNs: number;
  /** Lanes: the CPU first, then DMA lanes in first-use order, then threads by index. */
  lanes: LaneTimeline[];
  calls: CallTiming[];
  /** Per-folio completion times (each `migrate_folio_move` with rc 0), in order. */
  completions: CompletionRun[];
  /** CPU time by interval kind. */
  cpuByKind: Partial<Record<IntervalKind, number>>;
  /** Bytes of folios moved, bytes the CPU copied, bytes DMA channels and copy threads copied. */
  bytes: { moved: number; cpuCopied: number; dmaCopied: number; threadCopied: number };
  /** Batches copied on channels or threads, and batches the CPU copied. */
  batches: { offloaded: number; cpu: number };
}
