/**
 * Test support (not exported from the package): a two-node system with a migrate engine, its
 * offload registry, a DMA engine with a software device and a loaded dcbm; raw folio pairs for
 * calling `offloadCopy` directly; content and invariant checks. Patterned regions, their migration
 * and tick-based waits come from `@pagemig/region-kit` (re-exported here).
 */
import { expect } from 'vitest';
import type { Clock } from '@pagemig/kernel';
import { MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import { GFP_HIGHUSER_MOVABLE, NO_MEMCG, __GFP_THISNODE, checkInvariants, createSystem, type System, type Task } from '@pagemig/mm';
import { createMigrateEngine, type BatchCopyContext, type MigrateEngine, type MigrateEngineConfig } from '@pagemig/migrate';
import { firstBadByte, patternByte, regionNodes as nodesOfRegion, type Region } from '@pagemig/region-kit';
import { createMigrateOffload, type MigrateOffload } from '@pagemig/offload';
import { DmaEngine, createSoftwareDmaDevice, type SoftwareDmaDevice, type SoftwareDmaDeviceOptions } from '@pagemig/dmaengine';
import { createDcbm, type Dcbm, type DcbmOptions } from '../dcbm';

export { firstBadByte, makeRegion, migrateRegion, patternByte, tick, until } from '@pagemig/region-kit';
export type { Region } from '@pagemig/region-kit';

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

/** Asserts the region holds its pattern and the system has no invariant violations. */
export async function expectIntact(fx: DcbmFixture, r: Region): Promise<void> {
  expect(await firstBadByte(fx.task, r), 'first byte of the region that lost its pattern').toBe(-1);
  expect(checkInvariants(fx.sys)).toEqual([]);
}

/** Nodes holding the region's pages. */
export function regionNodes(fx: DcbmFixture, r: Region): Set<number> {
  return nodesOfRegion(fx.sys, fx.task, r);
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
