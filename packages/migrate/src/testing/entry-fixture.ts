/**
 * Test helpers for the entry points (syscalls and kernel callers): small systems with several
 * nodes, regions placed on a chosen node, pins, page queries and layouts. Builds on
 * `fixture.ts`; used by this package's tests only.
 */
import { expect } from 'vitest';
import { PAGE_SIZE } from '@pagemig/folio';
import {
  MPOL_BIND,
  MPOL_DEFAULT,
  accessVm,
  createSystem,
  translate,
  type System,
  type SystemConfig,
  type SystemNodeConfig,
  type Task,
} from '@pagemig/mm';
import { createMigrateEngine, type MigrateEngine } from '../engine';
import { makeRegion, type Region, type RegionKind } from './fixture';

/** A system of `nodes` (16 MiB DRAM each unless given) with 16 MiB sections, and its engine. */
export function smallSystem(nodes: readonly SystemNodeConfig[] | number = 2, config: Partial<SystemConfig> = {}): { sys: System; eng: MigrateEngine } {
  const list = typeof nodes === 'number' ? Array.from({ length: nodes }, () => ({ size: 16 << 20, hugepages: 2 })) : nodes;
  const sys = createSystem({ nodes: list, sectionSize: 16 << 20, ...config });
  return { sys, eng: createMigrateEngine(sys) };
}

/** A region of `kind` whose memory was allocated on node `nid` (bind policy while it is written). */
export async function regionOn(sys: System, task: Task, kind: RegionKind, len: number, nid: number, seed = 1): Promise<Region> {
  expect(sys.setMempolicy(task, MPOL_BIND, [nid])).toBe(0);
  const region = await makeRegion(sys, task, kind, len, seed);
  expect(sys.setMempolicy(task, MPOL_DEFAULT, [])).toBe(0);
  return region;
}

/** Address of page `i` of a region. */
export function pageAddr(region: Region, i: number): number {
  return region.addr + i * PAGE_SIZE;
}

/** Head PFN of the folio mapping `addr` in the region's task (-1 when none). */
export function folioAt(sys: System, region: Region, addr: number): number {
  const pfn = translate(region.task.mm, addr, false);
  return pfn < 0 ? -1 : sys.memmap.compoundHead(pfn);
}

/** Node of the page at `addr` (-1 when not present). */
export function nodeAt(sys: System, task: Task, addr: number): number {
  const pfn = translate(task.mm, addr, false);
  return pfn < 0 ? -1 : sys.phys.pfnToNid(pfn);
}

/** Takes an extra reference on a folio (a GUP pin held by the test): migration of it fails with -EAGAIN. */
export function pin(sys: System, folio: number): () => void {
  sys.memmap.refcount[folio]!++;
  return () => {
    sys.memmap.refcount[folio]!--;
  };
}

/** The frame behind every page of a region (its physical layout). */
export function layout(region: Region): number[] {
  const out: number[] = [];
  for (let va = region.addr; va < region.addr + region.len; va += PAGE_SIZE) out.push(translate(region.task.mm, va, false));
  return out;
}

/** Reads a page through the task (faults it in as a read: maps the zero page if never touched). */
export async function readPage(task: Task, addr: number): Promise<Uint8Array> {
  const out = new Uint8Array(PAGE_SIZE);
  await accessVm(task, addr, out, false);
  return out;
}

/** A status array filled with a sentinel the syscalls never write. */
export const SENTINEL = 0x5a5a;
export function statusArray(n: number): Int32Array {
  return new Int32Array(n).fill(SENTINEL);
}
