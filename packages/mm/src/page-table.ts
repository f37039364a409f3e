/**
 * A process's page tables with a PMD level and a PTE level (x86-64 with 4 KiB pages: a PMD
 * entry covers 2 MiB, a PTE table holds 512 entries). PTE tables live in pooled typed arrays,
 * so a million mapped pages cost two arrays, not a million objects.
 *
 * An entry is a PFN plus a byte of bits. Present entries map a frame; a migration entry is
 * not present and names the frame being migrated (mirrors `make_migration_entry()`); a
 * special present entry maps the shared zero page; a protnone entry is a present mapping made
 * inaccessible for NUMA hinting faults.
 */
import { HPAGE_PMD_NR, HPAGE_PMD_SIZE, PAGE_SIZE } from '@pagemig/folio';

/** Entry maps a frame. */
export const PTE_PRESENT = 0x01;
/** Writable mapping (or a writable migration entry). */
export const PTE_WRITE = 0x02;
/** Written through this mapping. */
export const PTE_DIRTY = 0x04;
/** Accessed through this mapping. */
export const PTE_YOUNG = 0x08;
/** Migration entry (not present): a fault on it waits for the migration to finish. */
export const PTE_MIGRATION = 0x10;
/** Special mapping with no refcount or mapcount (the zero page). */
export const PTE_SPECIAL = 0x20;
/** Present but inaccessible: a NUMA hinting fault is taken on access (`pte_protnone()`). */
export const PTE_PROTNONE = 0x40;
/** Anon page exclusive to this mapping (migration entries keep it, `readable_exclusive`). */
export const PTE_EXCLUSIVE = 0x80;

const PTRS_PER_PTE = HPAGE_PMD_NR;
const NO_TABLE = -1;

/** A leaf PMD entry (a PMD-mapped THP or a PMD migration entry). */
export interface PmdLeaf {
  pfn: number;
  bits: number;
}

/** The page tables of one mm. */
export class PageTable {
  /** PMD index (va / 2 MiB) → PTE table id (≥ 0) or an encoded leaf (< 0). */
  private readonly pmds = new Map<number, number>();
  private ptePfn: Int32Array;
  private pteBits: Uint8Array;
  private readonly freeTables: number[] = [];
  private nrTables = 0;
  /** Entries currently set in each PTE table (to free empty tables). */
  private tableUse: Int32Array;

  /** One-entry cache of the last PMD looked up: faults and walks hit the same PMD 512 times in a row. */
  private cachePmd = -1;
  private cacheEntry: number | undefined = undefined;

  private pmdGet(pmd: number): number | undefined {
    if (pmd === this.cachePmd) return this.cacheEntry;
    const entry = this.pmds.get(pmd);
    this.cachePmd = pmd;
    this.cacheEntry = entry;
    return entry;
  }

  private pmdSet(pmd: number, entry: number): void {
    this.pmds.set(pmd, entry);
    this.cachePmd = pmd;
    this.cacheEntry = entry;
  }

  private pmdDelete(pmd: number): void {
    this.pmds.delete(pmd);
    if (pmd === this.cachePmd) this.cacheEntry = undefined;
  }

  constructor(initialTables = 4) {
    this.ptePfn = new Int32Array(initialTables * PTRS_PER_PTE);
    this.pteBits = new Uint8Array(initialTables * PTRS_PER_PTE);
    this.tableUse = new Int32Array(initialTables);
  }

  /** PTE tables in use (page-table memory of the process, as `VmPTE` counts it). */
  get tablesInUse(): number {
    return this.nrTables - this.freeTables.length;
  }

  private allocTable(): number {
    const id = this.freeTables.pop();
    if (id !== undefined) return id;
    if (this.nrTables * PTRS_PER_PTE === this.ptePfn.length) {
      const cap = this.nrTables * 2;
      const pfn = new Int32Array(cap * PTRS_PER_PTE);
      pfn.set(this.ptePfn);
      const bits = new Uint8Array(cap * PTRS_PER_PTE);
      bits.set(this.pteBits);
      const use = new Int32Array(cap);
      use.set(this.tableUse);
      this.ptePfn = pfn;
      this.pteBits = bits;
      this.tableUse = use;
    }
    return this.nrTables++;
  }

  /** Slot of the PTE for `va`, or -1 when no PTE table covers it (none or a PMD leaf). */
  pteSlot(va: number): number {
    const table = this.pmdGet(Math.floor(va / HPAGE_PMD_SIZE));
    if (table === undefined || table < 0) return -1;
    return table * PTRS_PER_PTE + (Math.floor(va / PAGE_SIZE) % PTRS_PER_PTE);
  }

  /** Slot of the PTE for `va`, allocating the PTE table (fails with -1 over a PMD leaf). */
  pteSlotAlloc(va: number): number {
    const pmd = Math.floor(va / HPAGE_PMD_SIZE);
    let table = this.pmdGet(pmd);
    if (table === undefined) {
      table = this.allocTable();
      this.ptePfn.fill(0, table * PTRS_PER_PTE, (table + 1) * PTRS_PER_PTE);
      this.pteBits.fill(0, table * PTRS_PER_PTE, (table + 1) * PTRS_PER_PTE);
      this.tableUse[table] = 0;
      this.pmdSet(pmd, table);
    } else if (table < 0) {
      return -1;
    }
    return table * PTRS_PER_PTE + (Math.floor(va / PAGE_SIZE) % PTRS_PER_PTE);
  }

