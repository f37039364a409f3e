/**
 * The migrator registry of one migrate engine (mirrors the series' `mm/migrate_copy_offload.c`,
 * patch 5): `migrate_offload_register()` / `migrate_offload_unregister()` over a static call
 * (`migrate_offload_copy`, default the engine's CPU `foliosMcCopy`) and a static key
 * (`migrate_offload_enabled`), the SRCU-protected dispatch that the engine's batch-copy seam
 * calls, the V5 reason policy with V6's runtime reason mask, per-caller hints, per-memcg
 * accounting and per-batch provenance.
 *
 * Ordering (kernel `migrator_mutex` sections are synchronous here, so they are atomic):
 * - register: validate (-EINVAL), slot taken (-EBUSY), pin the owner (-ENODEV when
 *   `tryModuleGet()` fails), retarget the call, set active and the reason mask, enable the key.
 * - unregister: -EINVAL unless `m` is active; disable the key, point the call back at the CPU
 *   default, clear active (the slot is free from here: a concurrent `register()` succeeds and
 *   its batches go to the new migrator), then wait for an SRCU grace period (every dispatch that
 *   had read the old target has returned) and only then `modulePut()` the owner.
 * - dispatch: decide the route (hint, key, reason), take the SRCU read lock, read the static
 *   call target, call it, unlock when it settles. Route, lock and target read happen in one
 *   synchronous step, so no batch can enter a migrator after its unregister has cleared it.
 *
 * A batch whose `doBatch` was sampled before an unregister lands on the CPU default at dispatch,
 * as in the kernel (still correct). No module-level state: every engine gets its own registry.
 */
import {
  EBUSY,
  EINVAL,
  EIO,
  ENODEV,
  EOPNOTSUPP,
  KernelError,
  createSrcuStruct,
  defineStaticCall,
  defineStaticKeyFalse,
  modulePut,
  srcuReadLock,
  srcuReadUnlock,
  srcuReadersActive,
  staticCall,
  staticCallUpdate,
  staticKeyDisable,
  staticKeyEnable,
  synchronizeSrcu,
  tryModuleGet,
  type Module,
  type SrcuStruct,
  type SrcuToken,
  type StaticCall,
  type StaticKey,
  type SysfsTree,
  type Tracepoint,
} from '@pagemig/kernel';
import { FOLIO_CONTENT_COPIED, PAGE_SIZE, isReasonMask, type MigrateReason } from '@pagemig/folio';
import type { BatchCopyContext, BatchCopyFn, MigrateEngine, OffloadHint } from '@pagemig/migrate';
import type { System } from '@pagemig/mm';
import { migratorProblem, type Migrator } from './migrator';
import { OffloadAccounting, type OffloadAccountRecord } from './offload-accounting';
import { OFFLOAD_OUTCOMES, ProvenanceRing, type OffloadBatchEvent, type OffloadOutcome, type ProvenanceRecord } from './provenance-ring';
import { MIGRATE_OFFLOAD_V5_REASONS, migrateOffloadReasonAllowed, offloadDoBatch, offloadRoute } from './reason-policy';
import { MIGRATE_OFFLOAD_SYSFS_DIR, createOffloadSysfs } from './offload-sysfs';

/** Options of `createMigrateOffload()`. */
export interface MigrateOffloadOptions {
  /** Tree for `/sys/kernel/mm/migrate_offload/` (default: the engine's system tree). */
  sysfs?: SysfsTree;
  /** Provenance records kept (default 1024). */
  provenanceCapacity?: number;
}

/** Global counters of a registry (`stats()`, the `stats` sysfs file). */
export interface MigrateOffloadStats {
  /** Active migrator name, or null. */
  active: string | null;
  reasonMask: number;
  /** Successful registrations. */
  registered: number;
  /** Unregistrations completed (grace period over, owner released). */
  unregistered: number;
  /** Registrations refused (-EINVAL, -EBUSY, -ENODEV). */
  registerFailed: number;
  /** Unregistrations waiting for their grace period now. */
  unregistering: number;
  /** Batches inside a migrator now (SRCU readers). */
  inFlight: number;
  /** Batches that reached the seam, whatever the route. */
  batches: number;
  folios: number;
  bytes: number;
  /** Batches by outcome. */
  outcomes: Record<OffloadOutcome, number>;
  /** Batches not copied completely by their backend, and their folios left to the CPU. */
  fallbackBatches: number;
  fallbackFolios: number;
}

