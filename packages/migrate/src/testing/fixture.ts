/**
 * Test fixture for migrations: a two-node system, a process with a populated region filled
 * with a position-dependent pattern, helpers to collect and isolate its folios, and checks
 * that every byte is where it was and every invariant holds. Used by this package's tests only.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { HPAGE_PMD_SIZE, MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE, type MigrateMode, type MigrateReason } from '@pagemig/folio';
import {
  FolioList,
  MADV_HUGEPAGE,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  accessVm,
  checkInvariants,
  createSystem,
  translate,
  type AddressSpace,
  type System,
  type SystemConfig,
  type Task,
} from '@pagemig/mm';
import { allocOnNode } from '../alloc-target';
import { createMigrateEngine, type MigrateEngine, type MigrateEngineConfig } from '../engine';
import { isolateFolioForMigration, putbackMovablePages } from '../isolate';
import { migratePages, type MigratePagesResult } from '../migrate-pages';
import type { MigrateCall } from '../types';

/** A region of a task's address space. */
export interface Region {
  task: Task;
  addr: number;
  len: number;
}

/** Kinds of memory a test can ask for. */
export type RegionKind = 'anon' | 'thp' | 'mthp64k' | 'shmem' | 'file' | 'hugetlb' | 'hugetlb-shared';

/** The byte stored at offset `i` of a region filled with `seed`. */
export function patternByte(seed: number, i: number): number {
  return (i * 31 + (i >>> 12) * 7 + seed) & 255;
}

/** A system with two 64 MiB nodes (override anything). */
export function makeSystem(config: Partial<SystemConfig> = {}): System {
  return createSystem({ nodes: [{ size: 64 << 20, hugepages: 4 }, { size: 64 << 20, hugepages: 4 }], ...config });
}

/** A system plus its migration engine. */
export function makeEngine(config: Partial<SystemConfig> = {}, engine: MigrateEngineConfig = {}): { sys: System; eng: MigrateEngine } {
  const sys = makeSystem(config);
  return { sys, eng: createMigrateEngine(sys, engine) };
}

/** A fresh engine, a task on node 0 and a filled region of `kind` in it, with the region's folios. */
export async function makeEngineWithRegion(
  kind: RegionKind,
  len: number,
  engine: MigrateEngineConfig = {},
): Promise<{ sys: System; eng: MigrateEngine; task: Task; region: Region; folios: number[] }> {
  const { sys, eng } = makeEngine({}, engine);
  const task = sys.createTask();
  const region = await makeRegion(sys, task, kind, len);
  return { sys, eng, task, region, folios: regionFolios(sys, region) };
}

/** Asserts the whole region sits on `nid`, still holds its pattern, and the system is clean. */
export async function expectIntactOn(sys: System, region: Region, nid: number): Promise<void> {
  expect(regionNodes(sys, region)).toEqual(new Set([nid]));
  await expectPattern(region);
  expectClean(sys);
}

/** Maps and fills a region of `kind` in `task` (CPU 0 = node 0 by default). */
export async function makeRegion(sys: System, task: Task, kind: RegionKind, len: number, seed = 1, file?: AddressSpace): Promise<Region> {
  const rw = PROT_READ | PROT_WRITE;
  let addr: number;
  switch (kind) {
    case 'anon':
      addr = task.mm.mmap(0, len, rw, MAP_PRIVATE | MAP_ANONYMOUS);
      break;
    case 'thp':
      addr = task.mm.mmap(0, len, rw, MAP_PRIVATE | MAP_ANONYMOUS);
      task.mm.madvise(addr, len, MADV_HUGEPAGE);
      break;
    case 'mthp64k':
      sys.setMthp('64K', 'always');
      addr = task.mm.mmap(0, len, rw, MAP_PRIVATE | MAP_ANONYMOUS);
      break;
    case 'shmem':
      addr = task.mm.mmap(0, len, rw, MAP_SHARED | MAP_ANONYMOUS);
      break;
    case 'file':
      addr = task.mm.mmap(0, len, rw, MAP_SHARED, file ?? sys.createFile('data', len));
      break;
    case 'hugetlb':
      addr = task.mm.mmap(0, len, rw, MAP_PRIVATE | MAP_ANONYMOUS | 0x40000);
      break;
    case 'hugetlb-shared':
      addr = task.mm.mmap(0, len, rw, MAP_SHARED | MAP_ANONYMOUS | 0x40000);
      break;
  }
  if (addr < 0) throw new Error(`mmap ${kind} failed: ${addr}`);
  const data = new Uint8Array(len);
  for (let i = 0; i < len; i++) data[i] = patternByte(seed, i);
  await accessVm(task, addr, data, true);
  return { task, addr, len };
}

