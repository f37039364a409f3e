/**
 * The raw single-thread copy bandwidth of this host on the same node memory the migrations use
 * (`TypedArray.set` between a buffer of each node): the yardstick every bench row is divided by.
 */
import type { System } from '@pagemig/mm';

/** Best of `rounds` copies of `bytes` from node 0 to node 1 in `chunk`-byte pieces, in GB/s. */
export function hostCopyGBps(sys: System, chunk: number, bytes: number, rounds = 3): number {
  const phys = sys.phys;
  // the last section of each node, as far as the node reaches into it
  const region = (nid: number) => {
    const end = phys.nodeStartPfn[nid]! + phys.nodeNrPages[nid]!;
    const start = Math.floor((end - 1) / phys.sectionPages) * phys.sectionPages;
    phys.materialize(start, end - start);
    return phys.bytes(start, end - start)!;
  };
  const src = region(0);
  const dst = region(1);
  const span = Math.min(bytes, src.length, dst.length);
  let best = 0;
  for (let round = 0; round <= rounds; round++) {
    const t0 = process.hrtime.bigint();
    for (let off = 0; off + chunk <= span; off += chunk) dst.set(src.subarray(off, off + chunk), off);
    const ns = Number(process.hrtime.bigint() - t0);
    if (round > 0) best = Math.max(best, span / ns);
  }
  return best;
}