/** The registration that is active now. */
interface Registration {
  readonly migrator: Migrator;
  /** The owner pinned at registration (released on unregister). */
  readonly owner: Module;
  /** The static call target installed for it. */
  readonly target: BatchCopyFn;
}

const LOG_CAPACITY = 64;

function tracepoint<T>(sys: System, name: string): Tracepoint<T> {
  return (sys.trace.get(name) as Tracepoint<T> | undefined) ?? sys.trace.define<T>(name);
}

/** A kernel-style result of a backend: 0 or a negative integer; anything else is -EIO. */
function normaliseRc(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value <= 0 ? value || 0 : -EIO;
}

function zeroOutcomes(): Record<OffloadOutcome, number> {
  const out = {} as Record<OffloadOutcome, number>;
  for (const o of OFFLOAD_OUTCOMES) out[o] = 0;
  return out;
}

/** The migrator registry of one migrate engine. */
export class MigrateOffload {
  /** The engine whose `batchCopy` and `doBatch` this registry installed. */
  readonly engine: MigrateEngine;
  /** The engine's system. */
  readonly sys: System;
  /** The tree holding `/sys/kernel/mm/migrate_offload/`. */
  readonly sysfs: SysfsTree;
  /** `migrate_offload_srcu`: dispatch reads under it, unregister waits on it. */
  readonly srcu: SrcuStruct;
  /** `migrate_offload_enabled`: on while a migrator is registered. */
  readonly enabledKey: StaticKey;
  /** `migrate_offload_copy`: the active migrator's copy, or the engine's CPU default. */
  readonly copyCall: StaticCall<BatchCopyFn>;
  /** `migrate_offload_batch`: one event per batch at the seam, when it settles. */
  readonly tp: Tracepoint<OffloadBatchEvent>;
  private reg: Registration | null = null;
  private mask = MIGRATE_OFFLOAD_V5_REASONS;
  private readonly targets = new WeakMap<BatchCopyFn, Migrator>();
  private readonly table = new OffloadAccounting();
  private readonly ring: ProvenanceRing;
  private readonly inFlightRecords = new Map<number, ProvenanceRecord>();
  private readonly log: string[] = [];
  private readonly counters: Omit<MigrateOffloadStats, 'active' | 'reasonMask' | 'inFlight'> = {
    registered: 0,
    unregistered: 0,
    registerFailed: 0,
    unregistering: 0,
    batches: 0,
    folios: 0,
    bytes: 0,
    outcomes: zeroOutcomes(),
    fallbackBatches: 0,
    fallbackFolios: 0,
  };

  /** Attaches a registry to `engine` (prefer `createMigrateOffload()`). Throws EEXIST if one is attached. */
  constructor(engine: MigrateEngine, opts: MigrateOffloadOptions = {}) {
    this.engine = engine;
    this.sys = engine.sys;
    this.sysfs = opts.sysfs ?? engine.sys.sysfs;
    if (this.sysfs.stat(MIGRATE_OFFLOAD_SYSFS_DIR) !== undefined) {
      throw new KernelError(
        'EEXIST',
        `createMigrateOffload: ${MIGRATE_OFFLOAD_SYSFS_DIR} already exists in this sysfs tree; accepted: one registry per engine and tree`,
      );
    }
    this.ring = new ProvenanceRing(opts.provenanceCapacity ?? 1024);
    this.srcu = createSrcuStruct('migrate_offload_srcu');
    this.enabledKey = defineStaticKeyFalse('migrate_offload_enabled');
    this.copyCall = defineStaticCall<BatchCopyFn>('migrate_offload_copy', engine.cpuBatchCopy);
    this.tp = tracepoint<OffloadBatchEvent>(this.sys, 'migrate_offload_batch');
    createOffloadSysfs(this.sysfs, this);
    engine.batchCopy = (dst, src, count, ctx) => this.batchCopy(dst, src, count, ctx);
    engine.doBatch = (reason, hint) => this.doBatch(reason, hint);
  }

  // ---- registration ------------------------------------------------------------------------

  /** The active migrator, or null. */
  get active(): Migrator | null {
    return this.reg === null ? null : this.reg.migrator;
  }

