/**
 * Where a latency run reads the time of each event: the wall clock in measured mode, or
 * virtual time from a cost model in modelled mode. A modelled clock is built on the run's
 * world before the probe subscribes, so the model sees every event first and `now()`
 * returns the virtual time of the event being emitted.
 */
import type { BenchWorld } from '../bench/bench-world';

/** A clock the completion probe reads at each event, in nanoseconds. */
export interface LatencyClock {
  /** `measured`, or `modelled` (with the preset) for virtual time. */
  readonly mode: string;
  /** The time now, in ns, from any fixed origin. */
  now(): number;
  /** Detaches from the world, when the clock attached to it. */
  close?(): void;
}

/** Builds the clock of a run on its world (modelled clocks attach to `world.sys.trace`). */
export type LatencyClockFactory = (world: BenchWorld) => LatencyClock;

/** The wall clock (`performance.now()`, sub-microsecond, no allocation per read). */
export function measuredClock(): LatencyClock {
  return { mode: 'measured', now: () => performance.now() * 1e6 };
}
