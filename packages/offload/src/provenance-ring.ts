/**
 * Per-batch provenance: which backend copied each batch, what it returned, how many folios it
 * left to the per-folio CPU fallback, and the time charged to it. The `migrate_offload_batch`
 * tracepoint carries the short form; a bounded ring keeps the full records of the latest batches
 * for views (oldest are overwritten, nothing grows without bound).
 */
import { KernelError } from '@pagemig/kernel';
import type { MigrateReason } from '@pagemig/folio';
import type { OffloadHint } from '@pagemig/migrate';

/** What happened to a batch at the seam. */
export type OffloadOutcome = 'copied' | 'declined' | 'error' | 'key_off' | 'reason_filtered' | 'hint_never';

/** Every outcome, in the order views print them. */
export const OFFLOAD_OUTCOMES: readonly OffloadOutcome[] = ['copied', 'declined', 'error', 'key_off', 'reason_filtered', 'hint_never'];

/** Payload of the `migrate_offload_batch` tracepoint. */
export interface OffloadBatchEvent {
  batchId: number;
  /** Migrator name, or `cpu` for the CPU default. */
  migrator: string;
  outcome: OffloadOutcome;
  rc: number;
}

/** The full record of one batch. */
export interface ProvenanceRecord {
  batchId: number;
  /** Migrator name, or `cpu` for the CPU default. */
  migrator: string;
  /** `null` while the batch is still inside the backend. */
  outcome: OffloadOutcome | null;
  rc: number;
  reason: MigrateReason;
  memcg: number;
  hint: OffloadHint;
  /** Folio pairs in the batch. */
  count: number;
  bytes: number;
  /** Folios the backend copied (all when rc is 0; the marked ones with V6 on failure). */
  copiedFolios: number;
  /** Folios left to the per-folio CPU copy of the move phase. */
  fallbackFolios: number;
  /** Device time charged to the batch (`chargeTime(ctx, ns, 'device')`). */
  deviceNs: number;
  /** CPU time: measured for the CPU default, charged by the migrator (`'cpu'`) otherwise. */
  cpuNs: number;
}

/** A fixed-size ring of the latest provenance records. */
export class ProvenanceRing {
  /** How many records the ring keeps. */
  readonly capacity: number;
  private readonly slots: (ProvenanceRecord | undefined)[];
  private next = 0;
  private filled = 0;

  /** Creates a ring of `capacity` (1..65536) records. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 65536) {
      throw new KernelError('EINVAL', `provenance capacity ${String(capacity)} is not accepted: give an integer from 1 to 65536`);
    }
    this.capacity = capacity;
    this.slots = new Array<ProvenanceRecord | undefined>(capacity);
  }

  /** Records held now (at most `capacity`). */
  get size(): number {
    return this.filled;
  }

  /** Appends a record, overwriting the oldest when full. */
  push(record: ProvenanceRecord): void {
    this.slots[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  /** The record of `batchId` still in the ring (searched newest first), or `undefined`. */
  find(batchId: number): ProvenanceRecord | undefined {
    for (let i = 1; i <= this.filled; i++) {
      const rec = this.slots[(this.next - i + this.capacity) % this.capacity];
      if (rec !== undefined && rec.batchId === batchId) return rec;
    }
    return undefined;
  }

  /** Copies of the records, oldest first. */
  toArray(): ProvenanceRecord[] {
    const out: ProvenanceRecord[] = [];
    for (let i = this.filled; i >= 1; i--) {
      const rec = this.slots[(this.next - i + this.capacity) % this.capacity];
      if (rec !== undefined) out.push({ ...rec });
    }
    return out;
  }

  /** Drops every record. */
  clear(): void {
    this.slots.fill(undefined);
    this.next = 0;
    this.filled = 0;
  }
}
