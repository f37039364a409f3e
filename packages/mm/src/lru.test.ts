import { describe, it, expect } from 'vitest';
import { PGF_mlocked, PGF_swapbacked, PGF_unevictable } from '@pagemig/folio';
import { LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, LRU_UNEVICTABLE } from './lru';
import { expectClean, twoNodes } from './testing/fixture';

describe('Lru', () => {
  it('isolates with a reference, accounts isolation per node and type, and puts back', () => {
    const sys = twoNodes();
    const anon = sys.alloc.allocFolio(1, 2, 0, 1);
    sys.memmap.flags[anon]! |= PGF_swapbacked;
    sys.lru.folioAddLru(anon);
    expect(sys.lru.pages(1, LRU_INACTIVE_ANON)).toBe(4);
    expect(() => sys.lru.folioAddLru(anon)).toThrow(/already on an LRU/);
    expect(sys.lru.folioIsolateLru(anon)).toBe(true);
    expect(sys.lru.folioIsolateLru(anon)).toBe(false);
    sys.lru.modIsolated(anon, 1);
    expect(sys.lru.nrIsolated[2]).toBe(4);
    expect(sys.memmap.refcount[anon]).toBe(2);
    sys.lru.modIsolated(anon, -1);
    sys.lru.folioAddLru(anon);
    sys.alloc.folioPut(anon);
    expectClean(sys);
  });

  it('mlocking a folio on an LRU moves it to the unevictable list', () => {
    const sys = twoNodes();
    const file = sys.alloc.allocFolio(0, 0, 0, 1);
    sys.lru.folioAddLru(file);
    expect(sys.lru.pages(0, LRU_INACTIVE_FILE)).toBe(1);
    sys.lru.mlockFolio(file);
    expect(sys.memmap.flags[file]! & (PGF_mlocked | PGF_unevictable)).toBe(PGF_mlocked | PGF_unevictable);
    expect(sys.lru.pages(0, LRU_INACTIVE_FILE)).toBe(0);
    expect(sys.lru.pages(0, LRU_UNEVICTABLE)).toBe(1);
    sys.alloc.folioPut(file);
    expect(sys.lru.pages(0, LRU_UNEVICTABLE)).toBe(0);
    expectClean(sys);
  });
});
