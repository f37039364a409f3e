/**
 * The `/proc/vmstat`-like event counters of one system (names as the kernel prints them).
 * mm counts faults, allocation and TLB events; the migrate layer counts migration events in
 * the same set so one view shows everything.
 */
import { EventCounters } from '@pagemig/kernel';

/** Every vm event name, in `/proc/vmstat` order. */
export const VM_EVENT_NAMES = [
  'pgalloc',
  'pgalloc_fail',
  'pgfree',
  'pgfault',
  'pgmajfault',
  'pgmigrate_success',
  'pgmigrate_fail',
  'thp_migration_success',
  'thp_migration_fail',
  'thp_migration_split',
  'thp_fault_alloc',
  'thp_fault_fallback',
  'thp_split_page',
  'thp_split_page_failed',
  'thp_split_pmd',
  'numa_pte_updates',
  'numa_huge_pte_updates',
  'numa_hint_faults',
  'numa_hint_faults_local',
  'numa_page_migrate',
  'pgpromote_success',
  'pgdemote_direct',
  'compact_migrate_scanned',
  'compact_isolated',
  'compact_success',
  'compact_fail',
  'nr_tlb_remote_flush',
  'nr_tlb_remote_flush_received',
  'nr_tlb_local_flush_all',
  'cow_fault',
  'zero_page_fault',
  'hugetlb_fault',
  'balloon_inflate',
  'balloon_deflate',
  'balloon_migrate',
] as const;

/** A vm event name. */
export type VmEventName = (typeof VM_EVENT_NAMES)[number];

/** Index of an event in `VM_EVENT_NAMES`, for `VmEvents.add()` on hot paths. */
export function vmEventIndex(name: VmEventName): number {
  return VM_EVENT_NAMES.indexOf(name);
}

/** Indexes of the events the fault and allocation paths count per page. */
export const VM_PGFAULT = vmEventIndex('pgfault');
export const VM_PGALLOC = vmEventIndex('pgalloc');
export const VM_PGALLOC_FAIL = vmEventIndex('pgalloc_fail');
export const VM_PGFREE = vmEventIndex('pgfree');
export const VM_ZERO_PAGE_FAULT = vmEventIndex('zero_page_fault');
export const VM_THP_FAULT_ALLOC = vmEventIndex('thp_fault_alloc');
export const VM_THP_FAULT_FALLBACK = vmEventIndex('thp_fault_fallback');

/**
 * The vm event counters of one system: `EventCounters` plus `add()`, a per-page fast path that
 * bumps a typed-array slot by index (like the kernel's per-CPU `count_vm_event()`); pending
 * amounts are folded into the counters before anything reads them (as the kernel folds per-CPU
 * counts when `/proc/vmstat` is read), so readers always see exact values.
 */
export class VmEvents extends EventCounters<VmEventName> {
  private readonly pending = new Float64Array(VM_EVENT_NAMES.length);
  private hasPending = false;

  constructor() {
    super(VM_EVENT_NAMES);
  }

  /** Adds `n` (an integer ≥ 0) to the event at `index` (see `vmEventIndex()`); nothing is looked up. */
  add(index: number, n: number): void {
    this.pending[index]! += n;
    this.hasPending = true;
  }

  private fold(): void {
    if (!this.hasPending) return;
    this.hasPending = false;
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      if (pending[i] === 0) continue;
      super.count(VM_EVENT_NAMES[i]!, pending[i]!);
      pending[i] = 0;
    }
  }

  override get(name: VmEventName): number {
    this.fold();
    return super.get(name);
  }

  override snapshot(): ReturnType<EventCounters<VmEventName>['snapshot']> {
    this.fold();
    return super.snapshot();
  }
}

/** Creates the counter set of a system. */
export function createVmEvents(): VmEvents {
  return new VmEvents();
}
