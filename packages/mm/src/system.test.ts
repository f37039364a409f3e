import { describe, it, expect } from 'vitest';
import { HPAGE_PMD_NR, PAGE_SIZE } from '@pagemig/folio';
import { MPOL_BIND } from './mempolicy';
import { PTE_PROTNONE } from './page-table';
import { createSystem } from './system';
import type { Task } from './task';
import { MiB, expectClean, folioAt, frameAt, migrateByHand, pattern, peek, poke, twoNodes } from './testing/fixture';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_NONE, PROT_READ, PROT_WRITE } from './vma';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function pteBits(task: Task, addr: number): number {
  const pt = task.mm.pageTable;
  return pt.bitsAt(pt.pteSlot(addr));
}

describe('NUMA hinting scan and faults', () => {
  it('a protnone access calls the hook with the node of the accessing CPU, then proceeds', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 2 });
    const addr = task.mm.mmap(0, 4 * PAGE_SIZE, RW, ANON);
    await poke(task, addr, pattern(71, 4 * PAGE_SIZE));
    expect(sys.phys.pfnToNid(frameAt(task, addr))).toBe(1);
    task.cpu = 0; // the scheduler moved the task to node 0
    const calls: { pid: number; folio: number; nid: number }[] = [];
    sys.hooks.numaMisplaced = async (t, folio, nid) => {
      calls.push({ pid: t.pid, folio, nid });
      await Promise.resolve();
    };
    expect(task.mm.numaScan()).toBe(4);
    expect(pteBits(task, addr) & PTE_PROTNONE).not.toBe(0);
    expect(sys.tlb.lookup(2, task.mm.id, addr / PAGE_SIZE, false)).toBe(-1);
    expect(sys.vmstat.get('numa_pte_updates')).toBe(4);
    expectClean(sys);
    const folio = folioAt(task, addr + PAGE_SIZE);
    expect(await peek(task, addr + PAGE_SIZE, 16)).toEqual(pattern(71, 4 * PAGE_SIZE).subarray(PAGE_SIZE, PAGE_SIZE + 16));
    expect(calls).toEqual([{ pid: task.pid, folio, nid: 0 }]);
    expect(pteBits(task, addr + PAGE_SIZE) & PTE_PROTNONE).toBe(0);
    expect(pteBits(task, addr) & PTE_PROTNONE).not.toBe(0);
    expect(sys.vmstat.get('numa_hint_faults')).toBe(1);
    expectClean(sys);
  });

  it('the hook may migrate the folio; the access then reads it from the new node', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 2 });
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(task, addr, pattern(72, 64));
    task.cpu = 1;
    sys.hooks.numaMisplaced = async (_t, folio, nid) => {
      migrateByHand(sys, folio, nid);
    };
    expect(task.mm.numaScan()).toBe(1);
    await poke(task, addr + 64, Uint8Array.of(1));
    expect(sys.phys.pfnToNid(frameAt(task, addr))).toBe(0);
    expect(await peek(task, addr, 64)).toEqual(pattern(72, 64));
    expectClean(sys);
  });

  it('marks PMD-mapped THPs; skips local folios of a single-user mm, shared and non-default-policy VMAs, and the zero page', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 0 });
    const local = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(task, local, Uint8Array.of(1));
    const thp = task.mm.mmap(0, 2 * MiB, RW, ANON);
    task.mm.madvise(thp, 2 * MiB, MADV_HUGEPAGE);
    expect(sys.setMempolicy(task, MPOL_BIND, [1])).toBe(0);
    await poke(task, thp, Uint8Array.of(1));
    const shared = task.mm.mmap(0, PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS);
    await poke(task, shared, Uint8Array.of(1));
    const zero = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await peek(task, zero, 1);
    // a bind policy has no MPOL_F_MOF: nothing is scanned
    expect(task.mm.numaScan()).toBe(0);
    expect(sys.setMempolicy(task, 0, [])).toBe(0);
    expect(task.mm.numaScan()).toBe(HPAGE_PMD_NR);
    expect(task.mm.pageTable.pmdLeaf(thp)!.bits & PTE_PROTNONE).not.toBe(0);
    expect(pteBits(task, local) & PTE_PROTNONE).toBe(0);
    expect(pteBits(task, shared) & PTE_PROTNONE).toBe(0);
    expect(pteBits(task, zero) & PTE_PROTNONE).toBe(0);
    expect(sys.vmstat.get('numa_huge_pte_updates')).toBe(1);
    // populate follows protnone entries without a hinting fault (GUP semantics)
    expect(task.mm.populate(thp, 2 * MiB, true)).toBe(0);
    expect(sys.vmstat.get('numa_hint_faults')).toBe(0);
    let nid = -1;
    sys.hooks.numaMisplaced = async (_t, _folio, target) => {
      nid = target;
    };
    expect(await peek(task, thp + 5 * PAGE_SIZE, 1)).toEqual(Uint8Array.of(0));
    expect(nid).toBe(0);
    expect(task.mm.pageTable.pmdLeaf(thp)!.bits & PTE_PROTNONE).toBe(0);
    expectClean(sys);
  });

  it('an mprotect(PROT_NONE) entry is a segmentation fault, not a hinting fault', async () => {
    const sys = twoNodes();
    const task = sys.createTask({ cpu: 2 });
    const addr = task.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(task, addr, Uint8Array.of(1));
    task.cpu = 0;
    expect(task.mm.mprotect(addr, PAGE_SIZE, PROT_NONE)).toBe(0);
    expect(task.mm.numaScan()).toBe(0);
    await expect(peek(task, addr, 1)).rejects.toThrow(/segmentation fault/);
    expect(task.mm.populate(addr, PAGE_SIZE, false)).toBe(-14);
    expect(sys.vmstat.get('numa_hint_faults')).toBe(0);
  });
});

