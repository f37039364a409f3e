import { describe, expect, it } from 'vitest';
import { migratePagesPairs, nodeRemap } from './node-remap';

describe('node_remap keeps relative positions', () => {
  const cases: [number, number[], number[], number][] = [
    [2, [2, 3, 4], [3, 4, 5], 3],
    [4, [2, 3, 4], [3, 4, 5], 5],
    [0, [0, 1, 2, 3, 4, 5, 6, 7], [3, 4, 5], 3],
    [6, [0, 1, 2, 3, 4, 5, 6, 7], [3, 4, 5], 3],
    [7, [0, 1, 2, 3, 4, 5, 6, 7], [3, 4, 5], 4],
    [1, [0, 2], [5], 1], // not in from: stays
    [0, [0, 2], [], 0], // empty to: stays
    [2, [2, 0, 2], [7, 6], 7], // masks are sets (unordered input, duplicates)
  ];
  for (const [node, from, to, want] of cases) {
    it(`${node} in [${from}] → [${to}] goes to ${want}`, () => expect(nodeRemap(node, from, to)).toBe(want));
  }
});

describe('do_migrate_pages order of moves', () => {
  it('[2,3,4] → [3,4,5] moves everything, emptying each destination first', () => {
    expect(migratePagesPairs([2, 3, 4], [3, 4, 5])).toEqual([
      [4, 5],
      [3, 4],
      [2, 3],
    ]);
  });
  it('[0-7] → [3,4,5] moves only 0, 1, 2, 6 and 7', () => {
    const pairs = migratePagesPairs([0, 1, 2, 3, 4, 5, 6, 7], [3, 4, 5]);
    expect(pairs.map(([s]) => s).sort()).toEqual([0, 1, 2, 6, 7]);
    expect(new Map(pairs)).toEqual(
      new Map([
        [0, 3],
        [1, 4],
        [2, 5],
        [6, 3],
        [7, 4],
      ]),
    );
  });
  it('an identity map moves nothing', () => {
    expect(migratePagesPairs([0, 1], [0, 1])).toEqual([]);
    expect(migratePagesPairs([1], [1])).toEqual([]);
  });
  it('masks are sets: a permutation of the same nodes is the identity; one node onto another is one move', () => {
    expect(migratePagesPairs([0, 1], [1, 0])).toEqual([]);
    expect(migratePagesPairs([0], [1])).toEqual([[0, 1]]);
  });
});
