/**
 * @pagemig/folio: the vocabulary every pagemig layer shares. Page sizes and folio orders, the
 * per-frame flag bits of the memmap, the tagged mapping word, the `migrate_info` state word with
 * its record/extract semantics, migration modes, migration reasons and reason masks.
 *
 * Everything is a plain number or a pure function over numbers and `Uint32Array` slots, so the
 * memory model can use it in per-frame loops without allocating.
 */
export {
  /** log2 of the base page size: a PFN is a byte address shifted right by this. */
  PAGE_SHIFT,
  /** Base page (frame) size in bytes: the unit of the memmap and of the copy loops. */
  PAGE_SIZE,
  /** Order of a PMD-mapped THP (2 MiB): the upstream batch limit counts in these pages. */
  HPAGE_PMD_ORDER,
  /** Base pages in a PMD-sized folio (512): the upstream `NR_MAX_BATCHED_MIGRATION`. */
  HPAGE_PMD_NR,
  /** Bytes in a PMD-sized folio (2 MiB). */
  HPAGE_PMD_SIZE,
  /** Order of a PUD-sized folio (1 GiB): the largest folio pagemig models. */
  HPAGE_PUD_ORDER,
  /** Base pages in a PUD-sized folio (262144): patch 7's testing batch limit. */
  HPAGE_PUD_NR,
  /** Bytes in a PUD-sized folio (1 GiB). */
  HPAGE_PUD_SIZE,
  /** Largest order the buddy allocator hands out (kernel `MAX_PAGE_ORDER`). */
  MAX_PAGE_ORDER,
  /** Base pages in a block of `MAX_PAGE_ORDER` (1024). */
  MAX_ORDER_NR_PAGES,
  /** Number of buddy free lists, orders `0..MAX_PAGE_ORDER` (11). */
  NR_PAGE_ORDERS,
  /** Base pages in a folio of `order` (`2^order`), for order 0..40. */
  pagesInOrder,
  /** Bytes in a folio of `order` (`PAGE_SIZE << order`), for order 0..40. */
  orderToBytes,
  /** The order of a folio of exactly `bytes` bytes; EINVAL unless PAGE_SIZE × 2^order. */
  bytesToOrder,
  /** Smallest order whose folio holds `size` bytes. Mirrors `get_order()`. */
  getOrder,
  /** Parses `4096`, `4K`, `64KiB`, `2M`, `1G`, `1.5M` (binary units, like `memparse()`); EINVAL otherwise. */
  parseSize,
  /** Formats bytes with the largest exact binary unit (`4K`, `2M`, `1536K`) or plain bytes; never a decimal. */
  formatSize,
  /** Parses a folio size (`4K`..`1G`, PAGE_SIZE × 2^order, order ≤ 18) to bytes; EINVAL otherwise. */
  parseFolioSize,
} from './page-size';

