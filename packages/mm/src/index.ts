/**
 * @pagemig/mm: simulated NUMA memory with real bytes: nodes backed by SharedArrayBuffer
 * sections, a struct-of-arrays memmap, buddy allocators, LRU, memcgs, tasks with VMAs and page
 * tables, faults (zero page, copy-on-write, THP/mTHP, hugetlb, NUMA hinting), the reverse map,
 * per-CPU TLBs, the page cache, balloon (movable_ops) pages, invariants and memory views.
 * Every export has its one-line description in the file that defines it.
 */

// physical memory and frame metadata
export { PhysMem, PhysMemView, DEFAULT_SECTION_SIZE } from './phys-mem';
export type { NodeConfig, PhysMemShare } from './phys-mem';
export { Memmap, MEMMAP_BYTES_PER_FRAME, GUP_PIN_COUNTING_BIAS } from './memmap';
export { FolioList, NIL } from './folio-list';

// allocation, LRU, memcg, locks
export { BuddyZone, PGF_needs_zero } from './buddy';
export { PageAlloc, __GFP_THISNODE, __GFP_ZERO, __GFP_NOWARN, __GFP_NOFAIL, GFP_HIGHUSER_MOVABLE, GFP_MIGRATE_THISNODE } from './page-alloc';
export type { PageAllocHooks } from './page-alloc';
export { Lru, LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, LRU_UNEVICTABLE, NR_LRU_LISTS, LRU_NAMES } from './lru';
export { MemCgroups, NO_MEMCG, ROOT_MEMCG } from './memcg';
export type { MemCgroup } from './memcg';
export { FolioLocks } from './folio-lock';
export { HugetlbPools } from './hugetlb';

// address spaces: page tables, TLBs, reverse map, VMAs, files
export { Tlb, TLB_ENTRIES } from './tlb';
export type { TlbFlushEvent, TlbStats, TlbEntry, TlbEventCounter } from './tlb';
export { PageTable, PTE_PRESENT, PTE_WRITE, PTE_DIRTY, PTE_YOUNG, PTE_MIGRATION, PTE_SPECIAL, PTE_PROTNONE, PTE_EXCLUSIVE } from './page-table';
export type { PmdLeaf } from './page-table';
export { Rmap, TTU_BATCH_FLUSH } from './rmap';
export type { RmapHit } from './rmap';
export { AnonVma } from './anon-vma';
export { AddressSpace, MIGRATE_FOLIO_OPS } from './address-space';
export type { MigrateFolioOp, AddressSpaceKind, BufferHeads } from './address-space';
export {
  Vma,
  vmFlagsFor,
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

// faults and user accesses
export {
  handleMmFault, filemapGetFolio, thpEligible, thpAllowableOrders,
  VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, VM_FAULT_RETRY, VM_FAULT_NUMA, FAULT_FLAG_WRITE,
} from './fault';
export type { FaultResult } from './fault';
export { accessVm, translate } from './access';
export { populateRange } from './populate';
export { splitFolioToList, splitHugePmd, folioPartiallyMapped, countFolioPtes } from './huge-memory';

// page cache I/O, writeback, truncation, buffer heads
export { filemapRead, filemapWrite, folioMkclean, startWriteback, endWriteback, truncateSetsize } from './filemap';
export { createEmptyBuffers, tryToFreeBuffers, lockBuffer, unlockBuffer, getBh, putBh, waitOnBuffers } from './buffer-head';

// movable_ops pages
export type { MovableOperations } from './movable-ops';
export { Balloon } from './balloon';

// copy
export { folioMcCopy, foliosMcCopy } from './copy';

// the system
export { System, createSystem, MTHP_ORDERS } from './system';
export type { SystemConfig, SystemNodeConfig, SystemHooks, ThpSetting, MthpSetting } from './system';
export { VM_EVENT_NAMES, VmEvents, createVmEvents, vmEventIndex } from './vm-events';
export type { VmEventName } from './vm-events';

// checks and views
export { checkInvariants } from './invariants';
export { nodeMemStats, formatNodeMeminfo, nodeVmstat, vmstat, formatVmstat, buddyinfo, formatBuddyinfo } from './mem-stats';
export type { NodeMemStats } from './mem-stats';
export { numaMaps, formatNumaMaps } from './numa-maps';
export type { NumaMapsEntry } from './numa-maps';
export { formatTaskStatus } from './proc-views';
