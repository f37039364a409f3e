/**
 * Test support (not exported from the package): a two-node system with a migrate engine, its
 * offload registry, a DMA engine with a software device and a loaded dcbm; regions of a task's
 * anonymous memory filled with a position-dependent pattern; migration of a region to a node; raw
 * folio pairs for calling `offloadCopy` directly; content and invariant checks; a tick-based wait.
 */
import { expect } from 'vitest';
import type { Clock } from '@pagemig/kernel';
import { MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE, type MigrateMode, type MigrateReason } from '@pagemig/folio';
import {
  FolioList,
  GFP_HIGHUSER_MOVABLE,
  MADV_HUGEPAGE,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  NO_MEMCG,
  PROT_READ,
  PROT_WRITE,
  __GFP_THISNODE,
  accessVm,
  checkInvariants,
  createSystem,
  translate,
  type System,
  type Task,
} from '@pagemig/mm';
import {
  allocOnNode,
  createMigrateEngine,
  isolateFolioForMigration,
  migratePages,
  putbackMovablePages,
  type BatchCopyContext,
  type MigrateEngine,
  type MigrateEngineConfig,
  type MigratePagesResult,
} from '@pagemig/migrate';
import { createMigrateOffload, type MigrateOffload } from '@pagemig/offload';
import { DmaEngine, createSoftwareDmaDevice, type SoftwareDmaDevice, type SoftwareDmaDeviceOptions } from '@pagemig/dmaengine';
import { createDcbm, type Dcbm, type DcbmOptions } from '../dcbm';

/** Everything a dcbm test needs. */
export interface DcbmFixture {
  sys: System;
  eng: MigrateEngine;
  offload: MigrateOffload;
  dma: DmaEngine;
  dev: SoftwareDmaDevice;
  dcbm: Dcbm;
  task: Task;
}

/** How to build a fixture. */
export interface DcbmFixtureOptions {
  engine?: MigrateEngineConfig;
  /** Software device options other than `phys` (default: 2 channels, in order). */
  device?: Omit<SoftwareDmaDeviceOptions, 'phys'>;
  /** dcbm options other than system, offload and dma. */
  dcbm?: Omit<DcbmOptions, 'system' | 'offload' | 'dma'>;
  /** Node size in MiB (default 32). */
  nodeMiB?: number;
  /** The system clock (default: the monotonic wall clock). */
  clock?: Clock;
}

/** Builds system, engine, registry, DMA engine + software device and dcbm (offloading off). */
export function makeDcbmFixture(opts: DcbmFixtureOptions = {}): DcbmFixture {
  const mib = opts.nodeMiB ?? 32;
  const sys = createSystem({
    nodes: [{ size: mib << 20 }, { size: mib << 20 }],
    sectionSize: 4 << 20,
    thp: { enabled: 'madvise' },
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
  });
  const eng = createMigrateEngine(sys, opts.engine ?? {});
  const offload = createMigrateOffload(eng);
  const dma = new DmaEngine({ sysfs: sys.sysfs, trace: sys.trace });
  const dev = createSoftwareDmaDevice(dma, { phys: sys.phys, channels: 2, ...opts.device });
  const dcbm = createDcbm({ system: sys, offload, dma, ...opts.dcbm });
  const task = sys.createTask({ cpu: 0 });
  return { sys, eng, offload, dma, dev, dcbm, task };
}

/** A region of the task's memory with a known pattern. */
export interface Region {
  addr: number;
  len: number;
  seed: number;
}

/** The pattern byte at offset `i` of a region with `seed` (changes within and across pages). */
export function patternByte(seed: number, i: number): number {
  return (seed * 131 + i * 7 + Math.floor(i / PAGE_SIZE) * 13) & 255;
}

