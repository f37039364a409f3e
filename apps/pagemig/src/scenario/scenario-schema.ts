/**
 * The scenario file format of `pagemig run` and `pagemig shell`, as a zod schema: the system
 * (nodes, distances, THP), processes with their regions and workload threads, the migration
 * driver steps, the migrator set-up, sysfs writes, fault injection and an optional timing preset.
 * Every object is strict (an unknown field is an error that lists the accepted ones), sizes take
 * `4096`, `64K`, `2M`, ... and the cross-field rules (node ids, CPUs, region names, THP settings)
 * are checked after the shapes, each with the path of the field that breaks them.
 */
import { z } from 'zod';
import { DMA_FAULT_KINDS, type DmaFaultKind } from '@pagemig/dmaengine';
import { HPAGE_PMD_SIZE, MIGRATE_REASON_NAMES, PAGE_SIZE, formatSize, parseSize } from '@pagemig/folio';

/** An object that rejects unknown fields and says which ones it accepts. */
function obj<T extends z.ZodRawShape>(shape: T) {
  const accepted = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field; accepted: ${accepted}` : undefined),
  });
}

/** A size in bytes: a whole number or `4K`, `64K`, `2M`, `1G` (binary units). */
export const sizeSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  let bytes: number;
  try {
    bytes = typeof value === 'number' ? value : parseSize(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `size ${JSON.stringify(value)} is not accepted: give bytes or a size such as 4K, 64K, 2M, 1G` });
    return z.NEVER;
  }
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    ctx.addIssue({ code: 'custom', message: `size ${JSON.stringify(value)} is not accepted: give a positive whole number of bytes or a size such as 64K, 2M` });
    return z.NEVER;
  }
  return bytes;
});

const nodeId = z.number().int().min(0).max(63);
const nodeList = z.array(nodeId).min(1);
const thpSetting = z.enum(['always', 'madvise', 'never']);
const mthpSetting = z.enum(['always', 'madvise', 'never', 'inherit']);
const seed = z.number().int().min(0).max(0xffffffff);

/** Region kinds: private anonymous memory (base pages, THP, mTHP), shared memory, a page-cache file, hugetlb. */
export const REGION_KINDS = ['anon', 'thp', 'mthp', 'shmem', 'file', 'hugetlb'] as const;
/** Access patterns of a workload thread. */
export const ACCESS_PATTERNS = ['seq-read', 'seq-write', 'rand-read', 'rand-write'] as const;
/** Memory policy modes a region may have. */
export const POLICY_MODES = ['default', 'local', 'preferred', 'bind', 'interleave'] as const;

const policySchema = obj({
  mode: z.enum(POLICY_MODES),
  nodes: z.array(nodeId).default([]),
});

const fillSchema = z.union([
  z.enum(['pattern', 'zero', 'random']),
  obj({ byte: z.number().int().min(0).max(255) }),
]);

const regionSchema = obj({
  name: z.string().min(1).max(64),
  kind: z.enum(REGION_KINDS),
  size: sizeSchema,
  /** mTHP folio size (mthp regions only), e.g. `64K`. */
  folioSize: sizeSchema.optional(),
  policy: policySchema.optional(),
  /** Fill under a temporary bind to this node, then go back to the region's policy. */
  initialNode: nodeId.optional(),
  fill: fillSchema.default('pattern'),
  /** After the fill, MADV_DONTNEED every n-th base page (free memory with holes: fragmentation). */
  holes: obj({ every: z.number().int().min(2).max(1 << 20) }).optional(),
});

const threadSchema = obj({
  name: z.string().min(1).max(64).optional(),
  cpu: z.number().int().min(0),
  region: z.string().min(1),
  pattern: z.enum(ACCESS_PATTERNS),
  /** Operations to run (the duration of the thread, in operations). */
  ops: z.number().int().min(1).max(10_000_000),
  /** Bytes per operation: a power of two from 1 to 4096 (one operation never crosses a page). */
  opSize: z.number().int().min(1).max(PAGE_SIZE).default(64),
  seed: seed.default(1),
});

const processSchema = obj({
  name: z.string().min(1).max(15),
  cpu: z.number().int().min(0).default(0),
  memcg: z.string().min(1).max(64).optional(),
  mems: nodeList.optional(),
  regions: z.array(regionSchema).default([]),
  threads: z.array(threadSchema).default([]),
});

const nodeSchema = obj({
  size: sizeSchema,
  kind: z.enum(['DRAM', 'CXL', 'HBM', 'PMEM']).default('DRAM'),
  cpus: z.number().int().min(0).max(32).optional(),
  hugepages: z.number().int().min(0).default(0),
  dataless: z.boolean().default(false),
});

const systemSchema = obj({
  nodes: z.array(nodeSchema).min(1).max(16),
  distance: z.array(z.array(z.number().int())).optional(),
  thp: obj({
    enabled: thpSetting.default('madvise'),
    sizes: z.record(z.string(), mthpSetting).default({}),
  }).default({ enabled: 'madvise', sizes: {} }),
  sectionSize: sizeSchema.optional(),
});

const movePagesStep = obj({
  kind: z.literal('move_pages'),
  process: z.string(),
  region: z.string(),
  /** Target nodes, visited in order each round (two nodes = ping-pong). */
  nodes: nodeList,
  rounds: z.number().int().min(1).max(10_000).default(1),
  flags: z.enum(['move', 'move_all']).default('move'),
});
const migratePagesStep = obj({
  kind: z.literal('migrate_pages'),
  process: z.string(),
  from: nodeList,
  to: nodeList,
  rounds: z.number().int().min(1).max(10_000).default(1),
});
const promotionStep = obj({
  kind: z.literal('numa_promotion'),
  process: z.string(),
  /** Only this region is scanned (default: the whole address space). */
  region: z.string().optional(),
  /** NUMA hinting scans (`task_numa_work()` rounds). */
  scans: z.number().int().min(1).max(10_000).default(4),
  /** Workload operations to wait for between two scans. */
  opsBetweenScans: z.number().int().min(0).max(10_000_000).default(256),
});
const demotionStep = obj({
  kind: z.literal('demotion'),
  node: nodeId,
  /** Base pages to demote per round (default: all of the node). */
  pages: z.number().int().min(1).optional(),
  rounds: z.number().int().min(1).max(10_000).default(1),
});
const compactionStep = obj({
  kind: z.literal('compaction'),
  node: nodeId,
  /** Base pages per `migrate_pages()` call (COMPACT_CLUSTER_MAX, 32 upstream). */
  clusterMax: z.number().int().min(1).max(262_144).default(32),
  mode: z.enum(['async', 'sync_light', 'sync']).default('sync_light'),
  /** Stop once a free block of this order exists (default: compact the whole node). */
  order: z.number().int().min(-1).max(10).default(-1),
});
const offlineStep = obj({
  kind: z.literal('offline'),
  node: nodeId,
  /** Byte offset of the range in the node (a multiple of 2M). */
  offset: z.union([z.number(), z.string()]).transform((v, ctx) => {
    try {
      return typeof v === 'number' ? v : parseSize(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `offset ${JSON.stringify(v)} is not accepted: give bytes or a size such as 32M` });
      return z.NEVER;
    }
  }),
  size: sizeSchema,
  /** Put the range back online afterwards (default true). */
  online: z.boolean().default(true),
});

/** The kinds of driver step. */
export const DRIVER_KINDS = ['move_pages', 'migrate_pages', 'numa_promotion', 'demotion', 'compaction', 'offline'] as const;

const stepSchema = z.discriminatedUnion('kind', [movePagesStep, migratePagesStep, promotionStep, demotionStep, compactionStep, offlineStep], {
  error: (iss) => {
    if (iss.code !== 'invalid_union') return undefined;
    const input = iss.input as { kind?: unknown } | undefined;
    const kind = typeof input === 'object' && input !== null ? input.kind : undefined;
    return `driver kind ${JSON.stringify(kind ?? null)} is not accepted: give one of ${DRIVER_KINDS.join(', ')}`;
  },
});

const hintSchema = z.enum(['default', 'prefer', 'never']);
const reasonNames = MIGRATE_REASON_NAMES as readonly string[];

const migratorSchema = obj({
  kind: z.enum(['none', 'mtcopy', 'dcbm']).default('none'),
  /** mtcopy copy threads. */
  threads: z.number().int().min(1).max(64).default(2),
  /** dcbm DMA channels (and the software DMA device's channel count). */
  channels: z.number().int().min(1).max(16).default(1),
  /** Reasons offloaded: trace names (`compaction`, `demotion`, ...), `all` or `none` (default: the V5 set). */
  reasonMask: z.union([z.enum(['all', 'none']), z.array(z.string())]).optional(),
  /** Per-reason offload hints, e.g. `{ compaction: never }`. */
  hints: z.record(z.string(), hintSchema).default({}),
  retrySemantics: z.enum(['v5', 'v6']).default('v5'),
  /** NR_MAX_BATCHED_MIGRATION in base pages (512 upstream .. 262144 with patch 7). */
  batchLimit: z.number().int().min(512).max(262_144).default(512),
  batchingPolicy: z.enum(['gated', 'always']).default('always'),
});

const dmaFaultSchema = obj({
  kind: z.enum(DMA_FAULT_KINDS as unknown as [DmaFaultKind, ...DmaFaultKind[]]),
  nth: z.union([z.number().int().min(1), z.array(z.number().int().min(1)).min(1)]).optional(),
  every: z.number().int().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
  times: z.number().int().min(1).optional(),
  channel: z.number().int().min(0).optional(),
  bytes: z.number().int().min(0).optional(),
  stallMs: z.number().int().min(0).optional(),
});

const faultsSchema = obj({
  /** `/sys/kernel/debug/fail_page_alloc/` knobs. */
  failPageAlloc: obj({
    probability: z.number().int().min(0).max(100).optional(),
    interval: z.number().int().min(1).optional(),
    times: z.number().int().min(-1).optional(),
    space: z.number().int().min(0).optional(),
    seed: seed.optional(),
  }).optional(),
  /** Fault rules of the software DMA device (dcbm). */
  dma: z.array(dmaFaultSchema).default([]),
});

const sysfsWriteSchema = obj({
  path: z.string().startsWith('/'),
  value: z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v))),
});

/** The whole scenario (before the cross-field checks). */
export const scenarioShape = obj({
  name: z.string().min(1).max(80).optional(),
  description: z.string().optional(),
  seed: seed.default(1),
  system: systemSchema,
  processes: z.array(processSchema).default([]),
  /** One step, or a list run in order. */
  driver: z.preprocess((d) => (d === undefined || d === null ? [] : Array.isArray(d) ? d : [d]), z.array(stepSchema)),
  migrator: migratorSchema.default({
    kind: 'none',
    threads: 2,
    channels: 1,
    hints: {},
    retrySemantics: 'v5',
    batchLimit: 512,
    batchingPolicy: 'always',
  }),
  sysfs: z.array(sysfsWriteSchema).default([]),
  faults: faultsSchema.default({ dma: [] }),
  timing: obj({ preset: z.string().min(1) }).optional(),
});

/** A parsed scenario. */
export type Scenario = z.output<typeof scenarioShape>;
/** One driver step. */
export type DriverStep = Scenario['driver'][number];
/** One process. */
export type ProcessSpec = Scenario['processes'][number];
/** One region. */
export type RegionSpec = ProcessSpec['regions'][number];
/** One workload thread. */
export type ThreadSpec = ProcessSpec['threads'][number];

type Path = (string | number)[];
type AddIssue = (path: Path, message: string) => void;

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
const MTHP_SIZES = [16, 32, 64, 128, 256, 512, 1024].map((k) => k * 1024);

/** The cross-field rules: everything that refers to a node, a CPU, a region or a process must exist. */
function checkReferences(s: Scenario, add: AddIssue): void {
  const nrNodes = s.system.nodes.length;
  const node = (path: Path, nid: number) => {
    if (nid >= nrNodes) add(path, `node ${nid} is not accepted: the system has nodes 0..${nrNodes - 1}`);
  };
  const cpusPerNode = s.system.nodes.map((n) => n.cpus ?? (n.kind === 'CXL' ? 0 : 2));
  if (!cpusPerNode.some((c) => c > 0)) cpusPerNode[0] = 1;
  const nrCpus = cpusPerNode.reduce((a, b) => a + b, 0);
  const cpu = (path: Path, c: number) => {
    if (c >= nrCpus) add(path, `cpu ${c} is not accepted: the system has cpus 0..${nrCpus - 1}`);
  };
  s.system.nodes.forEach((n, i) => {
    if (n.size < 4 << 20 || n.size % (4 << 20) !== 0) add(['system', 'nodes', i, 'size'], `node size ${formatSize(n.size)} is not accepted: give a multiple of 4M`);
    if (n.hugepages * HPAGE_PMD_SIZE > n.size / 2) add(['system', 'nodes', i, 'hugepages'], `${n.hugepages} hugepages do not fit: give at most half the node (${Math.floor(n.size / 2 / HPAGE_PMD_SIZE)})`);
  });
  const d = s.system.distance;
  if (d !== undefined) {
    const ok = d.length === nrNodes && d.every((row, i) => row.length === nrNodes && row.every((v, j) => (i === j ? v === 10 : v >= 11 && v <= 254)));
    if (!ok) add(['system', 'distance'], `distance table is not accepted: give ${nrNodes}x${nrNodes} integers, 10 on the diagonal and 11..254 elsewhere`);
  }
  if (s.system.sectionSize !== undefined && (!isPow2(s.system.sectionSize) || s.system.sectionSize < 4 << 20)) {
    add(['system', 'sectionSize'], `section size ${formatSize(s.system.sectionSize)} is not accepted: give a power of two of at least 4M`);
  }
  for (const [size] of Object.entries(s.system.thp.sizes)) {
    let bytes = -1;
    try {
      bytes = parseSize(size);
    } catch {
      /* reported below */
    }
    if (![...MTHP_SIZES, HPAGE_PMD_SIZE].includes(bytes)) {
      add(['system', 'thp', 'sizes', size], `mTHP size ${JSON.stringify(size)} is not accepted: give one of ${[...MTHP_SIZES, HPAGE_PMD_SIZE].map(formatSize).join(', ')}`);
    }
  }
  const thpOn = (bytes: number): boolean => {
    const own = Object.entries(s.system.thp.sizes).find(([k]) => {
      try {
        return parseSize(k) === bytes;
      } catch {
        return false;
      }
    })?.[1];
    const setting = own ?? (bytes === HPAGE_PMD_SIZE ? 'inherit' : 'never');
    return (setting === 'inherit' ? s.system.thp.enabled : setting) !== 'never';
  };
  const names = new Set<string>();
  s.processes.forEach((p, pi) => {
    const at = (...rest: Path): Path => ['processes', pi, ...rest];
    if (names.has(p.name)) add(at('name'), `process name ${JSON.stringify(p.name)} is used twice: give each process its own name`);
    names.add(p.name);
    cpu(at('cpu'), p.cpu);
    p.mems?.forEach((nid, i) => node(at('mems', i), nid));
    const regions = new Set<string>();
    p.regions.forEach((r, ri) => {
      const rat = (...rest: Path): Path => at('regions', ri, ...rest);
      if (regions.has(r.name)) add(rat('name'), `region name ${JSON.stringify(r.name)} is used twice in process ${p.name}`);
      regions.add(r.name);
      const unit = r.kind === 'hugetlb' || r.kind === 'thp' ? HPAGE_PMD_SIZE : PAGE_SIZE;
      if (r.size % unit !== 0) add(rat('size'), `size ${formatSize(r.size)} is not accepted for a ${r.kind} region: give a multiple of ${formatSize(unit)}`);
      if (r.size > 1 << 30) add(rat('size'), `size ${formatSize(r.size)} is not accepted: give at most 1G per region`);
      if (r.kind === 'mthp') {
        if (r.folioSize === undefined) add(rat('folioSize'), `an mthp region needs folioSize: give one of ${MTHP_SIZES.map(formatSize).join(', ')}`);
        else if (!MTHP_SIZES.includes(r.folioSize)) add(rat('folioSize'), `folioSize ${formatSize(r.folioSize)} is not accepted: give one of ${MTHP_SIZES.map(formatSize).join(', ')}`);
        else if (!thpOn(r.folioSize)) add(rat('folioSize'), `folioSize ${formatSize(r.folioSize)} needs system.thp.sizes.${formatSize(r.folioSize)} set to always or madvise`);
        else if (r.size % r.folioSize !== 0) add(rat('size'), `size ${formatSize(r.size)} is not accepted: give a multiple of the folio size ${formatSize(r.folioSize)}`);
      } else if (r.folioSize !== undefined) {
        add(rat('folioSize'), `folioSize applies to mthp regions only (this region is ${r.kind})`);
      }
      if (r.kind === 'thp' && !thpOn(HPAGE_PMD_SIZE)) add(rat('kind'), 'a thp region needs system.thp.enabled (or sizes.2M) set to always or madvise');
      if (r.kind === 'hugetlb' && r.holes !== undefined) add(rat('holes'), 'holes are not accepted in a hugetlb region');
      if (r.policy !== undefined) {
        const needsNodes = r.policy.mode === 'bind' || r.policy.mode === 'interleave' || r.policy.mode === 'preferred';
        if (needsNodes && r.policy.nodes.length === 0) add(rat('policy', 'nodes'), `a ${r.policy.mode} policy needs at least one node`);
        if (!needsNodes && r.policy.nodes.length > 0) add(rat('policy', 'nodes'), `a ${r.policy.mode} policy takes no nodes`);
        if (r.policy.mode === 'preferred' && r.policy.nodes.length > 1) add(rat('policy', 'nodes'), 'a preferred policy takes exactly one node');
        r.policy.nodes.forEach((nid, i) => node(rat('policy', 'nodes', i), nid));
      }
      if (r.initialNode !== undefined) node(rat('initialNode'), r.initialNode);
    });
    p.threads.forEach((t, ti) => {
      const tat = (...rest: Path): Path => at('threads', ti, ...rest);
      cpu(tat('cpu'), t.cpu);
      if (!regions.has(t.region)) add(tat('region'), `region ${JSON.stringify(t.region)} is not a region of process ${p.name}: give one of ${[...regions].join(', ') || '(none)'}`);
      if (!isPow2(t.opSize)) add(tat('opSize'), `opSize ${t.opSize} is not accepted: give a power of two from 1 to 4096`);
      const region = p.regions.find((r) => r.name === t.region);
      if (region !== undefined && t.opSize > region.size) add(tat('opSize'), `opSize ${t.opSize} is larger than region ${region.name}`);
    });
  });
  const proc = (path: Path, name: string) => {
    const p = s.processes.find((x) => x.name === name);
    if (p === undefined) add(path, `process ${JSON.stringify(name)} is not in the scenario: give one of ${s.processes.map((x) => x.name).join(', ') || '(none)'}`);
    return p;
  };
  s.driver.forEach((step, i) => {
    const at = (...rest: Path): Path => ['driver', i, ...rest];
    switch (step.kind) {
      case 'move_pages': {
        const p = proc(at('process'), step.process);
        if (p !== undefined && !p.regions.some((r) => r.name === step.region)) add(at('region'), `region ${JSON.stringify(step.region)} is not a region of process ${p.name}`);
        step.nodes.forEach((nid, j) => node(at('nodes', j), nid));
        break;
      }
      case 'migrate_pages':
        proc(at('process'), step.process);
        step.from.forEach((nid, j) => node(at('from', j), nid));
        step.to.forEach((nid, j) => node(at('to', j), nid));
        break;
      case 'numa_promotion': {
        const p = proc(at('process'), step.process);
        if (p !== undefined && step.region !== undefined && !p.regions.some((r) => r.name === step.region)) add(at('region'), `region ${JSON.stringify(step.region)} is not a region of process ${p.name}`);
        break;
      }
      case 'demotion':
      case 'compaction':
        node(at('node'), step.node);
        break;
      case 'offline': {
        node(at('node'), step.node);
        const n = s.system.nodes[step.node];
        if (step.offset % HPAGE_PMD_SIZE !== 0 || step.offset < 0) add(at('offset'), `offset ${step.offset} is not accepted: give a multiple of 2M`);
        if (step.size % HPAGE_PMD_SIZE !== 0) add(at('size'), `size ${formatSize(step.size)} is not accepted: give a multiple of 2M`);
        if (n !== undefined && step.offset + step.size > n.size) add(at('size'), `the range ends past node ${step.node} (${formatSize(n.size)})`);
        break;
      }
    }
  });
  const m = s.migrator;
  if (Array.isArray(m.reasonMask)) {
    m.reasonMask.forEach((r, i) => {
      if (!reasonNames.includes(r)) add(['migrator', 'reasonMask', i], `reason ${JSON.stringify(r)} is not accepted: give one of ${reasonNames.join(', ')}`);
    });
  }
  for (const r of Object.keys(m.hints)) {
    if (!reasonNames.includes(r)) add(['migrator', 'hints', r], `reason ${JSON.stringify(r)} is not accepted: give one of ${reasonNames.join(', ')}`);
  }
  s.faults.dma.forEach((f, i) => {
    if (f.nth === undefined && f.every === undefined && f.probability === undefined) {
      add(['faults', 'dma', i], 'a DMA fault needs a selector: give nth, every or probability');
    }
  });
  if (s.faults.dma.length > 0 && m.kind !== 'dcbm') add(['faults', 'dma'], 'DMA faults need the dcbm migrator (migrator.kind: dcbm)');
}

/** The full schema: shapes, then cross-field references. */
export const scenarioSchema = scenarioShape.superRefine((s, ctx) => {
  checkReferences(s, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
});
