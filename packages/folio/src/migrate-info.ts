/**
 * The destination folio's `migrate_info` word: the state carried from unmap to move.
 *
 * Between `migrate_folio_unmap()` and `migrate_folio_move()` the kernel keeps
 * `anon_vma pointer | old-state bits` in the dst folio (upstream in `dst->private`, the series in
 * the new `dst->migrate_info`, patch 2). The pointer is 8-byte aligned on 64-bit, so the low three
 * bits are free for the states. pagemig stores the anon_vma as a handle shifted left by
 * `MIGRATE_INFO_ANON_VMA_SHIFT` (3) in one Uint32 slot per frame: `anonVmaHandle << 3 | states`.
 * Handle 0 plays the NULL anon_vma (file folios, movable_ops pages).
 *
 * Everything works on a `Uint32Array` slot and allocates nothing, so it is safe in per-folio loops.
 * Bad arguments are programming errors and throw RangeError.
 */

/** The folio was mapped at unmap time: its PTEs became migration entries that the move restores. */
export const FOLIO_WAS_MAPPED = 1 << 0;
/** The folio was mlocked at unmap time: the move drains the LRU so dst lands on the unevictable list. */
export const FOLIO_WAS_MLOCKED = 1 << 1;
/**
 * The folio's contents were already copied (by the batch copy), so `__migrate_folio` skips
 * `folio_mc_copy` (patch 3). Needs the 8-byte alignment: BIT(2) is 64-bit only in the kernel.
 */
export const FOLIO_ALREADY_COPIED = 1 << 2;
/**
 * V6 name of {@link FOLIO_ALREADY_COPIED} (David Hildenbrand's "content copied"): the same bit,
 * set per folio right after its own copy and consumed on first read, so a retry copies afresh.
 */
export const FOLIO_CONTENT_COPIED = FOLIO_ALREADY_COPIED;
/** Every state bit (V5 includes ALREADY_COPIED); what extract masks off to find the anon_vma. */
export const FOLIO_OLD_STATES = FOLIO_WAS_MAPPED | FOLIO_WAS_MLOCKED | FOLIO_ALREADY_COPIED;
/** The anon_vma handle sits above the three state bits. */
export const MIGRATE_INFO_ANON_VMA_SHIFT = 3;
/** anon_vma handles must be below this (2^29) to fit a Uint32 word after the shift. */
export const MIGRATE_INFO_ANON_VMA_LIMIT = 2 ** 29;

function checkIndex(fn: string, info: Uint32Array, index: number): void {
  if ((index >>> 0) !== index || index >= info.length) {
    throw new RangeError(`${fn}: index ${String(index)} is outside 0..${info.length - 1}`);
  }
}

/**
 * Stores `anonVma << 3 | states` in `info[index]`, overwriting it. Mirrors
 * `__migrate_folio_record()`; `migrateInfoRecord(info, i, 0, 0)` is unmap's "zero dst's state".
 * RangeError for a handle outside 0..2^29-1 or states outside `FOLIO_OLD_STATES`.
 */
export function migrateInfoRecord(info: Uint32Array, index: number, anonVma: number, states: number): void {
  checkIndex('migrateInfoRecord', info, index);
  if ((anonVma >>> 0) !== anonVma || anonVma >= MIGRATE_INFO_ANON_VMA_LIMIT) {
    throw new RangeError(`migrateInfoRecord: anon_vma handle ${String(anonVma)} is not an integer in 0..2^29-1`);
  }
  if ((states >>> 0) !== states || (states & ~FOLIO_OLD_STATES) !== 0) {
    throw new RangeError(`migrateInfoRecord: states ${String(states)} has bits outside FOLIO_OLD_STATES (0x7)`);
  }
  info[index] = (anonVma << MIGRATE_INFO_ANON_VMA_SHIFT) | states;
}

/**
 * Returns the word in `info[index]` and clears the slot to 0. Mirrors `__migrate_folio_extract()`
 * ("extract clears the word"); split the result with {@link migrateInfoAnonVma} and
 * {@link migrateInfoStates}. A move that fails with -EAGAIN must record the state again.
 */
export function migrateInfoExtract(info: Uint32Array, index: number): number {
  checkIndex('migrateInfoExtract', info, index);
  const word = info[index]!;
  info[index] = 0;
  return word;
}

/** The anon_vma handle of a migrate_info word (0 = none). */
export function migrateInfoAnonVma(word: number): number {
  return word >>> MIGRATE_INFO_ANON_VMA_SHIFT;
}

/** The state bits of a migrate_info word (`FOLIO_WAS_MAPPED | FOLIO_WAS_MLOCKED | FOLIO_ALREADY_COPIED`). */
export function migrateInfoStates(word: number): number {
  return word & FOLIO_OLD_STATES;
}

/**
 * Sets `FOLIO_CONTENT_COPIED` in `info[index]`, keeping the other bits: the V6 per-folio marker,
 * set right after this folio's copy succeeded.
 */
export function migrateInfoMarkCopied(info: Uint32Array, index: number): void {
  checkIndex('migrateInfoMarkCopied', info, index);
  info[index] = info[index]! | FOLIO_CONTENT_COPIED;
}

/**
 * Returns whether `FOLIO_CONTENT_COPIED` was set in `info[index]` and clears only that bit (the
 * anon_vma and other states stay). This is V6's "consumed on first read": `__migrate_folio` skips
 * the copy once, and a retried move copies again.
 */
export function migrateInfoTestAndClearCopied(info: Uint32Array, index: number): boolean {
  checkIndex('migrateInfoTestAndClearCopied', info, index);
  const word = info[index]!;
  if ((word & FOLIO_CONTENT_COPIED) === 0) return false;
  info[index] = word & ~FOLIO_CONTENT_COPIED;
  return true;
}
