/**
 * Page / folio flags: one Uint32 word per 4 KiB frame in the memmap of `@pagemig/mm`.
 *
 * Bit numbers keep the kernel spelling (`PG_locked`), and `PGF_*` are the matching masks to use in
 * hot loops (`(flags[pfn] & PGF_dirty) !== 0`). The assignment is pagemig's own and is fixed: the
 * memory model depends on it. Bits 0..27 are defined; bits 28..31 are kept free.
 *
 * Some of these are not page flags in the kernel (`tail` is a bit in `compound_head`; `buddy`,
 * `hugetlb` and `zero` are page types, `isolated`/`anon_exclusive`/`swapcache` are aliases of other
 * bits). The model keeps each one as its own bit so a frame's whole state is one word.
 */
import { KernelError } from '@pagemig/kernel';

/** Folio lock held (`folio_lock`); migration holds src and dst locked from unmap to move. */
export const PG_locked = 0;
/** Writeback in flight; only MIGRATE_SYNC waits for it, other modes fail with -EBUSY. */
export const PG_writeback = 1;
/** Recently referenced (LRU aging). */
export const PG_referenced = 2;
/** Contents valid; SYNC_LIGHT will not block on the lock of a folio that is not uptodate. */
export const PG_uptodate = 3;
/** Contents newer than backing store; `fallback_migrate_folio` refuses dirty folios. */
export const PG_dirty = 4;
/** On an LRU list (isolation takes it off). */
export const PG_lru = 5;
/** First frame of a large folio: the frame whose PFN names the folio. */
export const PG_head = 6;
/** Someone sleeps waiting on this folio's lock or writeback. */
export const PG_waiters = 7;
/** On the active LRU list. */
export const PG_active = 8;
/** Part of a workload's working set (refault detection). */
export const PG_workingset = 9;
/** Owner-private bit 1 (filesystem use). */
export const PG_owner_priv_1 = 10;
/** Reserved frame: never allocated, never migrated. */
export const PG_reserved = 11;
/** `folio->private` holds data (e.g. buffer heads) that must move with the folio. */
export const PG_private = 12;
/** Queued for reclaim once writeback ends. */
export const PG_reclaim = 13;
/** Backed by swap or shmem rather than a file (anon and shmem folios). */
export const PG_swapbacked = 14;
/** On the unevictable list. */
export const PG_unevictable = 15;
/** Mlocked; migration records FOLIO_WAS_MLOCKED and drains the LRU after the move. */
export const PG_mlocked = 16;
/** Hardware-poisoned; a copy from it fails with -EHWPOISON. */
export const PG_hwpoison = 17;
/** Frame inside a large folio other than the head. */
export const PG_tail = 18;
/** Free in the buddy allocator (head frame of a free block). */
export const PG_buddy = 19;
/** Head of a hugetlb folio (migrated by the hugetlb path, never batched). */
export const PG_hugetlb = 20;
/** Balloon-like page migrated through movable_ops, not a folio; never batch-copied. */
export const PG_movable_ops = 21;
/** Large folio with some pages unmapped (deferred-split candidate). */
export const PG_partially_mapped = 22;
/** A movable_ops page that is isolated for migration. */
export const PG_isolated = 23;
/** Anon page mapped exclusively by one process (must survive migration). */
export const PG_anon_exclusive = 24;
/** In the swap cache. */
export const PG_swapcache = 25;
/** Large folio that is on the rmap and deferred-split lists (THP, mTHP). */
export const PG_large_rmappable = 26;
/** The shared zero page; never migrated. */
export const PG_zero = 27;
/** Number of defined flag bits (kernel `__NR_PAGEFLAGS`); bits from here to 31 are free. */
export const NR_PAGEFLAGS = 28;

/** Mask of `PG_locked`. */
export const PGF_locked = 1 << PG_locked;
/** Mask of `PG_writeback`. */
export const PGF_writeback = 1 << PG_writeback;
/** Mask of `PG_referenced`. */
export const PGF_referenced = 1 << PG_referenced;
/** Mask of `PG_uptodate`. */
export const PGF_uptodate = 1 << PG_uptodate;
/** Mask of `PG_dirty`. */
export const PGF_dirty = 1 << PG_dirty;
/** Mask of `PG_lru`. */
export const PGF_lru = 1 << PG_lru;
/** Mask of `PG_head`. */
export const PGF_head = 1 << PG_head;
/** Mask of `PG_waiters`. */
export const PGF_waiters = 1 << PG_waiters;
/** Mask of `PG_active`. */
export const PGF_active = 1 << PG_active;
/** Mask of `PG_workingset`. */
export const PGF_workingset = 1 << PG_workingset;
/** Mask of `PG_owner_priv_1`. */
export const PGF_owner_priv_1 = 1 << PG_owner_priv_1;
/** Mask of `PG_reserved`. */
export const PGF_reserved = 1 << PG_reserved;
/** Mask of `PG_private`. */
export const PGF_private = 1 << PG_private;
/** Mask of `PG_reclaim`. */
export const PGF_reclaim = 1 << PG_reclaim;
/** Mask of `PG_swapbacked`. */
export const PGF_swapbacked = 1 << PG_swapbacked;
/** Mask of `PG_unevictable`. */
export const PGF_unevictable = 1 << PG_unevictable;
/** Mask of `PG_mlocked`. */
export const PGF_mlocked = 1 << PG_mlocked;
/** Mask of `PG_hwpoison`. */
export const PGF_hwpoison = 1 << PG_hwpoison;
/** Mask of `PG_tail`. */
export const PGF_tail = 1 << PG_tail;
/** Mask of `PG_buddy`. */
export const PGF_buddy = 1 << PG_buddy;
/** Mask of `PG_hugetlb`. */
export const PGF_hugetlb = 1 << PG_hugetlb;
/** Mask of `PG_movable_ops`. */
export const PGF_movable_ops = 1 << PG_movable_ops;
/** Mask of `PG_partially_mapped`. */
export const PGF_partially_mapped = 1 << PG_partially_mapped;
/** Mask of `PG_isolated`. */
export const PGF_isolated = 1 << PG_isolated;
/** Mask of `PG_anon_exclusive`. */
export const PGF_anon_exclusive = 1 << PG_anon_exclusive;
/** Mask of `PG_swapcache`. */
export const PGF_swapcache = 1 << PG_swapcache;
/** Mask of `PG_large_rmappable`. */
export const PGF_large_rmappable = 1 << PG_large_rmappable;
/** Mask of `PG_zero`. */
export const PGF_zero = 1 << PG_zero;
/** Every defined flag bit (0..27); `word & ~PAGE_FLAGS_MASK` are the free bits 28..31. */
export const PAGE_FLAGS_MASK = (1 << NR_PAGEFLAGS) - 1;

