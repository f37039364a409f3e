/**
 * Tracepoints: named, typed events that cost nothing while nobody listens. Mirrors `TRACE_EVENT()`
 * and `trace_<name>()` / `trace_<name>_enabled()`: the caller writes
 * `if (tp.enabled) tp.emit({ ... })`, so the payload is not even built when tracing is off, and
 * `enabled` is a plain field (the kernel's static key) updated on subscribe/unsubscribe.
 *
 * A `TraceRegistry` holds the tracepoints of one simulated system by name (`mm_migrate_pages`), so
 * a tool can list them, look one up, or record all of them at once. Probes run synchronously in
 * subscription order and must not throw (an exception propagates to the code that emitted).
 * Not modelled: ring buffers, timestamps (the recorder takes them from its `Clock`), filters.
 */
import { KernelError } from './kernel-error';

/** A probe attached to a tracepoint. */
export type TraceProbe<T> = (payload: T) => void;

const NAME = /^[a-z][a-z0-9_]*$/;

function checkTraceName(name: string): void {
  if (!NAME.test(name)) {
    throw new KernelError('EINVAL', `tracepoint name ${JSON.stringify(name)} is invalid; accepted: lower-case letters, digits and _, starting with a letter`);
  }
}

/** One typed event, like a `TRACE_EVENT(name, ...)` definition. */
export class Tracepoint<T> {
  /** Event name, e.g. `mm_migrate_pages`. */
  readonly name: string;
  /** True while at least one probe is attached; test it before building a payload. */
  readonly enabled: boolean = false;
  private probes: readonly TraceProbe<T>[] = [];

  /** Defines a tracepoint (prefer `TraceRegistry.define()` so tools can find it). */
  constructor(name: string) {
    checkTraceName(name);
    this.name = name;
  }

  /** Mirrors `register_trace_<name>()`: attaches a probe; returns its unregister function (idempotent). */
  subscribe(probe: TraceProbe<T>): () => void {
    this.probes = [...this.probes, probe];
    this.setEnabled(true);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const i = this.probes.indexOf(probe);
      if (i >= 0) this.probes = [...this.probes.slice(0, i), ...this.probes.slice(i + 1)];
      this.setEnabled(this.probes.length > 0);
    };
  }

  private setEnabled(on: boolean): void {
    (this as { enabled: boolean }).enabled = on;
  }

  /** Mirrors `trace_<name>(...)`: hands the payload to every probe attached now. */
  emit(payload: T): void {
    const probes = this.probes;
    for (let i = 0; i < probes.length; i++) (probes[i] as TraceProbe<T>)(payload);
  }
}

/** Receives every event of a registry with the tracepoint's name. */
export type TraceAllProbe = (name: string, payload: unknown) => void;

/** The tracepoints of one simulated system, by name; mirrors `/sys/kernel/tracing/events`. */
export class TraceRegistry {
  private readonly points = new Map<string, Tracepoint<unknown>>();
  private allProbes: readonly TraceAllProbe[] = [];
  private readonly allUnsubscribers = new Map<TraceAllProbe, (() => void)[]>();

  /** Defines and registers a tracepoint; throws EEXIST if the name is taken. */
  define<T>(name: string): Tracepoint<T> {
    checkTraceName(name);
    if (this.points.has(name)) throw new KernelError('EEXIST', `tracepoint ${name} is already defined`);
    const tp = new Tracepoint<T>(name);
    this.points.set(name, tp as Tracepoint<unknown>);
    for (const probe of this.allProbes) this.attachAll(tp as Tracepoint<unknown>, probe);
    return tp;
  }

  /** The tracepoint called `name`, or `undefined`. */
  get(name: string): Tracepoint<unknown> | undefined {
    return this.points.get(name);
  }

  /** Names of all tracepoints, sorted (what `ls events/` shows). */
  names(): string[] {
    return [...this.points.keys()].sort();
  }

  private attachAll(tp: Tracepoint<unknown>, probe: TraceAllProbe): void {
    const name = tp.name;
    const off = tp.subscribe((payload) => probe(name, payload));
    this.allUnsubscribers.get(probe)?.push(off);
  }

  /** Records every tracepoint, present and future (`echo 1 > events/enable`); returns the stop function. */
  subscribeAll(probe: TraceAllProbe): () => void {
    const own: TraceAllProbe = (name, payload) => probe(name, payload); // distinct identity per call
    this.allProbes = [...this.allProbes, own];
    this.allUnsubscribers.set(own, []);
    for (const tp of this.points.values()) this.attachAll(tp, own);
    return () => {
      const offs = this.allUnsubscribers.get(own);
      if (offs === undefined) return;
      this.allUnsubscribers.delete(own);
      this.allProbes = this.allProbes.filter((p) => p !== own);
      for (const off of offs) off();
    };
  }
}
