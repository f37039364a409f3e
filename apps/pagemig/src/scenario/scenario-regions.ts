/**
 * The memory regions of scenario processes: mapped with the kind's mmap flags and advice,
 * placed by a memory policy (or filled under a temporary bind to `initialNode`), filled through
 * the process's own page tables, optionally punched with holes, and shadowed: a plain copy of
 * what the region must contain, kept up to date by the workload's writes, checked byte for byte
 * at the end.
 */
import { KernelError, Prng, strerror } from '@pagemig/kernel';
import { HPAGE_PMD_SIZE, PAGE_SIZE, formatSize } from '@pagemig/folio';
import {
  MADV_DONTNEED,
  MADV_HUGEPAGE,
  MADV_NOHUGEPAGE,
  MAP_ANONYMOUS,
  MAP_HUGETLB,
  MAP_PRIVATE,
  MAP_SHARED,
  MPOL_BIND,
  MPOL_DEFAULT,
  MPOL_INTERLEAVE,
  MPOL_LOCAL,
  MPOL_PREFERRED,
  PTE_PRESENT,
  PROT_READ,
  PROT_WRITE,
  accessVm,
  mpolNew,
  type MemPolicy,
  type MmStruct,
  type System,
  type Task,
} from '@pagemig/mm';
import { runtimeError } from '../cli-error';
import type { RegionSpec } from './scenario-schema';

/** A mapped region of a scenario process. */
export interface ScenarioRegion {
  spec: RegionSpec;
  process: string;
  task: Task;
  addr: number;
  size: number;
  /** What the region must contain. */
  shadow: Uint8Array;
  /** Threads that write it (reads check the shadow only when there are none). */
  writers: number;
}

const POLICY_MODE: Record<string, number> = {
  default: MPOL_DEFAULT,
  local: MPOL_LOCAL,
  preferred: MPOL_PREFERRED,
  bind: MPOL_BIND,
  interleave: MPOL_INTERLEAVE,
};

function regionPolicy(sys: System, spec: RegionSpec): MemPolicy | null {
  if (spec.policy === undefined || spec.policy.mode === 'default') return null;
  return mpolNew(POLICY_MODE[spec.policy.mode]!, spec.policy.nodes, sys.nrNodes);
}

/** The bytes a fill produces. */
export function fillBytes(fill: RegionSpec['fill'], size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  if (fill === 'zero') return out;
  if (typeof fill === 'object') return out.fill(fill.byte);
  if (fill === 'random') {
    const prng = new Prng(seed);
    for (let i = 0; i < size; i += 4) {
      const v = prng.nextU32();
      out[i] = v & 255;
      out[i + 1] = (v >>> 8) & 255;
      out[i + 2] = (v >>> 16) & 255;
      out[i + 3] = v >>> 24;
    }
    return out;
  }
  // pattern: a rotating byte sequence with each page's index stamped at its start
  for (let i = 0; i < size; i++) out[i] = (i * 131 + 7 + (i >>> 12) * 29) & 255;
  const view = new DataView(out.buffer);
  for (let page = 0; page * PAGE_SIZE < size; page++) view.setUint32(page * PAGE_SIZE, page, true);
  return out;
}

function fail(what: string, rc: number): never {
  throw runtimeError(`${what}: ${strerror(rc)}`);
}

