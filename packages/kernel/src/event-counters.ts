/**
 * Named event counters declared up front, the base of a `/proc/vmstat`-like view. Mirrors
 * `enum vm_event_item` with `count_vm_event()` / `count_vm_events()` and the `name value` lines of
 * `/proc/vmstat`; tools take a `snapshot()` before and after a run and print the `delta()`.
 *
 * Values live in a `Float64Array` (exact to 2^53) indexed through a name table built once; counting
 * allocates nothing. An undeclared name is an error (EINVAL), at declaration and at every lookup.
 * Counters only grow; there is no reset (as in the kernel). Not modelled: per-CPU counters, folding.
 */
import { KernelError } from './kernel-error';

/** Counter values by name, as returned by `snapshot()` and `delta()`. */
export type EventSnapshot<N extends string> = Readonly<Record<N, number>>;

const NAME = /^[a-z][a-z0-9_]*$/;

/** A fixed set of monotonically increasing event counters; mirrors the vm_event counters. */
export class EventCounters<const N extends string> {
  /** The declared names, in declaration (and printing) order. */
  readonly names: readonly N[];
  private readonly index: Record<string, number>;
  private readonly values: Float64Array;

  /** Declares the counters; throws EINVAL for an empty list, a bad or a duplicate name. */
  constructor(names: readonly N[]) {
    if (names.length === 0) throw new KernelError('EINVAL', 'EventCounters: no counter names; accepted: at least one name');
    const index: Record<string, number> = Object.create(null) as Record<string, number>;
    names.forEach((name, i) => {
      if (!NAME.test(name)) {
        throw new KernelError('EINVAL', `EventCounters: name ${JSON.stringify(name)} is invalid; accepted: lower-case letters, digits and _, starting with a letter`);
      }
      if (index[name] !== undefined) throw new KernelError('EINVAL', `EventCounters: name ${name} is declared twice`);
      index[name] = i;
    });
    this.names = Object.freeze([...names]);
    this.index = index;
    this.values = new Float64Array(names.length);
  }

  private slot(name: string): number {
    const i = this.index[name];
    if (i === undefined) {
      throw new KernelError('EINVAL', `unknown event counter ${JSON.stringify(name)}; accepted: ${this.names.join(', ')}`);
    }
    return i;
  }

  /** Mirrors `count_vm_events(item, n)`: adds `n` (a non-negative integer, default 1). */
  count(name: N, n = 1): void {
    const i = this.slot(name);
    if (!(n >= 0) || n !== Math.floor(n)) {
      throw new KernelError('EINVAL', `count(${name}): increment ${String(n)} is invalid; accepted: an integer >= 0`);
    }
    this.values[i] = (this.values[i] as number) + n;
  }

  /** The current value of one counter. */
  get(name: N): number {
    return this.values[this.slot(name)] as number;
  }

  /** A frozen copy of every counter, to compare later with `delta()`. */
  snapshot(): EventSnapshot<N> {
    const out = {} as Record<N, number>;
    this.names.forEach((name, i) => {
      out[name] = this.values[i] as number;
    });
    return Object.freeze(out);
  }

  /** `after - before` for every counter (what happened in between). Throws EINVAL if a name is missing. */
  delta(before: EventSnapshot<N>, after: EventSnapshot<N>): EventSnapshot<N> {
    const out = {} as Record<N, number>;
    for (const name of this.names) {
      const a = after[name] as number | undefined;
      const b = before[name] as number | undefined;
      if (typeof a !== 'number' || typeof b !== 'number') {
        throw new KernelError('EINVAL', `delta: counter ${name} is missing from a snapshot; accepted: snapshots of this counter set`);
      }
      out[name] = a - b;
    }
    return Object.freeze(out);
  }

  /** `/proc/vmstat` text: one `name value` line per counter in declaration order (current values or `values`). */
  format(values: EventSnapshot<N> = this.snapshot()): string {
    let text = '';
    for (const name of this.names) text += `${name} ${String(values[name])}\n`;
    return text;
  }
}