  /** Bits of a PTE slot (0 = none). */
  bitsAt(slot: number): number {
    return this.pteBits[slot]!;
  }

  /** PFN of a PTE slot. */
  pfnAt(slot: number): number {
    return this.ptePfn[slot]!;
  }

  /** Writes a PTE slot; bits 0 clears it. */
  setAt(slot: number, pfn: number, bits: number): void {
    const table = Math.floor(slot / PTRS_PER_PTE);
    const was = this.pteBits[slot]!;
    if (was === 0 && bits !== 0) this.tableUse[table]!++;
    else if (was !== 0 && bits === 0) this.tableUse[table]!--;
    this.ptePfn[slot] = pfn;
    this.pteBits[slot] = bits;
  }

  /** Sets bits on a PTE slot in place (young, dirty). */
  orBitsAt(slot: number, bits: number): void {
    this.pteBits[slot]! |= bits;
  }

  /** The PMD leaf at `va` (a PMD-mapped folio or PMD migration entry), or null. */
  pmdLeaf(va: number): PmdLeaf | null {
    const entry = this.pmdGet(Math.floor(va / HPAGE_PMD_SIZE));
    if (entry === undefined || entry >= 0) return null;
    const code = -1 - entry;
    return { pfn: Math.floor(code / 256), bits: code % 256 };
  }

  /** True when `va`'s PMD is a leaf. */
  isPmdLeaf(va: number): boolean {
    const entry = this.pmdGet(Math.floor(va / HPAGE_PMD_SIZE));
    return entry !== undefined && entry < 0;
  }

  /** True when the PMD covering `va` is empty (no table, no leaf). */
  pmdNone(va: number): boolean {
    return this.pmdGet(Math.floor(va / HPAGE_PMD_SIZE)) === undefined;
  }

  /** Installs a PMD leaf (the PMD must be empty or an empty PTE table, which is freed). */
  setPmdLeaf(va: number, pfn: number, bits: number): void {
    const pmd = Math.floor(va / HPAGE_PMD_SIZE);
    const entry = this.pmdGet(pmd);
    if (entry !== undefined && entry >= 0) {
      if (this.tableUse[entry] !== 0) throw new Error(`PMD at 0x${va.toString(16)} still has PTEs`);
      this.freeTables.push(entry);
    }
    this.pmdSet(pmd, -1 - (pfn * 256 + bits));
  }

  /** Clears the PMD covering `va` (a leaf, or an empty table). */
  clearPmd(va: number): void {
    const pmd = Math.floor(va / HPAGE_PMD_SIZE);
    const entry = this.pmdGet(pmd);
    if (entry === undefined) return;
    if (entry >= 0) {
      if (this.tableUse[entry] !== 0) throw new Error(`PMD at 0x${va.toString(16)} still has PTEs`);
      this.freeTables.push(entry);
    }
    this.pmdDelete(pmd);
  }

  /**
   * Replaces a PMD leaf with a PTE table mapping the same 512 frames with the same bits
   * (mirrors `__split_huge_pmd()`); a migration leaf becomes 512 migration PTEs.
   */
  splitPmd(va: number): void {
    const leaf = this.pmdLeaf(va);
    if (leaf === null) return;
    const pmd = Math.floor(va / HPAGE_PMD_SIZE);
    this.pmdDelete(pmd);
    const slot = this.pteSlotAlloc(pmd * HPAGE_PMD_SIZE);
    for (let i = 0; i < PTRS_PER_PTE; i++) this.setAt(slot + i, leaf.pfn + i, leaf.bits);
  }

  /** Frees PTE tables that became empty in [start, end) (mirrors `free_pgtables()`). */
  freeEmptyTables(start: number, end: number): void {
    // walk the PMDs that exist, not every PMD of the range (exit covers all 2^26 of them)
    for (const pmd of this.pmdIndexesIn(start, end)) {
      const entry = this.pmdGet(pmd);
      if (entry !== undefined && entry >= 0 && this.tableUse[entry] === 0) {
        this.freeTables.push(entry);
        this.pmdDelete(pmd);
      }
    }
  }

  /** PMD indexes with a table or leaf, in address order (for walks over a range). */
  pmdIndexesIn(start: number, end: number): number[] {
    const first = Math.floor(start / HPAGE_PMD_SIZE);
    const last = Math.floor((end - 1) / HPAGE_PMD_SIZE);
    if (last - first < this.pmds.size) {
      const out: number[] = [];
      for (let pmd = first; pmd <= last; pmd++) if (this.pmdGet(pmd) !== undefined) out.push(pmd);
      return out;
    }
    return [...this.pmds.keys()].filter((pmd) => pmd >= first && pmd <= last).sort((a, b) => a - b);
  }
}
