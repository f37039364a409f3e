/**
 * The copy loop every mtcopy thread runs, the dispatching thread and the workers alike: claim
 * slices of the current batch `H_GRAIN` at a time with `Atomics.add` on a lane's cursor and copy
 * them, own lane first and then, with `H_STEAL`, the other lanes in turn. Each claimed slice is
 * copied by exactly one thread, whoever gets there first. No allocation and no closure per
 * slice: the hot path is typed-array reads and `copyPages()`.
 */
import type { PhysMemView } from '@pagemig/mm';
import { FAULT_EXIT, FAULT_NONE, FAULT_THROW, H_GRAIN, H_LANES, H_STEAL, L_END, L_NEXT, SLICE_WORDS, laneWord } from './lane-layout';

function injectFault(fault: number): void {
  if (fault === FAULT_EXIT) process.exit(70);
  if (fault === FAULT_THROW) throw new Error('mtcopy: injected copy worker fault');
}

/**
 * Copies the slices this thread claims for lane `lane`'s share (and the other lanes' with
 * stealing on, or with `everything`); returns the base pages copied. `fault` (tests) fires after
 * the first slice, or at once when nothing was left to claim.
 */
export function copyClaimed(i32: Int32Array, desc: Int32Array, mem: PhysMemView, lane: number, fault: number, everything = false): number {
  const lanes = i32[H_LANES]!;
  const grain = i32[H_GRAIN]!;
  const rounds = everything || i32[H_STEAL] === 1 ? lanes : 1;
  let pages = 0;
  for (let k = 0; k < rounds; k++) {
    const victim = (lane + k) % lanes;
    const cursor = laneWord(victim, L_NEXT);
    const end = i32[laneWord(victim, L_END)]!;
    for (;;) {
      const first = Atomics.add(i32, cursor, grain);
      if (first >= end) break;
      const last = Math.min(first + grain, end);
      for (let s = first; s < last; s++) {
        const o = s * SLICE_WORDS;
        const nr = desc[o + 2]!;
        mem.copyPages(desc[o]!, desc[o + 1]!, nr);
        pages += nr;
        if (fault !== FAULT_NONE) injectFault(fault);
      }
    }
  }
  if (fault !== FAULT_NONE) injectFault(fault);
  return pages;
}
