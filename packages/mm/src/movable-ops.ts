/**
 * movable_ops: pages that are not folios on the LRU but can still be migrated through their
 * driver's callbacks (balloon, zsmalloc; mirrors `struct movable_operations`). The migrate layer
 * finds the driver of a `PG_movable_ops` page through `System.movableOpsOwner()`.
 */
import type { MigrateMode } from '@pagemig/folio';

/** A driver's movable_ops callbacks. */
export interface MovableOperations {
  /** Name shown in views. */
  readonly name: string;
  /** True when `pfn` is one of the driver's pages. */
  owns(pfn: number): boolean;
  /** Takes the page off the driver's own lists for migration; false when busy (`isolate_page`). */
  isolate(pfn: number): boolean;
  /** Moves the driver's use of `src` to `dst` (contents included); 0 or -errno (`migrate_page`). */
  migratePage(dst: number, src: number, mode: MigrateMode): number;
  /** Returns an isolated page that was not migrated (`putback_page`). */
  putback(pfn: number): void;
  /** The driver's own consistency rules, reported by `checkInvariants()` (optional). */
  check?(): string[];
}
