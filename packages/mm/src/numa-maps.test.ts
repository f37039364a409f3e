import { describe, it, expect } from 'vitest';
import { PAGE_SIZE } from '@pagemig/folio';
import { MPOL_INTERLEAVE, mpolNew } from './mempolicy';
import { formatNumaMaps, numaMaps } from './numa-maps';
import { createSystem } from './system';
import { MiB, peek, poke, twoNodes } from './testing/fixture';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_HUGETLB, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from './vma';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

describe('numa_maps', () => {
  it('prints policy, file, counts, mapmax and pages per node like the kernel', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 0 });
    const a = task.mm.mmap(0, 4 * PAGE_SIZE, RW, ANON);
    expect(task.mm.setVmaPolicy(a, 4 * PAGE_SIZE, mpolNew(MPOL_INTERLEAVE, [0, 1], 2))).toBe(0);
    await poke(task, a, new Uint8Array(4 * PAGE_SIZE).fill(1));
    const child = sys.fork(task);
    const file = sys.createFile('/data/my file', 2 * PAGE_SIZE);
    const f = task.mm.mmap(0, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, file);
    await peek(task, f, 2 * PAGE_SIZE);
    const untouched = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    const zero = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await peek(task, zero, 1);
    const text = sys.sysfs.readOrThrow(`/proc/${task.pid}/numa_maps`);
    const lines = text.trimEnd().split('\n');
    const hex = (n: number) => n.toString(16);
    expect(lines).toContain(`${hex(a)} interleave:0-1 anon=4 dirty=4 mapmax=2 active=0 N0=2 N1=2 kernelpagesize_kB=4`);
    expect(lines).toContain(`${hex(f)} default file=/data/my\\040file mapped=2 active=0 N0=2 kernelpagesize_kB=4`);
    expect(lines).toContain(`${hex(untouched)} default`);
    expect(lines).toContain(`${hex(zero)} default`);
    const entry = numaMaps(child).find((e) => e.start === a)!;
    expect(entry).toMatchObject({ anon: 4, mapmax: 2, nodes: [2, 2], policy: 'interleave:0-1' });
    expect(formatNumaMaps([entry])).toBe(`${hex(a)} interleave:0-1 anon=4 dirty=4 mapmax=2 active=0 N0=2 N1=2 kernelpagesize_kB=4\n`);
  });

  it('counts a PMD THP as 512 pages and a hugetlb page as one 2048 kB page', async () => {
    const sys = createSystem({ nodes: [{ size: 16 * MiB }, { size: 16 * MiB, hugepages: 1 }] });
    const task = sys.createTask({ cpu: 2 });
    const thp = task.mm.mmap(0, 2 * MiB, RW, ANON);
    task.mm.madvise(thp, 2 * MiB, MADV_HUGEPAGE);
    await poke(task, thp, Uint8Array.of(1));
    const huge = task.mm.mmap(0, 2 * MiB, RW, ANON | MAP_HUGETLB);
    await poke(task, huge, Uint8Array.of(1));
    const [e1, e2] = numaMaps(task);
    expect(e1).toMatchObject({ start: thp, anon: 512, nodes: [0, 512], kernelPageSizeKb: 4, huge: false });
    expect(e2).toMatchObject({ start: huge, anon: 1, nodes: [0, 1], kernelPageSizeKb: 2048, huge: true, file: '/anon_hugepage (deleted)' });
    expect(formatNumaMaps([e2!])).toBe(`${huge.toString(16)} default file=/anon_hugepage\\040(deleted) huge anon=1 dirty=1 N1=1 kernelpagesize_kB=2048\n`);
  });

  it('/proc/<pid> files come with the task and go when it exits', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ name: 'worker', cpu: 3, mems: [1] });
    const addr = task.mm.mmap(0, 3 * PAGE_SIZE, RW, ANON);
    await poke(task, addr, new Uint8Array(3 * PAGE_SIZE));
    const status = sys.sysfs.readOrThrow(`/proc/${task.pid}/status`);
    expect(status).toContain('Name:\tworker\n');
    expect(status).toContain('VmRSS:\t      12 kB\n');
    expect(status).toContain('RssAnon:\t      12 kB\n');
    expect(status).toContain('Mems_allowed_list:\t1\n');
    const thread = sys.cloneThread(task);
    expect(sys.sysfs.readOrThrow(`/proc/${thread.pid}/status`)).toContain('Threads:\t2\n');
    sys.exitTask(task);
    expect(sys.sysfs.read(`/proc/${task.pid}/numa_maps`)).toBe(-2);
    expect(sys.sysfs.readOrThrow(`/proc/${thread.pid}/numa_maps`)).toContain('N1=3');
  });
});
