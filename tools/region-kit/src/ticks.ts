/** Waiting in tests by event-loop turns, never by wall-clock time. */

/** Yields to the event loop once (all pending microtasks and one macrotask turn). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Ticks until `cond()` holds; throws after `max` ticks (a bound on work, not on time). */
export async function until(cond: () => boolean, max = 100_000): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`condition not reached after ${max} ticks`);
}
