/**
 * One simulated machine: NUMA nodes with real bytes, the memmap, buddy allocators, LRU,
 * memcgs, CPUs with TLBs, tasks and their address spaces, page cache, hugetlb pools, the sysfs
 * tree, tracepoints, vm event counters, a clock and fault points. Everything hangs off the
 * instance (no module-level state), so several systems can live side by side.
 */
import {
  ENOENT,
  KernelError,
  MonotonicClock,
  SysfsTree,
  TraceRegistry,
  createFaultAttr,
  enumAttribute,
  shouldFail,
  type Clock,
  type EventCounters,
  type FaultAttr,
  type Tracepoint,
} from '@pagemig/kernel';
import {
  HPAGE_PMD_NR,
  HPAGE_PMD_ORDER,
  PAGE_SIZE,
  PGF_reserved,
  PGF_uptodate,
  PGF_zero,
  formatSize,
} from '@pagemig/folio';
import { AddressSpace, MIGRATE_FOLIO_OPS, type AddressSpaceKind, type MigrateFolioOp } from './address-space';
import { endWriteback, filemapRead, filemapWrite, startWriteback, truncateSetsize } from './filemap';
import { AnonVma } from './anon-vma';
import { BuddyZone } from './buddy';
import { FolioLocks } from './folio-lock';
import { NIL } from './folio-list';
import type { FaultResult } from './fault';
import { HugetlbPools } from './hugetlb';
import { Lru } from './lru';
import { MemCgroups, ROOT_MEMCG } from './memcg';
import { Memmap } from './memmap';
import { DEFAULT_POLICY, MPOL_BIND, MPOL_INTERLEAVE, MPOL_PREFERRED, mpolNew, type MemPolicy } from './mempolicy';
import { MmStruct } from './mm-struct';
import type { MovableOperations } from './movable-ops';
import { GFP_HIGHUSER_MOVABLE, PageAlloc, __GFP_NOFAIL, __GFP_THISNODE, __GFP_ZERO } from './page-alloc';
import { PTE_PROTNONE } from './page-table';
import { DEFAULT_SECTION_SIZE, PhysMem, type NodeConfig } from './phys-mem';
import { populateRange } from './populate';
import { Rmap } from './rmap';
import { Task, type TaskOptions } from './task';
import { Tlb, type TlbFlushEvent } from './tlb';
import { VM_PGALLOC, VM_PGALLOC_FAIL, VM_PGFREE, createVmEvents, type VmEvents } from './vm-events';
import { createTaskViews, registerMemViews, removeTaskViews } from './proc-views';
import type { Vma } from './vma';

/** THP policy values (`/sys/kernel/mm/transparent_hugepage/enabled` and per-size `enabled`). */
export type ThpSetting = 'always' | 'madvise' | 'never';
/** Per-size mTHP values; `inherit` follows the top-level setting. */
export type MthpSetting = ThpSetting | 'inherit';

/** A node of the system as configured. */
export interface SystemNodeConfig extends NodeConfig {
  /** CPUs on the node (default: 2, or 0 for a `CXL` node, which is memory only). */
  cpus?: number;
  /** 2 MiB hugetlb pages reserved on the node at boot. */
  hugepages?: number;
}

/** How to build a system. */
export interface SystemConfig {
  nodes: readonly SystemNodeConfig[];
  /** SLIT-like distances (default: 10 local, 20 between DRAM nodes, 30 to other kinds). */
  distance?: readonly (readonly number[])[];
  /** Bytes per memory section (default 128 MiB). */
  sectionSize?: number;
  /** THP: top-level setting (default `madvise`) and per-size mTHP settings by size (`'64K': 'always'`). */
  thp?: { enabled?: ThpSetting; sizes?: Readonly<Record<string, MthpSetting>> };
  /** Clock (default: monotonic wall clock). */
  clock?: Clock;
  /** Seed for the fault points (default 1). */
  seed?: number;
}

/** Hooks the layers above install (the migrate layer's NUMA balancing). */
export interface SystemHooks {
  /** A NUMA hinting fault on `folio` by `task`: migrate it towards the task's node if wanted. */
  numaMisplaced?: (task: Task, folio: number, targetNid: number) => Promise<void>;
}

/** Orders mTHP may use for anonymous memory (16K .. 1M; 2M is the PMD order). */
export const MTHP_ORDERS = [2, 3, 4, 5, 6, 7, 8] as const;

