/**
 * The migration driver of a scenario: its steps run one after another, concurrently with the
 * workload threads, each through the kernel entry point it names — `move_pages(2)` over a
 * region (ping-pong across a node list), `migrate_pages(2)`, NUMA balancing (hinting scans while
 * the threads touch memory from another node), demotion, compaction with a cluster size, and
 * memory offline/online. Each step reports its wall time and the vmstat counters it moved.
 */
import { errnoName } from '@pagemig/kernel';
import { MIGRATE_ASYNC, MIGRATE_SYNC, MIGRATE_SYNC_LIGHT, PAGE_SIZE, formatSize } from '@pagemig/folio';
import { MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, type System, type Task } from '@pagemig/mm';
import {
  compactNode,
  demoteFolios,
  enableNumaBalancing,
  migratePagesSyscall,
  movePages,
  offlinePages,
  onlinePages,
  type MigrateEngine,
} from '@pagemig/migrate';
import type { ScenarioRegion } from './scenario-regions';
import type { DriverStep } from './scenario-schema';
import type { WorkloadProgress } from './scenario-workload';

/** What one step did. */
export interface StepResult {
  index: number;
  kind: DriverStep['kind'];
  /** One line: the call and its parameters. */
  label: string;
  /** What came back (rc, pages, per-step details). */
  detail: string;
  wallNs: number;
  /** Base pages migrated during the step (`pgmigrate_success` delta, promotions by threads included). */
  pagesMigrated: number;
  pagesFailed: number;
  /**
   * A problem that fails the run (the step threw), or null. Errors the kernel returns (-ENOMEM
   * under fault injection, -EBUSY from offline) are outcomes, shown in `detail`.
   */
  problem: string | null;
}

/** What the driver works on. */
export interface DriverContext {
  sys: System;
  engine: MigrateEngine;
  tasks: ReadonlyMap<string, Task>;
  regions: ReadonlyMap<string, ScenarioRegion>;
  progress: WorkloadProgress;
  mark(name: string, payload: Record<string, unknown>): void;
}

const errText = (rc: number) => (rc < 0 ? `-${errnoName(rc) ?? String(-rc)}` : String(rc));

function modeOf(mode: 'async' | 'sync_light' | 'sync') {
  return mode === 'async' ? MIGRATE_ASYNC : mode === 'sync' ? MIGRATE_SYNC : MIGRATE_SYNC_LIGHT;
}

/** Label of a step for the report and the trace. */
export function stepLabel(step: DriverStep): string {
  switch (step.kind) {
    case 'move_pages':
      return `move_pages ${step.process}/${step.region} -> ${step.nodes.join(',')}${step.rounds > 1 ? ` x${step.rounds}` : ''}`;
    case 'migrate_pages':
      return `migrate_pages ${step.process} ${step.from.join(',')} -> ${step.to.join(',')}${step.rounds > 1 ? ` x${step.rounds}` : ''}`;
    case 'numa_promotion':
      return `numa balancing ${step.process}${step.region === undefined ? '' : `/${step.region}`}: ${step.scans} scans`;
    case 'demotion':
      return `demotion from node ${step.node}${step.pages === undefined ? '' : ` (${step.pages} pages)`}${step.rounds > 1 ? ` x${step.rounds}` : ''}`;
    case 'compaction':
      return `compaction node ${step.node} clusterMax ${step.clusterMax}`;
    case 'offline':
      return `offline node ${step.node} +${formatSize(step.offset)} ${formatSize(step.size)}${step.online ? ' (and online)' : ''}`;
  }
}

async function runMovePages(ctx: DriverContext, step: Extract<DriverStep, { kind: 'move_pages' }>): Promise<{ detail: string; problem: string | null }> {
  const task = ctx.tasks.get(step.process)!;
  const region = ctx.regions.get(`${step.process}/${step.region}`)!;
  const count = region.size / PAGE_SIZE;
  const pages = Array.from({ length: count }, (_, i) => region.addr + i * PAGE_SIZE);
  const status = new Int32Array(count);
  const flags = step.flags === 'move_all' ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE;
  let calls = 0;
  let left = 0;
  const errors = new Map<string, number>();
  const failedCalls = new Map<string, number>();
  for (let round = 0; round < step.rounds; round++) {
    for (const node of step.nodes) {
      const rc = await movePages(ctx.engine, task, 0, pages, new Array<number>(count).fill(node), status, flags);
      calls++;
      if (rc < 0) {
        failedCalls.set(errText(rc), (failedCalls.get(errText(rc)) ?? 0) + 1);
        continue;
      }
      left += rc;
      for (const s of status) if (s < 0) errors.set(errText(s), (errors.get(errText(s)) ?? 0) + 1);
    }
  }
  const list = (m: Map<string, number>) => [...m].map(([e, n]) => `${e} x${n}`).join(', ');
  const failed = failedCalls.size === 0 ? '' : `; calls failed with ${list(failedCalls)}`;
  return { detail: `${calls} calls of ${count} pages, ${left} not migrated${errors.size === 0 ? '' : `; statuses ${list(errors)}`}${failed}`, problem: null };
}

