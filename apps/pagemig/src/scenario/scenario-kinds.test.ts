import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario-load';
import { MR_DEMOTION, MR_SYSCALL } from '@pagemig/folio';
import { runWorld } from './scenario-run';
import { buildWorld } from './scenario-world';

describe('every region kind and driver step', () => {
  it('mthp, shmem, hugetlb regions move with migrate_pages and survive an offline; data verified', async () => {
    const scenario = parseScenario({
      name: 'kinds',
      system: {
        nodes: [{ size: '32M', hugepages: 4 }, { size: '32M', hugepages: 4 }, { size: '32M', kind: 'CXL' }],
        thp: { enabled: 'madvise', sizes: { '64K': 'madvise' } },
      },
      processes: [
        {
          name: 'p',
          regions: [
            { name: 'm', kind: 'mthp', size: '512K', folioSize: '64K', fill: 'random' },
            { name: 's', kind: 'shmem', size: '256K', fill: { byte: 0x5a } },
            { name: 'h', kind: 'hugetlb', size: '4M', fill: 'pattern' },
            { name: 'i', kind: 'anon', size: '256K', policy: { mode: 'interleave', nodes: [0, 1] } },
          ],
          threads: [
            { cpu: 1, region: 'm', pattern: 'rand-write', ops: 300, opSize: 128 },
            { cpu: 3, region: 's', pattern: 'seq-read', ops: 300 },
          ],
        },
      ],
      driver: [
        { kind: 'migrate_pages', process: 'p', from: [0], to: [1], rounds: 1 },
        { kind: 'offline', node: 1, offset: '16M', size: '4M' },
        { kind: 'demotion', node: 1 },
      ],
      migrator: { kind: 'mtcopy', threads: 2, reasonMask: 'all', hints: { demotion: 'never' } },
    });
    const world = await buildWorld(scenario);
    const { result } = await runWorld(world).finally(() => world.dispose());
    const reasons = new Set(world.offload.provenance().map((p) => `${p.migrator}/${p.reason}`));
    expect(result.problems).toEqual([]);
    const r = Object.fromEntries(result.regions.map((g) => [g.region, g]));
    expect(r.m!.folioSizes).toEqual({ '64K': 8 });
    expect(r.h!.folioSizes).toEqual({ '2M': 2 });
    // migrate_pages 0 -> 1 moved everything (the interleaved half included) ...
    expect(result.steps[0]!.detail).toBe('1 call(s), 0 page(s) left behind');
    // ... then demotion took the LRU folios of node 1 to the CXL node; hugetlb is not on an LRU
    expect(r.m!.nodes).toEqual([0, 0, 128]);
    expect(r.i!.nodes).toEqual([0, 0, 64]);
    expect(r.h!.nodes).toEqual([0, 1024, 0]);
    expect(result.steps[1]!.detail).toMatch(/^offlined 1024 pages, onlined again$/);
    // reasonMask all: the syscall's batches went to mtcopy; the demotion hint (never) kept demotion
    // off the batch path altogether (the offlined range held only free memory)
    expect(reasons).toEqual(new Set([`mtcopy/${MR_SYSCALL}`]));
    expect(reasons.has(`mtcopy/${MR_DEMOTION}`)).toBe(false);
    expect(result.vmstat.pgdemote_direct).toBeGreaterThan(0);
  });
});