function defaultDistance(kinds: readonly string[]): number[][] {
  return kinds.map((a, i) => kinds.map((b, j) => (i === j ? 10 : a === 'DRAM' && b === 'DRAM' ? 20 : 30)));
}

/** A simulated machine. */
export class System {
  readonly phys: PhysMem;
  readonly memmap: Memmap;
  readonly nrNodes: number;
  readonly zones: BuddyZone[];
  readonly alloc: PageAlloc;
  readonly lru: Lru;
  readonly memcgs: MemCgroups;
  readonly locks: FolioLocks;
  readonly tlb: Tlb;
  readonly rmap: Rmap;
  readonly hugetlb: HugetlbPools;
  /** vm event counters (`/proc/vmstat` events); `add()` is the per-page fast path. */
  readonly vmstat: VmEvents;
  readonly trace = new TraceRegistry();
  readonly sysfs = new SysfsTree();
  readonly clock: Clock;
  readonly distance: readonly (readonly number[])[];
  readonly nrCpus: number;
  /** CPU → node. */
  readonly cpuToNode: readonly number[];
  /** The shared zero page. */
  readonly zeroPfn: number;
  readonly failPageAlloc: FaultAttr;
  readonly tasks = new Map<number, Task>();
  readonly hooks: SystemHooks = {};
  /** Drivers of movable_ops pages (balloons). */
  readonly movableOps: MovableOperations[] = [];
  /** Side results of the last fault (see `fault.ts`). */
  readonly fault: FaultResult = { waitFolio: NIL, numaFolio: NIL, numaAddr: 0 };
  readonly tpTlbFlush: Tracepoint<TlbFlushEvent>;
  private thpEnabled: ThpSetting;
  private readonly mthp = new Map<number, MthpSetting>();
  /** Anonymous THP orders set to `always` (bit n = order n), kept in step with the settings. */
  thpOrdersAlways = 0;
  /** Anonymous THP orders set to `madvise` (used in MADV_HUGEPAGE VMAs). */
  thpOrdersMadvise = 0;
  /** Per-size anonymous THP fault counters: [order * 2] allocations, [order * 2 + 1] fallbacks. */
  private readonly mthpStats = new Float64Array((HPAGE_PMD_ORDER + 1) * 2);
  private hugeZero = NIL;
  private nextPid = 1;
  private nextMmId = 1;
  private nextFileId = 1;
  private nextMovableOpsId = 1;

  constructor(config: SystemConfig) {
    this.phys = new PhysMem(config.nodes, config.sectionSize ?? DEFAULT_SECTION_SIZE);
    this.memcgs = new MemCgroups(this.sysfs);
    this.nrNodes = this.phys.nrNodes;
    this.memmap = new Memmap(this.phys.totalPages);
    this.distance = config.distance ?? defaultDistance(this.phys.nodeKind);
    this.validateDistance();
    const cpus: number[] = config.nodes.map((n) => n.cpus ?? ((n.kind ?? 'DRAM') === 'CXL' ? 0 : 2));
    if (!cpus.some((c) => c > 0)) cpus[0] = 1;
    this.cpuToNode = cpus.flatMap((count, nid) => new Array<number>(count).fill(nid));
    this.nrCpus = this.cpuToNode.length;
    this.clock = config.clock ?? new MonotonicClock();
    this.vmstat = createVmEvents();
    this.tpTlbFlush = this.trace.define<TlbFlushEvent>('mm_tlb_flush');
    this.tlb = new Tlb(this.nrCpus, this.tpTlbFlush, (name, n) => this.vmstat.count(name, n));
    this.failPageAlloc = createFaultAttr('fail_page_alloc', { sysfs: this.sysfs, seed: config.seed ?? 1 });
    this.zones = this.phys.nodeStartPfn.map((start, nid) => new BuddyZone(this.memmap, nid, start, this.phys.nodeNrPages[nid]!));
    this.lru = new Lru(this.memmap, this.nrNodes, (pfn) => this.phys.pfnToNid(pfn));
    this.locks = new FolioLocks(this.memmap);
    this.rmap = new Rmap(this.memmap, this.tlb);
    this.alloc = new PageAlloc(this.memmap, this.phys, this.zones, this.distance, this.lru, this.memcgs, {
      shouldFailAlloc: (order) => this.failPageAlloc.probability > 0 && shouldFail(this.failPageAlloc, PAGE_SIZE << order),
      freeHugetlbFolio: (folio) => this.hugetlb.freeHugetlbFolio(folio),
      countEvent: (name, n) => this.vmstat.add(name === 'pgalloc' ? VM_PGALLOC : name === 'pgfree' ? VM_PGFREE : VM_PGALLOC_FAIL, n),
    });
    this.hugetlb = new HugetlbPools(this.memmap, this.alloc, this.nrNodes, (pfn) => this.phys.pfnToNid(pfn));
    this.zeroPfn = this.alloc.allocPages(0, 0, __GFP_NOFAIL | __GFP_ZERO);
    if (this.zeroPfn === NIL) throw new KernelError('ENOMEM', 'no memory for the zero page');
    this.memmap.flags[this.zeroPfn] = PGF_zero | PGF_reserved | PGF_uptodate;
    this.memmap.refcount[this.zeroPfn] = 1;
    const enabled = config.thp?.enabled ?? 'madvise';
    if (!['always', 'madvise', 'never'].includes(enabled)) {
      throw new KernelError('EINVAL', `THP setting ${JSON.stringify(enabled)} is not accepted: give always, madvise or never`);
    }
    this.thpEnabled = enabled;
    for (const order of [...MTHP_ORDERS, HPAGE_PMD_ORDER]) this.mthp.set(order, order === HPAGE_PMD_ORDER ? 'inherit' : 'never');
    for (const [size, setting] of Object.entries(config.thp?.sizes ?? {})) this.setMthp(size, setting);
    this.updateThpOrders();
    config.nodes.forEach((node, nid) => {
      if ((node.hugepages ?? 0) > 0) this.hugetlb.setNrHugepages(nid, node.hugepages!);
    });
    this.registerSysfs();
    registerMemViews(this);
  }

