/**
 * Interrupt coalescing of the software DMA engine (interrupt moderation, like ioatdma's
 * `intr_coalesce` or a NIC's `rx-usecs`). A completion that asks for an interrupt (a
 * DMA_PREP_INTERRUPT descriptor, the end of a chain) raises it at once when the engine has nothing
 * else to run right now; while more work is ready, the interrupt waits until `windowMs` after the
 * first completion that asked for it. Completions are published at once either way: only the
 * driver's wake-up is deferred. Why: the driver is the main thread, which shares the CPUs with the
 * channel threads; waking it after every 2 MiB descriptor costs each copy thread a futex wake and
 * a preemption, so a busy engine wakes it a few times per batch instead of once per descriptor.
 */
export class DmaIrqCoalescer {
  /** How long an interrupt may wait while the engine has more work (ms); 0 raises every one at once. */
  readonly windowMs: number;
  /** When the oldest completion waiting for an interrupt asked for it, or -1. */
  private since = -1;

  /** `windowMs` >= 0. */
  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** True while a completion waits for an interrupt. */
  get pending(): boolean {
    return this.since >= 0;
  }

  /**
   * A completion asks for an interrupt at time `now` (ms) while the engine has another record ready
   * to run (without one, raise it at once). True when the window has passed and it is due now.
   */
  request(now: number): boolean {
    if (this.since < 0) this.since = now;
    return now - this.since >= this.windowMs;
  }

  /** An interrupt was raised (for any reason): everything published so far is delivered. */
  raised(): void {
    this.since = -1;
  }
}