  /**
   * Mirrors `migrate_offload_register()` (V6 signature with the optional reason mask; omitted =
   * the V5 set). 0, or -EINVAL (bad migrator or mask), -EBUSY (a migrator is active), -ENODEV
   * (the owner is going or gone). On success the owner is pinned, the call retargeted, the
   * migrator active and the mask set, then the key enabled, in that order.
   */
  register(m: Migrator, reasonMask?: number): number {
    const problem = migratorProblem(m);
    if (problem !== null) return this.refuse(-EINVAL, `register rejected: ${problem}`);
    if (reasonMask !== undefined && !isReasonMask(reasonMask)) {
      return this.refuse(-EINVAL, `register ${m.name} rejected: reason mask ${String(reasonMask)} is not a mask of MR_* bits (0..0x3ff)`);
    }
    if (this.reg !== null) return this.refuse(-EBUSY, `cannot register ${m.name}: ${this.reg.migrator.name} is already active`);
    const owner = m.owner;
    if (!tryModuleGet(owner)) return this.refuse(-ENODEV, `cannot register ${m.name}: module ${owner.name} is ${owner.state}`);
    const copy = m.offloadCopy;
    const target: BatchCopyFn = (dst, src, count, ctx) => copy.call(m, dst, src, count, ctx);
    this.targets.set(target, m);
    staticCallUpdate(this.copyCall, target);
    this.reg = { migrator: m, owner, target };
    this.mask = reasonMask ?? MIGRATE_OFFLOAD_V5_REASONS;
    staticKeyEnable(this.enabledKey);
    this.counters.registered++;
    this.note(`enabled by ${m.name}`);
    return 0;
  }

  /**
   * Mirrors `migrate_offload_unregister()`: -EINVAL unless `m` is the active migrator; else
   * disables the key, restores the CPU default, clears active, waits for every batch already
   * inside `m` to return (SRCU grace period), releases the owner and resolves to 0. Do not await
   * it from inside `m.offloadCopy` (it would wait for itself).
   */
  async unregister(m: Migrator): Promise<number> {
    const reg = this.reg;
    if (reg === null || m !== reg.migrator) {
      const name = typeof m === 'object' && m !== null ? String((m as { name?: unknown }).name) : String(m);
      this.note(`unregister ${name} rejected: ${reg === null ? 'no migrator is active' : `${reg.migrator.name} is the active one`}`);
      return -EINVAL;
    }
    staticKeyDisable(this.enabledKey);
    staticCallUpdate(this.copyCall, this.engine.cpuBatchCopy);
    this.reg = null;
    this.targets.delete(reg.target);
    this.counters.unregistering++;
    this.note(`disabled ${m.name}; waiting for ${srcuReadersActive(this.srcu)} batch(es) in flight`);
    try {
      await synchronizeSrcu(this.srcu);
    } finally {
      this.counters.unregistering--;
    }
    modulePut(reg.owner);
    this.counters.unregistered++;
    this.note(`${m.name} unregistered; module ${reg.owner.name} released`);
    return 0;
  }

  // ---- policy ------------------------------------------------------------------------------

  /** The reasons offloaded (V6 `reason_mask`; default the V5 set). Setting validates: EINVAL. */
  get reasonMask(): number {
    return this.mask;
  }

  set reasonMask(mask: number) {
    if (!isReasonMask(mask)) {
      throw new KernelError('EINVAL', `reason mask ${String(mask)} is not accepted: give an integer whose bits are 1 << MR_* (0 to 0x3ff)`);
    }
    this.mask = mask;
  }

  /** Mirrors V5 `migrate_offload_do_batch()` with the runtime mask: false while the key is off. */
  migrateOffloadDoBatch(reason: MigrateReason): boolean {
    return migrateOffloadReasonAllowed(this.enabledKey.enabled, this.mask, reason);
  }

  /** The engine's `doBatch`: the batch path runs per the truth table of `offloadDoBatch()`. */
  doBatch(reason: MigrateReason, hint: OffloadHint): boolean {
    return offloadDoBatch(this.enabledKey.enabled, this.mask, this.engine.batchingPolicy, reason, hint);
  }

  // ---- dispatch ----------------------------------------------------------------------------

