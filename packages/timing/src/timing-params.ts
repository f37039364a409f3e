/**
 * The parameters of the cost model: one flat record of numbers with fixed units, and the table
 * that says for each one its unit, what it costs, and on which timeline it lands. Presets
 * (preset.ts) carry a value and a source for every key; the cost model only sees the numbers.
 */

/** Where a parameter's time is spent. */
export type ParamLane = 'cpu' | 'channel' | 'thread' | 'shared' | 'structure';

/** What the table says about one parameter. */
export interface ParamSpec {
  /** Unit of the value (`ns`, `ns/MiB`, `GB/s` = 1e9 bytes per second = 1 byte/ns, `count`, `fraction`, `folios`). */
  readonly unit: 'ns' | 'ns/MiB' | 'GB/s' | 'count' | 'fraction' | 'folios';
  /** The timeline that pays it. */
  readonly lane: ParamLane;
  /** One line: what it is. */
  readonly doc: string;
  /** Lowest and highest value a preset may give (inclusive). */
  readonly min: number;
  readonly max: number;
}

/** Every parameter of the model, in the order presets and tables list them. */
export const PARAM_SPECS = {
  callNs: { unit: 'ns', lane: 'cpu', doc: 'per migrate_pages() call (move_pages entry, lru_add_drain_all, list setup)', min: 0, max: 1e7 },
  warmNs: { unit: 'ns/MiB', lane: 'cpu', doc: 'cold-start extra per MiB of the first folio of a call, decaying over warmFolios', min: 0, max: 1e7 },
  warmFolios: { unit: 'folios', lane: 'cpu', doc: 'decay length of the cold-start extra (folio i of a call pays warmNs*MiB*exp(-i/warmFolios))', min: 0.01, max: 1e6 },
  folioNs: { unit: 'ns', lane: 'cpu', doc: 'per folio unmap + move (lock, rmap walk, migration entry, remap, LRU) of an order-0 folio', min: 0, max: 1e6 },
  pteNs: { unit: 'ns', lane: 'cpu', doc: 'per PTE of a PTE-mapped large folio (mTHP), unmap + remap', min: 0, max: 1e5 },
  thpNs: { unit: 'ns', lane: 'cpu', doc: 'extra per PMD-mapped THP (order 9) unmap + move', min: 0, max: 1e7 },
  unmapShare: { unit: 'fraction', lane: 'cpu', doc: 'share of the per-folio cost paid at unmap (the rest at move)', min: 0, max: 1 },
  tlbFlushNs: { unit: 'ns', lane: 'cpu', doc: 'per TLB flush (local part)', min: 0, max: 1e6 },
  tlbIpiNs: { unit: 'ns', lane: 'cpu', doc: 'per IPI of a TLB flush (remote CPU)', min: 0, max: 1e6 },
  cpuCopyGBps: { unit: 'GB/s', lane: 'cpu', doc: 'single-core copy bandwidth of folio_mc_copy()', min: 0.01, max: 1e4 },
  batchNs: { unit: 'ns', lane: 'cpu', doc: 'per batch copy dispatched through the seam (lists to arrays, static call, accounting)', min: 0, max: 1e7 },
  cores: { unit: 'count', lane: 'structure', doc: 'emulated CPU cores: copy threads beyond it share cores', min: 1, max: 4096 },
  dmaChanNs: { unit: 'ns', lane: 'cpu', doc: 'per DMA channel per batch on the CPU (request, sg tables, map/unmap, terminate, release)', min: 0, max: 1e7 },
  descSubmitNs: { unit: 'ns', lane: 'cpu', doc: 'per DMA descriptor on the CPU (prep + submit)', min: 0, max: 1e6 },
  issueNs: { unit: 'ns', lane: 'cpu', doc: 'per dma_async_issue_pending() (doorbell write)', min: 0, max: 1e6 },
  descExecNs: { unit: 'ns', lane: 'channel', doc: 'per descriptor on the channel (fetch, decode, status write)', min: 0, max: 1e6 },
  dmaPageNs: { unit: 'ns', lane: 'channel', doc: 'per 4 KiB page of a descriptor whose length is not a multiple of 2 MiB (IOTLB fills)', min: 0, max: 1e5 },
  chanGBps: { unit: 'GB/s', lane: 'channel', doc: 'bandwidth of one DMA channel', min: 0.01, max: 1e4 },
  dmaLanesPerPort: { unit: 'count', lane: 'structure', doc: 'DMA channels that share one port (in the order channels are first used)', min: 1, max: 1024 },
  dmaPortGBps: { unit: 'GB/s', lane: 'shared', doc: 'bandwidth of one DMA port, shared by its busy channels', min: 0.01, max: 1e4 },
  ringDepth: { unit: 'count', lane: 'structure', doc: 'descriptor ring entries per channel (modelled device; informational for the model)', min: 1, max: 65536 },
  wakeNs: { unit: 'ns', lane: 'cpu', doc: 'completion latency: last channel/thread done to the waiting task running again', min: 0, max: 1e7 },
  mtDispatchNs: { unit: 'ns', lane: 'cpu', doc: 'per multi-threaded batch on the CPU (split, queue work)', min: 0, max: 1e7 },
  mtSliceNs: { unit: 'ns', lane: 'thread', doc: 'per copy thread per batch (wake-up and start of the worker)', min: 0, max: 1e7 },
  mtThreadGBps: { unit: 'GB/s', lane: 'thread', doc: 'copy bandwidth of one copy thread', min: 0.01, max: 1e4 },
  mtLanesPerPort: { unit: 'count', lane: 'structure', doc: 'copy threads that share one port (by thread index)', min: 1, max: 1024 },
  mtPortGBps: { unit: 'GB/s', lane: 'shared', doc: 'bandwidth of one thread port, shared by its busy threads', min: 0.01, max: 1e4 },
  memGBps: { unit: 'GB/s', lane: 'shared', doc: 'aggregate memory/interconnect bandwidth shared by every busy channel and thread', min: 0.01, max: 1e5 },
} as const satisfies Record<string, ParamSpec>;

/** A parameter name. */
export type ParamName = keyof typeof PARAM_SPECS;

/** The numbers the cost model runs on (units as in `PARAM_SPECS`). */
export type TimingParams = { -readonly [K in ParamName]: number };

/** Every parameter name, in table order. */
export const PARAM_NAMES = Object.keys(PARAM_SPECS) as ParamName[];
