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

/** Moves the region to the other node and checks it. */
export async function moveRegion(world: BenchWorld): Promise<MoveSample> {
  const target = 1 - world.node;
  const count = world.total / world.folioSize;
  const pages = new Array<number>(count);
  for (let i = 0; i < count; i++) pages[i] = world.addr + i * world.folioSize;
  const nodes = new Array<number>(count).fill(target);
  const status = new Int32Array(count);
  const t0 = process.hrtime.bigint();
  const rc = await movePages(world.eng, world.task, 0, pages, nodes, status, MPOL_MF_MOVE);
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
