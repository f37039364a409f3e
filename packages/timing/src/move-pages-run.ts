/**
 * A recorded functional run of the series' benchmark: a process with `count` folios of one size
 * on node 0 moves them to node 1 with one `move_pages()` call (MR_SYSCALL, MIGRATE_SYNC), along
 * one copy path: the vanilla kernel (no batch path, `NR_MAX_BATCHED_MIGRATION` 512), dcbm over
 * a modelled DMA device with N channels, or mtcopy with N virtual threads (both with the series'
 * testing patch 7, batches of up to 262144 base pages). The run is real (isolation, unmap, TLB
 * flush, copies, remap); with `dataless` nodes (the default) the copies move no bytes, so 1 GB or
 * 16 GB of folios cost only metadata, yet every event fires. Returns the recorded event log.
 */
import { KernelError } from '@pagemig/kernel';
import { HPAGE_PMD_SIZE, PAGE_SIZE, formatSize } from '@pagemig/folio';
import { MAP_ANONYMOUS, MAP_PRIVATE, MPOL_MF_MOVE, PROT_READ, PROT_WRITE, checkInvariants, createSystem, translate, type System } from '@pagemig/mm';
import { NR_MAX_BATCHED_MIGRATION, NR_MAX_BATCHED_MIGRATION_PUD, createMigrateEngine, movePages } from '@pagemig/migrate';
import { createMigrateOffload } from '@pagemig/offload';
import { DMA_INTERRUPT, DMA_MEMCPY, DMA_PRIVATE, DmaEngine, createSoftwareDmaDevice } from '@pagemig/dmaengine';
import { createDcbm } from '@pagemig/dcbm';
import type { EventLog } from './event-log';
import { createModelledDmaDevice, type ModelledDmaDevice } from './modelled-dma-device';
import { createModelledMtcopy } from './modelled-mtcopy';
import type { Preset } from './preset';
import { TimelineRecorder } from './timeline-recorder';

/** The copy path of a run. */
export type RunPath = 'baseline' | 'batch' | 'dcbm' | 'mtcopy';

/** Options of `recordMovePagesRun()`. */
export interface MovePagesRunOptions {
  /** Folio size in bytes (4 KiB .. 2 MiB, a power of two). */
  folioSize: number;
  /** Folios moved by each `move_pages()` call. */
  count: number;
  /** `baseline` (vanilla), `batch` (batch path, CPU copy), `dcbm` or `mtcopy`. */
  path: RunPath;
  /** Channels (dcbm, 1..16) or threads (mtcopy, 1..64); default 1. */
  lanes?: number;
  /** `move_pages()` calls, the region moving back and forth (default 1). */
  calls?: number;
  /** Metadata-only nodes (default true). False fills the region and checks every byte after. */
  dataless?: boolean;
  /** Base pages per batch (default 512 for the baseline, 262144 otherwise). */
  batchLimit?: number;
  /** Preset giving the DMA device shape (default PTDMA-like). */
  preset?: Preset;
  /**
   * The DMA device under dcbm: `modelled` (default, no workers) or `software` (the worker-thread
   * device of `@pagemig/dmaengine`; completions arrive in wall-clock order, which the model ignores).
   */
  dmaDevice?: 'modelled' | 'software';
  /** Called with the system once it is set up, right before the first `move_pages()` (attach probes here). */
  onSystem?: (sys: System) => void;
}

/** What a recorded run returns. */
export interface MovePagesRun {
  log: EventLog;
  /** move_pages() return values. */
  rcs: number[];
  /** Folios that ended on the wrong node, and invariant violations (both empty when all is well). */
  misplaced: number;
  violations: string[];
  /** True when the bytes were checked and matched (data nodes only). */
  dataChecked: boolean;
  /** Wall-clock time of each call (ns): measured for the host self-calibration only, never used by the model. */
  wallNs: number[];
}

function checkOptions(o: MovePagesRunOptions): void {
  const { folioSize, count } = o;
  if (!Number.isInteger(folioSize) || folioSize < PAGE_SIZE || folioSize > HPAGE_PMD_SIZE || (folioSize & (folioSize - 1)) !== 0) {
    throw new KernelError('EINVAL', `folioSize ${String(folioSize)} is not accepted: give a power of two from 4K to 2M bytes`);
  }
  if (!Number.isInteger(count) || count < 1 || count * folioSize > 64 * 2 ** 30) {
    throw new KernelError('EINVAL', `count ${String(count)} is not accepted: give 1 or more folios, at most 64 GiB in all`);
  }
  if (!['baseline', 'batch', 'dcbm', 'mtcopy'].includes(o.path)) {
    throw new KernelError('EINVAL', `path ${JSON.stringify(o.path)} is not accepted: give baseline, batch, dcbm or mtcopy`);
  }
}

