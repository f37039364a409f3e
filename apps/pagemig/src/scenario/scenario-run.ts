/**
 * `pagemig run`: builds a scenario's world, runs its workload threads and its driver
 * concurrently (they interleave at await points), then verifies every region against its shadow
 * and checks the memory invariants. The result says what moved and how fast (measured on the
 * wall clock, modelled when a timing preset is given), the vmstat delta, the offload registry's
 * per-memcg accounting and batch provenance, and carries the timeline for `--trace`.
 */
import { PAGE_SIZE } from '@pagemig/folio';
import { checkInvariants } from '@pagemig/mm';
import { OFFLOAD_OUTCOMES, type OffloadOutcome } from '@pagemig/offload';
import type { Timeline } from '../trace/timeline';
import { TraceRecorder } from '../trace/trace-recorder';
import { defaultTimingProvider, startTiming, type ModelledRun, type TimingProvider, type TimingSession } from '../trace/timing-seam';
import { wallTimeline } from '../trace/wall-timeline';
import { runDriver, type StepResult } from './scenario-driver';
import { regionPlacement, verifyRegion } from './scenario-regions';
import type { Scenario } from './scenario-schema';
import { WorkloadProgress, runWorkloadThread, yieldNow } from './scenario-workload';
import { buildWorld, type ScenarioWorld } from './scenario-world';
import type { MigratorProviders } from './scenario-migrators';

/** Per-memcg accounting of one backend (names resolved). */
export interface AccountingRow {
  memcg: string;
  migrator: string;
  batches: number;
  folios: number;
  bytes: number;
  fallbackBatches: number;
  fallbackFolios: number;
  deviceNs: number;
  cpuNs: number;
}

/** Batches by backend and outcome. */
export interface ProvenanceRow {
  migrator: string;
  outcome: OffloadOutcome;
  batches: number;
  folios: number;
  bytes: number;
}

/** One region at the end of the run. */
export interface RegionReport {
  process: string;
  region: string;
  kind: string;
  size: number;
  /** Base pages present per node. */
  nodes: number[];
  /** Folios seen by size (`4K`, `64K`, `2M`). */
  folioSizes: Record<string, number>;
  verified: boolean;
  problem: string | null;
}

/** One workload thread at the end of the run. */
export interface ThreadReport {
  name: string;
  pattern: string;
  cpu: number;
  region: string;
  ops: number;
  readMismatches: number;
  error: string | null;
}

/** What `runScenario()` returns (`--json` prints it). */
export interface RunResult {
  scenario: string;
  ok: boolean;
  /** Why the run failed (verification, invariants, driver errors). */
  problems: string[];
  /** Wall time of the concurrent phase (driver + threads). */
  wallNs: number;
  /** Wall time of the driver's steps. */
  driverNs: number;
  steps: StepResult[];
  moved: { pages: number; bytes: number; failedPages: number; thpMigrated: number };
  throughput: {
    /** Bytes migrated per second of driver wall time (MB/s, 10^6). */
    measuredMBps: number;
    modelled: { preset: string; totalNs: number; MBps: number } | null;
  };
  /** Non-zero vmstat counters moved by the run. */
  vmstat: Record<string, number>;
  accounting: AccountingRow[];
  provenance: ProvenanceRow[];
  regions: RegionReport[];
  threads: ThreadReport[];
  invariants: string[];
  /** Events left out of the trace (per-folio events past the recording limit). */
  traceDropped: number;
}

/** Options of `runScenario()`. */
export interface RunOptions {
  /** Timing preset (overrides the scenario's `timing.preset`). */
  preset?: string;
  /** Keep the timeline (for `--trace`). */
  trace?: boolean;
  providers?: MigratorProviders;
  timing?: TimingProvider | null;
}

/** The run and its timeline (when asked for). */
export interface RunOutput {
  result: RunResult;
  timeline: Timeline | null;
}

function memcgName(world: ScenarioWorld, id: number): string {
  try {
    return world.sys.memcgs.get(id).name;
  } catch {
    return `#${id}`;
  }
}

