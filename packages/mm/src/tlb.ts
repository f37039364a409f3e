/**
 * Per-CPU TLBs: small direct-mapped caches of (mm, virtual page) → frame, filled by page-table
 * walks and emptied by flushes. Migration depends on them: until the flush, a CPU may still
 * write through a stale entry into the old frame, so the copy must come after the flush
 * (mirrors the contract of `try_to_unmap_flush()` and `arch_tlbbatch_flush()`).
 *
 * Counters follow the kernel's vm events: local flushes, remote flushes sent (IPIs) and received.
 */
import type { Tracepoint } from '@pagemig/kernel';

/** Entries per CPU (direct mapped by virtual page number). */
export const TLB_ENTRIES = 64;

/** Payload of the `mm_tlb_flush` tracepoint. */
export interface TlbFlushEvent {
  /** True for the deferred flush of a migration/reclaim batch. */
  batched: boolean;
  /** CPUs interrupted (IPIs). */
  cpus: number;
  /** Pages covered (0 = everything). */
  pages: number;
}

/** Flush statistics. */
export interface TlbStats {
  flushes: number;
  batchedFlushes: number;
  ipis: number;
  entriesDropped: number;
}

/** Where flushes are counted (`nr_tlb_remote_flush`, `nr_tlb_remote_flush_received` vm events). */
export type TlbEventCounter = (name: 'nr_tlb_remote_flush' | 'nr_tlb_remote_flush_received', n: number) => void;

/** One cached translation, as `Tlb.entries()` lists them. */
export interface TlbEntry {
  cpu: number;
  mmId: number;
  vpn: number;
  pfn: number;
  /** The entry allows writes (it was filled by a write through a writable, dirty PTE). */
  writable: boolean;
}

/** The TLBs of every CPU. */
export class Tlb {
  readonly nrCpus: number;
  private readonly tagMm: Int32Array;
  private readonly tagVpn: Float64Array;
  private readonly framePfn: Int32Array;
  private readonly writable: Uint8Array;
  /** CPUs with a deferred flush pending (mirrors `tlbflush_unmap_batch.cpumask`). */
  private pendingCpus = 0;
  private pendingPages = 0;
  readonly stats: TlbStats = { flushes: 0, batchedFlushes: 0, ipis: 0, entriesDropped: 0 };
  private readonly tp: Tracepoint<TlbFlushEvent> | undefined;
  private readonly countEvent: TlbEventCounter | undefined;

  constructor(nrCpus: number, tp?: Tracepoint<TlbFlushEvent>, countEvent?: TlbEventCounter) {
    if (!Number.isInteger(nrCpus) || nrCpus < 1 || nrCpus > 32) {
      throw new RangeError(`nrCpus ${nrCpus} is not accepted: give 1 to 32`);
    }
    this.nrCpus = nrCpus;
    const n = nrCpus * TLB_ENTRIES;
    this.tagMm = new Int32Array(n).fill(-1);
    this.tagVpn = new Float64Array(n);
    this.framePfn = new Int32Array(n);
    this.writable = new Uint8Array(n);
    this.tp = tp;
    this.countEvent = countEvent;
  }

  private counted(cpus: number): void {
    if (this.countEvent === undefined || cpus === 0) return;
    this.countEvent('nr_tlb_remote_flush', 1);
    this.countEvent('nr_tlb_remote_flush_received', cpus);
  }

  /** The cached frame for (mm, vpn) on `cpu`, or -1; `forWrite` needs a writable entry. */
  lookup(cpu: number, mmId: number, vpn: number, forWrite: boolean): number {
    const slot = cpu * TLB_ENTRIES + (vpn % TLB_ENTRIES);
    if (this.tagMm[slot] !== mmId || this.tagVpn[slot] !== vpn) return -1;
    if (forWrite && this.writable[slot] === 0) return -1;
    return this.framePfn[slot]!;
  }

