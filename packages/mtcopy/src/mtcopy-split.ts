/**
 * How mtcopy splits one batch among its copy threads, as Zi Yan's `CPU_MT_COPY` driver does:
 * - fewer folios than threads: every thread copies its 1/threads slice of **every** folio (the
 *   slice rounded up to the alignment, so the last threads may get less or nothing);
 * - otherwise whole folios go to threads in contiguous blocks, `n / threads` each, and the first
 *   `n % threads` threads get one more.
 * The result is written into a task descriptor (`[dstPfn, srcPfn, nrPages]` per slice) with
 * each thread's slices contiguous, plus the slice range of every thread. Pure and allocation
 * free: the dispatcher reuses its buffers, and tests check coverage directly.
 */
import { SLICE_WORDS } from './lane-layout';

/** Most slices a split of `count` folios over `threads` threads can produce. */
export function maxSlices(count: number, threads: number): number {
  return count < threads ? count * threads : count;
}

/**
 * Splits `count` pairs `dst[i] ← src[i]` of `nrPages[i]` base pages each over `threads`
 * threads, slices aligned to `alignPages` (a power of two). Writes slices into `desc` and thread
 * `t`'s slice range `[laneStart[t], laneStart[t + 1])`; returns the number of slices.
 * `desc` must hold `maxSlices(count, threads) * SLICE_WORDS` words and `laneStart` `threads + 1`.
 */
export function mtcopySplit(
  dst: ArrayLike<number>,
  src: ArrayLike<number>,
  nrPages: ArrayLike<number>,
  count: number,
  threads: number,
  alignPages: number,
  desc: Int32Array,
  laneStart: Int32Array,
): number {
  let n = 0;
  if (count >= threads) {
    const base = Math.floor(count / threads);
    const rem = count % threads;
    let folio = 0;
    for (let t = 0; t < threads; t++) {
      laneStart[t] = n;
      const end = folio + base + (t < rem ? 1 : 0);
      for (; folio < end; folio++, n++) {
        const o = n * SLICE_WORDS;
        desc[o] = dst[folio]!;
        desc[o + 1] = src[folio]!;
        desc[o + 2] = nrPages[folio]!;
      }
    }
  } else {
    const mask = alignPages - 1;
    for (let t = 0; t < threads; t++) {
      laneStart[t] = n;
      for (let i = 0; i < count; i++) {
        const nr = nrPages[i]!;
        const chunk = (Math.ceil(nr / threads) + mask) & ~mask;
        const first = t * chunk;
        if (first >= nr) continue;
        const o = n * SLICE_WORDS;
        desc[o] = dst[i]! + first;
        desc[o + 1] = src[i]! + first;
        desc[o + 2] = Math.min(chunk, nr - first);
        n++;
      }
    }
  }
  laneStart[threads] = n;
  return n;
}
