/**
 * LRU lists per node: inactive/active anon, inactive/active file and unevictable (mirrors the
 * lists of a `lruvec`). The LRU holds no reference; isolating a folio for migration takes one
 * and clears `PG_lru` (mirrors `folio_isolate_lru()`), putting it back drops it
 * (`folio_putback_lru()`).
 */
import { PGF_active, PGF_lru, PGF_mlocked, PGF_swapbacked, PGF_unevictable } from '@pagemig/folio';
import { FolioList } from './folio-list';
import type { Memmap } from './memmap';

/** Inactive anonymous (and shmem) folios; list numbers follow the kernel's `enum lru_list`. */
export const LRU_INACTIVE_ANON = 0;
/** Active anonymous (and shmem) folios. */
export const LRU_ACTIVE_ANON = 1;
/** Inactive page-cache folios. */
export const LRU_INACTIVE_FILE = 2;
/** Active page-cache folios. */
export const LRU_ACTIVE_FILE = 3;
/** mlocked or otherwise unevictable folios. */
export const LRU_UNEVICTABLE = 4;
/** LRU lists per node. */
export const NR_LRU_LISTS = 5;

/** Names of the LRU lists as `/proc/meminfo` shows them. */
export const LRU_NAMES = ['Inactive(anon)', 'Active(anon)', 'Inactive(file)', 'Active(file)', 'Unevictable'] as const;

/** The LRU lists of every node, with page counts per list. */
export class Lru {
  /** lists[nid * NR_LRU_LISTS + lru] */
  readonly lists: FolioList[];
  /** Pages per list, same indexing. */
  readonly nrPages: Float64Array;
  /** Pages isolated from the LRU for migration per node: [anon, file] (NR_ISOLATED_*). */
  readonly nrIsolated: Float64Array;
  private readonly memmap: Memmap;
  private readonly pfnToNid: (pfn: number) => number;

  constructor(memmap: Memmap, nrNodes: number, pfnToNid: (pfn: number) => number) {
    this.memmap = memmap;
    this.pfnToNid = pfnToNid;
    this.lists = Array.from({ length: nrNodes * NR_LRU_LISTS }, () => new FolioList(memmap));
    this.nrPages = new Float64Array(nrNodes * NR_LRU_LISTS);
    this.nrIsolated = new Float64Array(nrNodes * 2);
  }

  /** Which list a folio belongs on (mirrors `folio_lru_list()`). */
  folioLruList(folio: number): number {
    const f = this.memmap.flags[folio]!;
    if ((f & (PGF_unevictable | PGF_mlocked)) !== 0) return LRU_UNEVICTABLE;
    const base = (f & PGF_swapbacked) !== 0 ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
    return base + ((f & PGF_active) !== 0 ? 1 : 0);
  }

  /** Puts a folio on its node's LRU (mirrors `folio_add_lru()` after the batch drains). */
  folioAddLru(folio: number): void {
    const mm = this.memmap;
    if ((mm.flags[folio]! & PGF_lru) !== 0) throw new Error(`folio ${folio} is already on an LRU`);
    const lru = this.folioLruList(folio);
    if (lru === LRU_UNEVICTABLE) mm.flags[folio]! |= PGF_unevictable;
    const idx = this.pfnToNid(folio) * NR_LRU_LISTS + lru;
    mm.flags[folio]! |= PGF_lru;
    this.lists[idx]!.add(folio);
    this.nrPages[idx]! += mm.folioNrPages(folio);
  }

  /** Takes a folio off its LRU list without touching references (`lruvec_del_folio()`). */
  lruDel(folio: number): void {
    const mm = this.memmap;
    const idx = this.pfnToNid(folio) * NR_LRU_LISTS + this.folioLruList(folio);
    this.lists[idx]!.del(folio);
    this.nrPages[idx]! -= mm.folioNrPages(folio);
    mm.flags[folio]! &= ~PGF_lru;
  }

  /**
   * Isolates a folio from the LRU for migration: clears `PG_lru`, takes a reference and unlinks
   * it; false when it was not on an LRU (mirrors `folio_isolate_lru()`).
   */
  folioIsolateLru(folio: number): boolean {
    if ((this.memmap.flags[folio]! & PGF_lru) === 0) return false;
    this.memmap.folioGet(folio);
    this.lruDel(folio);
    return true;
  }

  /** Accounts a folio isolated for migration (`NR_ISOLATED_ANON/FILE`), or undoes it with a negative sign. */
  modIsolated(folio: number, sign: 1 | -1): void {
    const file = (this.memmap.flags[folio]! & PGF_swapbacked) === 0 ? 1 : 0;
    this.nrIsolated[this.pfnToNid(folio) * 2 + file]! += sign * this.memmap.folioNrPages(folio);
  }

  /**
   * Marks a folio mlocked; one on an LRU moves to the unevictable list, because the list a folio
   * sits on is derived from its flags (mirrors `mlock_folio()`).
   */
  mlockFolio(folio: number): void {
    const flags = this.memmap.flags;
    if ((flags[folio]! & PGF_mlocked) !== 0) return;
    if ((flags[folio]! & PGF_lru) === 0) {
      flags[folio]! |= PGF_mlocked;
      return;
    }
    this.lruDel(folio);
    flags[folio]! |= PGF_mlocked;
    this.folioAddLru(folio);
  }

  /** Pages on one list of one node. */
  pages(nid: number, lru: number): number {
    return this.nrPages[nid * NR_LRU_LISTS + lru]!;
  }
}