  /** Caches a translation after a walk. */
  fill(cpu: number, mmId: number, vpn: number, pfn: number, writable: boolean): void {
    const slot = cpu * TLB_ENTRIES + (vpn % TLB_ENTRIES);
    this.tagMm[slot] = mmId;
    this.tagVpn[slot] = vpn;
    this.framePfn[slot] = pfn;
    this.writable[slot] = writable ? 1 : 0;
  }

  /** True when some CPU caches an entry pointing into [pfn, pfn + nr). */
  mapsFrames(pfn: number, nr: number): boolean {
    for (let slot = 0; slot < this.tagMm.length; slot++) {
      if (this.tagMm[slot] !== -1 && this.framePfn[slot]! >= pfn && this.framePfn[slot]! < pfn + nr) return true;
    }
    return false;
  }

  /** Every cached translation, for invariant checks and views. */
  entries(): TlbEntry[] {
    const out: TlbEntry[] = [];
    for (let slot = 0; slot < this.tagMm.length; slot++) {
      if (this.tagMm[slot] === -1) continue;
      out.push({
        cpu: Math.floor(slot / TLB_ENTRIES),
        mmId: this.tagMm[slot]!,
        vpn: this.tagVpn[slot]!,
        pfn: this.framePfn[slot]!,
        writable: this.writable[slot] === 1,
      });
    }
    return out;
  }

  /**
   * Flushes the range [vpn, vpn + nrPages) of one mm on the CPUs of `cpumask` now
   * (mirrors `flush_tlb_range()`: one IPI per CPU that may cache the mm).
   */
  flushRange(cpumask: number, mmId: number, vpn: number, nrPages: number): void {
    let cpus = 0;
    for (let cpu = 0; cpu < this.nrCpus; cpu++) {
      if ((cpumask & (1 << cpu)) === 0) continue;
      cpus++;
      const base = cpu * TLB_ENTRIES;
      for (let i = 0; i < TLB_ENTRIES; i++) {
        const slot = base + i;
        if (this.tagMm[slot] === mmId && this.tagVpn[slot]! >= vpn && this.tagVpn[slot]! < vpn + nrPages) {
          this.tagMm[slot] = -1;
          this.stats.entriesDropped++;
        }
      }
    }
    this.stats.flushes++;
    this.stats.ipis += cpus;
    this.counted(cpus);
    if (this.tp?.enabled) this.tp.emit({ batched: false, cpus, pages: nrPages });
  }

  /** Drops every entry of an mm everywhere (exit, munmap of everything). */
  flushMm(mmId: number): void {
    for (let slot = 0; slot < this.tagMm.length; slot++) if (this.tagMm[slot] === mmId) this.tagMm[slot] = -1;
  }

  /** Defers a flush for the CPUs of `cpumask` (mirrors `set_tlb_ubc_flush_pending()`). */
  deferFlush(cpumask: number, nrPages: number): void {
    this.pendingCpus |= cpumask;
    this.pendingPages += nrPages;
  }

  /** True when a deferred flush is pending. */
  flushPending(): boolean {
    return this.pendingCpus !== 0;
  }

  /**
   * Performs the deferred flush once for all CPUs that need it: a full local flush on each,
   * one IPI per CPU (mirrors `try_to_unmap_flush()`). Does nothing when nothing is pending.
   */
  tryToUnmapFlush(): void {
    const mask = this.pendingCpus;
    if (mask === 0) return;
    let cpus = 0;
    for (let cpu = 0; cpu < this.nrCpus; cpu++) {
      if ((mask & (1 << cpu)) === 0) continue;
      cpus++;
      const base = cpu * TLB_ENTRIES;
      for (let i = 0; i < TLB_ENTRIES; i++) {
        if (this.tagMm[base + i] !== -1) {
          this.tagMm[base + i] = -1;
          this.stats.entriesDropped++;
        }
      }
    }
    const pages = this.pendingPages;
    this.pendingCpus = 0;
    this.pendingPages = 0;
    this.stats.flushes++;
    this.stats.batchedFlushes++;
    this.stats.ipis += cpus;
    this.counted(cpus);
    if (this.tp?.enabled) this.tp.emit({ batched: true, cpus, pages });
  }
}
