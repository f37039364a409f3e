/**
 * One measured move: the whole bench region to the other node with `move_pages(2)` semantics
 * (one address per folio, every target the same node), timed on the wall clock, then verified:
 * every page reports the target node, the bytes are unchanged, the memory invariants hold.
 */
import { PAGE_SIZE } from '@pagemig/folio';
import { MPOL_MF_MOVE, checkInvariants } from '@pagemig/mm';
import { movePages } from '@pagemig/migrate';
import { regionDigest, type BenchWorld } from './bench-world';

/** What one move measured. */
export interface MoveSample {
  ns: number;
  verified: boolean;
  /** Why verification failed, when it did. */
  problem: string | null;
}

/** How a move is split into `move_pages` calls (latency runs); by default one call moves the whole region. */
export interface MoveRegionOptions {
  /** Folios per `move_pages` call (the last call takes the rest). */
  foliosPerCall?: number;
  /** Called right before each call with the index of its first folio (latency probes stamp call starts). */
  onCall?: (firstFolio: number) => void;
}

/** Moves the region to the other node and checks it. */
export async function moveRegion(world: BenchWorld, options: MoveRegionOptions = {}): Promise<MoveSample> {
  const target = 1 - world.node;
  const count = world.total / world.folioSize;
  const pages = new Array<number>(count);
  for (let i = 0; i < count; i++) pages[i] = world.addr + i * world.folioSize;
  const nodes = new Array<number>(count).fill(target);
  const status = new Int32Array(count);
  const per = Math.max(1, Math.min(count, options.foliosPerCall ?? count));
  const calls: { first: number; pages: number[]; nodes: number[]; status: Int32Array }[] = [];
  for (let first = 0; first < count; first += per) {
    const end = Math.min(count, first + per);
    calls.push(per === count ? { first, pages, nodes, status } : { first, pages: pages.slice(first, end), nodes: nodes.slice(first, end), status: status.subarray(first, end) });
  }
  let rc = 0;
  const t0 = process.hrtime.bigint();
  for (const call of calls) {
    options.onCall?.(call.first);
    rc = await movePages(world.eng, world.task, 0, call.pages, call.nodes, call.status, MPOL_MF_MOVE);
    if (rc !== 0) break;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  world.node = target;
  let problem: string | null = null;
  if (rc !== 0) problem = `move_pages returned ${rc}`;
  else if (status.some((s) => s !== target)) problem = `${status.filter((s) => s !== target).length} folios did not reach node ${target}`;
  else if (regionDigest(world) !== world.digest) problem = 'the moved bytes differ from the original';
  else {
    const violations = checkInvariants(world.sys);
    if (violations.length > 0) problem = `invariant violated: ${violations[0]}`;
  }
  return { ns, verified: problem === null, problem };
}

/** Pages moved by one sample (for per-page costs). */
export function pagesMoved(world: BenchWorld): number {
  return world.total / PAGE_SIZE;
}
