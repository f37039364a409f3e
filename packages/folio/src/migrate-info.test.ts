import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import {
  FOLIO_WAS_MAPPED,
  FOLIO_WAS_MLOCKED,
  FOLIO_ALREADY_COPIED,
  FOLIO_CONTENT_COPIED,
  FOLIO_OLD_STATES,
  MIGRATE_INFO_ANON_VMA_SHIFT,
  MIGRATE_INFO_ANON_VMA_LIMIT,
  migrateInfoRecord,
  migrateInfoExtract,
  migrateInfoAnonVma,
  migrateInfoStates,
  migrateInfoMarkCopied,
  migrateInfoTestAndClearCopied,
} from './migrate-info';

const anonVmas = fc.integer({ min: 0, max: MIGRATE_INFO_ANON_VMA_LIMIT - 1 });
const states = fc.integer({ min: 0, max: 7 });

describe('state bits', () => {
  it('have the series values', () => {
    expect(FOLIO_WAS_MAPPED).toBe(1);
    expect(FOLIO_WAS_MLOCKED).toBe(2);
    expect(FOLIO_ALREADY_COPIED).toBe(4);
    expect(FOLIO_CONTENT_COPIED).toBe(FOLIO_ALREADY_COPIED);
    expect(FOLIO_OLD_STATES).toBe(7);
    expect(MIGRATE_INFO_ANON_VMA_SHIFT).toBe(3);
    expect(MIGRATE_INFO_ANON_VMA_LIMIT).toBe(2 ** 29);
  });
});

describe('record / extract', () => {
  it('stores anonVma << 3 | states', () => {
    const info = new Uint32Array(4);
    migrateInfoRecord(info, 2, 9, FOLIO_WAS_MAPPED | FOLIO_WAS_MLOCKED);
    expect(Array.from(info)).toEqual([0, 0, (9 << 3) | 3, 0]);
    migrateInfoRecord(info, 3, MIGRATE_INFO_ANON_VMA_LIMIT - 1, FOLIO_OLD_STATES);
    expect(info[3]).toBe(0xffff_ffff);
  });

  it('extract returns the word and clears the slot', () => {
    const info = new Uint32Array(3);
    migrateInfoRecord(info, 1, 42, FOLIO_WAS_MAPPED);
    const word = migrateInfoExtract(info, 1);
    expect(migrateInfoAnonVma(word)).toBe(42);
    expect(migrateInfoStates(word)).toBe(FOLIO_WAS_MAPPED);
    expect(info[1]).toBe(0);
    // A second extract finds nothing: the state was consumed.
    expect(migrateInfoExtract(info, 1)).toBe(0);
  });

  it('record overwrites, so -EAGAIN can re-record after extract', () => {
    const info = new Uint32Array(1);
    migrateInfoRecord(info, 0, 3, FOLIO_WAS_MLOCKED);
    migrateInfoRecord(info, 0, 0, 0);
    expect(info[0]).toBe(0);
    migrateInfoRecord(info, 0, 5, FOLIO_WAS_MAPPED);
    const word = migrateInfoExtract(info, 0);
    migrateInfoRecord(info, 0, migrateInfoAnonVma(word), migrateInfoStates(word));
    expect(info[0]).toBe(word);
  });

  it('guards the handle, the states and the index', () => {
    const info = new Uint32Array(2);
    for (const bad of [-1, 1.5, MIGRATE_INFO_ANON_VMA_LIMIT, 2 ** 32, Number.NaN]) {
      expect(() => migrateInfoRecord(info, 0, bad, 0)).toThrow(RangeError);
    }
    expect(() => migrateInfoRecord(info, 0, MIGRATE_INFO_ANON_VMA_LIMIT, 0)).toThrow(/anon_vma handle 536870912/);
    for (const bad of [8, 16, -1, 0.5]) expect(() => migrateInfoRecord(info, 0, 1, bad)).toThrow(RangeError);
    for (const bad of [-1, 2, 1.5]) {
      expect(() => migrateInfoRecord(info, bad, 1, 0)).toThrow(RangeError);
      expect(() => migrateInfoExtract(info, bad)).toThrow(RangeError);
      expect(() => migrateInfoMarkCopied(info, bad)).toThrow(RangeError);
      expect(() => migrateInfoTestAndClearCopied(info, bad)).toThrow(RangeError);
    }
    // Rejected input changes nothing.
    expect(Array.from(info)).toEqual([0, 0]);
  });

  test.prop([anonVmas, states, fc.integer({ min: 0, max: 15 })], { seed: 5 })(
    'extract(record(a, s)) splits back into a and s, clears only its slot',
    (anonVma, st, index) => {
      const info = new Uint32Array(16).fill(0xdead_beef);
      migrateInfoRecord(info, index, anonVma, st);
      const word = migrateInfoExtract(info, index);
      expect(migrateInfoAnonVma(word)).toBe(anonVma);
      expect(migrateInfoStates(word)).toBe(st);
      expect(info[index]).toBe(0);
      info.forEach((w, i) => {
        if (i !== index) expect(w).toBe(0xdead_beef);
      });
    },
  );
});

describe('V6 content-copied marker', () => {
  it('marks, tests once and clears only the marker', () => {
    const info = new Uint32Array(2);
    migrateInfoRecord(info, 0, 11, FOLIO_WAS_MAPPED);
    expect(migrateInfoTestAndClearCopied(info, 0)).toBe(false);
    migrateInfoMarkCopied(info, 0);
    expect(migrateInfoStates(info[0]!)).toBe(FOLIO_WAS_MAPPED | FOLIO_CONTENT_COPIED);
    expect(migrateInfoAnonVma(info[0]!)).toBe(11);
    expect(migrateInfoTestAndClearCopied(info, 0)).toBe(true);
    // Consumed on first read: a retry copies afresh.
    expect(migrateInfoTestAndClearCopied(info, 0)).toBe(false);
    expect(info[0]).toBe((11 << 3) | FOLIO_WAS_MAPPED);
    expect(info[1]).toBe(0);
  });

  it('works on a word that extract already cleared (the V4/V5 order)', () => {
    const info = new Uint32Array(1);
    migrateInfoRecord(info, 0, 1, FOLIO_WAS_MAPPED);
    migrateInfoExtract(info, 0);
    migrateInfoMarkCopied(info, 0);
    expect(info[0]).toBe(FOLIO_CONTENT_COPIED);
    expect(migrateInfoTestAndClearCopied(info, 0)).toBe(true);
    expect(info[0]).toBe(0);
  });

  test.prop([anonVmas, states], { seed: 6 })('mark then test-and-clear leaves the other bits as recorded', (anonVma, st) => {
    const info = new Uint32Array(1);
    migrateInfoRecord(info, 0, anonVma, st);
    migrateInfoMarkCopied(info, 0);
    expect(migrateInfoTestAndClearCopied(info, 0)).toBe(true);
    expect(migrateInfoAnonVma(info[0]!)).toBe(anonVma);
    expect(migrateInfoStates(info[0]!)).toBe(st & ~FOLIO_CONTENT_COPIED);
  });
});
