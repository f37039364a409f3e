/**
 * A bug found in @pagemig/mm while writing the compaction tests (reported, not fixed here:
 * the package belongs to another engineer). `madvise(MADV_DONTNEED)` on part of a VMA splits
 * the VMA, because `MmStruct.madvise()` resolves every advice through `vmasCovering()`, which
 * splits at the range ends. The kernel's `madvise_dontneed_free()` only zaps the pages and never
 * changes or splits VMAs (only advice that changes `vm_flags`, such as MADV_HUGEPAGE, goes
 * through `vma_modify_flags()`). Besides the wrong VMA count (`/proc/pid/maps`), a loop of
 * page-sized DONTNEEDs builds thousands of VMAs and makes every range lookup linear.
 * Proposed fix: for MADV_DONTNEED, check coverage with `vmasCovering(addr, end, …)`-like logic
 * that does not split, and call `zapRange(vma, max(addr, vma.start), min(end, vma.end))`.
 * `it.fails` keeps the suite green until the fix lands; then this test must be turned into a
 * plain `it`.
 */
import { expect, it } from 'vitest';
import { PAGE_SIZE } from '@pagemig/folio';
import { MADV_DONTNEED, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagemig/mm';
import { smallSystem } from './testing/entry-fixture';

it.fails('madvise(MADV_DONTNEED) on one page in the middle of a VMA keeps a single VMA', () => {
  const { sys } = smallSystem(1);
  const task = sys.createTask({});
  const addr = task.mm.mmap(0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  expect(task.mm.populate(addr, 8 * PAGE_SIZE, true)).toBe(0);
  expect(task.mm.madvise(addr + 2 * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED)).toBe(0);
  expect(task.mm.vmas.length).toBe(1);
});