/** Checks that the region still holds its pattern when read through `task`. */
export async function expectPattern(region: Region, seed = 1, task: Task = region.task): Promise<void> {
  const out = new Uint8Array(region.len);
  await accessVm(task, region.addr, out, false);
  let bad = -1;
  for (let i = 0; i < out.length && bad < 0; i++) if (out[i] !== patternByte(seed, i)) bad = i;
  expect(bad, `first mismatching byte of the region (pid ${task.pid})`).toBe(-1);
}

/** SHA-1 of the bytes behind a region, read straight from the frames its page tables map. */
export function regionDigest(sys: System, region: Region): string {
  const hash = createHash('sha1');
  for (let va = region.addr; va < region.addr + region.len; va += PAGE_SIZE) {
    const out = new Uint8Array(PAGE_SIZE);
    sys.phys.read(translate(region.task.mm, va, false) * PAGE_SIZE, out);
    hash.update(out);
  }
  return hash.digest('hex');
}

/** The distinct folios (head PFNs) mapped by a region, in address order. */
export function regionFolios(sys: System, region: Region): number[] {
  const out: number[] = [];
  const step = PAGE_SIZE;
  for (let va = region.addr; va < region.addr + region.len; va += step) {
    const pfn = translate(region.task.mm, va, false);
    if (pfn < 0) continue;
    const head = sys.memmap.compoundHead(pfn);
    if (out[out.length - 1] !== head && !out.includes(head)) out.push(head);
  }
  return out;
}

/** Node of every page of a region. */
export function regionNodes(sys: System, region: Region): Set<number> {
  const nodes = new Set<number>();
  for (let va = region.addr; va < region.addr + region.len; va += PAGE_SIZE) {
    nodes.add(sys.phys.pfnToNid(translate(region.task.mm, va, false)));
  }
  return nodes;
}

/** Isolates the given folios onto a new list (all must isolate). */
export function isolateAll(sys: System, folios: readonly number[]): FolioList {
  const list = new FolioList(sys.memmap);
  for (const folio of folios) expect(isolateFolioForMigration(sys, folio, list), `isolate folio ${folio}`).toBe(true);
  return list;
}

/** Isolates, migrates to `nid`, puts back what is left; returns the result and what was left. */
export async function migrateTo(
  eng: MigrateEngine,
  folios: readonly number[],
  nid: number,
  call: Partial<MigrateCall> & { mode?: MigrateMode; reason?: MigrateReason } = {},
): Promise<MigratePagesResult & { left: number[] }> {
  const sys = eng.sys;
  const list = isolateAll(sys, folios);
  const result = await migratePages(eng, list, allocOnNode(sys, nid), null, {
    mode: call.mode ?? MIGRATE_SYNC,
    reason: call.reason ?? MR_SYSCALL,
    ...call,
  });
  const left = list.toArray();
  putbackMovablePages(sys, list);
  return { ...result, left };
}

/** No invariant violations. */
export function expectClean(sys: System): void {
  expect(checkInvariants(sys)).toEqual([]);
}

/** Records the payloads of a tracepoint while the returned stop function is not called. */
export function record<T>(sys: System, name: string): { events: T[]; stop: () => void } {
  const events: T[] = [];
  const tp = sys.trace.get(name);
  if (tp === undefined) throw new Error(`no tracepoint ${name}`);
  const stop = tp.subscribe((payload) => events.push(payload as T));
  return { events, stop };
}

/** 2 MiB, for THP regions. */
export const THP_SIZE = HPAGE_PMD_SIZE;
