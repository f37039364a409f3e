import { describe, it, expect } from 'vitest';
import { PAGE_SIZE } from '@pagemig/folio';
import { buddyinfo, formatBuddyinfo, formatNodeMeminfo, nodeMemStats, vmstat } from './mem-stats';
import { createSystem } from './system';
import { MiB, poke, startMigration, twoNodes } from './testing/fixture';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_LOCKED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from './vma';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

/** `Node N Field: value` lines as a map of numbers (kB or counts). */
function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.trimEnd().split('\n')) {
    const m = /^Node \d+ (\S+):\s+(\d+)( kB)?$/.exec(line);
    expect(m, line).not.toBeNull();
    out.set(m![1]!, Number(m![2]));
  }
  return out;
}

describe('per-node meminfo', () => {
  it('counts anon, file, shmem, THP, mlocked, dirty and hugetlb pages on the right node, in the kernel layout', async () => {
    const sys = createSystem({ nodes: [{ size: 32 * MiB }, { size: 32 * MiB, hugepages: 2 }] });
    const task = sys.createTask({ cpu: 2 });
    const anon = task.mm.mmap(0, 10 * PAGE_SIZE, RW, ANON);
    await poke(task, anon, new Uint8Array(10 * PAGE_SIZE).fill(1));
    const thp = task.mm.mmap(0, 2 * MiB, RW, ANON);
    task.mm.madvise(thp, 2 * MiB, MADV_HUGEPAGE);
    await poke(task, thp, Uint8Array.of(1));
    const shm = task.mm.mmap(0, 3 * PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS);
    await poke(task, shm, new Uint8Array(3 * PAGE_SIZE).fill(1));
    task.mm.mmap(0, 2 * PAGE_SIZE, RW, ANON | MAP_LOCKED);
    const file = sys.createFile('/data/f', 0);
    await sys.pwrite(task, file, new Uint8Array(5 * PAGE_SIZE), 0);
    const text = sys.sysfs.readOrThrow('/sys/devices/system/node/node1/meminfo');
    expect(text).toMatch(/^Node 1 MemTotal:          32768 kB\n/);
    expect(text).toContain('Node 1 HugePages_Total:     2\n');
    const info = parseMeminfo(text);
    const kB = (pages: number) => (pages * PAGE_SIZE) / 1024;
    expect(info.get('AnonPages')).toBe(kB(10 + 512 + 2));
    expect(info.get('AnonHugePages')).toBe(kB(512));
    expect(info.get('Shmem')).toBe(kB(3));
    expect(info.get('FilePages')).toBe(kB(3 + 5));
    expect(info.get('Mapped')).toBe(kB(3));
    expect(info.get('Dirty')).toBe(kB(5));
    expect(info.get('Mlocked')).toBe(kB(2));
    expect(info.get('Unevictable')).toBe(kB(2));
    expect(info.get('Inactive(anon)')).toBe(kB(10 + 512 + 3));
    expect(info.get('Inactive(file)')).toBe(kB(5));
    expect(info.get('HugePages_Free')).toBe(2);
    expect(info.get('MemUsed')! + info.get('MemFree')!).toBe(info.get('MemTotal'));
    expect(info.get('MemFree')).toBe(kB(sys.zones[1]!.nrFreePages));
    const node0 = parseMeminfo(formatNodeMeminfo(nodeMemStats(sys)[0]!));
    expect(node0.get('AnonPages')).toBe(0);
  });

  it('shows pages isolated for migration in the node vmstat and /proc/vmstat', async () => {
    const sys = twoNodes();
    const task = sys.createTask();
    const addr = task.mm.mmap(0, 2 * PAGE_SIZE, RW, ANON);
    await poke(task, addr, Uint8Array.of(1));
    const step = startMigration(sys, task.mm.pageTable.pfnAt(task.mm.pageTable.pteSlot(addr)), 1);
    expect(sys.sysfs.readOrThrow('/sys/devices/system/node/node0/vmstat')).toContain('nr_isolated_anon 1\n');
    const pairs = new Map(vmstat(sys));
    expect(pairs.get('nr_isolated_anon')).toBe(1);
    expect(pairs.get('nr_free_pages')).toBe(sys.zones[0]!.nrFreePages + sys.zones[1]!.nrFreePages);
    expect(pairs.get('pgfault')).toBe(1);
    expect(step.copy()).toBe(0);
    step.finish();
    const text = sys.sysfs.readOrThrow('/proc/vmstat');
    expect(text).toContain('nr_isolated_anon 0\n');
    expect(text).toMatch(/^nr_free_pages \d+\n/);
    expect(text).toContain('nr_anon_pages 1\n');
    expect(text).toMatch(/\nnr_tlb_remote_flush \d+\n/);
  });
});

describe('/proc/buddyinfo', () => {
  it('prints free blocks per order per node as the kernel does', () => {
    const sys = twoNodes(8 * MiB);
    const counts = buddyinfo(sys);
    expect(counts[1]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    const text = formatBuddyinfo(counts);
    expect(text.split('\n')[1]).toBe('Node 1, zone   Normal      0      0      0      0      0      0      0      0      0      0      2 ');
    expect(sys.sysfs.read('/proc/buddyinfo')).toBe(text);
    sys.alloc.allocPages(1, 0, 1);
    expect(buddyinfo(sys)[1]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
