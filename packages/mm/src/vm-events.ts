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

/** Creates the counter set of a system. */
export function createVmEvents(): EventCounters<VmEventName> {
  return new EventCounters(VM_EVENT_NAMES);
}
