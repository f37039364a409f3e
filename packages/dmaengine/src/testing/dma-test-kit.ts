/**
 * Test support (not exported from the package): a two-node memory, seeded fills, checksums
 * and a tracepoint recorder.
 */
import { Prng } from '@pagemig/kernel';
import { PAGE_SIZE } from '@pagemig/folio';
import { PhysMem } from '@pagemig/mm';
import type { DmaEngine } from '../dma-engine';

/** Two DRAM nodes of `mib` MiB each, with 4 MiB sections (small SharedArrayBuffers). */
export function twoNodes(mib = 8): PhysMem {
  return new PhysMem([{ size: mib << 20 }, { size: mib << 20 }], 4 << 20);
}

/** Physical address of byte `offset` of node `nid`. */
export function nodeAddr(phys: PhysMem, nid: number, offset = 0): number {
  return (phys.nodeStartPfn[nid] as number) * PAGE_SIZE + offset;
}

/** Writes `len` seeded random bytes at `addr` and returns them. */
export function fillRandom(phys: PhysMem, addr: number, len: number, seed: number): Uint8Array {
  const prng = new Prng(seed);
  const data = new Uint8Array(len);
  for (let i = 0; i < len; i += 4) {
    const v = prng.nextU32();
    data[i] = v & 0xff;
    if (i + 1 < len) data[i + 1] = (v >>> 8) & 0xff;
    if (i + 2 < len) data[i + 2] = (v >>> 16) & 0xff;
    if (i + 3 < len) data[i + 3] = v >>> 24;
  }
  phys.write(addr, data);
  return data;
}

/** FNV-1a 32-bit checksum of bytes. */
export function checksum(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

/** Checksum of `len` bytes of memory at `addr`. */
export function memChecksum(phys: PhysMem, addr: number, len: number): number {
  const out = new Uint8Array(len);
  phys.read(addr, out);
  return checksum(out);
}

/** Reads `len` bytes at `addr`. */
export function readMem(phys: PhysMem, addr: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  phys.read(addr, out);
  return out;
}


/** One recorded tracepoint event. */
export interface TraceEvent {
  readonly name: string;
  readonly payload: Record<string, unknown>;
}

/** Records the engine's three tracepoints; returns the list and the stop function. */
export function recordDmaTrace(engine: DmaEngine): { events: TraceEvent[]; stop: () => void } {
  const events: TraceEvent[] = [];
  const offs = [
    engine.tp.dmaDescSubmit.subscribe((p) => events.push({ name: 'dma_desc_submit', payload: { ...p } })),
    engine.tp.dmaIssuePending.subscribe((p) => events.push({ name: 'dma_issue_pending', payload: { ...p } })),
    engine.tp.dmaDescComplete.subscribe((p) => events.push({ name: 'dma_desc_complete', payload: { ...p } })),
  ];
  return { events, stop: () => offs.forEach((off) => off()) };
}
