/**
 * Physical memory: NUMA nodes whose bytes live in `SharedArrayBuffer` sections, allocated
 * lazily when the allocator first hands out a frame of the section (SPARSEMEM-like), so copy
 * engines on worker threads reach the same bytes. A data-less node keeps metadata only: reads
 * give zeros and writes are dropped, which lets a laptop emulate machines with hundreds of GiB.
 *
 * Addresses: a PFN indexes 4 KiB frames across all nodes; a physical address is
 * `pfn * PAGE_SIZE`. Nodes start on a section boundary, so a section belongs to one node.
 */
import { KernelError } from '@pagemig/kernel';
import { MAX_ORDER_NR_PAGES, PAGE_SHIFT, PAGE_SIZE, formatSize } from '@pagemig/folio';

/** One NUMA node as configured. */
export interface NodeConfig {
  /** Bytes of memory; rounded down to a whole MAX_ORDER block (4 MiB). */
  size: number;
  /** Memory kind shown in views (`DRAM`, `CXL`, `HBM`, ...). */
  kind?: string;
  /** Metadata only: no bytes are stored (large-scale emulation). */
  dataless?: boolean;
}

/** What a worker thread needs to reach node memory: sent once, then again when `generation` moves. */
export interface PhysMemShare {
  sectionShift: number;
  /** Section index → its buffer, or null when not allocated yet. */
  sections: (SharedArrayBuffer | null)[];
  /** Section index → true when the section belongs to a data-less node (writes are dropped). */
  dataless: boolean[];
  generation: number;
}

/** Default section size: 128 MiB, like x86-64 `SECTION_SIZE_BITS` 27. */
export const DEFAULT_SECTION_SIZE = 128 << 20;

/**
 * Byte access to node memory by PFN without allocating: what a worker thread holds.
 * `PhysMem` extends it with the node layout and lazy allocation.
 */
export class PhysMemView {
  /** log2 of pages per section. */
  readonly sectionShift: number;
  readonly sectionPages: number;
  protected readonly views: (Uint8Array | null)[];
  protected readonly datalessSection: boolean[];
  /** Bumped whenever a section is allocated (PhysMem) or taken from a share (worker view). */
  generation = 0;

  constructor(sectionShift: number, dataless: boolean[]) {
    this.sectionShift = sectionShift;
    this.sectionPages = 2 ** sectionShift;
    this.datalessSection = dataless;
    this.views = new Array<Uint8Array | null>(dataless.length).fill(null);
  }

  /** Builds a view from a share received by a worker. */
  static fromShare(share: PhysMemShare): PhysMemView {
    const view = new PhysMemView(share.sectionShift, share.dataless);
    view.update(share);
    return view;
  }

  /** Takes the sections a newer share adds. */
  update(share: PhysMemShare): void {
    share.sections.forEach((buffer, sec) => {
      if (buffer !== null && this.views[sec] == null) this.views[sec] = new Uint8Array(buffer);
    });
    this.generation = share.generation;
  }

  /** Bytes of a section to write into, or null on a data-less node. */
  protected sectionForWrite(sec: number): Uint8Array | null {
    const view = this.views[sec];
    if (view != null) return view;
    if (this.datalessSection[sec] !== false) return null;
    throw new Error(`section ${sec} is not shared with this view (generation ${this.generation}); update it`);
  }

  /**
   * Copies `nrPages` frames (they may cross sections): the byte movement of `copy_highpage()`
   * over a range. Callers check hardware poison first. An unwritten source reads as zeros.
   */
  copyPages(dstPfn: number, srcPfn: number, nrPages: number): void {
    const mask = this.sectionPages - 1;
    while (nrPages > 0) {
      const run = Math.min(nrPages, this.sectionPages - (dstPfn & mask), this.sectionPages - (srcPfn & mask));
      const dstView = this.sectionForWrite(Math.floor(dstPfn / this.sectionPages));
      if (dstView !== null) {
        const srcView = this.views[Math.floor(srcPfn / this.sectionPages)] ?? null;
        const dstOff = (dstPfn & mask) * PAGE_SIZE;
        const len = run * PAGE_SIZE;
        if (srcView === null) {
          dstView.fill(0, dstOff, dstOff + len);
        } else {
          const srcOff = (srcPfn & mask) * PAGE_SIZE;
          dstView.set(srcView.subarray(srcOff, srcOff + len), dstOff);
        }
      }
      dstPfn += run;
      srcPfn += run;
      nrPages -= run;
    }
  }

