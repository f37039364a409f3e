/**
 * The event structure of a run, as the cost model reads it: one op per tracepoint event that
 * costs time, run-length encoded (consecutive equal ops become one op with a repeat count), in
 * typed arrays. A million-folio migration of one folio size becomes a handful of ops, so a
 * recorded run can be re-timed with other parameters in microseconds (the calibration fit does
 * exactly that) and stored as JSON.
 *
 * Nothing here reads a clock: the log is a function of the event sequence only.
 */
import { KernelError } from '@pagemig/kernel';

/** `mm_migrate_pages_start`: a = mode, b = reason. */
export const OP_CALL_START = 1;
/** `mm_migrate_pages`: a = base pages succeeded, b = failed. */
export const OP_CALL_END = 2;
/** `migrate_folio_unmap`: a = order, b = 1 when unmapped (rc 0). */
export const OP_UNMAP = 3;
/** `mm_tlb_flush`: a = IPIs (cpus), b = 1 when batched. */
export const OP_TLB_FLUSH = 4;
/** `migrate_batch_copy_start`: a = folios, b = bytes. */
export const OP_BATCH_START = 5;
/** `migrate_batch_copy_end`: a = rc, b = pairs copied. */
export const OP_BATCH_END = 6;
/** `migrate_folio_copy`: a = bytes, b = 1 when it is a fallback of a batch. */
export const OP_FOLIO_COPY = 7;
/** `migrate_folio_move`: a = order, b = 1 when moved (rc 0), c = bytes the CPU copied for it just before (a folded `migrate_folio_copy`). */
export const OP_MOVE = 8;
/** `dma_desc_submit`: a = DMA lane, b = length. */
export const OP_DMA_SUBMIT = 9;
/** `dma_issue_pending`: a = DMA lane, b = descriptors started. */
export const OP_DMA_ISSUE = 10;
/** `dma_desc_complete`: a = DMA lane, b = length, c = 1 when it completed without error. */
export const OP_DMA_COMPLETE = 11;
/** `mtcopy_dispatch`: a = threads, b = bytes. */
export const OP_MT_DISPATCH = 12;
/** `mtcopy_slice`: a = thread, b = bytes. */
export const OP_MT_SLICE = 13;
/** `migrate_offload_batch`: a = migrator index (see `migrators`), b = 1 when copied. */
export const OP_OFFLOAD = 14;

/** Op names for messages and dumps. */
export const OP_NAMES: Readonly<Record<number, string>> = {
  [OP_CALL_START]: 'call_start',
  [OP_CALL_END]: 'call_end',
  [OP_UNMAP]: 'unmap',
  [OP_TLB_FLUSH]: 'tlb_flush',
  [OP_BATCH_START]: 'batch_start',
  [OP_BATCH_END]: 'batch_end',
  [OP_FOLIO_COPY]: 'folio_copy',
  [OP_MOVE]: 'move',
  [OP_DMA_SUBMIT]: 'dma_submit',
  [OP_DMA_ISSUE]: 'dma_issue',
  [OP_DMA_COMPLETE]: 'dma_complete',
  [OP_MT_DISPATCH]: 'mt_dispatch',
  [OP_MT_SLICE]: 'mt_slice',
  [OP_OFFLOAD]: 'offload',
};

/** Ops that merge with an equal predecessor (the others are kept one by one). */
const MERGEABLE = new Set([OP_UNMAP, OP_TLB_FLUSH, OP_FOLIO_COPY, OP_MOVE, OP_DMA_SUBMIT, OP_DMA_COMPLETE]);

/** The JSON form of a log (`EventLog.toJSON()` / `EventLog.fromJSON()`). */
export interface EventLogJson {
  readonly format: 'pagemig-event-log';
  readonly version: 1;
  /** DMA lane names (channel names) in first-use order. */
  readonly dmaLanes: readonly string[];
  /** Migrator names seen in `migrate_offload_batch`. */
  readonly migrators: readonly string[];
  /**
   * `[op, a, b, c, count]` per op; `[0, L, T]` repeats the previous L entries T more times (the
   * periodic chunks of a long run, e.g. 512 vanilla batches of unmap, flush, move, stay short).
   */
  readonly ops: readonly (readonly number[])[];
}