  private validateDistance(): void {
    const n = this.nrNodes;
    const d = this.distance;
    const ok =
      d.length === n &&
      d.every((row, i) => row.length === n && row.every((v, j) => Number.isInteger(v) && v >= 10 && v <= 254 && (i === j) === (v === 10)));
    if (!ok) {
      throw new KernelError('EINVAL', `distance table is not accepted: give ${n}x${n} integers, 10 on the diagonal and 11..254 elsewhere`);
    }
  }

  /** The effective THP setting for an anonymous folio order. */
  thpSetting(order: number): ThpSetting {
    const own = this.mthp.get(order);
    if (own === undefined || own === 'inherit') return own === undefined ? 'never' : this.thpEnabled;
    return own;
  }

  /** Sets an mTHP size's policy (`'64K'`, `'2M'`); errors name the size and the accepted ones. */
  setMthp(size: string, setting: MthpSetting): void {
    const sizes = [...this.mthp.keys()].map((order) => formatSize(PAGE_SIZE << order));
    const order = sizes.indexOf(size.trim().toUpperCase());
    if (order < 0) throw new KernelError('EINVAL', `mTHP size ${JSON.stringify(size)} is not accepted: give one of ${sizes.join(', ')}`);
    if (!['always', 'madvise', 'never', 'inherit'].includes(setting)) {
      throw new KernelError('EINVAL', `mTHP setting ${JSON.stringify(setting)} is not accepted: give always, madvise, never or inherit`);
    }
    this.mthp.set([...this.mthp.keys()][order]!, setting);
    this.updateThpOrders();
  }

  /** Sets the top-level THP policy (`/sys/kernel/mm/transparent_hugepage/enabled`). */
  setThpEnabled(setting: ThpSetting): void {
    if (!['always', 'madvise', 'never'].includes(setting)) {
      throw new KernelError('EINVAL', `THP setting ${JSON.stringify(setting)} is not accepted: give always, madvise or never`);
    }
    this.thpEnabled = setting;
    this.updateThpOrders();
  }

  /** Recomputes the per-order masks the fault path reads (`thpAllowableOrders()`). */
  private updateThpOrders(): void {
    let always = 0;
    let madvise = 0;
    for (const order of this.mthp.keys()) {
      const setting = this.thpSetting(order);
      if (setting === 'always') always |= 1 << order;
      else if (setting === 'madvise') madvise |= 1 << order;
    }
    this.thpOrdersAlways = always;
    this.thpOrdersMadvise = madvise;
  }

  /** Counts a per-size anonymous THP fault event (`/sys/kernel/mm/transparent_hugepage/hugepages-*kB/stats/`). */
  mthpStat(order: number, item: 'anon_fault_alloc' | 'anon_fault_fallback'): void {
    this.mthpStats[order * 2 + (item === 'anon_fault_alloc' ? 0 : 1)]! += 1;
  }