  /**
   * The engine's `batchCopy` (V6 `migrate_offload_batch_copy()`): the migrator under SRCU when
   * the key is on, the reason allowed (or the hint `prefer`) and the hint not `never`; else the
   * CPU default. Resolves to the backend's rc (a throw or rejection is -EIO); non-zero makes
   * the core fall back per folio.
   */
  batchCopy(dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext): Promise<number> {
    const route = offloadRoute(this.enabledKey.enabled, this.mask, ctx.reason, ctx.hint);
    if (route !== 'migrator') return this.cpuCopy(dst, src, count, ctx, route);
    const token = srcuReadLock(this.srcu);
    const target = staticCall(this.copyCall);
    const m = this.targets.get(target);
    if (m === undefined) {
      srcuReadUnlock(this.srcu, token);
      return this.cpuCopy(dst, src, count, ctx, 'key_off');
    }
    return this.migratorCopy(m.name, target, token, dst, src, count, ctx);
  }

  private async migratorCopy(
    name: string,
    target: BatchCopyFn,
    token: SrcuToken,
    dst: Int32Array,
    src: Int32Array,
    count: number,
    ctx: BatchCopyContext,
  ): Promise<number> {
    const rec = this.begin(name, ctx, count);
    let rc: number;
    try {
      rc = normaliseRc(await target(dst, src, count, ctx));
    } catch {
      rc = -EIO;
    } finally {
      srcuReadUnlock(this.srcu, token);
    }
    this.finish(rec, rc === 0 ? 'copied' : rc === -EOPNOTSUPP ? 'declined' : 'error', rc, dst, src, count);
    return rc;
  }

  private async cpuCopy(dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext, outcome: OffloadOutcome): Promise<number> {
    const rec = this.begin('cpu', ctx, count);
    const clock = this.sys.clock;
    const t0 = clock.now();
    let pending: Promise<number>;
    try {
      pending = this.engine.cpuBatchCopy(dst, src, count, ctx);
    } catch {
      pending = Promise.resolve(-EIO);
    }
    // the CPU default copies synchronously inside the call: this is its CPU time
    const ns = clock.now() - t0;
    rec.cpuNs += ns;
    this.table.record(rec.memcg, 'cpu').cpuNs += ns;
    let rc: number;
    try {
      rc = normaliseRc(await pending);
    } catch {
      rc = -EIO;
    }
    this.finish(rec, outcome, rc, dst, src, count);
    return rc;
  }

  private begin(migrator: string, ctx: BatchCopyContext, count: number): ProvenanceRecord {
    const rec: ProvenanceRecord = {
      batchId: ctx.batchId,
      migrator,
      outcome: null,
      rc: 0,
      reason: ctx.reason,
      memcg: ctx.memcg,
      hint: ctx.hint,
      count,
      bytes: ctx.bytes,
      copiedFolios: 0,
      fallbackFolios: 0,
      deviceNs: 0,
      cpuNs: 0,
    };
    this.inFlightRecords.set(ctx.batchId, rec);
    this.ring.push(rec);
    const acct = this.table.record(ctx.memcg, migrator);
    acct.batches++;
    acct.folios += count;
    acct.bytes += ctx.bytes;
    this.counters.batches++;
    this.counters.folios += count;
    this.counters.bytes += ctx.bytes;
    return rec;
  }

  private finish(rec: ProvenanceRecord, outcome: OffloadOutcome, rc: number, dst: Int32Array, src: Int32Array, count: number): void {
    let copied = count;
    let fallback = 0;
    let fallbackBytes = 0;
    if (rc !== 0) {
      // V5: the whole batch falls back; V6: only the pairs the backend did not mark
      const m = this.sys.memmap;
      const v6 = this.engine.retrySemantics === 'v6';
      copied = 0;
      for (let i = 0; i < count; i++) {
        if (v6 && (m.private[dst[i]!]! & FOLIO_CONTENT_COPIED) !== 0) {
          copied++;
        } else {
          fallback++;
          fallbackBytes += m.folioNrPages(src[i]!) * PAGE_SIZE;
        }
      }
    }
    rec.outcome = outcome;
    rec.rc = rc;
    rec.copiedFolios = copied;
    rec.fallbackFolios = fallback;
    this.inFlightRecords.delete(rec.batchId);
    this.counters.outcomes[outcome]++;
    if (fallback > 0) {
      const acct = this.table.record(rec.memcg, rec.migrator);
      acct.fallbackBatches++;
      acct.fallbackFolios += fallback;
      acct.fallbackBytes += fallbackBytes;
      this.counters.fallbackBatches++;
      this.counters.fallbackFolios += fallback;
    }
    if (this.tp.enabled) this.tp.emit({ batchId: rec.batchId, migrator: rec.migrator, outcome, rc });
  }

