import { describe, expect, it } from 'vitest';
import { EBUSY, EINVAL } from '@pagemig/kernel';
import { MIGRATE_SYNC, MR_MEMORY_HOTPLUG, PAGE_SIZE } from '@pagemig/folio';
import { checkInvariants } from '@pagemig/mm';
import type { MigratePagesStartEvent } from './engine';
import { PAGEBLOCK_NR_PAGES, offlinePages, onlinePages, pageOffline } from './memory-hotplug';
import { THP_SIZE, expectClean, expectPattern, record, regionNodes, type Region } from './testing/fixture';
import { folioAt, layout, pageAddr, pin, regionOn, smallSystem } from './testing/entry-fixture';

/**
 * Node 1's first 8 MiB hold a hugetlb page in use, a free pool page, 200 anon pages, a THP and
 * file pages; node 0 has room and a free huge page.
 */
async function populated() {
  const { sys, eng } = smallSystem([
    { size: 16 << 20, hugepages: 1 },
    { size: 16 << 20, hugepages: 2 },
  ]);
  const task = sys.createTask({ uid: 1000, cpu: 0 });
  const regions: Region[] = [
    await regionOn(sys, task, 'hugetlb', THP_SIZE, 1, 1),
    await regionOn(sys, task, 'anon', 200 * PAGE_SIZE, 1, 2),
    await regionOn(sys, task, 'thp', THP_SIZE, 1, 3),
    await regionOn(sys, task, 'file', 16 * PAGE_SIZE, 1, 4),
  ];
  const start = sys.zones[1]!.startPfn;
  const nr = 2048; // 8 MiB
  for (const region of regions) {
    expect(layout(region).every((pfn) => pfn >= start && pfn < start + nr), 'the region lies in the range').toBe(true);
  }
  return { sys, eng, task, regions, start, nr };
}