export {
  /** Bit 0: folio lock held; migration holds src and dst locked from unmap to move. */
  PG_locked,
  /** Bit 1: writeback in flight; only MIGRATE_SYNC waits for it. */
  PG_writeback,
  /** Bit 2: recently referenced (LRU aging). */
  PG_referenced,
  /** Bit 3: contents valid; SYNC_LIGHT does not block on a folio that is not uptodate. */
  PG_uptodate,
  /** Bit 4: contents newer than backing store; `fallback_migrate_folio` refuses them. */
  PG_dirty,
  /** Bit 5: on an LRU list (isolation takes it off). */
  PG_lru,
  /** Bit 6: first frame of a large folio, the PFN that names it. */
  PG_head,
  /** Bit 7: someone waits on this folio's lock or writeback. */
  PG_waiters,
  /** Bit 8: on the active LRU list. */
  PG_active,
  /** Bit 9: part of a working set (refault detection). */
  PG_workingset,
  /** Bit 10: owner-private bit 1 (filesystem use). */
  PG_owner_priv_1,
  /** Bit 11: reserved frame, never allocated or migrated. */
  PG_reserved,
  /** Bit 12: `folio->private` holds data (buffer heads) that must move with the folio. */
  PG_private,
  /** Bit 13: queued for reclaim once writeback ends. */
  PG_reclaim,
  /** Bit 14: backed by swap or shmem (anon and shmem folios). */
  PG_swapbacked,
  /** Bit 15: on the unevictable list. */
  PG_unevictable,
  /** Bit 16: mlocked; migration records FOLIO_WAS_MLOCKED. */
  PG_mlocked,
  /** Bit 17: hardware-poisoned; copying from it fails with -EHWPOISON. */
  PG_hwpoison,
  /** Bit 18: frame inside a large folio other than the head. */
  PG_tail,
  /** Bit 19: free in the buddy allocator (first frame of a free block). */
  PG_buddy,
  /** Bit 20: hugetlb folio (hugetlb path, never batched). */
  PG_hugetlb,
  /** Bit 21: balloon-like page migrated through movable_ops; never batch-copied. */
  PG_movable_ops,
  /** Bit 22: large folio with some pages unmapped (deferred-split candidate). */
  PG_partially_mapped,
  /** Bit 23: movable_ops page isolated for migration. */
  PG_isolated,
  /** Bit 24: anon page mapped exclusively (must survive migration). */
  PG_anon_exclusive,
  /** Bit 25: in the swap cache. */
  PG_swapcache,
  /** Bit 26: rmappable large folio (THP, mTHP). */
  PG_large_rmappable,
  /** Bit 27: the shared zero page; never migrated. */
  PG_zero,
  /** 28 defined flag bits (kernel `__NR_PAGEFLAGS`); bits 28..31 are free. */
  NR_PAGEFLAGS,
  /** Mask of `PG_locked`. */
  PGF_locked,
  /** Mask of `PG_writeback`. */
  PGF_writeback,
  /** Mask of `PG_referenced`. */
  PGF_referenced,
  /** Mask of `PG_uptodate`. */
  PGF_uptodate,
  /** Mask of `PG_dirty`. */
  PGF_dirty,
  /** Mask of `PG_lru`. */
  PGF_lru,
  /** Mask of `PG_head`. */
  PGF_head,
  /** Mask of `PG_waiters`. */
  PGF_waiters,
  /** Mask of `PG_active`. */
  PGF_active,
  /** Mask of `PG_workingset`. */
  PGF_workingset,
  /** Mask of `PG_owner_priv_1`. */
  PGF_owner_priv_1,
  /** Mask of `PG_reserved`. */
  PGF_reserved,
  /** Mask of `PG_private`. */
  PGF_private,
  /** Mask of `PG_reclaim`. */
  PGF_reclaim,
  /** Mask of `PG_swapbacked`. */
  PGF_swapbacked,
  /** Mask of `PG_unevictable`. */
  PGF_unevictable,
  /** Mask of `PG_mlocked`. */
  PGF_mlocked,
  /** Mask of `PG_hwpoison`. */
  PGF_hwpoison,
  /** Mask of `PG_tail`. */
  PGF_tail,
  /** Mask of `PG_buddy`. */
  PGF_buddy,
  /** Mask of `PG_hugetlb`. */
  PGF_hugetlb,
  /** Mask of `PG_movable_ops`. */
  PGF_movable_ops,
  /** Mask of `PG_partially_mapped`. */
  PGF_partially_mapped,
  /** Mask of `PG_isolated`. */
  PGF_isolated,
  /** Mask of `PG_anon_exclusive`. */
  PGF_anon_exclusive,
  /** Mask of `PG_swapcache`. */
  PGF_swapcache,
  /** Mask of `PG_large_rmappable`. */
  PGF_large_rmappable,
  /** Mask of `PG_zero`. */
  PGF_zero,
  /** Mask of every defined flag bit (0x0fffffff). */
  PAGE_FLAGS_MASK,
  /** Bit number → flag name as the kernel's `%pGp` prints it (index = bit). */
  PAGE_FLAG_NAMES,
  /** Formats a flags word `%pGp`-style (`uptodate|dirty|lru|head`) for logs and traces. */
  formatPageFlags,
  /** Parses `uptodate|dirty|lru|head` back into a flags word; EINVAL naming unknown flags. */
  parsePageFlags,
} from './page-flags';
export type {
  /** A flag name as printed by `%pGp` (`dirty`, `lru`, ...). */
  PageFlagName,
} from './page-flags';

