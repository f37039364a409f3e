/**
 * The migrator set-up of a scenario: none (the CPU default of the seam), `mtcopy` (N copy
 * threads) or `dcbm` (N DMA channels of a software DMA device), loaded as their modules,
 * registered with the engine's offload registry, then the reason mask, the per-reason hints,
 * V5/V6 retry semantics, the batch limit and the batching policy. Providers are a seam: a caller
 * (tests, the lead's wiring) may pass its own.
 */
import { KernelError, strerror } from '@pagemig/kernel';
import { MIGRATE_REASON_NAMES, parseReasonList, type MigrateReason } from '@pagemig/folio';
import type { System } from '@pagemig/mm';
import type { MigrateEngine, OffloadHint } from '@pagemig/migrate';
import type { MigrateOffload } from '@pagemig/offload';
import { DMA_INTERRUPT, DMA_MEMCPY, DMA_PRIVATE, DmaEngine, createSoftwareDmaDevice, type SoftwareDmaDevice } from '@pagemig/dmaengine';
import { createMtcopy } from '@pagemig/mtcopy';
import { createDcbm } from '@pagemig/dcbm';
import { runtimeError } from '../cli-error';
import type { Scenario } from './scenario-schema';

/** What a provider gets to load a migrator. */
export interface MigratorContext {
  sys: System;
  engine: MigrateEngine;
  offload: MigrateOffload;
  /** The dmaengine core of the system (its tracepoints and sysfs in the system's). */
  dma: DmaEngine;
}

/** A loaded migrator. */
export interface LoadedMigrator {
  name: string;
  /** Registers with the offload registry (what writing 1 to `offloading` does): 0 or -errno. */
  enable(): Promise<number>;
  /** Unregisters and unloads; resolves when its workers are gone. */
  unload(): Promise<void>;
}

/** Loads one kind of migrator with the scenario's settings. */
export type MigratorProvider = (ctx: MigratorContext, settings: Scenario['migrator']) => Promise<LoadedMigrator>;

/** Providers by migrator kind. */
export interface MigratorProviders {
  mtcopy?: MigratorProvider;
  dcbm?: MigratorProvider;
}

/** mtcopy on its worker pool. */
const mtcopyProvider: MigratorProvider = async (ctx, settings) => {
  const driver = createMtcopy({ system: ctx.sys, offload: ctx.offload, threads: settings.threads });
  return {
    name: 'mtcopy',
    enable: () => driver.setOffloading(true),
    unload: async () => {
      await driver.unload();
    },
  };
};

/** dcbm over the system's dmaengine (the software device is created by the world). */
const dcbmProvider: MigratorProvider = async (ctx, settings) => {
  const driver = createDcbm({ system: ctx.sys, offload: ctx.offload, dma: ctx.dma, nrDmaChan: settings.channels });
  return {
    name: 'dcbm',
    enable: () => driver.setOffloading(true),
    unload: async () => {
      await driver.unload();
    },
  };
};

/** The providers of this build. */
export function defaultMigratorProviders(): MigratorProviders {
  return { mtcopy: mtcopyProvider, dcbm: dcbmProvider };
}

/** The DMA device dcbm copies with (PTDMA-like: private memcpy channels, one worker each). */
export function createPtdmaLikeDevice(sys: System, dma: DmaEngine, channels: number, seed: number): SoftwareDmaDevice {
  return createSoftwareDmaDevice(dma, {
    phys: sys.phys,
    name: 'ptdma',
    channels,
    caps: [DMA_MEMCPY, DMA_INTERRUPT, DMA_PRIVATE],
    seed,
  });
}

/**
 * Applies the engine settings (retry semantics, batching policy, batch limit), loads and
 * registers the migrator, then sets the reason mask and installs the hints. A registration that
 * fails is a runtime error naming the errno.
 */
export async function setUpMigrator(ctx: MigratorContext, scenario: Scenario, providers: MigratorProviders): Promise<LoadedMigrator | null> {
  const m = scenario.migrator;
  ctx.engine.retrySemantics = m.retrySemantics;
  ctx.engine.batchingPolicy = m.batchingPolicy;
  ctx.engine.nrMaxBatchedMigration = m.batchLimit;
  let loaded: LoadedMigrator | null = null;
  if (m.kind !== 'none') {
    const provider = providers[m.kind];
    if (provider === undefined) throw runtimeError(`migrator.kind ${m.kind}: this build has no ${m.kind} driver`);
    loaded = await provider(ctx, m);
    const rc = await loaded.enable();
    if (rc !== 0) {
      await loaded.unload();
      const why = ctx.offload.messages().at(-1);
      throw runtimeError(`migrator ${m.kind}: registration failed: ${strerror(rc)}${why === undefined ? '' : ` (${why})`}`);
    }
  }
  // register() resets the mask to the V5 set, so the scenario's mask goes in afterwards
  if (m.reasonMask !== undefined) {
    const text = Array.isArray(m.reasonMask) ? (m.reasonMask.length === 0 ? 'none' : m.reasonMask.join(',')) : m.reasonMask;
    try {
      ctx.offload.reasonMask = parseReasonList(text);
    } catch (error) {
      throw runtimeError(`migrator.reasonMask: ${KernelError.isInstance(error) ? error.message : String(error)}`);
    }
  }
  installHints(ctx.engine, m.hints);
  return loaded;
}

/**
 * Per-reason offload hints (the series' open question 3) for callers that do not pass one: the
 * engine's batch decision and the seam see the scenario's hint for the call's reason.
 */
export function installHints(engine: MigrateEngine, hints: Readonly<Record<string, OffloadHint>>): void {
  const byReason = new Map<MigrateReason, OffloadHint>();
  for (const [name, hint] of Object.entries(hints)) {
    const reason = (MIGRATE_REASON_NAMES as readonly string[]).indexOf(name);
    if (reason >= 0) byReason.set(reason as MigrateReason, hint);
  }
  if (byReason.size === 0) return;
  const doBatch = engine.doBatch;
  const batchCopy = engine.batchCopy;
  const pick = (reason: MigrateReason, hint: OffloadHint): OffloadHint => (hint === 'default' ? (byReason.get(reason) ?? hint) : hint);
  engine.doBatch = (reason, hint) => doBatch(reason, pick(reason, hint));
  engine.batchCopy = (dst, src, count, ctx) => {
    const hint = pick(ctx.reason, ctx.hint);
    return batchCopy(dst, src, count, hint === ctx.hint ? ctx : { ...ctx, hint });
  };
}