  private registerSysfs(): void {
    const thp = '/sys/kernel/mm/transparent_hugepage';
    this.sysfs.createAttribute(
      `${thp}/enabled`,
      enumAttribute({
        names: ['always', 'madvise', 'never'],
        get: () => this.thpEnabled,
        set: (v) => this.setThpEnabled(v),
        brackets: true,
      }),
    );
    for (const order of this.mthp.keys()) {
      const dir = `${thp}/hugepages-${(PAGE_SIZE << order) / 1024}kB`;
      this.sysfs.createAttribute(
        `${dir}/enabled`,
        enumAttribute({
          names: ['always', 'inherit', 'madvise', 'never'],
          get: () => this.mthp.get(order)!,
          set: (v) => {
            this.mthp.set(order, v);
            this.updateThpOrders();
          },
          brackets: true,
        }),
      );
      this.sysfs.createGroup(`${dir}/stats`, {
        anon_fault_alloc: { mode: 'ro', show: () => String(this.mthpStats[order * 2]) },
        anon_fault_fallback: { mode: 'ro', show: () => String(this.mthpStats[order * 2 + 1]) },
      });
    }
    for (let nid = 0; nid < this.nrNodes; nid++) {
      const dir = `/sys/devices/system/node/node${nid}/hugepages/hugepages-2048kB`;
      this.sysfs.createAttribute(`${dir}/nr_hugepages`, {
        mode: 'rw',
        show: () => String(this.hugetlb.nrHugepages[nid]! - this.hugetlb.surplusHugepages[nid]!),
        store: (value) => {
          const count = Number(value.trim());
          if (!/^\d+$/.test(value.trim())) {
            throw new KernelError('EINVAL', `nr_hugepages ${JSON.stringify(value)} is not accepted: give a whole number of pages`);
          }
          this.hugetlb.setNrHugepages(nid, count);
        },
      });
      this.sysfs.createAttribute(`${dir}/free_hugepages`, { mode: 'ro', show: () => String(this.hugetlb.freeHugepages(nid)) });
      this.sysfs.createAttribute(`${dir}/surplus_hugepages`, { mode: 'ro', show: () => String(this.hugetlb.surplusHugepages[nid]) });
    }
  }

  // ---- tasks -------------------------------------------------------------------------------

