/**
 * Test support (not exported from the package): a two-node system with a task, regions of
 * anonymous memory filled with a per-region byte pattern, migration of a region to a node, a
 * content check through the task's page tables, controllable migrators, and a tick-based wait
 * (never wall-clock).
 */
import { createModule, type Clock, type Module } from '@pagemig/kernel';
import { MIGRATE_SYNC, PAGE_SIZE, type MigrateMode, type MigrateReason } from '@pagemig/folio';
import { FolioList, MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, accessVm, checkInvariants, createSystem, translate, type System, type Task } from '@pagemig/mm';
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
  type OffloadHint,
} from '@pagemig/migrate';
import { createMigrateOffload, type MigrateOffload } from '../migrate-offload';
import type { Migrator } from '../migrator';

/** A region of a task's memory with a known pattern. */
export interface Region {
  addr: number;
  len: number;
  seed: number;
}

/** Everything a test needs. */
export interface Fixture {
  sys: System;
  eng: MigrateEngine;
  offload: MigrateOffload;
  task: Task;
}

/** How to build a fixture. */
export interface FixtureOptions {
  engine?: MigrateEngineConfig;
  /** Memcg to create and run the task in (default: root). */
  memcg?: string;
  clock?: Clock;
}

/** Builds a two-node system (16 MiB each), an engine and its registry. */
export function makeFixture(opts: FixtureOptions = {}): Fixture {
  const sys = createSystem({
    nodes: [{ size: 16 << 20 }, { size: 16 << 20 }],
    sectionSize: 4 << 20,
    thp: { enabled: 'madvise' },
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
  });
  if (opts.memcg !== undefined) sys.memcgs.create(opts.memcg);
  const eng = createMigrateEngine(sys, opts.engine ?? {});
  const offload = createMigrateOffload(eng);
  const task = sys.createTask(opts.memcg === undefined ? { cpu: 0 } : { cpu: 0, memcg: opts.memcg });
  return { sys, eng, offload, task };
}

/** A clock that moves `step` ns on every read: deterministic "measured" time. */
export class SteppingClock implements Clock {
  private ns = 0;
  constructor(private readonly step: number) {}
  now(): number {
    this.ns += this.step;
    return this.ns;
  }
}

/** The pattern byte at offset `i` of a region with `seed`. */
export function patternByte(seed: number, i: number): number {
  return (seed * 131 + i * 7 + Math.floor(i / PAGE_SIZE) * 13) & 255;
}

/** Maps `pages` base pages (THP-backed when `huge`), fills them with the pattern of `seed`. */
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

/** True when the region still holds its pattern (read through the task's page tables). */
export async function regionIntact(task: Task, r: Region): Promise<boolean> {
  const buf = new Uint8Array(r.len);
  await accessVm(task, r.addr, buf, false);
  for (let i = 0; i < r.len; i++) if (buf[i] !== patternByte(r.seed, i)) return false;
  return true;
}

/** Nodes holding the region's pages (from the page tables, without faulting). */
export function regionNodes(sys: System, task: Task, r: Region): Set<number> {
  const nodes = new Set<number>();
  for (let va = r.addr; va < r.addr + r.len; va += PAGE_SIZE) nodes.add(sys.phys.pfnToNid(translate(task.mm, va, false)));
  return nodes;
}

/** Isolates the region's folios and migrates them to `nid`; failures are put back. */
export async function migrateRegion(
  fx: Fixture,
  r: Region,
  nid: number,
  call: { reason: MigrateReason; hint?: OffloadHint; mode?: MigrateMode },
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
    // a folio already isolated (by a concurrent migration) is refused here, as in the kernel
    isolateFolioForMigration(sys, head, list);
  }
  const result = await migratePages(eng, list, allocOnNode(sys, nid), null, {
    mode: call.mode ?? MIGRATE_SYNC,
    reason: call.reason,
    memcg: task.memcg,
    hint: call.hint ?? 'default',
  });
  putbackMovablePages(sys, list);
  return result;
}

/** The invariant violations of the system (empty when consistent). */
export function violations(sys: System): string[] {
  return checkInvariants(sys);
}

/** Yields to the event loop once (all pending microtasks and one macrotask turn). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Ticks until `cond()` holds; throws after `max` ticks (a bound on work, not on time). */
export async function until(cond: () => boolean, max = 10_000): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`condition not reached after ${max} ticks`);
}

/** A migrator whose every call waits for the test to release it, then copies for real. */
export interface GatedMigrator extends Migrator {
  /** Calls waiting for release, oldest first. */
  readonly waiting: (() => void)[];
  /** Calls entered / returned so far. */
  entered: number;
  returned: number;
  /** Contexts of every call, in entry order. */
  readonly contexts: BatchCopyContext[];
  /** What the next calls return after copying (0 = copied; a negative errno skips the copy). */
  result: number;
  /** Releases every waiting call. */
  releaseAll(): void;
}

/** Builds a gated migrator that copies with the engine's CPU copy once released. */
export function gatedMigrator(name: string, eng: MigrateEngine, owner: Module = createModule(name.replace(/[^A-Za-z0-9_]/g, '_'))): GatedMigrator {
  const m: GatedMigrator = {
    name,
    owner,
    waiting: [],
    entered: 0,
    returned: 0,
    contexts: [],
    result: 0,
    releaseAll() {
      const all = this.waiting.splice(0);
      for (const release of all) release();
    },
    async offloadCopy(dst, src, count, ctx) {
      m.entered++;
      m.contexts.push(ctx);
      await new Promise<void>((resolve) => m.waiting.push(resolve));
      const rc = m.result === 0 ? eng.foliosMcCopy(dst, src, count) : m.result;
      m.returned++;
      return rc;
    },
  };
  return m;
}

/** A migrator that copies at once with a plain loop over the engine's CPU copy. */
export function syncMigrator(name: string, eng: MigrateEngine, owner: Module = createModule(name.replace(/[^A-Za-z0-9_]/g, '_'))): Migrator & { calls: number } {
  const m = {
    name,
    owner,
    calls: 0,
    offloadCopy(dst: Int32Array, src: Int32Array, count: number): Promise<number> {
      m.calls++;
      return Promise.resolve(eng.foliosMcCopy(dst, src, count));
    },
  };
  return m;
}