/** Maps `pages` base pages (2 MiB THPs when `huge`), fills them with the pattern of `seed`. */
export async function makeRegion(task: Task, pages: number, seed: number, huge = false): Promise<Region> {
  const len = pages * PAGE_SIZE;
  const mm = task.mm;
  const addr = mm.mmap(0, len + (huge ? 2 << 20 : 0), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const start = huge ? Math.ceil(addr / (2 << 20)) * (2 << 20) : addr;
  if (huge) mm.madvise(start, len, MADV_HUGEPAGE);
  const buf = new Uint8Array(len);
  for (let i = 0; i < len; i++) buf[i] = patternByte(seed, i);
  await accessVm(task, start, buf, true);
  return { addr: start, len, seed };
}

/** Index of the first byte of the region that lost its pattern (read through the page tables), or -1. */
export async function firstBadByte(task: Task, r: Region): Promise<number> {
  const buf = new Uint8Array(r.len);
  await accessVm(task, r.addr, buf, false);
  for (let i = 0; i < r.len; i++) if (buf[i] !== patternByte(r.seed, i)) return i;
  return -1;
}

/** Asserts the region holds its pattern and the system has no invariant violations. */
export async function expectIntact(fx: DcbmFixture, r: Region): Promise<void> {
  expect(await firstBadByte(fx.task, r), 'first byte of the region that lost its pattern').toBe(-1);
  expect(checkInvariants(fx.sys)).toEqual([]);
}

/** Nodes holding the region's pages. */
export function regionNodes(fx: DcbmFixture, r: Region): Set<number> {
  const nodes = new Set<number>();
  for (let va = r.addr; va < r.addr + r.len; va += PAGE_SIZE) nodes.add(fx.sys.phys.pfnToNid(translate(fx.task.mm, va, false)));
  return nodes;
}

/** Isolates the region's folios and migrates them to `nid`; what is left is put back. */
export async function migrateRegion(
  fx: DcbmFixture,
  r: Region,
  nid: number,
  call: { reason?: MigrateReason; mode?: MigrateMode } = {},
): Promise<MigratePagesResult> {
  const { sys, eng, task } = fx;
  const list = new FolioList(sys.memmap);
  let last = -1;
  for (let va = r.addr; va < r.addr + r.len; va += PAGE_SIZE) {
    const pfn = translate(task.mm, va, false);
    if (pfn < 0) continue;
    const head = sys.memmap.compoundHead(pfn);
    if (head === last || sys.phys.pfnToNid(head) === nid) continue;
    last = head;
    isolateFolioForMigration(sys, head, list);
  }
  const result = await migratePages(eng, list, allocOnNode(sys, nid), null, {
    mode: call.mode ?? MIGRATE_SYNC,
    reason: call.reason ?? MR_SYSCALL,
    memcg: task.memcg,
  });
  putbackMovablePages(sys, list);
  return result;
}

/** Raw folio pairs for calling `offloadCopy` directly: sources on node 0 with a pattern, zeroed destinations on node 1. */
export interface FolioPairs {
  dst: Int32Array;
  src: Int32Array;
  count: number;
  /** Bytes per folio. */
  folioBytes: number;
  ctx: BatchCopyContext;
  /** Frees every folio. */
  free(): void;
}

let directBatchId = 1_000_000;

/** Allocates `count` pairs of folios of `order` and fills the sources with the pattern of `seed`. */
export function folioPairs(sys: System, count: number, order = 0, seed = 7): FolioPairs {
  const dst = new Int32Array(count);
  const src = new Int32Array(count);
  const folioBytes = PAGE_SIZE << order;
  const gfp = GFP_HIGHUSER_MOVABLE | __GFP_THISNODE;
  const buf = new Uint8Array(folioBytes);
  for (let i = 0; i < count; i++) {
    src[i] = sys.alloc.allocFolio(0, order, gfp, NO_MEMCG);
    dst[i] = sys.alloc.allocFolio(1, order, gfp, NO_MEMCG);
    if (src[i]! < 0 || dst[i]! < 0) throw new Error('folioPairs: out of memory');
    for (let b = 0; b < folioBytes; b++) buf[b] = patternByte(seed + i, b);
    sys.phys.write(src[i]! * PAGE_SIZE, buf);
    sys.phys.fill(dst[i]! * PAGE_SIZE, folioBytes, 0);
  }
  const ctx: BatchCopyContext = { batchId: ++directBatchId, reason: MR_SYSCALL, memcg: 0, hint: 'default', bytes: count * folioBytes };
  return {
    dst,
    src,
    count,
    folioBytes,
    ctx,
    free() {
      for (let i = 0; i < count; i++) {
        sys.alloc.folioPut(src[i]!);
        sys.alloc.folioPut(dst[i]!);
      }
    },
  };
}

/** Per pair: true when the destination holds the source's bytes. */
export function pairsLanded(sys: System, p: FolioPairs): boolean[] {
  const a = new Uint8Array(p.folioBytes);
  const b = new Uint8Array(p.folioBytes);
  const out: boolean[] = [];
  for (let i = 0; i < p.count; i++) {
    sys.phys.read(p.src[i]! * PAGE_SIZE, a);
    sys.phys.read(p.dst[i]! * PAGE_SIZE, b);
    out.push(Buffer.compare(a, b) === 0);
  }
  return out;
}

/** Yields to the event loop once. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Ticks until `cond()` holds; throws after `max` ticks (a bound on work, not on time). */
export async function until(cond: () => boolean, max = 100_000): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`condition not reached after ${max} ticks`);
}
