/**
 * The dcbm driver instance ("DMA Core Batch Migrator", patch 6 of the series): the module `dcbm`,
 * the migrator it registers with the offload registry, its sysfs group on the module
 * (`/sys/module/dcbm/`), and load/unload. Mirrors `dcbm_init()`, `dcbm_exit()` and the
 * `offloading` store of drivers/migrate_offload/dcbm/dcbm.c.
 *
 * - Load (`createDcbm()`): creates the module (which publishes `/sys/module/dcbm/{refcnt,initstate}`)
 *   and adds the driver's group. Offloading starts off, as in the driver.
 * - `offloading` = 1 registers the migrator (the registry pins the module), 0 unregisters and waits
 *   for the batches in flight (SRCU). Both run under the driver's mutex; writing the current value
 *   does nothing.
 * - Unload (`unload()`): under the mutex, unregisters if needed (waiting for batches in flight),
 *   waits for any batch still inside the driver (a direct call), then deletes the module, whose exit
 *   hook removes the group. In the kernel the registration's module reference makes `rmmod` fail
 *   while offloading is on; `unload()` is the "echo 0 > offloading; rmmod dcbm" sequence.
 *
 * One instance per system and sysfs tree (the module name is fixed). No module-level state.
 */
import { EBUSY, ENODEV, ENOENT, KernelError, createModule, deleteModule, moduleIsLive, type Module, type SysfsTree } from '@pagemig/kernel';
import type { BatchCopyContext } from '@pagemig/migrate';
import type { System } from '@pagemig/mm';
import type { MigrateOffload, Migrator } from '@pagemig/offload';
import type { DmaEngine } from '@pagemig/dmaengine';
import { foliosCopyDma, type DcbmCopyHost } from './dcbm-copy';
import { checkDcbmParam, resolveDcbmParams, type DcbmParams } from './dcbm-params';
import { newDcbmStats, type DcbmBatchRecord, type DcbmStats } from './dcbm-stats';
import { DCBM_SYSFS_DIR, dcbmSysfsAttributes } from './dcbm-sysfs';

/** The module and migrator name. */
export const DCBM_NAME = 'dcbm';

/** What `createDcbm()` needs, plus initial tunables (same names and limits as the sysfs files). */
export interface DcbmOptions extends Partial<DcbmParams> {
  /** The system whose folios it copies (memmap, clock, sysfs). */
  readonly system: System;
  /** The registry of the system's migrate engine. */
  readonly offload: MigrateOffload;
  /** The dmaengine core its channels come from. */
  readonly dma: DmaEngine;
  /** Tree for `/sys/module/dcbm` (default `system.sysfs`). */
  readonly sysfs?: SysfsTree;
  /** Use one memcpy_sg per channel when the channel has DMA_MEMCPY_SG (default true). */
  readonly useMemcpySg?: boolean;
}

/** A loaded dcbm driver. */
export interface Dcbm {
  /** The module `dcbm` (pinned by the registry while offloading). */
  readonly module: Module;
  /** The migrator it registers (`name` `dcbm`). */
  readonly migrator: Migrator;
  /** `/sys/module/dcbm`. */
  readonly sysfsDir: string;
  /** True while registered (`offloading`). */
  readonly offloading: boolean;
  /** Batches inside the driver now. */
  readonly inFlight: number;
  /** Current tunables (read-only view; change them with `setParam` or sysfs). */
  readonly params: Readonly<DcbmParams>;
  /** The latest batch the driver handled, or null. */
  readonly lastBatch: DcbmBatchRecord | null;
  /** Sets one tunable; throws KernelError EINVAL (value unchanged) for a bad one. */
  setParam<K extends keyof DcbmParams>(key: K, value: DcbmParams[K]): void;
  /** What a write to `offloading` does: 0, or the registration error (-EBUSY, -ENODEV, ...). */
  setOffloading(on: boolean): Promise<number>;
  /** A copy of the counters. */
  stats(): DcbmStats;
  /** The batch copy itself (what the migrator's `offloadCopy` calls). */
  offloadCopy(dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext): Promise<number>;
  /** Unregisters, waits for batches in flight, removes the sysfs group and deletes the module: 0 or -errno. */
  unload(): Promise<number>;
}

class DcbmDriver implements Dcbm, DcbmCopyHost {
  readonly system: System;
  readonly offload: MigrateOffload;
  readonly dma: DmaEngine;
  readonly sysfs: SysfsTree;
  readonly module: Module;
  readonly migrator: Migrator;
  readonly sysfsDir = DCBM_SYSFS_DIR;
  readonly useMemcpySg: boolean;
  readonly params: DcbmParams;
  readonly counters: DcbmStats = newDcbmStats();
  lastBatch: DcbmBatchRecord | null = null;
  private enabled = false;
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private mutex: Promise<void> = Promise.resolve();
  private readonly attrs;