  /** 2 MiB of zeros in ordinary memory: copying them in is several times faster than `fill()` on shared memory. */
  private zeroChunk: Uint8Array | null = null;

  /** Zeroes frames, as the allocator does for user pages (`clear_highpage()`). */
  zeroPages(pfn: number, nrPages: number): void {
    const zero = (this.zeroChunk ??= new Uint8Array(2 << 20));
    const mask = this.sectionPages - 1;
    while (nrPages > 0) {
      const run = Math.min(nrPages, this.sectionPages - (pfn & mask), zero.length / PAGE_SIZE);
      const view = this.sectionForWrite(Math.floor(pfn / this.sectionPages));
      if (view !== null) view.set(run * PAGE_SIZE === zero.length ? zero : zero.subarray(0, run * PAGE_SIZE), (pfn & mask) * PAGE_SIZE);
      pfn += run;
      nrPages -= run;
    }
  }

  /** Reads bytes at a physical address into `out` (zeros where nothing is stored). */
  read(physAddr: number, out: Uint8Array): void {
    this.walk(physAddr, out.length, false, (view, off, pos, len) => {
      if (view === null) out.fill(0, pos, pos + len);
      else out.set(view.subarray(off, off + len), pos);
    });
  }

  /** Writes bytes at a physical address (dropped on a data-less node). */
  write(physAddr: number, data: Uint8Array): void {
    this.walk(physAddr, data.length, true, (view, off, pos, len) => {
      view?.set(data.subarray(pos, pos + len), off);
    });
  }

  /** Fills bytes at a physical address with one value. */
  fill(physAddr: number, len: number, value: number): void {
    this.walk(physAddr, len, true, (view, off, _pos, n) => {
      view?.fill(value, off, off + n);
    });
  }

  /** A direct view of the bytes of one section range, or null (data-less / unallocated). */
  bytes(pfn: number, nrPages: number): Uint8Array | null {
    const sec = Math.floor(pfn / this.sectionPages);
    if (Math.floor((pfn + nrPages - 1) / this.sectionPages) !== sec) {
      throw new RangeError(`pfn range ${pfn}+${nrPages} crosses a section boundary`);
    }
    const view = this.views[sec] ?? null;
    if (view === null) return null;
    const off = (pfn & (this.sectionPages - 1)) * PAGE_SIZE;
    return view.subarray(off, off + nrPages * PAGE_SIZE);
  }

  private walk(
    physAddr: number,
    len: number,
    forWrite: boolean,
    fn: (view: Uint8Array | null, offset: number, pos: number, len: number) => void,
  ): void {
    const sectionBytes = this.sectionPages * PAGE_SIZE;
    if (!Number.isSafeInteger(physAddr) || physAddr < 0 || physAddr + len > this.views.length * sectionBytes) {
      throw new KernelError('EFAULT', `physical range 0x${physAddr.toString(16)}+${len} is outside memory`);
    }
    let pos = 0;
    while (pos < len) {
      const addr = physAddr + pos;
      const sec = Math.floor(addr / sectionBytes);
      const off = addr - sec * sectionBytes;
      const n = Math.min(len - pos, sectionBytes - off);
      fn(forWrite ? this.sectionForWrite(sec) : (this.views[sec] ?? null), off, pos, n);
      pos += n;
    }
  }
}

interface Layout {
  sectionShift: number;
  starts: number[];
  counts: number[];
  totalPages: number;
  sectionNid: Int32Array;
}