export {
  /** Tag: `mapping` is an anon_vma handle (anonymous folio). */
  FOLIO_MAPPING_ANON,
  /** Tag bit that, together with FOLIO_MAPPING_ANON, marks a KSM folio. */
  FOLIO_MAPPING_ANON_KSM,
  /** Tags of a KSM folio (`FOLIO_MAPPING_ANON | FOLIO_MAPPING_ANON_KSM`): the handle is a KSM stable node. */
  FOLIO_MAPPING_KSM,
  /** All tag bits of the mapping word (0x3); only two bits, see folio-mapping.ts. */
  FOLIO_MAPPING_FLAGS,
  /** Handles are stored shifted left by this many bits, leaving room for the tags. */
  FOLIO_MAPPING_HANDLE_SHIFT,
  /** Handles must be below this (2^30) to fit a Uint32 word after the shift. */
  FOLIO_MAPPING_HANDLE_LIMIT,
  /** Mapping word of an anonymous folio whose anon_vma is `anonVmaHandle` (RangeError if ≥ 2^30). */
  mappingEncodeAnon,
  /** Mapping word of a KSM folio whose stable node is `ksmHandle` (RangeError if ≥ 2^30). */
  mappingEncodeKsm,
  /** Mapping word of a file folio whose address_space is `addressSpaceHandle` (0 = none). */
  mappingEncodeFile,
  /** True for anonymous folios, KSM included. Mirrors `folio_test_anon()`. */
  mappingIsAnon,
  /** True for KSM folios. Mirrors `folio_test_ksm()`. */
  mappingIsKsm,
  /** The handle without the tags (anon_vma, KSM node or address_space, by the tags). */
  mappingHandle,
} from './folio-mapping';

export {
  /** Bit 0: folio was mapped; the move restores its PTEs from migration entries. */
  FOLIO_WAS_MAPPED,
  /** Bit 1: folio was mlocked; the move drains the LRU afterwards. */
  FOLIO_WAS_MLOCKED,
  /** Bit 2: contents already copied by the batch copy, so the move skips `folio_mc_copy` (patch 3). */
  FOLIO_ALREADY_COPIED,
  /** V6 name of FOLIO_ALREADY_COPIED: the same bit, set per folio after its copy, consumed on first read. */
  FOLIO_CONTENT_COPIED,
  /** All three state bits (V5 includes ALREADY_COPIED): the mask extract splits by. */
  FOLIO_OLD_STATES,
  /** The anon_vma handle sits above the three state bits. */
  MIGRATE_INFO_ANON_VMA_SHIFT,
  /** anon_vma handles must be below this (2^29) to fit a Uint32 word after the shift. */
  MIGRATE_INFO_ANON_VMA_LIMIT,
  /** Stores `anonVma << 3 | states` in a slot. Mirrors `__migrate_folio_record()`. */
  migrateInfoRecord,
  /** Returns a slot's word and clears the slot. Mirrors `__migrate_folio_extract()`. */
  migrateInfoExtract,
  /** The anon_vma handle of a migrate_info word (0 = none). */
  migrateInfoAnonVma,
  /** The state bits of a migrate_info word. */
  migrateInfoStates,
  /** Sets the V6 per-folio FOLIO_CONTENT_COPIED marker, keeping the other bits. */
  migrateInfoMarkCopied,
  /** Reads and consumes the FOLIO_CONTENT_COPIED marker (clears only that bit). */
  migrateInfoTestAndClearCopied,
} from './migrate-info';