  constructor(options: DcbmOptions) {
    const { system, offload, dma } = options;
    if (system === undefined || offload === undefined || dma === undefined) {
      throw new KernelError('EINVAL', 'createDcbm: system, offload and dma are required; accepted: a System, its MigrateOffload and a DmaEngine');
    }
    if (offload.sys !== system) {
      throw new KernelError('EINVAL', 'createDcbm: offload belongs to another system; accepted: the registry of the given system\'s migrate engine');
    }
    this.params = resolveDcbmParams({
      nrDmaChan: options.nrDmaChan,
      completion: options.completion,
      align: options.align,
      minBatchBytes: options.minBatchBytes,
      timeoutMs: options.timeoutMs,
    });
    this.system = system;
    this.offload = offload;
    this.dma = dma;
    this.sysfs = options.sysfs ?? system.sysfs;
    this.useMemcpySg = options.useMemcpySg ?? true;
    if (this.sysfs.stat(DCBM_SYSFS_DIR) !== undefined) {
      throw new KernelError('EEXIST', `createDcbm: ${DCBM_SYSFS_DIR} already exists in this sysfs tree; accepted: one dcbm per tree (unload the other first)`);
    }
    this.attrs = dcbmSysfsAttributes(this);
    this.module = createModule(DCBM_NAME, { sysfs: this.sysfs, exit: () => this.exit() });
    this.sysfs.createGroup(DCBM_SYSFS_DIR, this.attrs);
    this.migrator = {
      name: DCBM_NAME,
      owner: this.module,
      offloadCopy: (dst, src, count, ctx) => this.offloadCopy(dst, src, count, ctx),
    };
  }

  // ---- DcbmCopyHost ---------------------------------------------------------------------------

  v6(): boolean {
    return this.offload.engine.retrySemantics === 'v6';
  }

  chargeDevice(ctx: BatchCopyContext, ns: number): boolean {
    try {
      this.offload.chargeTime(ctx, ns, 'device');
      return true;
    } catch (error) {
      if (KernelError.isInstance(error)) return false; // a batch the registry never saw (direct call)
      throw error;
    }
  }

  // ---- Dcbm -----------------------------------------------------------------------------------

  get offloading(): boolean {
    return this.enabled;
  }

  get inFlight(): number {
    return this.active;
  }

  stats(): DcbmStats {
    return { ...this.counters };
  }

  setParam<K extends keyof DcbmParams>(key: K, value: DcbmParams[K]): void {
    this.params[key] = checkDcbmParam(key, value);
  }

  async offloadCopy(dst: Int32Array, src: Int32Array, count: number, ctx: BatchCopyContext): Promise<number> {
    if (!moduleIsLive(this.module)) return -ENODEV;
    this.active++;
    try {
      return await foliosCopyDma(this, dst, src, count, ctx);
    } finally {
      if (--this.active === 0 && this.idleWaiters.length > 0) {
        for (const wake of this.idleWaiters.splice(0)) wake();
      }
    }
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.mutex;
    let release!: () => void;
    this.mutex = new Promise<void>((resolve) => {
      release = resolve;
    });
    return prev.then(fn).finally(release);
  }

  setOffloading(on: boolean): Promise<number> {
    return this.locked(async () => {
      if (on === this.enabled) return 0;
      if (on) {
        const rc = this.offload.register(this.migrator);
        if (rc !== 0) return rc;
        this.enabled = true;
        return 0;
      }
      await this.offload.unregister(this.migrator);
      this.enabled = false;
      return 0;
    });
  }

  private whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  unload(): Promise<number> {
    return this.locked(async () => {
      if (this.module.state !== 'live') return this.module.state === 'going' ? -EBUSY : -ENOENT;
      if (this.enabled) {
        await this.offload.unregister(this.migrator);
        this.enabled = false;
      }
      await this.whenIdle();
      return deleteModule(this.module);
    });
  }

  /** The module's exit hook (`dcbm_exit()`): nothing is registered by now; remove the group. */
  private exit(): void {
    this.sysfs.removeGroup(DCBM_SYSFS_DIR, this.attrs);
  }
}

/**
 * Loads dcbm for `options.system`: creates the module `dcbm`, its migrator and
 * `/sys/module/dcbm/`. Offloading starts off; write 1 to `offloading` (or call
 * `setOffloading(true)`) to register. Throws KernelError EINVAL for bad options, EEXIST when a
 * dcbm is already loaded in the tree.
 */
export function createDcbm(options: DcbmOptions): Dcbm {
  return new DcbmDriver(options);
}