  // ---- accounting and views ----------------------------------------------------------------

  /**
   * Charges `ns` of device time (`'device'`: a DMA engine busy on the batch) or worker CPU time
   * (`'cpu'`: copy threads) to the batch of `ctx`: to its memcg × migrator record and its
   * provenance record. The batch must be in flight or still in the provenance ring; bad
   * arguments throw KernelError EINVAL and charge nothing.
   */
  chargeTime(ctx: BatchCopyContext, ns: number, kind: 'device' | 'cpu'): void {
    if (kind !== 'device' && kind !== 'cpu') {
      throw new KernelError('EINVAL', `chargeTime: kind ${JSON.stringify(kind)} is not accepted; accepted: device, cpu`);
    }
    if (typeof ns !== 'number' || !Number.isFinite(ns) || ns < 0) {
      throw new KernelError('EINVAL', `chargeTime: ${String(ns)} ns is not accepted; accepted: a finite number >= 0`);
    }
    const batchId = typeof ctx === 'object' && ctx !== null ? ctx.batchId : undefined;
    const rec = batchId === undefined ? undefined : (this.inFlightRecords.get(batchId) ?? this.ring.find(batchId));
    if (rec === undefined) {
      throw new KernelError(
        'EINVAL',
        `chargeTime: batch ${String(batchId)} is unknown to this registry; accepted: the ctx of a batch in flight or among the last ${this.ring.capacity}`,
      );
    }
    const acct = this.table.record(rec.memcg, rec.migrator);
    if (kind === 'device') {
      rec.deviceNs += ns;
      acct.deviceNs += ns;
    } else {
      rec.cpuNs += ns;
      acct.cpuNs += ns;
    }
  }

  /** Per memcg × migrator records (copies), by memcg id then migrator name. */
  accounting(): OffloadAccountRecord[] {
    return this.table.records();
  }

  /** A snapshot of the global counters. */
  stats(): MigrateOffloadStats {
    return {
      active: this.reg === null ? null : this.reg.migrator.name,
      reasonMask: this.mask,
      ...this.counters,
      outcomes: { ...this.counters.outcomes },
      inFlight: srcuReadersActive(this.srcu),
    };
  }

  /** The latest batches (copies, oldest first); `outcome` is null while a batch is in flight. */
  provenance(): ProvenanceRecord[] {
    return this.ring.toArray();
  }

  /** Recent registry messages (`enabled by NAME`, refusals), oldest first, at most 64. */
  messages(): readonly string[] {
    return [...this.log];
  }

  /** Clears accounting, provenance and batch counters (registration state is kept). */
  resetStats(): void {
    this.table.clear();
    this.ring.clear();
    for (const [, rec] of this.inFlightRecords) this.ring.push(rec);
    this.counters.batches = 0;
    this.counters.folios = 0;
    this.counters.bytes = 0;
    this.counters.outcomes = zeroOutcomes();
    this.counters.fallbackBatches = 0;
    this.counters.fallbackFolios = 0;
  }

  private refuse(rc: number, message: string): number {
    this.counters.registerFailed++;
    this.note(message);
    return rc;
  }

  private note(message: string): void {
    if (this.log.length === LOG_CAPACITY) this.log.shift();
    this.log.push(`migrate_offload: ${message}`);
  }
}

/** Attaches a migrator registry to `engine`: installs its `batchCopy` and `doBatch` and the sysfs files. */
export function createMigrateOffload(engine: MigrateEngine, opts: MigrateOffloadOptions = {}): MigrateOffload {
  return new MigrateOffload(engine, opts);
}

/** Mirrors `migrate_offload_register(m, reason_mask)`: `o.register(m, mask)`. */
export const migrateOffloadRegister = (o: MigrateOffload, m: Migrator, mask?: number): number => o.register(m, mask);

/** Mirrors `migrate_offload_unregister(m)`: `o.unregister(m)`. */
export const migrateOffloadUnregister = (o: MigrateOffload, m: Migrator): Promise<number> => o.unregister(m);
