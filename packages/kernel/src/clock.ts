/**
 * Clocks in nanoseconds. Mirrors the kernel's `ktime_get_ns()` (CLOCK_MONOTONIC) for measured runs,
 * and provides a virtual clock that only moves when the cost model says so, for modelled runs.
 *
 * Every clock reads as a JS `number` of nanoseconds: exact up to 2^53 ns (about 104 days), which
 * is far beyond any run. Functional code takes a `Clock` and never asks which kind it has.
 * Not provided: wall-clock (CLOCK_REALTIME) time, timers, sleeping.
 */
import { KernelError } from './kernel-error';

/** The one clock interface: `now()` in nanoseconds, never decreasing. */
export interface Clock {
  /** Current time in nanoseconds since this clock's origin. */
  now(): number;
}

/** Real monotonic time from `process.hrtime.bigint()`; mirrors `ktime_get_ns()`. Zero at construction. */
export class MonotonicClock implements Clock {
  private readonly origin: bigint;

  /** Starts the clock: `now()` counts nanoseconds from this moment, so traces start near 0. */
  constructor() {
    this.origin = process.hrtime.bigint();
  }

  /** Nanoseconds since construction. */
  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }
}

function checkTime(what: string, ns: number): void {
  if (!Number.isFinite(ns) || ns < 0) {
    throw new KernelError('EINVAL', `VirtualClock.${what}: ${String(ns)} ns is invalid; accepted: a finite number >= 0`);
  }
}

/** Emulated time that moves only when told to; the timeline the cost model writes. */
export class VirtualClock implements Clock {
  private ns: number;

  /** Starts at `startNs` (default 0). */
  constructor(startNs = 0) {
    checkTime('constructor', startNs);
    this.ns = startNs;
  }

  /** Current virtual time in nanoseconds. */
  now(): number {
    return this.ns;
  }

  /** Moves time forward by `ns` (>= 0) and returns the new time. */
  advance(ns: number): number {
    checkTime('advance', ns);
    this.ns += ns;
    return this.ns;
  }

  /** Jumps to an absolute time; refuses (throws EINVAL) to go backwards. Returns the new time. */
  set(ns: number): number {
    checkTime('set', ns);
    if (ns < this.ns) {
      throw new KernelError('EINVAL', `VirtualClock.set: ${ns} ns is before the current time ${this.ns} ns; accepted: a time >= ${this.ns}`);
    }
    this.ns = ns;
    return this.ns;
  }
}
