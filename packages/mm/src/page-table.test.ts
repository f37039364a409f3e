import { describe, it, expect } from 'vitest';
import { HPAGE_PMD_SIZE, PAGE_SIZE } from '@pagemig/folio';
import { PTE_MIGRATION, PTE_PRESENT, PTE_WRITE, PageTable } from './page-table';

describe('PageTable', () => {
  it('allocates PTE tables on demand, frees empty ones, and grows its pool', () => {
    const pt = new PageTable(1);
    expect(pt.pteSlot(0x400000)).toBe(-1);
    for (let i = 0; i < 6; i++) {
      const slot = pt.pteSlotAlloc(i * HPAGE_PMD_SIZE + 5 * PAGE_SIZE);
      pt.setAt(slot, 100 + i, PTE_PRESENT);
    }
    expect(pt.tablesInUse).toBe(6);
    expect(pt.pfnAt(pt.pteSlot(3 * HPAGE_PMD_SIZE + 5 * PAGE_SIZE))).toBe(103);
    expect(pt.pmdIndexesIn(0, 6 * HPAGE_PMD_SIZE)).toEqual([0, 1, 2, 3, 4, 5]);
    pt.setAt(pt.pteSlot(2 * HPAGE_PMD_SIZE + 5 * PAGE_SIZE), 0, 0);
    pt.freeEmptyTables(0, 2 ** 47);
    expect(pt.tablesInUse).toBe(5);
    expect(pt.pmdNone(2 * HPAGE_PMD_SIZE)).toBe(true);
    expect(pt.pfnAt(pt.pteSlot(5 * HPAGE_PMD_SIZE + 5 * PAGE_SIZE))).toBe(105);
  });

  it('stores PMD leaves and splits them into 512 PTEs with the same bits', () => {
    const pt = new PageTable();
    pt.setPmdLeaf(HPAGE_PMD_SIZE, 2 ** 30 + 512, PTE_MIGRATION | PTE_WRITE);
    expect(pt.pmdLeaf(HPAGE_PMD_SIZE + 123)).toEqual({ pfn: 2 ** 30 + 512, bits: PTE_MIGRATION | PTE_WRITE });
    expect(pt.pteSlotAlloc(HPAGE_PMD_SIZE)).toBe(-1);
    pt.splitPmd(HPAGE_PMD_SIZE);
    expect(pt.isPmdLeaf(HPAGE_PMD_SIZE)).toBe(false);
    const slot = pt.pteSlot(HPAGE_PMD_SIZE + 7 * PAGE_SIZE);
    expect(pt.pfnAt(slot)).toBe(2 ** 30 + 519);
    expect(pt.bitsAt(slot)).toBe(PTE_MIGRATION | PTE_WRITE);
    expect(() => pt.setPmdLeaf(HPAGE_PMD_SIZE, 0, PTE_PRESENT)).toThrow(/still has PTEs/);
    pt.clearPmd(3 * HPAGE_PMD_SIZE);
  });

  it('never answers from a stale PMD cache entry', () => {
    const pt = new PageTable();
    expect(pt.pmdNone(0)).toBe(true);
    pt.setPmdLeaf(0, 512, PTE_PRESENT);
    expect(pt.pmdNone(0)).toBe(false);
    pt.clearPmd(0);
    expect(pt.pmdNone(0)).toBe(true);
    expect(pt.pmdLeaf(0)).toBeNull();
    pt.setAt(pt.pteSlotAlloc(0), 9, PTE_PRESENT);
    expect(pt.pfnAt(pt.pteSlot(0))).toBe(9);
  });
});