/** Maps, places and fills one region as `task`. */
export async function mapRegion(sys: System, task: Task, process: string, spec: RegionSpec, seed: number): Promise<ScenarioRegion> {
  const where = `process ${process} region ${spec.name}`;
  const mm = task.mm;
  const size = spec.size;
  let addr: number;
  const rw = PROT_READ | PROT_WRITE;
  switch (spec.kind) {
    case 'shmem':
      addr = mm.mmap(0, size, rw, MAP_SHARED | MAP_ANONYMOUS);
      break;
    case 'file': {
      const file = sys.createFile(`/data/${process}.${spec.name}`, size);
      addr = mm.mmap(0, size, rw, MAP_SHARED, file, 0);
      break;
    }
    case 'hugetlb':
      addr = mm.mmap(0, size, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB);
      break;
    default:
      addr = mm.mmap(0, size, rw, MAP_PRIVATE | MAP_ANONYMOUS);
  }
  if (addr < 0) fail(`${where}: mmap of ${formatSize(size)}`, addr);
  if (spec.kind === 'anon' || spec.kind === 'thp' || spec.kind === 'mthp') {
    const rc = mm.madvise(addr, size, spec.kind === 'anon' ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
    if (rc < 0) fail(`${where}: madvise`, rc);
  }
  let policy: MemPolicy | null;
  try {
    policy = regionPolicy(sys, spec);
  } catch (error) {
    throw runtimeError(`${where}: policy: ${KernelError.isInstance(error) ? error.message : String(error)}`);
  }
  const fillPolicy = spec.initialNode === undefined ? policy : mpolNew(MPOL_BIND, [spec.initialNode], sys.nrNodes);
  if (fillPolicy !== null) mm.setVmaPolicy(addr, size, fillPolicy);
  const shadow = fillBytes(spec.fill, size, seed);
  const chunk = 64 * 1024;
  try {
    for (let off = 0; off < size; off += chunk) await accessVm(task, addr + off, shadow.subarray(off, Math.min(size, off + chunk)), true);
  } catch (error) {
    throw runtimeError(`${where}: filling ${formatSize(size)} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (spec.initialNode !== undefined) mm.setVmaPolicy(addr, size, policy);
  if (spec.holes !== undefined) {
    const privateAnon = spec.kind === 'anon' || spec.kind === 'thp' || spec.kind === 'mthp';
    for (let page = spec.holes.every - 1; page * PAGE_SIZE < size; page += spec.holes.every) {
      const rc = mm.madvise(addr + page * PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED);
      if (rc < 0) fail(`${where}: madvise(MADV_DONTNEED)`, rc);
      // private anonymous memory reads back as zeros; shared and file pages stay in the cache
      if (privateAnon) shadow.fill(0, page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    }
  }
  return { spec, process, task, addr, size, shadow, writers: 0 };
}

/**
 * The frame mapped at `addr` by a present entry, NUMA-hinting (protnone) entries included, as
 * numa_maps counts them; -1 when nothing is mapped. Touches no accessed or dirty bit.
 */
export function presentFrame(mm: MmStruct, addr: number): number {
  const pt = mm.pageTable;
  const pmdStart = addr - (addr % HPAGE_PMD_SIZE);
  const leaf = pt.pmdLeaf(pmdStart);
  if (leaf !== null) return (leaf.bits & PTE_PRESENT) === 0 ? -1 : leaf.pfn + (addr - pmdStart) / PAGE_SIZE;
  const slot = pt.pteSlot(addr);
  if (slot < 0 || (pt.bitsAt(slot) & PTE_PRESENT) === 0) return -1;
  return pt.pfnAt(slot);
}

/** Base pages of the region present on each node, and the folio sizes seen (from the page tables). */
export function regionPlacement(sys: System, region: ScenarioRegion): { nodes: number[]; folioSizes: Record<string, number> } {
  const nodes = new Array<number>(sys.nrNodes).fill(0);
  const folioSizes: Record<string, number> = {};
  const m = sys.memmap;
  let lastFolio = -1;
  for (let off = 0; off < region.size; off += PAGE_SIZE) {
    const pfn = presentFrame(region.task.mm, region.addr + off);
    if (pfn < 0 || sys.isZeroPfn(pfn)) continue;
    nodes[sys.phys.pfnToNid(pfn)]!++;
    const folio = m.compoundHead(pfn);
    if (folio !== lastFolio) {
      const key = formatSize(m.folioNrPages(folio) * PAGE_SIZE);
      folioSizes[key] = (folioSizes[key] ?? 0) + 1;
      lastFolio = folio;
    }
  }
  return { nodes, folioSizes };
}

/**
 * Reads the region back through the process's page tables and compares it with the shadow.
 * Returns null when they match, else where the first difference is.
 */
export async function verifyRegion(region: ScenarioRegion): Promise<string | null> {
  const chunk = region.spec.kind === 'hugetlb' ? HPAGE_PMD_SIZE : 64 * 1024;
  const buf = new Uint8Array(chunk);
  for (let off = 0; off < region.size; off += chunk) {
    const n = Math.min(chunk, region.size - off);
    const view = buf.subarray(0, n);
    await accessVm(region.task, region.addr + off, view, false);
    const want = region.shadow.subarray(off, off + n);
    if (!Buffer.from(view.buffer, view.byteOffset, n).equals(Buffer.from(want.buffer, want.byteOffset, n))) {
      let i = 0;
      while (view[i] === want[i]) i++;
      const at = off + i;
      return `byte ${at} (page ${Math.floor(at / PAGE_SIZE)}) holds 0x${view[i]!.toString(16)}, expected 0x${want[i]!.toString(16)}`;
    }
  }
  return null;
}
