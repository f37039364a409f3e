import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { FolioList, NIL } from './folio-list';
import { Memmap } from './memmap';

type Op = [kind: 'add' | 'addHead' | 'insertAfter' | 'del' | 'shift' | 'splice', pick: number];

describe('FolioList', () => {
  it('links folios through the memmap arrays', () => {
    const memmap = new Memmap(16);
    const list = new FolioList(memmap);
    list.add(3);
    list.add(7);
    list.addHead(1);
    expect(list.toArray()).toEqual([1, 3, 7]);
    expect(memmap.lruNext[3]).toBe(7);
    expect(memmap.lruPrev[3]).toBe(1);
    list.del(3);
    expect(list.toArray()).toEqual([1, 7]);
    expect(memmap.lruNext[3]).toBe(NIL);
    expect(list.shift()).toBe(1);
    expect(list.shift()).toBe(7);
    expect(list.shift()).toBe(NIL);
    expect(list.isEmpty()).toBe(true);
  });

  test.prop([fc.array(fc.tuple(fc.constantFrom<Op[0]>('add', 'addHead', 'insertAfter', 'del', 'shift', 'splice'), fc.nat()), { maxLength: 80 })], {
    seed: 11,
    numRuns: 200,
  })('behaves like an array under any sequence of operations', (ops: Op[]) => {
    const memmap = new Memmap(64);
    const a = new FolioList(memmap);
    const b = new FolioList(memmap);
    let modelA: number[] = [];
    let modelB: number[] = [];
    const unused = () => [...Array(64).keys()].filter((x) => !modelA.includes(x) && !modelB.includes(x));
    for (const [kind, pick] of ops) {
      const free = unused();
      if (kind === 'add' && free.length > 0) {
        const f = free[pick % free.length]!;
        if (pick % 2 === 0) {
          a.add(f);
          modelA.push(f);
        } else {
          b.add(f);
          modelB.push(f);
        }
      } else if (kind === 'addHead' && free.length > 0) {
        const f = free[pick % free.length]!;
        a.addHead(f);
        modelA.unshift(f);
      } else if (kind === 'insertAfter' && free.length > 0) {
        const f = free[pick % free.length]!;
        const at = modelA.length === 0 ? -1 : (pick % (modelA.length + 1)) - 1;
        a.insertAfter(at < 0 ? NIL : modelA[at]!, f);
        modelA.splice(at + 1, 0, f);
      } else if (kind === 'del' && modelA.length > 0) {
        const f = modelA[pick % modelA.length]!;
        a.del(f);
        modelA = modelA.filter((x) => x !== f);
      } else if (kind === 'shift') {
        expect(a.shift()).toBe(modelA.length > 0 ? modelA.shift() : NIL);
      } else if (kind === 'splice') {
        a.spliceTail(b);
        modelA = [...modelA, ...modelB];
        modelB = [];
      }
      expect(a.toArray()).toEqual(modelA);
      expect(b.toArray()).toEqual(modelB);
      expect(a.count).toBe(modelA.length);
      expect(a.first()).toBe(modelA[0] ?? NIL);
      expect(a.tail).toBe(modelA[modelA.length - 1] ?? NIL);
    }
  });
});
