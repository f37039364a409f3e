import { describe, it, expect } from 'vitest';
import { MPOL_BIND, MPOL_DEFAULT, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED, formatMemPolicy, formatNodeList, mpolNew } from './mempolicy';

describe('mempolicy', () => {
  it('builds policies with sorted unique nodes and prints them as numa_maps does', () => {
    expect(formatMemPolicy(mpolNew(MPOL_BIND, [3, 0, 1, 1], 4))).toBe('bind:0-1,3');
    expect(formatMemPolicy(mpolNew(MPOL_INTERLEAVE, [0, 2], 4))).toBe('interleave:0,2');
    expect(formatMemPolicy(mpolNew(MPOL_PREFERRED, [2], 4))).toBe('prefer:2');
    expect(formatMemPolicy(mpolNew(MPOL_LOCAL, [], 4))).toBe('local');
    expect(formatMemPolicy(mpolNew(MPOL_DEFAULT, [], 4))).toBe('default');
    expect(formatNodeList([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
  });

  it('rejects bad modes and nodes, naming what is accepted', () => {
    expect(() => mpolNew(9, [], 2)).toThrow(/mode 9 is not accepted/);
    expect(() => mpolNew(MPOL_BIND, [2], 2)).toThrow(/node 2 is not accepted: nodes are 0..1/);
    expect(() => mpolNew(MPOL_BIND, [], 2)).toThrow(/needs at least one node/);
    expect(() => mpolNew(MPOL_LOCAL, [0], 2)).toThrow(/takes no nodes/);
  });
});