/** Runs the benchmark functionally and records its events. */
export async function recordMovePagesRun(options: MovePagesRunOptions): Promise<MovePagesRun> {
  checkOptions(options);
  const { folioSize, count, path } = options;
  const lanes = options.lanes ?? 1;
  const calls = options.calls ?? 1;
  const dataless = options.dataless ?? true;
  const total = count * folioSize;
  const nodeSize = Math.ceil((total + 64 * 2 ** 20) / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  const mthp = folioSize > PAGE_SIZE && folioSize < HPAGE_PMD_SIZE ? { [formatSize(folioSize)]: 'always' as const } : {};
  const sys = createSystem({
    nodes: [
      { size: nodeSize, dataless },
      { size: nodeSize, dataless },
    ],
    thp: { enabled: folioSize === HPAGE_PMD_SIZE ? 'always' : 'never', sizes: mthp },
    ...(dataless ? {} : { sectionSize: 16 << 20 }),
  });
  const batchLimit = options.batchLimit ?? (path === 'baseline' ? NR_MAX_BATCHED_MIGRATION : NR_MAX_BATCHED_MIGRATION_PUD);
  const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: batchLimit, batchingPolicy: path === 'baseline' ? 'gated' : 'always' });
  let cleanup: () => Promise<unknown> = () => Promise.resolve();
  if (path === 'dcbm' || path === 'mtcopy') {
    const offload = createMigrateOffload(eng);
    if (path === 'dcbm') {
      const dma = new DmaEngine({ sysfs: sys.sysfs, trace: sys.trace });
      const dev =
        options.dmaDevice === 'software'
          ? softwareDevice(dma, sys.phys, lanes)
          : modelledDevice(createModelledDmaDevice(dma, { phys: sys.phys, channels: lanes, ...(options.preset === undefined ? {} : { preset: options.preset }) }));
      const dcbm = createDcbm({ system: sys, offload, dma, nrDmaChan: Math.min(lanes, 16) });
      const rc = await dcbm.setOffloading(true);
      if (rc !== 0) throw new KernelError('EIO', `dcbm offloading could not be enabled: ${rc}`);
      cleanup = async () => {
        await dcbm.unload();
        await dev.shutdown();
      };
    } else {
      const mt = createModelledMtcopy({ system: sys, threads: lanes });
      const rc = offload.register(mt.migrator);
      if (rc !== 0) throw new KernelError('EIO', `mtcopy could not be registered: ${rc}`);
      cleanup = () => offload.unregister(mt.migrator);
    }
  }
  const task = sys.createTask({ name: 'move_pages', cpu: 0 });
  const addr = task.mm.mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  if (addr < 0 || task.mm.populate(addr, total, true) !== 0) {
    throw new KernelError('ENOMEM', `could not populate ${formatSize(total)} of ${formatSize(folioSize)} folios`);
  }
  const head = sys.memmap.compoundHead(translate(task.mm, addr, false));
  if (sys.memmap.folioNrPages(head) * PAGE_SIZE !== folioSize) {
    throw new KernelError('EINVAL', `the region was built from ${formatSize(sys.memmap.folioNrPages(head) * PAGE_SIZE)} folios, not ${formatSize(folioSize)}`);
  }
  if (!dataless) fill(sys.phys, task, addr, total);
  const pages = new Array<number>(count);
  for (let i = 0; i < count; i++) pages[i] = addr + i * folioSize;
  const status = new Int32Array(count);
  const recorder = new TimelineRecorder(sys.trace);
  options.onSystem?.(sys);
  const rcs: number[] = [];
  const wallNs: number[] = [];
  let node = 0;
  for (let c = 0; c < calls; c++) {
    node = 1 - node;
    const nodes = new Array<number>(count).fill(node);
    const t0 = process.hrtime.bigint();
    rcs.push(await movePages(eng, task, 0, pages, nodes, status, MPOL_MF_MOVE));
    wallNs.push(Number(process.hrtime.bigint() - t0));
  }
  recorder.stop();
  let misplaced = 0;
  for (let i = 0; i < count; i++) if (sys.phys.pfnToNid(translate(task.mm, pages[i]!, false)) !== node) misplaced++;
  const dataChecked = !dataless && check(sys.phys, task, addr, total);
  const violations = checkInvariants(sys);
  await cleanup();
  return { log: recorder.log, rcs, misplaced, violations, dataChecked, wallNs };
}

type Phys = ReturnType<typeof createSystem>['phys'];

function modelledDevice(dev: ModelledDmaDevice): { shutdown(): Promise<unknown> } {
  return { shutdown: () => Promise.resolve(dev.unregister()) };
}

/** Worker-thread software DMA devices, PTDMA-shaped (one channel per device, so names match the modelled ones). */
function softwareDevice(dma: DmaEngine, phys: Phys, channels: number): { shutdown(): Promise<unknown> } {
  const devs = Array.from({ length: channels }, () => createSoftwareDmaDevice(dma, { phys, channels: 1, caps: [DMA_MEMCPY, DMA_INTERRUPT, DMA_PRIVATE] }));
  return { shutdown: () => Promise.all(devs.map((d) => d.shutdown())) };
}
type TaskT = ReturnType<ReturnType<typeof createSystem>['createTask']>;

function patternWord(page: number): number {
  return (page * 2654435761) >>> 0;
}

function fill(phys: Phys, task: TaskT, addr: number, total: number): void {
  for (let page = 0; page < total / PAGE_SIZE; page++) {
    const bytes = phys.bytes(translate(task.mm, addr + page * PAGE_SIZE, false), 1);
    if (bytes === null) continue;
    const v = new DataView(bytes.buffer, bytes.byteOffset, PAGE_SIZE);
    for (let o = 0; o < PAGE_SIZE; o += 4) v.setUint32(o, patternWord(page) ^ o);
  }
}

function check(phys: Phys, task: TaskT, addr: number, total: number): boolean {
  for (let page = 0; page < total / PAGE_SIZE; page++) {
    const bytes = phys.bytes(translate(task.mm, addr + page * PAGE_SIZE, false), 1);
    if (bytes === null) return false;
    const v = new DataView(bytes.buffer, bytes.byteOffset, PAGE_SIZE);
    for (let o = 0; o < PAGE_SIZE; o += 4) if (v.getUint32(o) !== (patternWord(page) ^ o) >>> 0) return false;
  }
  return true;
}