describe('memory offline', () => {
  it('evacuates every folio of the range (hugetlb included) to other memory and takes the range out', async () => {
    const { sys, eng, regions, start, nr } = await populated();
    const free0 = sys.zones[0]!.nrFreePages;
    const free1 = sys.zones[1]!.nrFreePages;
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    expect(await offlinePages(eng, start, nr)).toBe(0);
    starts.stop();
    expect(starts.events.length).toBeGreaterThan(0);
    expect(new Set(starts.events.map((e) => `${e.mode}/${e.reason}`))).toEqual(new Set([`${MIGRATE_SYNC}/${MR_MEMORY_HOTPLUG}`]));
    for (const [i, region] of regions.entries()) {
      expect(regionNodes(sys, region), `region ${i}`).toEqual(new Set([0]));
      await expectPattern(region, i + 1);
    }
    for (let pfn = start; pfn < start + nr; pfn++) expect(pageOffline(sys, pfn)).toBe(true);
    // node 1 keeps its other 8 MiB free; the free huge page in the range was dissolved
    expect(sys.zones[1]!.nrFreePages).toBe(4096 - nr);
    expect(sys.hugetlb.nrHugepages[1]).toBe(0);
    expect(sys.zones[0]!.nrFreePages).toBeLessThan(free0);
    expectClean(sys);
    // new allocations never land in the offline range
    const more = await regionOn(sys, regions[1]!.task, 'anon', 64 * PAGE_SIZE, 1, 9);
    expect(layout(more).every((pfn) => pfn >= start + nr)).toBe(true);
    // online gives the frames back
    expect(onlinePages(eng, start, nr)).toBe(0);
    expect(sys.zones[1]!.nrFreePages).toBe(4096 - 64);
    expect(pageOffline(sys, start)).toBe(false);
    expectClean(sys);
    await expectPattern(more, 9);
  });

  it('a pinned folio cannot move: -EBUSY after a few passes, the range is back in service, data intact', async () => {
    const { sys, eng, regions, start, nr } = await populated();
    const anon = regions[1]!;
    const pinned = folioAt(sys, anon, pageAddr(anon, 17));
    const unpin = pin(sys, pinned);
    const starts = record<MigratePagesStartEvent>(sys, 'mm_migrate_pages_start');
    expect(await offlinePages(eng, start, nr)).toBe(-EBUSY);
    starts.stop();
    expect(starts.events.length).toBeGreaterThan(1); // retried
    for (let pfn = start; pfn < start + nr; pfn++) expect(pageOffline(sys, pfn)).toBe(false);
    expect(folioAt(sys, anon, pageAddr(anon, 17))).toBe(pinned);
    expect(sys.phys.pfnToNid(pinned)).toBe(1);
    expect(checkInvariants(sys)).toEqual([]);
    for (const [i, region] of regions.entries()) await expectPattern(region, i + 1);
    unpin();
    expectClean(sys);
    // with the pin gone the same offline succeeds
    expect(await offlinePages(eng, start, nr)).toBe(0);
    for (const [i, region] of regions.entries()) await expectPattern(region, i + 1);
    expectClean(sys);
  });

  it('unmovable memory (the zero page) refuses at once, changing nothing', async () => {
    const { sys, eng } = smallSystem(2);
    const zero = sys.zeroPfn;
    const start = zero - (zero % PAGEBLOCK_NR_PAGES);
    const before = sys.zones[0]!.freeCounts();
    expect(await offlinePages(eng, start, PAGEBLOCK_NR_PAGES)).toBe(-EBUSY);
    expect(sys.zones[0]!.freeCounts()).toEqual(before);
    expectClean(sys);
  });

  it('bad ranges are -EINVAL: unaligned, empty, across nodes, already offline; online of an online range too', async () => {
    const { sys, eng } = smallSystem(2);
    const s1 = sys.zones[1]!.startPfn;
    expect(await offlinePages(eng, s1 + 1, PAGEBLOCK_NR_PAGES)).toBe(-EINVAL);
    expect(await offlinePages(eng, s1, 100)).toBe(-EINVAL);
    expect(await offlinePages(eng, s1, 0)).toBe(-EINVAL);
    expect(await offlinePages(eng, s1 - PAGEBLOCK_NR_PAGES, 2 * PAGEBLOCK_NR_PAGES)).toBe(-EINVAL);
    expect(onlinePages(eng, s1, PAGEBLOCK_NR_PAGES)).toBe(-EINVAL);
    expect(await offlinePages(eng, s1, PAGEBLOCK_NR_PAGES)).toBe(0);
    expect(await offlinePages(eng, s1, 2 * PAGEBLOCK_NR_PAGES)).toBe(-EINVAL);
    expect(onlinePages(eng, s1, 2 * PAGEBLOCK_NR_PAGES)).toBe(-EINVAL);
    expect(onlinePages(eng, s1, PAGEBLOCK_NR_PAGES)).toBe(0);
    expectClean(sys);
  });

  it('offlining part of the only node keeps the data on that node, outside the range', async () => {
    const { sys, eng } = smallSystem([{ size: 16 << 20 }]);
    const task = sys.createTask({ uid: 1000 });
    const filler = await regionOn(sys, task, 'anon', 600 * PAGE_SIZE, 0, 2);
    const region = await regionOn(sys, task, 'anon', 300 * PAGE_SIZE, 0);
    const start = PAGEBLOCK_NR_PAGES; // the zero page is in the first pageblock
    const inRange = (pfn: number) => pfn >= start && pfn < start + PAGEBLOCK_NR_PAGES;
    expect(layout(region).filter(inRange).length).toBeGreaterThan(200);
    expect(await offlinePages(eng, start, PAGEBLOCK_NR_PAGES)).toBe(0);
    expect([...layout(region), ...layout(filler)].some(inRange)).toBe(false);
    expect(regionNodes(sys, region)).toEqual(new Set([0]));
    await expectPattern(region);
    await expectPattern(filler, 2);
    expectClean(sys);
  });
});