export {
  /** Never block: trylock only, no writeback wait; the unmap TLB flush is batched. */
  MIGRATE_ASYNC,
  /** May block on a folio lock (not for a folio that is not uptodate), but not on writeback. */
  MIGRATE_SYNC_LIGHT,
  /** May block on anything, including writeback. */
  MIGRATE_SYNC,
  /** Mode → trace string, as `mm_migrate_pages` prints it (index = mode). */
  MIGRATE_MODE_NAMES,
  /** True when `value` is a valid migration mode (0, 1 or 2). */
  isMigrateMode,
  /** The trace string of `mode` (`MIGRATE_SYNC`); RangeError for a non-mode. */
  migrateModeName,
  /** Parses `MIGRATE_SYNC_LIGHT` or `sync_light` (etc.); EINVAL listing the accepted spellings. */
  parseMigrateMode,
} from './migrate-mode';
export type {
  /** A migration mode value (`enum migrate_mode`). */
  MigrateMode,
  /** A mode's trace string (`MIGRATE_ASYNC`, ...). */
  MigrateModeName,
} from './migrate-mode';

export {
  /** Memory compaction (kcompactd, direct compaction, proactive compaction). */
  MR_COMPACTION,
  /** Soft-offlining a page with a memory error. */
  MR_MEMORY_FAILURE,
  /** Memory hot-remove: evacuating a range before offlining it. */
  MR_MEMORY_HOTPLUG,
  /** `move_pages(2)`, `migrate_pages(2)` or cpuset migration (trace string `syscall_or_cpuset`). */
  MR_SYSCALL,
  /** `mbind(2)` with MPOL_MF_MOVE. */
  MR_MEMPOLICY_MBIND,
  /** NUMA balancing moving a folio to the node that faults on it (promotion included). */
  MR_NUMA_MISPLACED,
  /** `alloc_contig_range()` (CMA, gigantic pages). */
  MR_CONTIG_RANGE,
  /** Moving a folio out of ZONE_MOVABLE/CMA before a long-term pin. */
  MR_LONGTERM_PIN,
  /** Memory tiering: demoting cold folios to a slower node. */
  MR_DEMOTION,
  /** DAMON-driven migration (DAMOS_MIGRATE_HOT/COLD). */
  MR_DAMON,
  /** Number of reasons (`MR_TYPES`): valid reasons are `0..MR_TYPES-1`. */
  MR_TYPES,
  /** Reason → trace string (`migrate_reason_names[]`, index = reason). */
  MIGRATE_REASON_NAMES,
  /** True when `value` is a valid reason (an integer in `0..MR_TYPES-1`). */
  isMigrateReason,
  /** The trace string of `reason` (`syscall_or_cpuset`); RangeError for a non-reason. */
  migrateReasonName,
  /** The reason whose trace string is `name` exactly, or -1. */
  migrateReasonByName,
  /** Parses one reason from its trace string (`demotion`); EINVAL listing every name. */
  parseMigrateReason,
} from './migrate-reason';
export type {
  /** A migration reason value (`enum migrate_reason`, without `MR_TYPES`). */
  MigrateReason,
  /** A reason's trace string (`compaction`, `demotion`, ...). */
  MigrateReasonName,
} from './migrate-reason';

export {
  /** The empty mask: no reason is offloaded. */
  REASON_MASK_NONE,
  /** Every reason `0..MR_TYPES-1` (0x3ff). */
  REASON_MASK_ALL,
  /** The mask with exactly `reasons` set (duplicates allowed). */
  reasonMaskOf,
  /** True when `mask` includes `reason`; the hot-path check (V6 `migrate_should_offload()`). */
  reasonMaskHas,
  /** True when `mask` is an integer using only the bits of `REASON_MASK_ALL`. */
  isReasonMask,
  /** Parses `compaction,demotion`, `all` or `none` into a mask; EINVAL naming the bad token. */
  parseReasonList,
  /** Formats a mask as `compaction,demotion` (enum order), `none` for 0; parses back exactly. */
  formatReasonMask,
} from './reason-mask';
