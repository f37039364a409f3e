import { describe, it, expect } from 'vitest';
import { PAGE_SIZE } from '@pagemig/folio';
import { MEMMAP_BYTES_PER_FRAME, Memmap } from './memmap';
import { PhysMem, PhysMemView } from './phys-mem';
import { pattern } from './testing/fixture';

const MiB = 1 << 20;

describe('PhysMem', () => {
  it('lays nodes out on section boundaries and maps PFNs to nodes', () => {
    const phys = new PhysMem([{ size: 12 * MiB }, { size: 8 * MiB, dataless: true }], 16 * MiB);
    expect(phys.nodeStartPfn).toEqual([0, 4096]);
    expect(phys.nodeNrPages).toEqual([3072, 2048]);
    expect(phys.pfnToNid(3071)).toBe(0);
    expect(phys.pfnToNid(4096)).toBe(1);
    expect(phys.pfnValid(3072)).toBe(false);
    expect(phys.pfnToNid(-1)).toBe(-1);
    expect(phys.pfnToNid(2 ** 40)).toBe(-1);
    expect(() => new PhysMem([{ size: 8 * MiB }], 3 * MiB)).toThrow(/section size/);
  });

  it('keeps bytes of data nodes, reads zeros and drops writes on data-less ones', () => {
    const phys = new PhysMem([{ size: 8 * MiB }, { size: 8 * MiB, dataless: true }], 8 * MiB);
    const data = pattern(91, 3 * PAGE_SIZE);
    phys.write(100 * PAGE_SIZE + 10, data);
    const out = new Uint8Array(data.length);
    phys.read(100 * PAGE_SIZE + 10, out);
    expect(out).toEqual(data);
    phys.write(2048 * PAGE_SIZE, data);
    phys.read(2048 * PAGE_SIZE, out);
    expect(out).toEqual(new Uint8Array(data.length));
    expect(phys.hasData(2048)).toBe(false);
    expect(() => phys.read(2 ** 40, out)).toThrow(/outside memory/);
  });

  it('copies and zeroes across section boundaries, and a worker view sees the same bytes', () => {
    const phys = new PhysMem([{ size: 32 * MiB }], 4 * MiB);
    const sec = 1024;
    phys.write((sec - 2) * PAGE_SIZE, pattern(92, 4 * PAGE_SIZE));
    phys.copyPages(3 * sec - 2, sec - 2, 4);
    const out = new Uint8Array(4 * PAGE_SIZE);
    phys.read((3 * sec - 2) * PAGE_SIZE, out);
    expect(out).toEqual(pattern(92, 4 * PAGE_SIZE));
    const view = PhysMemView.fromShare(phys.share());
    view.zeroPages(3 * sec - 1, 2);
    phys.read((3 * sec - 2) * PAGE_SIZE, out);
    expect(out.subarray(0, PAGE_SIZE)).toEqual(pattern(92, PAGE_SIZE));
    expect(out.subarray(PAGE_SIZE, 3 * PAGE_SIZE)).toEqual(new Uint8Array(2 * PAGE_SIZE));
    expect(() => phys.bytes(sec - 1, 2)).toThrow(/crosses a section/);
    // a view that was not updated refuses to write to a section it has not been given
    phys.materialize(6 * sec, 1);
    expect(() => view.zeroPages(6 * sec, 1)).toThrow(/not shared with this view/);
    view.update(phys.share());
    view.zeroPages(6 * sec, 1);
  });
});

describe('Memmap', () => {
  it('spends 32 bytes per frame, counted from its typed arrays', () => {
    const memmap = new Memmap(8);
    const bytes = Object.values(memmap)
      .filter((v): v is Uint8Array => ArrayBuffer.isView(v) && (v as Uint8Array).length === 8)
      .reduce((sum, a) => sum + a.BYTES_PER_ELEMENT, 0);
    expect(bytes).toBe(MEMMAP_BYTES_PER_FRAME);
    expect(bytes).toBeLessThanOrEqual(32);
  });

  it('keeps folio-wide fields in the first tail frame', () => {
    const memmap = new Memmap(64);
    memmap.prepCompound(16, 4);
    expect(memmap.folioOrder(16)).toBe(4);
    expect(memmap.folioNrPages(16)).toBe(16);
    expect(memmap.compoundHead(31)).toBe(16);
    memmap.addMapcount(16, 3, 1);
    expect(memmap.folioMapcount(16)).toBe(3);
    expect(memmap.folioEntireMapcount(16)).toBe(1);
    memmap.clearCompound(16, 4);
    expect(memmap.compoundHead(31)).toBe(31);
    expect(memmap.folioNrPages(16)).toBe(1);
  });
});
