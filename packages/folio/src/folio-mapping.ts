/**
 * The `folio->mapping` word with the kernel's low tag bits, as a Uint32 "mapping handle".
 *
 * In the kernel `folio->mapping` points at an `address_space` (file folios) or, tagged with
 * `FOLIO_MAPPING_ANON`, at an `anon_vma`; KSM folios carry `FOLIO_MAPPING_KSM`. The tags fit in
 * the low bits because the pointed-to objects are aligned. pagemig has no pointers: a mapping is a
 * small integer handle (an index into the owner's table) stored shifted left by
 * `FOLIO_MAPPING_HANDLE_SHIFT` (2), so the two low bits hold the tags.
 *
 * Only two tag bits exist, and no third can be added: on 32-bit kernels these objects are only
 * 4-byte aligned, so `FOLIO_MAPPING_FLAGS` is limited to 2 bits (David Hildenbrand's review point
 * on the series; the same alignment reasoning is why `migrate_info`'s third bit is 64-bit only).
 */

/** Tag: `mapping` is an anon_vma handle (anonymous folio). */
export const FOLIO_MAPPING_ANON = 0x1;
/** Tag bit that, together with FOLIO_MAPPING_ANON, marks a KSM folio. */
export const FOLIO_MAPPING_ANON_KSM = 0x2;
/** Tags of a KSM folio (`FOLIO_MAPPING_ANON | FOLIO_MAPPING_ANON_KSM`): the handle is a KSM stable node. */
export const FOLIO_MAPPING_KSM = FOLIO_MAPPING_ANON | FOLIO_MAPPING_ANON_KSM;
/** All tag bits of the mapping word (0x3); the rest is the handle. */
export const FOLIO_MAPPING_FLAGS = 0x3;
/** Handles are stored shifted left by this many bits, leaving room for the tags. */
export const FOLIO_MAPPING_HANDLE_SHIFT = 2;
/** Handles must be below this (2^30) to fit a Uint32 word after the shift. */
export const FOLIO_MAPPING_HANDLE_LIMIT = 2 ** 30;

function encode(handle: number, tags: number, fn: string): number {
  if ((handle >>> 0) !== handle || handle >= FOLIO_MAPPING_HANDLE_LIMIT) {
    throw new RangeError(`${fn}: handle ${String(handle)} is not an integer in 0..2^30-1`);
  }
  return ((handle << FOLIO_MAPPING_HANDLE_SHIFT) | tags) >>> 0;
}

/** Mapping word of an anonymous folio whose anon_vma is `anonVmaHandle` (RangeError if ≥ 2^30). */
export function mappingEncodeAnon(anonVmaHandle: number): number {
  return encode(anonVmaHandle, FOLIO_MAPPING_ANON, 'mappingEncodeAnon');
}

/** Mapping word of a KSM folio whose stable node is `ksmHandle` (RangeError if ≥ 2^30). */
export function mappingEncodeKsm(ksmHandle: number): number {
  return encode(ksmHandle, FOLIO_MAPPING_KSM, 'mappingEncodeKsm');
}

/** Mapping word of a file folio whose address_space is `addressSpaceHandle`; handle 0 is no mapping. */
export function mappingEncodeFile(addressSpaceHandle: number): number {
  return encode(addressSpaceHandle, 0, 'mappingEncodeFile');
}

/** True for anonymous folios, KSM included. Mirrors `folio_test_anon()`. */
export function mappingIsAnon(word: number): boolean {
  return (word & FOLIO_MAPPING_ANON) !== 0;
}

/** True for KSM folios (both tag bits set). Mirrors `folio_test_ksm()`. */
export function mappingIsKsm(word: number): boolean {
  return (word & FOLIO_MAPPING_FLAGS) === FOLIO_MAPPING_KSM;
}

/** The handle without the tags (anon_vma, KSM node or address_space, by the tags). */
export function mappingHandle(word: number): number {
  return word >>> FOLIO_MAPPING_HANDLE_SHIFT;
}
