/**
 * hugetlb: per-node pools of 2 MiB folios reserved up front (`nr_hugepages`), handed to
 * MAP_HUGETLB mappings and given back when freed (mirrors `struct hstate` with its per-node free
 * lists, `alloc_hugetlb_folio()` and `free_huge_folio()`). Migration allocates its target from
 * the target node's pool (`alloc_hugetlb_folio_nodemask()`), which is why an empty pool makes a
 * hugetlb migration fail with -ENOMEM.
 */
import { KernelError } from '@pagemig/kernel';
import { HPAGE_PMD_ORDER, PGF_head, PGF_hugetlb, PGF_hwpoison } from '@pagemig/folio';
import { FolioList, NIL } from './folio-list';
import type { Memmap } from './memmap';
import type { PageAlloc } from './page-alloc';
import { __GFP_THISNODE, __GFP_NOFAIL } from './page-alloc';

/** The 2 MiB hstate's pools. */
export class HugetlbPools {
  readonly order = HPAGE_PMD_ORDER;
  /** Free huge folios per node. */
  readonly free: FolioList[];
  /** Huge folios owned by the pool per node (free + in use, surplus included). */
  readonly nrHugepages: number[];
  /**
   * In-use huge folios beyond the node's requested pool size (`HugePages_Surp`): the pool was
   * shrunk below what is in use, so they go back to the buddy allocator when freed.
   */
  readonly surplusHugepages: number[];
  private readonly memmap: Memmap;
  private readonly alloc: PageAlloc;
  private readonly pfnToNid: (pfn: number) => number;

  constructor(memmap: Memmap, alloc: PageAlloc, nrNodes: number, pfnToNid: (pfn: number) => number) {
    this.memmap = memmap;
    this.alloc = alloc;
    this.pfnToNid = pfnToNid;
    this.free = Array.from({ length: nrNodes }, () => new FolioList(memmap));
    this.nrHugepages = new Array<number>(nrNodes).fill(0);
    this.surplusHugepages = new Array<number>(nrNodes).fill(0);
  }

  /** Free huge pages on a node. */
  freeHugepages(nid: number): number {
    return this.free[nid]!.count;
  }

  /**
   * Grows or shrinks a node's pool to `count` (mirrors writing
   * `/sys/devices/system/node/nodeN/hugepages/hugepages-2048kB/nr_hugepages`): grows as far as
   * memory allows, shrinks by free huge pages; in-use ones beyond `count` become surplus and
   * are released when freed (`adjust_pool_surplus()`). Returns the persistent pool size.
   */
  setNrHugepages(nid: number, count: number): number {
    if (!Number.isInteger(count) || count < 0) {
      throw new KernelError('EINVAL', `nr_hugepages ${count} is not accepted: give an integer >= 0`);
    }
    while (this.nrHugepages[nid]! < count) {
      const pfn = this.alloc.allocPages(nid, this.order, __GFP_THISNODE | __GFP_NOFAIL);
      if (pfn === NIL) break;
      this.memmap.prepCompound(pfn, this.order);
      this.memmap.flags[pfn]! |= PGF_hugetlb;
      this.memmap.refcount[pfn] = 0;
      this.free[nid]!.add(pfn);
      this.nrHugepages[nid]!++;
    }
    while (this.nrHugepages[nid]! > count && this.free[nid]!.count > 0) {
      this.release(nid, this.free[nid]!.shift());
    }
    this.surplusHugepages[nid] = Math.max(0, this.nrHugepages[nid]! - count);
    return this.nrHugepages[nid]! - this.surplusHugepages[nid]!;
  }

  /** Gives a huge folio of the pool back to the buddy allocator (`update_and_free_hugetlb_folio()`). */
  private release(nid: number, pfn: number): void {
    this.memmap.flags[pfn]! &= ~PGF_hugetlb;
    this.memmap.clearCompound(pfn, this.order);
    this.alloc.freePages(pfn, this.order);
    this.nrHugepages[nid]!--;
  }

  /**
   * Takes a free huge folio from the first node of `nodes` that has one, with one reference
   * (mirrors `dequeue_hugetlb_folio_nodemask()`), or NIL. hugetlb is charged to the hugetlb
   * cgroup in the kernel, not the memcg, so it carries no memcg id here.
   */
  allocHugetlbFolio(nodes: readonly number[]): number {
    for (const nid of nodes) {
      const pfn = this.free[nid]?.shift() ?? NIL;
      if (pfn === NIL) continue;
      const mm = this.memmap;
      mm.refcount[pfn] = 1;
      mm.mapping[pfn] = 0;
      mm.index[pfn] = 0;
      mm.private[pfn] = 0;
      mm.memcg[pfn] = 0;
      mm.flags[pfn] = PGF_head | PGF_hugetlb | (mm.flags[pfn]! & PGF_hwpoison);
      return pfn;
    }
    return NIL;
  }

  /** A huge folio's refcount reached 0: back to its node's free list (mirrors `free_huge_folio()`). */
  freeHugetlbFolio(folio: number): void {
    const mm = this.memmap;
    mm.flags[folio] = PGF_head | PGF_hugetlb | (mm.flags[folio]! & PGF_hwpoison);
    mm.mapping[folio] = 0;
    mm.index[folio] = 0;
    mm.private[folio] = 0;
    mm.memcg[folio] = 0;
    mm.mapping[folio + 1] = 0;
    mm.private[folio + 1] = 0;
    const nid = this.pfnToNid(folio);
    if (this.surplusHugepages[nid]! > 0) {
      this.surplusHugepages[nid]!--;
      this.release(nid, folio);
      return;
    }
    this.free[nid]!.add(folio);
  }
}