async function runStep(ctx: DriverContext, step: DriverStep): Promise<{ detail: string; problem: string | null }> {
  const { sys, engine } = ctx;
  switch (step.kind) {
    case 'move_pages':
      return runMovePages(ctx, step);
    case 'migrate_pages': {
      const task = ctx.tasks.get(step.process)!;
      let left = 0;
      const rcs: string[] = [];
      for (let round = 0; round < step.rounds; round++) {
        const [from, to] = round % 2 === 0 ? [step.from, step.to] : [step.to, step.from];
        const rc = await migratePagesSyscall(engine, task, 0, from, to);
        if (rc < 0) rcs.push(errText(rc));
        else left += rc;
      }
      return { detail: `${step.rounds} call(s), ${left} page(s) left behind${rcs.length === 0 ? '' : `; calls failed with ${rcs.join(', ')}`}`, problem: null };
    }
    case 'numa_promotion': {
      const task = ctx.tasks.get(step.process)!;
      const region = step.region === undefined ? undefined : ctx.regions.get(`${step.process}/${step.region}`);
      const disable = enableNumaBalancing(engine);
      let updated = 0;
      try {
        for (let scan = 0; scan < step.scans; scan++) {
          updated += region === undefined ? task.mm.numaScan() : task.mm.numaScan(region.addr, region.addr + region.size);
          await ctx.progress.waitOps(step.opsBetweenScans);
        }
      } finally {
        disable();
      }
      return { detail: `${step.scans} scans marked ${updated} PTE(s) for hinting faults`, problem: null };
    }
    case 'demotion': {
      const pages = step.pages ?? sys.phys.nodeNrPages[step.node]!;
      let moved = 0;
      for (let round = 0; round < step.rounds; round++) moved += await demoteFolios(engine, step.node, pages);
      return { detail: `${moved} page(s) demoted`, problem: null };
    }
    case 'compaction': {
      const r = await compactNode(engine, step.node, { clusterMax: step.clusterMax, mode: modeOf(step.mode), order: step.order });
      return {
        detail:
          `${r.status}: ${r.migrateCalls} migrate_pages calls, ${r.isolated} isolated, ${r.migrated} migrated, ${r.failed} failed; ` +
          `largest free order ${r.largestFreeOrderBefore} -> ${r.largestFreeOrderAfter}, ` +
          `free order-${r.freeAfter.length - 1} blocks ${r.freeBefore.at(-1) ?? 0} -> ${r.freeAfter.at(-1) ?? 0}`,
        problem: null,
      };
    }
    case 'offline': {
      const start = sys.phys.nodeStartPfn[step.node]! + step.offset / PAGE_SIZE;
      const nr = step.size / PAGE_SIZE;
      const rc = await offlinePages(engine, start, nr);
      let detail = rc === 0 ? `offlined ${nr} pages` : `offline_pages returned ${errText(rc)} (range kept in service)`;
      if (rc === 0 && step.online) {
        const back = onlinePages(engine, start, nr);
        detail += back === 0 ? ', onlined again' : `, online_pages returned ${errText(back)}`;
      }
      return { detail, problem: null };
    }
  }
}

/** Runs every step in order. */
export async function runDriver(ctx: DriverContext, steps: readonly DriverStep[]): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    const label = stepLabel(step);
    const before = ctx.sys.vmstat.snapshot();
    ctx.mark('pagemig_step', { index, kind: step.kind, label, phase: 'begin' });
    const t0 = performance.now();
    let out: { detail: string; problem: string | null };
    try {
      out = await runStep(ctx, step);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      out = { detail: `threw: ${message}`, problem: `${label}: ${message}` };
    }
    const wallNs = (performance.now() - t0) * 1e6;
    ctx.mark('pagemig_step', { index, kind: step.kind, label, phase: 'end' });
    const delta = ctx.sys.vmstat.delta(before, ctx.sys.vmstat.snapshot());
    results.push({
      index,
      kind: step.kind,
      label,
      detail: out.detail,
      wallNs,
      pagesMigrated: delta.pgmigrate_success ?? 0,
      pagesFailed: delta.pgmigrate_fail ?? 0,
      problem: out.problem,
    });
  }
  return results;
}