function provenanceRows(world: ScenarioWorld): ProvenanceRow[] {
  const rows = new Map<string, ProvenanceRow>();
  for (const rec of world.offload.provenance()) {
    if (rec.outcome === null) continue;
    const key = `${rec.migrator}/${rec.outcome}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { migrator: rec.migrator, outcome: rec.outcome, batches: 0, folios: 0, bytes: 0 };
      rows.set(key, row);
    }
    row.batches++;
    row.folios += rec.count;
    row.bytes += rec.bytes;
  }
  return [...rows.values()].sort((a, b) => a.migrator.localeCompare(b.migrator) || OFFLOAD_OUTCOMES.indexOf(a.outcome) - OFFLOAD_OUTCOMES.indexOf(b.outcome));
}

/** Runs a built world (threads and driver concurrently), verifies it and collects the result. */
export async function runWorld(world: ScenarioWorld, options: RunOptions = {}): Promise<RunOutput> {
  const { sys, scenario } = world;
  const preset = options.preset ?? scenario.timing?.preset;
  let timing: TimingSession | null = null;
  if (preset !== undefined) timing = startTiming(options.timing === undefined ? defaultTimingProvider() : options.timing, preset, sys.trace);
  const recorder = new TraceRecorder(sys.trace);
  if (options.trace === true) recorder.start();
  const before = sys.vmstat.snapshot();
  const progress = new WorkloadProgress();
  progress.running = world.threads.length;
  const t0 = performance.now();
  const threadRuns = world.threads.map((t) =>
    runWorkloadThread(t, progress, {
      begin: () => recorder.mark('pagemig_thread', { thread: t.name, pattern: t.spec.pattern, phase: 'begin' }),
      end: () => recorder.mark('pagemig_thread', { thread: t.name, pattern: t.spec.pattern, ops: t.ops, phase: 'end' }),
    }),
  );
  // let every thread take its first step before the driver starts
  await yieldNow();
  const steps = await runDriver(
    { sys, engine: world.engine, tasks: world.tasks, regions: world.regions, progress, mark: (n, p) => recorder.mark(n, p) },
    scenario.driver,
  );
  await Promise.all(threadRuns);
  const wallNs = (performance.now() - t0) * 1e6;
  recorder.stop();
  let modelled: ModelledRun | null = null;
  if (timing !== null) modelled = timing.finish();
  const delta = sys.vmstat.delta(before, sys.vmstat.snapshot());
  const vmstat: Record<string, number> = {};
  for (const [name, value] of Object.entries(delta)) if (value !== 0) vmstat[name] = value;

  const problems: string[] = [];
  for (const s of steps) if (s.problem !== null) problems.push(`driver step ${s.index + 1}: ${s.problem}`);
  const threads: ThreadReport[] = world.threads.map((t) => {
    if (t.error !== null) problems.push(`thread ${t.name}: ${t.error}`);
    if (t.readMismatches > 0) problems.push(`thread ${t.name}: ${t.readMismatches} read(s) returned wrong bytes; first: ${t.firstMismatch ?? ''}`);
    return { name: t.name, pattern: t.spec.pattern, cpu: t.spec.cpu, region: t.region.spec.name, ops: t.ops, readMismatches: t.readMismatches, error: t.error };
  });
  const regions: RegionReport[] = [];
  for (const region of world.regions.values()) {
    const placement = regionPlacement(sys, region);
    let problem: string | null;
    try {
      problem = await verifyRegion(region);
    } catch (error) {
      problem = `could not be read back: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (problem !== null) problems.push(`region ${region.process}/${region.spec.name}: ${problem}`);
    regions.push({
      process: region.process,
      region: region.spec.name,
      kind: region.spec.kind,
      size: region.size,
      nodes: placement.nodes,
      folioSizes: placement.folioSizes,
      verified: problem === null,
      problem,
    });
  }
  const invariants = checkInvariants(sys);
  if (invariants.length > 0) problems.push(`invariant violated: ${invariants[0]}${invariants.length > 1 ? ` (and ${invariants.length - 1} more)` : ''}`);

  const pages = delta.pgmigrate_success ?? 0;
  const bytes = pages * PAGE_SIZE;
  const driverNs = steps.reduce((sum, s) => sum + s.wallNs, 0);
  const accounting: AccountingRow[] = world.offload.accounting().map((r) => ({
    memcg: memcgName(world, r.memcg),
    migrator: r.migrator,
    batches: r.batches,
    folios: r.folios,
    bytes: r.bytes,
    fallbackBatches: r.fallbackBatches,
    fallbackFolios: r.fallbackFolios,
    deviceNs: r.deviceNs,
    cpuNs: r.cpuNs,
  }));
  const result: RunResult = {
    scenario: scenario.name ?? 'scenario',
    ok: problems.length === 0,
    problems,
    wallNs,
    driverNs,
    steps,
    moved: { pages, bytes, failedPages: delta.pgmigrate_fail ?? 0, thpMigrated: delta.thp_migration_success ?? 0 },
    throughput: {
      measuredMBps: driverNs > 0 ? bytes / (driverNs / 1e9) / 1e6 : 0,
      modelled: modelled === null ? null : { preset: modelled.preset, totalNs: modelled.totalNs, MBps: modelled.totalNs > 0 ? bytes / (modelled.totalNs / 1e9) / 1e6 : 0 },
    },
    vmstat,
    accounting,
    provenance: provenanceRows(world),
    regions,
    threads,
    invariants,
    traceDropped: recorder.dropped,
  };
  let timeline: Timeline | null = null;
  if (options.trace === true) timeline = modelled?.timeline ?? wallTimeline(recorder.records);
  return { result, timeline };
}

/** Builds, runs and tears down a scenario. */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunOutput> {
  const world = await buildWorld(scenario, options.providers === undefined ? {} : { providers: options.providers });
  try {
    return await runWorld(world, options);
  } finally {
    await world.dispose();
  }
}
