/**
 * address_space: a file's page cache (index → folio) and the VMAs mapping it (`i_mmap`), with
 * the `a_ops->migrate_folio` choice that decides how migration moves its folios: plain
 * `migrate_folio` (shmem), `filemap_migrate_folio` (most filesystems), `buffer_migrate_folio`
 * (buffer-head filesystems like ext4), `buffer_migrate_folio_norefs` (block devices), none
 * (falls back to `fallback_migrate_folio`), `hugetlbfs`, or `unmovable` (`AS_UNMOVABLE`,
 * inaccessible mappings: migration fails with -EOPNOTSUPP).
 */
import { PAGE_SIZE } from '@pagemig/folio';
import type { Vma } from './vma';

/** How the a_ops migrate a folio of this mapping. */
export type MigrateFolioOp =
  | 'migrate_folio'
  | 'filemap_migrate_folio'
  | 'buffer_migrate_folio'
  | 'buffer_migrate_folio_norefs'
  | 'hugetlbfs'
  | 'none'
  | 'unmovable';

/** The migrate_folio ops a user may choose for a file. */
export const MIGRATE_FOLIO_OPS: readonly MigrateFolioOp[] = [
  'migrate_folio',
  'filemap_migrate_folio',
  'buffer_migrate_folio',
  'buffer_migrate_folio_norefs',
  'hugetlbfs',
  'none',
  'unmovable',
];

/** Buffer heads attached to a folio (`folio->private` for buffer-head filesystems). */
export interface BufferHeads {
  /** Buffer heads locked by I/O (`lock_buffer()`); migration needs them all. */
  locked: number;
  /** Extra `b_count` references; the norefs variant needs none. */
  refs: number;
}

/** What kind of object backs the mapping. */
export type AddressSpaceKind = 'file' | 'shmem' | 'hugetlbfs';

/** One file's page cache. */
export class AddressSpace {
  /** Handle stored in folio mapping words (>= 1). */
  readonly handle: number;
  readonly name: string;
  readonly kind: AddressSpaceKind;
  readonly migrateFolio: MigrateFolioOp;
  /** Size in pages (`i_size` rounded up): a fault at or past it gets SIGBUS. */
  sizePages: number;
  /** Size in bytes (`i_size`): reads stop there. */
  size: number;
  /** Page index → head PFN of the folio caching it (every index of a large folio is listed). */
  readonly pages = new Map<number, number>();
  /** VMAs mapping this file (`i_mmap`). */
  readonly iMmap: Vma[] = [];
  /** Buffer heads by head PFN (buffer_migrate_folio filesystems). */
  readonly buffers = new Map<number, BufferHeads>();
  /** Tasks waiting for a folio's buffer heads to be unlocked, by head PFN (`wait_on_buffer()`). */
  readonly bufferWaiters = new Map<number, (() => void)[]>();
  /** Folios cached (not pages). */
  nrFolios = 0;
  /**
   * An unlinked file (the shmem or hugetlbfs object behind MAP_SHARED|MAP_ANONYMOUS): its pages
   * are freed when its last mapping goes away.
   */
  deleted = false;

  constructor(handle: number, name: string, kind: AddressSpaceKind, migrateFolio: MigrateFolioOp, sizePages: number, size = sizePages * PAGE_SIZE) {
    this.handle = handle;
    this.name = name;
    this.kind = kind;
    this.migrateFolio = migrateFolio;
    this.sizePages = sizePages;
    this.size = size;
  }

  /** Sets `i_size` in bytes and the page count with it (`i_size_write()`). */
  setSize(bytes: number): void {
    this.size = bytes;
    this.sizePages = Math.ceil(bytes / PAGE_SIZE);
  }

  /** Head PFN caching page `index`, or -1 (mirrors `filemap_get_folio()` without the ref). */
  lookup(index: number): number {
    return this.pages.get(index) ?? -1;
  }

  /** Caches a folio of `nr` pages at `index` (mirrors the xarray part of `__filemap_add_folio()`). */
  insert(index: number, folio: number, nr: number): void {
    for (let i = 0; i < nr; i++) this.pages.set(index + i, folio);
    this.nrFolios++;
  }

  /** Replaces `src` by `dst` in every slot it occupies (mirrors the xarray store of `__folio_migrate_mapping()`). */
  replace(index: number, src: number, dst: number, nr: number): void {
    for (let i = 0; i < nr; i++) {
      if (this.pages.get(index + i) !== src) throw new Error(`${this.name}: slot ${index + i} does not hold folio ${src}`);
      this.pages.set(index + i, dst);
    }
    const bh = this.buffers.get(src);
    if (bh !== undefined) {
      this.buffers.delete(src);
      this.buffers.set(dst, bh);
    }
  }

  /** Removes a folio from the cache (truncate). */
  remove(index: number, nr: number): void {
    for (let i = 0; i < nr; i++) this.pages.delete(index + i);
    this.nrFolios--;
  }

  /** Links a VMA into `i_mmap`. */
  link(vma: Vma): void {
    this.iMmap.push(vma);
  }

  /** Unlinks a VMA from `i_mmap`. */
  unlink(vma: Vma): void {
    const i = this.iMmap.indexOf(vma);
    if (i >= 0) this.iMmap.splice(i, 1);
  }
}