function layoutNodes(nodes: readonly NodeConfig[], sectionSize: number): Layout {
  if (nodes.length === 0 || nodes.length > 64) {
    throw new KernelError('EINVAL', `node count ${nodes.length} is not accepted: give 1 to 64 nodes`);
  }
  const minSection = MAX_ORDER_NR_PAGES * PAGE_SIZE;
  if (!Number.isInteger(sectionSize) || sectionSize < minSection || sectionSize > 2 ** 30 || (sectionSize & (sectionSize - 1)) !== 0) {
    throw new KernelError(
      'EINVAL',
      `section size ${sectionSize} is not accepted: give a power of two from ${formatSize(minSection)} to 1G`,
    );
  }
  const sectionPages = sectionSize / PAGE_SIZE;
  const starts: number[] = [];
  const counts: number[] = [];
  let pfn = 0;
  nodes.forEach((node, nid) => {
    if (!Number.isSafeInteger(node.size) || node.size < minSection) {
      throw new KernelError('EINVAL', `node ${nid} size ${node.size} is not accepted: give at least 4M`);
    }
    const pages = Math.floor(node.size / PAGE_SIZE / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
    starts.push(pfn);
    counts.push(pages);
    pfn += Math.ceil(pages / sectionPages) * sectionPages;
  });
  if (pfn > 2 ** 31) {
    throw new KernelError('EINVAL', `total memory ${formatSize(pfn * PAGE_SIZE)} is too large: at most 8T`);
  }
  const sectionNid = new Int32Array(pfn / sectionPages).fill(-1);
  starts.forEach((start, nid) => {
    const first = start / sectionPages;
    const last = Math.floor((start + (counts[nid] ?? 0) - 1) / sectionPages);
    sectionNid.fill(nid, first, last + 1);
  });
  return { sectionShift: Math.log2(sectionPages), starts, counts, totalPages: pfn, sectionNid };
}

/** The bytes of all nodes, addressed by PFN, with the node layout. */
export class PhysMem extends PhysMemView {
  readonly nrNodes: number;
  readonly nodeStartPfn: readonly number[];
  readonly nodeNrPages: readonly number[];
  readonly nodeKind: readonly string[];
  readonly nodeDataless: readonly boolean[];
  readonly totalPages: number;
  private readonly sections: (SharedArrayBuffer | null)[];
  private readonly sectionNid: Int32Array;

  constructor(nodes: readonly NodeConfig[], sectionSize = DEFAULT_SECTION_SIZE) {
    const layout = layoutNodes(nodes, sectionSize);
    super(
      layout.sectionShift,
      Array.from(layout.sectionNid, (nid) => nid < 0 || nodes[nid]?.dataless === true),
    );
    this.nrNodes = nodes.length;
    this.nodeStartPfn = layout.starts;
    this.nodeNrPages = layout.counts;
    this.nodeKind = nodes.map((n) => n.kind ?? 'DRAM');
    this.nodeDataless = nodes.map((n) => n.dataless === true);
    this.totalPages = layout.totalPages;
    this.sectionNid = layout.sectionNid;
    this.sections = new Array<SharedArrayBuffer | null>(layout.sectionNid.length).fill(null);
  }

  /** Node of a PFN, or -1 outside memory. */
  pfnToNid(pfn: number): number {
    // a shift instead of a division on the hot path; PFNs outside memory have no node
    return pfn >= 0 && pfn < this.totalPages ? this.sectionNid[pfn >>> this.sectionShift]! : -1;
  }

  /** True when `pfn` is backed by some node's memory (mirrors `pfn_valid()`). */
  pfnValid(pfn: number): boolean {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.totalPages) return false;
    const nid = this.pfnToNid(pfn);
    return nid >= 0 && pfn < (this.nodeStartPfn[nid] ?? 0) + (this.nodeNrPages[nid] ?? 0);
  }

  /** True when the node holding `pfn` keeps bytes. */
  hasData(pfn: number): boolean {
    const nid = this.pfnToNid(pfn);
    return nid >= 0 && this.nodeDataless[nid] === false;
  }

  protected override sectionForWrite(sec: number): Uint8Array | null {
    const view = this.views[sec];
    if (view != null) return view;
    if (this.datalessSection[sec] !== false) return null;
    const buffer = new SharedArrayBuffer(this.sectionPages * PAGE_SIZE);
    const created = new Uint8Array(buffer);
    this.sections[sec] = buffer;
    this.views[sec] = created;
    this.generation++;
    return created;
  }

  /** Allocates the sections under a PFN range; the allocator calls it when it hands frames out. */
  materialize(pfn: number, nrPages: number): void {
    const last = Math.floor((pfn + nrPages - 1) / this.sectionPages);
    for (let sec = Math.floor(pfn / this.sectionPages); sec <= last; sec++) {
      if (this.views[sec] == null) this.sectionForWrite(sec);
    }
  }

  /**
   * Allocates every section of the data-carrying nodes and touches each page, so the host has
   * really backed them (benchmarks: the kernel's memory is always present; a first touch would
   * charge the host's page-fault cost to whatever copies into the frame first).
   */
  prefault(): void {
    for (let sec = 0; sec < this.views.length; sec++) {
      const view = this.sectionForWrite(sec);
      if (view === null) continue;
      for (let off = 0; off < view.length; off += PAGE_SIZE) view[off] = 0;
    }
  }

  /** Everything a worker thread needs to build its `PhysMemView`. */
  share(): PhysMemShare {
    return {
      sectionShift: this.sectionShift,
      sections: this.sections.slice(),
      dataless: this.datalessSection.slice(),
      generation: this.generation,
    };
  }
}