  private taskFields(options: TaskOptions, parent?: Task): ConstructorParameters<typeof Task>[3] {
    const mems = options.mems ?? parent?.memsList ?? Array.from({ length: this.nrNodes }, (_, i) => i);
    if (mems.length === 0) throw new KernelError('EINVAL', `an empty cpuset is not accepted: give nodes from 0..${this.nrNodes - 1}`);
    for (const nid of mems) {
      if (!Number.isInteger(nid) || nid < 0 || nid >= this.nrNodes) {
        throw new KernelError('EINVAL', `cpuset node ${nid} is not accepted: nodes are 0..${this.nrNodes - 1}`);
      }
    }
    const cpu = options.cpu ?? parent?.cpu ?? 0;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.nrCpus) {
      throw new KernelError('EINVAL', `cpu ${cpu} is not accepted: cpus are 0..${this.nrCpus - 1}`);
    }
    let memcg = parent?.memcg ?? ROOT_MEMCG;
    if (typeof options.memcg === 'string') {
      memcg = (this.memcgs.byName(options.memcg) ?? this.memcgs.create(options.memcg)).id;
    } else if (options.memcg !== undefined) {
      memcg = this.memcgs.get(options.memcg).id;
    }
    const uid = options.uid ?? parent?.uid ?? 0;
    return {
      name: options.name ?? parent?.name ?? 'task',
      uid,
      euid: options.euid ?? parent?.euid ?? uid,
      capSysNice: options.capSysNice ?? parent?.capSysNice ?? uid === 0,
      mems: Array.from({ length: this.nrNodes }, (_, nid) => mems.includes(nid)),
      memcg,
      cpu,
    };
  }

  /** Creates a process with an empty address space. */
  createTask(options: TaskOptions = {}): Task {
    const fields = this.taskFields(options);
    const mm = new MmStruct(this, this.nextMmId++);
    const pid = this.nextPid++;
    const task = new Task(pid, pid, mm, fields);
    mm.owner = task;
    mm.users = 1;
    mm.cpumask |= 1 << task.cpu;
    this.tasks.set(pid, task);
    createTaskViews(this, task);
    return task;
  }

  /** A new thread sharing the task's address space (`clone(CLONE_VM)`). */
  cloneThread(parent: Task, options: TaskOptions = {}): Task {
    const task = new Task(this.nextPid++, parent.tgid, parent.mm, this.taskFields(options, parent));
    task.policy = parent.policy;
    parent.mm.users++;
    parent.mm.cpumask |= 1 << task.cpu;
    this.tasks.set(task.pid, task);
    createTaskViews(this, task);
    return task;
  }

  /** Forks a process: the child gets a copy-on-write copy of the address space (`fork()`). */
  fork(parent: Task, options: TaskOptions = {}): Task {
    const fields = this.taskFields(options, parent);
    const mm = new MmStruct(this, this.nextMmId++);
    const pid = this.nextPid++;
    const child = new Task(pid, pid, mm, fields);
    child.policy = parent.policy;
    mm.owner = child;
    mm.users = 1;
    mm.cpumask |= 1 << child.cpu;
    parent.mm.dupMmap(mm);
    this.tasks.set(pid, child);
    createTaskViews(this, child);
    return child;
  }

  /** Ends a task; the last user of an address space tears it down (`exit_mmap()`). */
  exitTask(task: Task): void {
    if (task.exited) return;
    task.exited = true;
    this.tasks.delete(task.pid);
    removeTaskViews(this, task);
    const mm = task.mm;
    if (--mm.users === 0) {
      mm.exitMmap();
      return;
    }
    // another thread of the process becomes the mm's owner (mirrors `mm_update_next_owner()`)
    if (mm.owner === task) {
      for (const other of this.tasks.values()) {
        if (other.mm === mm) {
          mm.owner = other;
          break;
        }
      }
    }
  }

  /** A task by pid (0 = none). */
  findTask(pid: number): Task | undefined {
    return this.tasks.get(pid);
  }

  /** The driver owning a `PG_movable_ops` page, if any. */
  movableOpsOwner(pfn: number): MovableOperations | undefined {
    return this.movableOps.find((ops) => ops.owns(pfn));
  }

  /** Registers a movable_ops driver; returns an id (≥ 1, never reused) it may store in its pages. */
  registerMovableOps(ops: MovableOperations): number {
    if (this.movableOps.includes(ops)) throw new KernelError('EEXIST', `movable_ops driver ${ops.name} is already registered`);
    this.movableOps.push(ops);
    return this.nextMovableOpsId++;
  }

  /** Unregisters a movable_ops driver (its pages must be gone); 0 or -ENOENT. */
  unregisterMovableOps(ops: MovableOperations): number {
    const i = this.movableOps.indexOf(ops);
    if (i < 0) return -ENOENT;
    this.movableOps.splice(i, 1);
    return 0;
  }

  // ---- files and anon_vmas ----------------------------------------------------------------

  /** Creates a file in the page cache (`open(O_CREAT)` + `ftruncate`). */
  createFile(name: string, size: number, options: { migrateFolio?: MigrateFolioOp; kind?: AddressSpaceKind } = {}): AddressSpace {
    const kind = options.kind ?? 'file';
    if (!['file', 'shmem', 'hugetlbfs'].includes(kind)) {
      throw new KernelError('EINVAL', `file kind ${JSON.stringify(kind)} is not accepted: give file, shmem or hugetlbfs`);
    }
    // the a_ops each kind has in the kernel unless the caller models another filesystem
    const op = options.migrateFolio ?? (kind === 'shmem' ? 'migrate_folio' : kind === 'hugetlbfs' ? 'hugetlbfs' : 'filemap_migrate_folio');
    if (!MIGRATE_FOLIO_OPS.includes(op)) {
      throw new KernelError('EINVAL', `migrate_folio op ${JSON.stringify(op)} is not accepted: give one of ${MIGRATE_FOLIO_OPS.join(', ')}`);
    }
    if (!Number.isSafeInteger(size) || size < 0 || size > 2 ** 44) {
      throw new KernelError('EINVAL', `file size ${size} is not accepted: give bytes from 0 to 16T`);
    }
    const handle = this.nextFileId++;
    const file = new AddressSpace(handle, name, kind, op, Math.ceil(size / PAGE_SIZE), size);
    this.rmap.addressSpaces[handle] = file;
    return file;
  }

  /**
   * Reads a file through the page cache without mapping it, as `task` (`pread(2)`; holes are
   * read in by the task's memory policy). Resolves to the bytes read or -errno.
   */
  pread(task: Task, file: AddressSpace, buf: Uint8Array, offset: number): Promise<number> {
    return filemapRead(this, task, file, buf, offset);
  }

  /**
   * Writes a file through the page cache without mapping it, as `task` (`pwrite(2)`; new
   * folios follow the task's memory policy and memcg). Resolves to the bytes written or -errno.
   */
  pwrite(task: Task, file: AddressSpace, data: Uint8Array, offset: number): Promise<number> {
    return filemapWrite(this, task, file, data, offset);
  }

  /** Starts writeback of a cached page: PG_writeback set, dirty cleared (see `startWriteback()` in filemap). 0 or -errno. */
  startWriteback(file: AddressSpace, index: number): number {
    return startWriteback(this, file, index);
  }

  /** Ends writeback of a cached page and wakes its waiters (see `endWriteback()` in filemap). 0 or -errno. */
  endWriteback(file: AddressSpace, index: number): number {
    return endWriteback(this, file, index);
  }

  /** Sets a file's size, dropping pages past the end from mappings and the cache (`ftruncate(2)`). 0 or -errno. */
  truncate(file: AddressSpace, size: number): Promise<number> {
    return truncateSetsize(this, file, size);
  }

  /** The shmem (or hugetlbfs) object behind a shared anonymous mapping. */
  createSharedAnon(len: number, hugetlb: boolean): AddressSpace {
    const file = hugetlb
      ? this.createFile('/anon_hugepage (deleted)', len, { kind: 'hugetlbfs', migrateFolio: 'hugetlbfs' })
      : this.createFile('/dev/zero (deleted)', len, { kind: 'shmem', migrateFolio: 'migrate_folio' });
    file.deleted = true;
    return file;
  }

  /** A new anon_vma. */
  newAnonVma(): AnonVma {
    const av = new AnonVma(this.rmap.anonVmas.length);
    this.rmap.anonVmas.push(av);
    return av;
  }

  /** The VMA's anon_vma, created on first use (mirrors `anon_vma_prepare()`). */
  anonVmaPrepare(vma: Vma): AnonVma {
    if (vma.anonVma === null) {
      const av = this.newAnonVma();
      av.link(vma);
      vma.anonVma = av;
    }
    return vma.anonVma;
  }

  // ---- allocation by policy -----------------------------------------------------------------

  /** The node a CPU belongs to; a memory-only node never runs tasks. */
  cpuNode(cpu: number): number {
    return this.cpuToNode[cpu] ?? 0;
  }

  /** Where the last `policyTarget()` said to allocate (reused: the fault path allocates no object). */
  private readonly target: { nid: number; allowed: readonly boolean[] } = { nid: 0, allowed: [] };
  /** The last bind ∩ cpuset intersection, by policy and cpuset identity. */
  private bindPolicy: MemPolicy | null = null;
  private bindMems: readonly boolean[] | null = null;
  private bindAllowed: readonly boolean[] = [];

  /**
   * Preferred node and allowed nodes for a task allocating at `addr` of `vma` (mirrors
   * `policy_node()` + `policy_nodemask()`); the result is valid until the next call.
   */
  private policyTarget(task: Task, vma: Vma | null, addr: number, order: number): { nid: number; allowed: readonly boolean[] } {
    const policy: MemPolicy = vma?.policy ?? task.policy ?? DEFAULT_POLICY;
    const target = this.target;
    target.nid = this.cpuNode(task.cpu);
    target.allowed = task.mems;
    switch (policy.mode) {
      case MPOL_PREFERRED:
        target.nid = policy.nodes[0]!;
        break;
      case MPOL_BIND:
        // the local node's zonelist filtered by the bound nodes: the nearest bound node first; a
        // bind set the cpuset no longer allows falls back to the cpuset (`policy_nodemask()`)
        if (this.bindPolicy !== policy || this.bindMems !== task.mems) {
          const allowed = policy.allowed.map((ok, nid) => ok && task.mems[nid] === true);
          this.bindPolicy = policy;
          this.bindMems = task.mems;
          this.bindAllowed = allowed.some(Boolean) ? allowed : task.mems;
        }
        target.allowed = this.bindAllowed;
        break;
      case MPOL_INTERLEAVE:
        if (vma?.policy === policy) {
          const off = Math.floor(vma.linearPageIndex(addr) / 2 ** order);
          target.nid = policy.nodes[off % policy.nodes.length]!;
        } else {
          target.nid = policy.nodes[task.ilNext++ % policy.nodes.length]!;
        }
        break;
      default:
        break;
    }
    return target;
  }

  /** Allocates a zeroed user folio for a fault at `addr` by memory policy, charged to the task's memcg (NIL on failure). */
  allocUserFolio(task: Task, vma: Vma, addr: number, order: number): number {
    const target = this.policyTarget(task, vma, addr, order);
    return this.alloc.allocFolio(target.nid, order, GFP_HIGHUSER_MOVABLE, task.memcg, target.allowed);
  }

  /** Allocates a zeroed folio by the task's policy with no VMA (page cache writes through a file). */
  allocTaskFolio(task: Task, order: number): number {
    const target = this.policyTarget(task, null, 0, order);
    return this.alloc.allocFolio(target.nid, order, GFP_HIGHUSER_MOVABLE, task.memcg, target.allowed);
  }

  /** Nodes to try for a hugetlb fault, in order (policy first, then distance). */
  policyNodes(task: Task, vma: Vma, addr: number): number[] {
    const { nid, allowed } = this.policyTarget(task, vma, addr, HPAGE_PMD_ORDER);
    return this.alloc.zonelists[nid]!.filter((n) => allowed[n] === true);
  }

  /** Sets the task memory policy (mirrors `set_mempolicy(2)`); 0 or -EINVAL. */
  setMempolicy(task: Task, mode: number, nodes: readonly number[]): number {
    try {
      task.policy = mpolNew(mode, nodes, this.nrNodes);
      return 0;
    } catch (error) {
      if (KernelError.isInstance(error)) return -error.errno;
      throw error;
    }
  }

  /** The huge zero page (2 MiB of zeros on node 0), allocated on first use; NIL if memory is short. */
  hugeZeroPfn(): number {
    if (this.hugeZero === NIL) {
      const pfn = this.alloc.allocPages(0, HPAGE_PMD_ORDER, __GFP_ZERO | __GFP_THISNODE);
      if (pfn === NIL) return NIL;
      this.memmap.prepCompound(pfn, HPAGE_PMD_ORDER);
      this.memmap.flags[pfn]! |= PGF_zero | PGF_reserved | PGF_uptodate;
      this.memmap.refcount[pfn] = 1;
      this.hugeZero = pfn;
    }
    return this.hugeZero;
  }

  /** True for the zero page or the huge zero page. */
  isZeroPfn(pfn: number): boolean {
    return pfn === this.zeroPfn || (this.hugeZero !== NIL && pfn >= this.hugeZero && pfn < this.hugeZero + HPAGE_PMD_NR);
  }

  /** Faults in a range (MAP_POPULATE); 0 or -errno. */
  populateRange(mm: MmStruct, addr: number, length: number, write: boolean): number {
    return populateRange(mm, addr, length, write);
  }

  /**
   * A NUMA hinting fault: lets the NUMA balancing hook migrate the folio towards the task's node,
   * then makes the entry accessible again if it still is protnone (mirrors `do_numa_page()`).
   */
  async numaHintingFault(task: Task, folio: number, addr: number): Promise<void> {
    const target = this.cpuNode(task.cpu);
    if (this.phys.pfnToNid(folio) === target) this.vmstat.count('numa_hint_faults_local');
    else if (this.hooks.numaMisplaced !== undefined) await this.hooks.numaMisplaced(task, folio, target);
    const pt = task.mm.pageTable;
    const slot = pt.pteSlot(addr);
    if (slot >= 0 && (pt.bitsAt(slot) & PTE_PROTNONE) !== 0) {
      pt.setAt(slot, pt.pfnAt(slot), pt.bitsAt(slot) & ~PTE_PROTNONE);
      return;
    }
    const pmdStart = addr - (addr % (HPAGE_PMD_NR * PAGE_SIZE));
    const leaf = pt.pmdLeaf(pmdStart);
    if (leaf !== null && (leaf.bits & PTE_PROTNONE) !== 0) pt.setPmdLeaf(pmdStart, leaf.pfn, leaf.bits & ~PTE_PROTNONE);
  }
}

/** Builds a system (see `SystemConfig`). */
export function createSystem(config: SystemConfig): System {
  return new System(config);
}
