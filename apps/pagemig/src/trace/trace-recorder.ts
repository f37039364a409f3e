/**
 * Records the tracepoints of a system (and app-level marks: driver steps, workload threads)
 * with wall-clock stamps, in emission order: the input of the wall-clock timeline, of the
 * timing model (which replaces the stamps by virtual time) and of the shell's `trace` command.
 * Recording never changes what the functional code does; it only subscribes to tracepoints.
 */
import type { TraceRegistry } from '@pagemig/kernel';

/** One recorded event. */
export interface TraceRecord {
  /** Tracepoint name, or an app-level mark (`pagemig_step`, `pagemig_thread`). */
  name: string;
  payload: Readonly<Record<string, unknown>>;
  /** Wall-clock nanoseconds since the recorder started. */
  ns: number;
}

/** Per-folio events: the first to be dropped when a recording grows past its limit. */
const PER_FOLIO = new Set(['migrate_folio_unmap', 'migrate_folio_move', 'migrate_folio_copy']);

/** A recorder attached to one trace registry. */
export class TraceRecorder {
  readonly records: TraceRecord[] = [];
  /** Per-folio events left out because the recording reached its limit. */
  dropped = 0;
  private unsubscribe: (() => void) | null = null;
  private t0 = 0;
  private readonly limit: number;
  private readonly registry: TraceRegistry;

  constructor(registry: TraceRegistry, options: { limit?: number } = {}) {
    this.registry = registry;
    this.limit = options.limit ?? 500_000;
  }

  /** Wall-clock nanoseconds since `start()`. */
  now(): number {
    return (performance.now() - this.t0) * 1e6;
  }

  /** True while recording. */
  get recording(): boolean {
    return this.unsubscribe !== null;
  }

  /** Subscribes to every tracepoint of the registry (present and future). */
  start(): void {
    if (this.unsubscribe !== null) return;
    this.t0 = performance.now();
    this.records.length = 0;
    this.dropped = 0;
    this.unsubscribe = this.registry.subscribeAll((name, payload) => this.push(name, payload as Record<string, unknown>));
  }

  /** Stops recording (the records stay). */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Adds an app-level event (ignored while not recording). */
  mark(name: string, payload: Record<string, unknown>): void {
    if (this.unsubscribe !== null) this.push(name, payload);
  }

  private push(name: string, payload: Record<string, unknown>): void {
    if (this.records.length >= this.limit && PER_FOLIO.has(name)) {
      this.dropped++;
      return;
    }
    this.records.push({ name, payload: { ...payload }, ns: this.now() });
  }
}