type Row = [number, number, number, number, number];

const sameRow = (x: Row, y: Row): boolean => x[0] === y[0] && x[1] === y[1] && x[2] === y[2] && x[3] === y[3] && x[4] === y[4];

/** Greedy periodic compression of rows (blocks of up to 8 rows repeated at least twice). */
function compressRows(rows: Row[]): number[][] {
  const out: number[][] = [];
  let i = 0;
  while (i < rows.length) {
    let bestL = 0;
    let bestT = 0;
    for (let L = 1; L <= 8 && i + 2 * L <= rows.length; L++) {
      let t = 0;
      while (i + (t + 2) * L <= rows.length) {
        let eq = true;
        for (let j = 0; j < L && eq; j++) eq = sameRow(rows[i + j]!, rows[i + (t + 1) * L + j]!);
        if (!eq) break;
        t++;
      }
      if (t > 0 && t * L > bestT * bestL) {
        bestL = L;
        bestT = t;
      }
    }
    if (bestL === 0) {
      out.push(rows[i]!);
      i++;
      continue;
    }
    for (let j = 0; j < bestL; j++) out.push(rows[i + j]!);
    out.push([0, bestL, bestT]);
    i += bestL * (bestT + 1);
  }
  return out;
}

/** A run-length encoded op log. */
export class EventLog {
  private opArr = new Uint8Array(64);
  private aArr = new Float64Array(64);
  private bArr = new Float64Array(64);
  private cArr = new Float64Array(64);
  private nArr = new Float64Array(64);
  private len = 0;
  /** DMA lane names in first-use order (index = lane). */
  readonly dmaLanes: string[] = [];
  /** Migrator names (index = `a` of OP_OFFLOAD). */
  readonly migrators: string[] = [];
  private readonly laneIndex = new Map<string, number>();
  private readonly migratorIndex = new Map<string, number>();

  /** Number of ops (after run-length encoding). */
  get length(): number {
    return this.len;
  }

  /** Events represented (sum of repeat counts). */
  get events(): number {
    let n = 0;
    for (let i = 0; i < this.len; i++) n += this.nArr[i]!;
    return n;
  }

  /** Op code of op `i`. */
  op(i: number): number {
    return this.opArr[i]!;
  }
  /** First argument of op `i`. */
  a(i: number): number {
    return this.aArr[i]!;
  }
  /** Second argument of op `i`. */
  b(i: number): number {
    return this.bArr[i]!;
  }
  /** Third argument of op `i`. */
  c(i: number): number {
    return this.cArr[i]!;
  }
  /** Repeat count of op `i`. */
  count(i: number): number {
    return this.nArr[i]!;
  }

  /** The lane index of a DMA channel name (assigned on first use). */
  dmaLane(chan: string): number {
    let lane = this.laneIndex.get(chan);
    if (lane === undefined) {
      lane = this.dmaLanes.length;
      this.dmaLanes.push(chan);
      this.laneIndex.set(chan, lane);
    }
    return lane;
  }

  /** The index of a migrator name (assigned on first use). */
  migrator(name: string): number {
    let i = this.migratorIndex.get(name);
    if (i === undefined) {
      i = this.migrators.length;
      this.migrators.push(name);
      this.migratorIndex.set(name, i);
    }
    return i;
  }

  /** Appends `count` repetitions of an op, merging with the previous op when equal and mergeable. */
  push(op: number, a: number, b: number, c = 0, count = 1): void {
    const last = this.len - 1;
    if (
      last >= 0 &&
      this.opArr[last] === op &&
      this.aArr[last] === a &&
      this.bArr[last] === b &&
      this.cArr[last] === c &&
      MERGEABLE.has(op)
    ) {
      this.nArr[last]! += count;
      return;
    }
    if (this.len === this.opArr.length) this.grow();
    const i = this.len++;
    this.opArr[i] = op;
    this.aArr[i] = a;
    this.bArr[i] = b;
    this.cArr[i] = c;
    this.nArr[i] = count;
  }

