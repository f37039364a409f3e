/**
 * @pagemig/mm: simulated NUMA memory with processes, page tables, rmap, TLB and real data.
 */
export { PhysMem, PhysMemView, DEFAULT_SECTION_SIZE } from './phys-mem';
export type { NodeConfig, PhysMemShare } from './phys-mem';
export { Memmap, MEMMAP_BYTES_PER_FRAME, GUP_PIN_COUNTING_BIAS } from './memmap';
export { FolioList, NIL } from './folio-list';
export { BuddyZone, PGF_needs_zero } from './buddy';
export { PageAlloc, __GFP_THISNODE, __GFP_ZERO, __GFP_NOWARN, __GFP_NOFAIL, GFP_HIGHUSER_MOVABLE, GFP_MIGRATE_THISNODE } from './page-alloc';
export { Lru, LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, LRU_UNEVICTABLE, NR_LRU_LISTS, LRU_NAMES } from './lru';
export { MemCgroups, NO_MEMCG, ROOT_MEMCG } from './memcg';
export type { MemCgroup } from './memcg';
export { FolioLocks } from './folio-lock';
export { Tlb, TLB_ENTRIES } from './tlb';
export type { TlbFlushEvent, TlbStats, TlbEntry, TlbEventCounter } from './tlb';
export { PageTable, PTE_PRESENT, PTE_WRITE, PTE_DIRTY, PTE_YOUNG, PTE_MIGRATION, PTE_SPECIAL, PTE_PROTNONE } from './page-table';
export { Rmap, TTU_BATCH_FLUSH } from './rmap';
export type { RmapHit } from './rmap';
export { AnonVma } from './anon-vma';
export { AddressSpace, MIGRATE_FOLIO_OPS } from './address-space';
export type { MigrateFolioOp, AddressSpaceKind, BufferHeads } from './address-space';
export {
  Vma,
  PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC,
  MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_LOCKED, MAP_POPULATE, MAP_HUGETLB,
  MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
  VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_LOCKED, VM_HUGETLB, VM_HUGEPAGE, VM_NOHUGEPAGE,
} from './vma';
export {
  MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL,
  MPOL_MF_STRICT, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_NAMES,
  mpolNew, formatMemPolicy, formatNodeList, DEFAULT_POLICY,
} from './mempolicy';
export type { MemPolicy } from './mempolicy';
export { Task } from './task';
export type { TaskOptions } from './task';
export { MmStruct, MMAP_BASE, TASK_SIZE } from './mm-struct';
export type { RssCounters } from './mm-struct';
export { HugetlbPools } from './hugetlb';
export { splitFolioToList, splitHugePmd, folioPartiallyMapped, countFolioPtes } from './huge-memory';
export {
  handleMmFault, filemapGetFolio, thpEligible,
  VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, VM_FAULT_RETRY, VM_FAULT_NUMA, FAULT_FLAG_WRITE,
} from './fault';
export { accessVm, translate } from './access';
export { populateRange } from './populate';
export { VM_EVENT_NAMES, createVmEvents } from './vm-events';
export type { VmEventName } from './vm-events';
export { System, createSystem, MTHP_ORDERS } from './system';
export type { SystemConfig, SystemNodeConfig, SystemHooks, ThpSetting, MthpSetting } from './system';
export { folioMcCopy, foliosMcCopy } from './copy';
export { checkInvariants } from './invariants';
export type { MovableOperations } from './movable-ops';
export { Balloon } from './balloon';
export { filemapRead, filemapWrite, folioMkclean, startWriteback, endWriteback, truncateSetsize } from './filemap';
export { createEmptyBuffers, tryToFreeBuffers, lockBuffer, unlockBuffer, getBh, putBh, waitOnBuffers } from './buffer-head';
export { nodeMemStats, formatNodeMeminfo, nodeVmstat, vmstat, formatVmstat, buddyinfo, formatBuddyinfo } from './mem-stats';
export type { NodeMemStats } from './mem-stats';
export { numaMaps, formatNumaMaps } from './numa-maps';
export type { NumaMapsEntry } from './numa-maps';
export { formatTaskStatus } from './proc-views';
