/**
 * A small seeded pseudo-random generator: xoshiro128** (Blackman and Vigna) whose 128-bit state
 * is filled from a 32-bit seed by a splitmix32-style mixer. Same seed, same sequence, on every
 * machine and in every worker, which is what fault injection, dmatest and seeded tests need.
 *
 * It plays the part of the kernel's `get_random_u32()` / `get_random_u32_below()` in the model,
 * but it is deliberately NOT cryptographic and never reads the system entropy pool: a run must be
 * replayable from its seed. Each user owns its own generator (there is no shared global one).
 */
import { KernelError } from './kernel-error';

const TWO_POW_32 = 0x1_0000_0000;

/** One splitmix32 step: returns the next state and a well-mixed 32-bit output. */
function splitmix32(state: number): [next: number, out: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z ^= z >>> 15;
  return [next, z >>> 0];
}

/** Reproducible xoshiro128** generator; the seeded stand-in for `get_random_u32()`. */
export class Prng {
  /** The seed this generator started from (u32), to print next to a failing run. */
  readonly seed: number;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Seeds the 128-bit state from `seed` (any integer; reduced modulo 2^32). */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new KernelError('EINVAL', `Prng: seed ${String(seed)} is not an integer; accepted: an integer (used modulo 2^32)`);
    }
    this.seed = ((seed % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
    let sm = this.seed | 0;
    let out: number;
    [sm, out] = splitmix32(sm);
    this.s0 = out;
    [sm, out] = splitmix32(sm);
    this.s1 = out;
    [sm, out] = splitmix32(sm);
    this.s2 = out;
    [, out] = splitmix32(sm);
    this.s3 = out;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is a fixed point
  }

  /** Builds a generator from a raw xoshiro128** state (four u32, not all zero), for test vectors. */
  static fromState(state: readonly [number, number, number, number]): Prng {
    const p = new Prng(0);
    const [a, b, c, d] = state;
    if ((a | b | c | d) === 0) {
      throw new KernelError('EINVAL', 'Prng.fromState: the all-zero state is not allowed; accepted: four u32 words, at least one non-zero');
    }
    p.s0 = a >>> 0;
    p.s1 = b >>> 0;
    p.s2 = c >>> 0;
    p.s3 = d >>> 0;
    return p;
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform integer in [0, n) without modulo bias; mirrors `get_random_u32_below(n)`. n in 1..2^32. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new KernelError('EINVAL', `Prng.below: bound ${String(n)} is invalid; accepted: an integer from 1 to 2^32`);
    }
    // Reject the top partial block so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Uniform float in [0, 1) with 53 random bits (two 32-bit draws). */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}