  private grow(): void {
    const n = this.opArr.length * 2;
    const op = new Uint8Array(n);
    op.set(this.opArr);
    this.opArr = op;
    for (const key of ['aArr', 'bArr', 'cArr', 'nArr'] as const) {
      const next = new Float64Array(n);
      next.set(this[key]);
      this[key] = next;
    }
  }

  /**
   * Appends a move; a `migrate_folio_copy` recorded just before it (the copy inside the move) is
   * folded into it (`c` = its bytes), so the per-folio copy-move alternation of the CPU path
   * stays run-length encodable.
   */
  pushMove(order: number, ok: number): void {
    const last = this.len - 1;
    if (last >= 0 && this.opArr[last] === OP_FOLIO_COPY) {
      const bytes = this.aArr[last]!;
      if (this.nArr[last] === 1) this.len--;
      else this.nArr[last]! -= 1;
      this.push(OP_MOVE, order, ok, bytes);
      return;
    }
    this.push(OP_MOVE, order, ok, 0);
  }

  /** Empties the log (lane and migrator names stay, so lanes keep their indexes). */
  clear(): void {
    this.len = 0;
  }

  /** The JSON form (for recorded calibration cells). */
  toJSON(): EventLogJson {
    const rows: Row[] = [];
    for (let i = 0; i < this.len; i++) rows.push([this.opArr[i]!, this.aArr[i]!, this.bArr[i]!, this.cArr[i]!, this.nArr[i]!]);
    return { format: 'pagemig-event-log', version: 1, dmaLanes: [...this.dmaLanes], migrators: [...this.migrators], ops: compressRows(rows) };
  }

  /** Rebuilds a log from its JSON form; throws EINVAL naming what is wrong. */
  static fromJSON(json: unknown): EventLog {
    const j = json as Partial<EventLogJson> | null;
    if (j === null || typeof j !== 'object' || j.format !== 'pagemig-event-log' || j.version !== 1 || !Array.isArray(j.ops)) {
      throw new KernelError('EINVAL', 'event log JSON is not accepted: expected { format: "pagemig-event-log", version: 1, dmaLanes, migrators, ops }');
    }
    const log = new EventLog();
    for (const name of j.dmaLanes ?? []) log.dmaLane(String(name));
    for (const name of j.migrators ?? []) log.migrator(String(name));
    const rows: number[][] = [];
    j.ops.forEach((row, i) => {
      const nums = Array.isArray(row) && row.every((v) => typeof v === 'number' && Number.isFinite(v));
      if (nums && row.length === 3 && row[0] === 0 && Number.isInteger(row[1]) && row[1]! >= 1 && row[1]! <= rows.length && Number.isInteger(row[2]) && row[2]! >= 1) {
        const block = rows.slice(rows.length - row[1]!);
        for (let t = 0; t < row[2]!; t++) rows.push(...block);
        return;
      }
      if (!nums || row.length !== 5 || OP_NAMES[row[0]!] === undefined || row[4]! < 1) {
        throw new KernelError('EINVAL', `event log op ${i} ${JSON.stringify(row)} is not accepted: give [op 1..14, a, b, c, count >= 1] or [0, block length, repeats]`);
      }
      rows.push(row);
    });
    for (const r of rows) log.push(r[0]!, r[1]!, r[2]!, r[3]!, r[4]!);
    return log;
  }

  /** A readable dump, one op per line (`unmap a=0 b=1 x262144`), for debugging and docs. */
  dump(): string {
    const lines: string[] = [];
    for (let i = 0; i < this.len; i++) {
      lines.push(`${OP_NAMES[this.opArr[i]!]} a=${this.aArr[i]} b=${this.bArr[i]}${this.cArr[i] !== 0 ? ` c=${this.cArr[i]}` : ''} x${this.nArr[i]}`);
    }
    return lines.join('\n');
  }
}
