/**
 * The `host` preset: a short self-calibration on the running machine, timed with the wall clock
 * (the only place in the package that reads one, and only to produce parameter values):
 * - copy bandwidth: `copyPages()` of 2 MiB blocks between two data nodes (best of a few rounds);
 * - the real per-folio costs of this implementation: `move_pages()` of data-less 4 KiB, 64 KiB
 *   and 2 MiB folios along the vanilla path (copies are no-ops there, so the time is the
 *   metadata work), and a one-page call for the per-call cost; solved for `callNs`, `folioNs`,
 *   `pteNs` and `thpNs`.
 * Everything else (batch path, DMA, threads) has no host counterpart that could be timed
 * meaningfully on a laptop: those values come from `zen3-ptdma`, and their sources say so.
 */
import { availableParallelism } from 'node:os';
import { HPAGE_PMD_NR, PAGE_SIZE } from '@pagemig/folio';
import { createSystem } from '@pagemig/mm';
import { recordMovePagesRun } from './move-pages-run';
import { withParams, type Preset } from './preset';
import { getPreset } from './presets';

/** Options of `calibrateHost()`. */
export interface HostCalibrationOptions {
  /** Bytes copied per bandwidth round (default 64 MiB). */
  copyBytes?: number;
  /** Rounds of each measurement; the best counts (default 3). */
  rounds?: number;
  /** 4 KiB folios in the per-folio run (default 16384; the others scale from it). */
  folios?: number;
}

/** What was measured, in the units of the parameters. */
export interface HostMeasurements {
  copyGBps: number;
  callNs: number;
  folioNs: number;
  pteNs: number;
  thpNs: number;
  cores: number;
}

function best(values: number[]): number {
  return values.reduce((a, b) => Math.min(a, b), Infinity);
}

/** Measures copy bandwidth (GB/s) with `PhysMem.copyPages()` between two data nodes. */
export function measureCopyBandwidth(copyBytes = 64 << 20, rounds = 3): number {
  const nodeSize = Math.max(copyBytes, 4 << 20) + (8 << 20);
  const sys = createSystem({ nodes: [{ size: nodeSize }, { size: nodeSize }], sectionSize: 16 << 20 });
  const pages = Math.floor(copyBytes / PAGE_SIZE / HPAGE_PMD_NR) * HPAGE_PMD_NR;
  const src = sys.phys.nodeStartPfn[0]! + HPAGE_PMD_NR;
  const dst = sys.phys.nodeStartPfn[1]! + HPAGE_PMD_NR;
  sys.phys.materialize(src, pages);
  sys.phys.materialize(dst, pages);
  const times: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < pages; p += HPAGE_PMD_NR) sys.phys.copyPages(dst + p, src + p, HPAGE_PMD_NR);
    if (r > 0) times.push(Number(process.hrtime.bigint() - t0));
  }
  return (pages * PAGE_SIZE) / best(times);
}

/** Measures the per-call and per-folio costs of this implementation (ns). */
export async function measureFolioCosts(folios = 16384, rounds = 3): Promise<Omit<HostMeasurements, 'copyGBps' | 'cores'>> {
  const time = async (folioSize: number, count: number, calls: number): Promise<number> => {
    const run = await recordMovePagesRun({ folioSize, count, path: 'baseline', calls: calls + 1 });
    return best(run.wallNs.slice(1)); // the first call warms the JIT up
  };
  const callRuns: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  const n64 = Math.max(16, folios >> 4);
  const n2m = Math.max(4, folios >> 9);
  for (let r = 0; r < rounds; r++) {
    callRuns.push(await time(PAGE_SIZE, 1, 8));
    a.push(await time(PAGE_SIZE, folios, 2));
    b.push(await time(64 << 10, n64, 2));
    c.push(await time(2 << 20, n2m, 2));
  }
  const callNs = best(callRuns);
  const folioNs = Math.max(0, (best(a) - callNs) / folios);
  const pteNs = Math.max(0, ((best(b) - callNs) / n64 - folioNs) / 16);
  const thpNs = Math.max(0, (best(c) - callNs) / n2m - folioNs);
  return { callNs, folioNs, pteNs, thpNs };
}

/** Runs the self-calibration and returns the `host` preset (about a second or two). */
export async function calibrateHost(options: HostCalibrationOptions = {}): Promise<Preset & { measured: HostMeasurements }> {
  const rounds = options.rounds ?? 3;
  const copyGBps = measureCopyBandwidth(options.copyBytes ?? 64 << 20, rounds);
  const costs = await measureFolioCosts(options.folios ?? 16384, rounds);
  const cores = availableParallelism();
  const measured: HostMeasurements = { copyGBps, cores, ...costs };
  const base = getPreset('zen3-ptdma');
  const inherited = Object.fromEntries(
    Object.entries(base.params).map(([k, v]) => [k, { ...v, source: `assumption: no host counterpart; zen3-ptdma value (${v.source})` }]),
  ) as Preset['params'];
  let preset: Preset = {
    name: 'host',
    version: 1,
    description: 'Measured on the running machine by calibrateHost(): copy bandwidth and the per-call and per-folio costs of this implementation; batch-path, DMA and thread costs are zen3-ptdma values.',
    machine: `this host (${cores} logical CPUs, Node ${process.versions.node})`,
    device: base.device,
    params: inherited,
  };
  const r = (v: number) => Math.round(v * 100) / 100;
  preset = withParams(preset, { cpuCopyGBps: r(copyGBps), mtThreadGBps: r(copyGBps) }, 'measured: PhysMem.copyPages() of 2 MiB blocks, best of rounds');
  preset = withParams(preset, { callNs: r(costs.callNs) }, 'measured: move_pages() of one 4 KiB page, best of rounds');
  preset = withParams(preset, { folioNs: r(costs.folioNs) }, 'measured: move_pages() of data-less 4 KiB folios, per folio');
  preset = withParams(preset, { pteNs: r(costs.pteNs) }, 'measured: move_pages() of data-less 64 KiB folios, per PTE beyond the 4 KiB cost');
  preset = withParams(preset, { thpNs: r(costs.thpNs) }, 'measured: move_pages() of data-less 2 MiB folios, per THP beyond the 4 KiB cost');
  preset = withParams(preset, { warmNs: 0 }, 'assumption: no cold-start extra measured on the host');
  preset = withParams(preset, { cores: Math.min(4096, cores) }, 'measured: os.availableParallelism()');
  return { ...preset, measured };
}
