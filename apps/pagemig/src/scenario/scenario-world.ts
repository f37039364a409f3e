/**
 * A scenario's live system: the machine (nodes, distances, THP), the migrate engine and its
 * offload registry, the dmaengine core (and a software DMA device for dcbm), the processes with
 * their filled regions and workload threads, the migrator, then the sysfs writes in order and
 * the fault injection. `pagemig run` drives it; `pagemig shell` gives a prompt over it.
 */
import { KernelError, configureFaultAttr } from '@pagemig/kernel';
import { formatSize } from '@pagemig/folio';
import { createSystem, type System, type Task } from '@pagemig/mm';
import { createMigrateEngine, type MigrateEngine } from '@pagemig/migrate';
import { createMigrateOffload, type MigrateOffload } from '@pagemig/offload';
import { DmaEngine, type SoftwareDmaDevice } from '@pagemig/dmaengine';
import { runtimeError, usageError } from '../cli-error';
import { mapRegion, type ScenarioRegion } from './scenario-regions';
import { createPtdmaLikeDevice, defaultMigratorProviders, setUpMigrator, type LoadedMigrator, type MigratorProviders } from './scenario-migrators';
import type { Scenario } from './scenario-schema';
import { createWorkloadThread, type WorkloadThread } from './scenario-workload';

/** A built scenario. */
export interface ScenarioWorld {
  scenario: Scenario;
  sys: System;
  engine: MigrateEngine;
  offload: MigrateOffload;
  dma: DmaEngine;
  dmaDevice: SoftwareDmaDevice | null;
  migrator: LoadedMigrator | null;
  /** First task of each process, by name. */
  tasks: Map<string, Task>;
  /** Regions by `process/region`. */
  regions: Map<string, ScenarioRegion>;
  threads: WorkloadThread[];
  /** Unloads the migrator and stops DMA workers. */
  dispose(): Promise<void>;
}

/** Options of `buildWorld()`. */
export interface BuildWorldOptions {
  providers?: MigratorProviders;
  /** Apply `faults` (default true; the shell applies them too). */
  faults?: boolean;
}

/** Smallest power-of-two section size (4M .. 128M) that holds the largest node. */
function sectionSizeFor(scenario: Scenario): number {
  const biggest = Math.max(...scenario.system.nodes.map((n) => n.size));
  let size = 4 << 20;
  while (size < biggest && size < 128 << 20) size *= 2;
  return size;
}

/** Builds the system of a scenario, up to (not including) the run. */
export async function buildWorld(scenario: Scenario, options: BuildWorldOptions = {}): Promise<ScenarioWorld> {
  let sys: System;
  try {
    sys = createSystem({
      nodes: scenario.system.nodes.map((n) => ({
        size: n.size,
        kind: n.kind,
        dataless: n.dataless,
        hugepages: n.hugepages,
        ...(n.cpus === undefined ? {} : { cpus: n.cpus }),
      })),
      ...(scenario.system.distance === undefined ? {} : { distance: scenario.system.distance }),
      thp: { enabled: scenario.system.thp.enabled, sizes: scenario.system.thp.sizes },
      sectionSize: scenario.system.sectionSize ?? sectionSizeFor(scenario),
      seed: scenario.seed,
    });
  } catch (error) {
    if (KernelError.isInstance(error)) throw usageError(`system: ${error.message}`);
    throw error;
  }
  const engine = createMigrateEngine(sys, {
    retrySemantics: scenario.migrator.retrySemantics,
    batchingPolicy: scenario.migrator.batchingPolicy,
    nrMaxBatchedMigration: scenario.migrator.batchLimit,
  });
  const offload = createMigrateOffload(engine);
  const dma = new DmaEngine({ sysfs: sys.sysfs, trace: sys.trace });
  const dmaDevice = scenario.migrator.kind === 'dcbm' ? createPtdmaLikeDevice(sys, dma, scenario.migrator.channels, scenario.seed) : null;
  const tasks = new Map<string, Task>();
  const regions = new Map<string, ScenarioRegion>();
  const threads: WorkloadThread[] = [];
  let migrator: LoadedMigrator | null = null;
  const world: ScenarioWorld = {
    scenario,
    sys,
    engine,
    offload,
    dma,
    dmaDevice,
    migrator,
    tasks,
    regions,
    threads,
    dispose: async () => {
      await world.migrator?.unload();
      world.migrator = null;
      await dmaDevice?.shutdown();
    },
  };
  try {
    for (const [pi, p] of scenario.processes.entries()) {
      let task: Task;
      try {
        task = sys.createTask({ name: p.name, cpu: p.cpu, ...(p.memcg === undefined ? {} : { memcg: p.memcg }), ...(p.mems === undefined ? {} : { mems: p.mems }) });
      } catch (error) {
        throw usageError(`processes[${pi}]: ${error instanceof Error ? error.message : String(error)}`);
      }
      tasks.set(p.name, task);
      for (const [ri, r] of p.regions.entries()) {
        regions.set(`${p.name}/${r.name}`, await mapRegion(sys, task, p.name, r, (scenario.seed * 1000 + pi * 100 + ri) >>> 0));
      }
      p.threads.forEach((t, ti) => threads.push(createWorkloadThread(sys, task, regions.get(`${p.name}/${t.region}`)!, t, ti)));
    }
    world.migrator = migrator = await setUpMigrator({ sys, engine, offload, dma }, scenario, options.providers ?? defaultMigratorProviders());
    for (const [i, w] of scenario.sysfs.entries()) {
      try {
        await sys.sysfs.writeOrThrow(w.path, `${w.value}\n`);
      } catch (error) {
        throw runtimeError(`sysfs[${i}]: echo ${w.value} > ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (options.faults !== false) applyFaults(world);
  } catch (error) {
    await world.dispose();
    throw error;
  }
  return world;
}

/** Fault injection: fail_page_alloc knobs and DMA descriptor fault rules. */
function applyFaults(world: ScenarioWorld): void {
  const f = world.scenario.faults;
  if (f.failPageAlloc !== undefined) {
    try {
      configureFaultAttr(world.sys.failPageAlloc, Object.fromEntries(Object.entries(f.failPageAlloc).filter(([, v]) => v !== undefined)));
    } catch (error) {
      throw runtimeError(`faults.failPageAlloc: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  f.dma.forEach((rule, i) => {
    try {
      const spec = Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined));
      world.dmaDevice?.injectFault(spec as unknown as Parameters<SoftwareDmaDevice['injectFault']>[0]);
    } catch (error) {
      throw runtimeError(`faults.dma[${i}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

/** One line about the world, for logs: nodes and processes. */
export function describeWorld(world: ScenarioWorld): string {
  const nodes = world.scenario.system.nodes.map((n, i) => `node${i} ${n.kind} ${formatSize(n.size)}`).join(', ');
  return `${nodes}; ${world.tasks.size} process(es), ${world.regions.size} region(s), ${world.threads.length} thread(s)`;
}