/** Bit number → flag name as the kernel's `%pGp` prints it (index = bit). */
export const PAGE_FLAG_NAMES = [
  'locked',
  'writeback',
  'referenced',
  'uptodate',
  'dirty',
  'lru',
  'head',
  'waiters',
  'active',
  'workingset',
  'owner_priv_1',
  'reserved',
  'private',
  'reclaim',
  'swapbacked',
  'unevictable',
  'mlocked',
  'hwpoison',
  'tail',
  'buddy',
  'hugetlb',
  'movable_ops',
  'partially_mapped',
  'isolated',
  'anon_exclusive',
  'swapcache',
  'large_rmappable',
  'zero',
] as const;

/** A flag name as printed by `%pGp` (`dirty`, `lru`, ...). */
export type PageFlagName = (typeof PAGE_FLAG_NAMES)[number];

const FLAG_BY_NAME: ReadonlyMap<string, number> = new Map(PAGE_FLAG_NAMES.map((name, bit) => [name, bit]));

function checkWord(fn: string, word: number): number {
  if (!Number.isInteger(word) || word < -0x8000_0000 || word > 0xffff_ffff) {
    throw new RangeError(`${fn}: ${String(word)} is not a 32-bit flags word`);
  }
  return word >>> 0;
}

/**
 * Formats a flags word like the kernel's `%pGp`, without the leading hex: names in bit order joined
 * by `|` (`uptodate|dirty|lru|head`), `''` for 0. Set bits 28..31 have no name and are appended as
 * one hex token (`dirty|0x10000000`), as the kernel does for unknown bits. Accepts the unsigned or
 * the signed (Int32) view of the word; anything else throws RangeError.
 */
export function formatPageFlags(word: number): string {
  const w = checkWord('formatPageFlags', word);
  let out = '';
  for (let bit = 0; bit < NR_PAGEFLAGS; bit++) {
    if ((w & (1 << bit)) !== 0) out += (out === '' ? '' : '|') + PAGE_FLAG_NAMES[bit];
  }
  const rest = (w & ~PAGE_FLAGS_MASK) >>> 0;
  if (rest !== 0) out += `${out === '' ? '' : '|'}0x${rest.toString(16)}`;
  return out;
}

const PAGE_FLAGS_ACCEPTED =
  `accepted: flag names joined by "|" (${PAGE_FLAG_NAMES.join(', ')}), each optionally with ` +
  'the PG_ prefix, or a 0x hex token for raw bits; an empty string is no flags';

/**
 * Parses `uptodate|dirty|lru|head` (the output of {@link formatPageFlags}) into a flags word.
 * Names may carry the `PG_` prefix; a `0x…` token sets raw bits (that is how bits 28..31 print);
 * whitespace around tokens is ignored; `''` is 0; repeats are harmless. An unknown or empty token
 * throws `KernelError('EINVAL')` naming it and listing every accepted name.
 */
export function parsePageFlags(text: string): number {
  if (typeof text !== 'string') {
    throw new KernelError('EINVAL', `parsePageFlags: expected a string, got ${typeof text}; ${PAGE_FLAGS_ACCEPTED}`);
  }
  const trimmed = text.trim();
  if (trimmed === '') return 0;
  let word = 0;
  for (const raw of trimmed.split('|')) {
    const token = raw.trim();
    const name = token.startsWith('PG_') ? token.slice(3) : token;
    const bit = FLAG_BY_NAME.get(name);
    if (bit !== undefined) {
      word |= 1 << bit;
    } else if (/^0x[0-9a-f]{1,8}$/i.test(token)) {
      word |= Number.parseInt(token.slice(2), 16);
    } else {
      const what = token === '' ? 'empty page flag' : `unknown page flag ${JSON.stringify(token)}`;
      throw new KernelError('EINVAL', `parsePageFlags: ${what} in ${JSON.stringify(text)}; ${PAGE_FLAGS_ACCEPTED}`);
    }
  }
  return word >>> 0;
}
