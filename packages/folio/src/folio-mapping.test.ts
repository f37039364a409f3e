import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import {
  FOLIO_MAPPING_ANON,
  FOLIO_MAPPING_ANON_KSM,
  FOLIO_MAPPING_KSM,
  FOLIO_MAPPING_FLAGS,
  FOLIO_MAPPING_HANDLE_SHIFT,
  FOLIO_MAPPING_HANDLE_LIMIT,
  mappingEncodeAnon,
  mappingEncodeKsm,
  mappingEncodeFile,
  mappingIsAnon,
  mappingIsKsm,
  mappingHandle,
} from './folio-mapping';

const handles = fc.integer({ min: 0, max: FOLIO_MAPPING_HANDLE_LIMIT - 1 });

describe('mapping tag bits', () => {
  it('match the kernel values and fit in two bits', () => {
    expect(FOLIO_MAPPING_ANON).toBe(0x1);
    expect(FOLIO_MAPPING_ANON_KSM).toBe(0x2);
    expect(FOLIO_MAPPING_KSM).toBe(0x3);
    expect(FOLIO_MAPPING_FLAGS).toBe(0x3);
    expect(FOLIO_MAPPING_HANDLE_SHIFT).toBe(2);
    expect(FOLIO_MAPPING_HANDLE_LIMIT).toBe(2 ** 30);
  });

  it('encodes handles shifted by two above the tags', () => {
    expect(mappingEncodeAnon(5)).toBe((5 << 2) | 1);
    expect(mappingEncodeKsm(5)).toBe((5 << 2) | 3);
    expect(mappingEncodeFile(5)).toBe(5 << 2);
    expect(mappingEncodeFile(0)).toBe(0);
    expect(mappingEncodeAnon(FOLIO_MAPPING_HANDLE_LIMIT - 1)).toBe(0xffff_fffd);
  });

  it('classifies anon, KSM and file words', () => {
    const anon = mappingEncodeAnon(7);
    const ksm = mappingEncodeKsm(7);
    const file = mappingEncodeFile(7);
    expect([mappingIsAnon(anon), mappingIsKsm(anon)]).toEqual([true, false]);
    expect([mappingIsAnon(ksm), mappingIsKsm(ksm)]).toEqual([true, true]);
    expect([mappingIsAnon(file), mappingIsKsm(file)]).toEqual([false, false]);
    // 0x2 alone is not KSM: KSM needs both tags.
    expect(mappingIsKsm((7 << 2) | FOLIO_MAPPING_ANON_KSM)).toBe(false);
  });

  it('rejects handles that do not fit', () => {
    for (const bad of [-1, 1.5, FOLIO_MAPPING_HANDLE_LIMIT, 2 ** 32, Number.NaN]) {
      expect(() => mappingEncodeAnon(bad)).toThrow(RangeError);
      expect(() => mappingEncodeKsm(bad)).toThrow(RangeError);
      expect(() => mappingEncodeFile(bad)).toThrow(RangeError);
    }
  });

  test.prop([handles], { seed: 4 })('handles survive a Uint32Array slot for every kind', (h) => {
    const slot = new Uint32Array(3);
    slot[0] = mappingEncodeAnon(h);
    slot[1] = mappingEncodeKsm(h);
    slot[2] = mappingEncodeFile(h);
    expect(slot[0]).toBe(mappingEncodeAnon(h));
    for (const word of slot) expect(mappingHandle(word)).toBe(h);
    expect(mappingIsAnon(slot[0]!) && !mappingIsKsm(slot[0]!)).toBe(true);
    expect(mappingIsKsm(slot[1]!)).toBe(true);
    expect(mappingIsAnon(slot[2]!)).toBe(false);
  });
});
