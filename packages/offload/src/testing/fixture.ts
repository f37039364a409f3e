/**
 * Test support (not exported from the package): a two-node system with a task and the registry,
 * a content check of a patterned region, and controllable migrators. Regions, their migration and
 * tick-based waits come from `@pagemig/region-kit` (re-exported here).
 */
import { createModule, type Clock, type Module } from '@pagemig/kernel';
import { checkInvariants, createSystem, type System, type Task } from '@pagemig/mm';
import { createMigrateEngine, type BatchCopyContext, type MigrateEngine, type MigrateEngineConfig } from '@pagemig/migrate';
import { firstBadByte, type Region } from '@pagemig/region-kit';
import { createMigrateOffload, type MigrateOffload } from '../migrate-offload';
import type { Migrator } from '../migrator';

export { makeRegion, migrateRegion, patternByte, regionNodes, tick, until } from '@pagemig/region-kit';
export type { Region } from '@pagemig/region-kit';

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

/** True when the region still holds its pattern (read through the task's page tables). */
export async function regionIntact(task: Task, r: Region): Promise<boolean> {
  return (await firstBadByte(task, r)) < 0;
}

/** The invariant violations of the system (empty when consistent). */
export function violations(sys: System): string[] {
  return checkInvariants(sys);
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
