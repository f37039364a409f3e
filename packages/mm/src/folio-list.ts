/**
 * A doubly linked list of folios threaded through the memmap's `lruNext`/`lruPrev` arrays,
 * like the kernel's `list_head` in `folio->lru`. A folio is on at most one list at a time
 * (an LRU list, a buddy free list, or a migration list), and adding it allocates nothing.
 */
import type { Memmap } from './memmap';

/** End-of-list marker. */
export const NIL = -1;

/** A list of head PFNs linked through the memmap. */
export class FolioList {
  head = NIL;
  tail = NIL;
  count = 0;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;

  constructor(memmap: Memmap) {
    this.next = memmap.lruNext;
    this.prev = memmap.lruPrev;
  }

  /** True when empty (mirrors `list_empty()`). */
  isEmpty(): boolean {
    return this.count === 0;
  }

  /** First folio or NIL. */
  first(): number {
    return this.head;
  }

  /** Folio after `folio` or NIL. */
  nextOf(folio: number): number {
    return this.next[folio]!;
  }

  /** Folio before `folio` or NIL. */
  prevOf(folio: number): number {
    return this.prev[folio]!;
  }

  /** Appends (mirrors `list_add_tail()`). */
  add(folio: number): void {
    this.next[folio] = NIL;
    this.prev[folio] = this.tail;
    if (this.tail === NIL) this.head = folio;
    else this.next[this.tail] = folio;
    this.tail = folio;
    this.count++;
  }

  /** Prepends (mirrors `list_add()` at the head). */
  addHead(folio: number): void {
    this.insertAfter(NIL, folio);
  }

  /** Inserts `folio` after `prev` (NIL = at the head); restores a remembered position. */
  insertAfter(prev: number, folio: number): void {
    const after = prev === NIL ? this.head : this.next[prev]!;
    this.prev[folio] = prev;
    this.next[folio] = after;
    if (prev === NIL) this.head = folio;
    else this.next[prev] = folio;
    if (after === NIL) this.tail = folio;
    else this.prev[after] = folio;
    this.count++;
  }

  /** Unlinks (mirrors `list_del()`). The caller knows the folio is on this list. */
  del(folio: number): void {
    const n = this.next[folio]!;
    const p = this.prev[folio]!;
    if (p === NIL) this.head = n;
    else this.next[p] = n;
    if (n === NIL) this.tail = p;
    else this.prev[n] = p;
    this.next[folio] = NIL;
    this.prev[folio] = NIL;
    this.count--;
  }

  /** Removes and returns the first folio, or NIL. */
  shift(): number {
    const folio = this.head;
    if (folio !== NIL) this.del(folio);
    return folio;
  }

  /** Moves every folio of `other` to the end of this list (mirrors `list_splice_tail_init()`). */
  spliceTail(other: FolioList): void {
    if (other.count === 0) return;
    if (this.tail === NIL) {
      this.head = other.head;
    } else {
      this.next[this.tail] = other.head;
      this.prev[other.head] = this.tail;
    }
    this.tail = other.tail;
    this.count += other.count;
    other.head = other.tail = NIL;
    other.count = 0;
  }

  /** The folios in order (for tests, views and once-per-batch snapshots). */
  toArray(): number[] {
    const out: number[] = [];
    for (let f = this.head; f !== NIL; f = this.next[f]!) out.push(f);
    return out;
  }
}