describe('createSystem', () => {
  it('validates its configuration and names what it accepts', () => {
    expect(() => createSystem({ nodes: [] })).toThrow(/give 1 to 64 nodes/);
    expect(() => createSystem({ nodes: [{ size: 1 << 20 }] })).toThrow(/at least 4M/);
    expect(() => createSystem({ nodes: [{ size: 8 * MiB }], thp: { enabled: 'sometimes' as never } })).toThrow(/THP setting "sometimes"/);
    expect(() => createSystem({ nodes: [{ size: 8 * MiB }], thp: { sizes: { '3K': 'always' } } })).toThrow(/mTHP size "3K"/);
    expect(() => createSystem({ nodes: [{ size: 8 * MiB }, { size: 8 * MiB }], distance: [[10, 20], [20, 20]] })).toThrow(/distance table/);
  });

  it('puts CPUs on DRAM nodes and none on a CXL node; zonelists go by distance', () => {
    const sys = createSystem({
      nodes: [{ size: 8 * MiB }, { size: 8 * MiB, kind: 'CXL' }, { size: 8 * MiB }],
    });
    expect(sys.cpuToNode).toEqual([0, 0, 2, 2]);
    expect(sys.alloc.zonelists[0]).toEqual([0, 2, 1]);
    expect(sys.sysfs.read('/sys/devices/system/node/node2/cpulist')).toBe('2-3\n');
    expect(sys.sysfs.read('/sys/devices/system/node/node1/distance')).toBe('30 10 30\n');
  });

  it('keeps several systems apart', async () => {
    const a = twoNodes(8 * MiB);
    const b = twoNodes(8 * MiB);
    const ta = a.createTask();
    const tb = b.createTask();
    const va = ta.mm.mmap(0, PAGE_SIZE, RW, ANON);
    await poke(ta, va, Uint8Array.of(1));
    expect(a.vmstat.get('pgfault')).toBe(1);
    expect(b.vmstat.get('pgfault')).toBe(0);
    expect(ta.pid).toBe(tb.pid);
    expectClean(a);
    expectClean(b);
  });
});
