/**
 * Test support (not exported from the package): a two-node system, mapped anonymous folios of
 * chosen orders filled with seeded bytes, a migration pass (isolate → migratePages → putback)
 * and a check that every folio still holds its bytes, plus unmapped folio pairs for driving
 * `offloadCopy()` directly.
 */
import { createHash } from 'node:crypto';
import { Prng } from '@pagemig/kernel';
import { HPAGE_PMD_ORDER, PAGE_SIZE, formatSize, type MigrateMode, type MigrateReason } from '@pagemig/folio';
import {
  FolioList,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MTHP_ORDERS,
  NO_MEMCG,
  PROT_READ,
  PROT_WRITE,
  createSystem,
  translate,
  type System,
  type Task,
} from '@pagemig/mm';
import { allocOnNode, isolateFolioForMigration, migratePages, putbackMovablePages, type MigrateEngine, type MigratePagesResult } from '@pagemig/migrate';

/** Two DRAM nodes of `mib` MiB each with 16 MiB sections and every mTHP size off. */
export function twoNodeSystem(mib = 96): System {
  const sizes: Record<string, 'never'> = {};
  for (const order of [...MTHP_ORDERS, HPAGE_PMD_ORDER]) sizes[formatSize(PAGE_SIZE << order)] = 'never';
  return createSystem({ nodes: [{ size: mib << 20 }, { size: mib << 20 }], sectionSize: 16 << 20, thp: { enabled: 'always', sizes } });
}

/** sha1 of bytes (hex). */
export function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Fills `len` bytes at physical address `addr` with seeded random bytes; returns their sha1. */
export function fillSeeded(sys: System, addr: number, len: number, seed: number): string {
  const prng = new Prng(seed);
  const data = new Uint8Array(len);
  const words = new Uint32Array(data.buffer);
  for (let i = 0; i < words.length; i++) words[i] = prng.nextU32();
  sys.phys.write(addr, data);
  return sha1(data);
}

/** sha1 of the bytes of folio `head`. */
export function folioSum(sys: System, head: number): string {
  const out = new Uint8Array(sys.memmap.folioNrPages(head) * PAGE_SIZE);
  sys.phys.read(head * PAGE_SIZE, out);
  return sha1(out);
}

/** One mapped folio of a test: where it is mapped, its size and the sha1 of its bytes. */
export interface MappedFolio {
  addr: number;
  order: number;
  sum: string;
}

/** Mapped anonymous folios of one task, laid out at aligned addresses from 1 GiB up. */
export interface MappedSet {
  sys: System;
  task: Task;
  folios: MappedFolio[];
}

let nextBase = 0x4000_0000;

/**
 * Maps one private anonymous folio per entry of `orders` (0 and 2..9: the anonymous THP/mTHP
 * orders) in a new task on node 0 and fills each with seeded bytes. A folio that could not be
 * had at its order (fragmentation) is kept at the order it got.
 */
export function mapFolios(sys: System, orders: readonly number[], seed: number, task = sys.createTask({ cpu: 0 })): MappedSet {
  const folios: MappedFolio[] = [];
  orders.forEach((order, i) => {
    const bytes = PAGE_SIZE << order;
    for (const o of [...MTHP_ORDERS, HPAGE_PMD_ORDER]) sys.setMthp(formatSize(PAGE_SIZE << o), o === order ? 'always' : 'never');
    const addr = Math.ceil(nextBase / (2 << 20)) * (2 << 20);
    nextBase = addr + Math.max(bytes, 2 << 20);
    const got = task.mm.mmap(addr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    if (got !== addr) throw new Error(`mapFolios: mmap failed with ${got}`);
    const rc = task.mm.populate(addr, bytes, true);
    if (rc !== 0) throw new Error(`mapFolios: populate failed with ${rc}`);
    const head = sys.memmap.compoundHead(translate(task.mm, addr, false));
    const actual = sys.memmap.folioOrder(head);
    const sum = fillSeeded(sys, head * PAGE_SIZE, PAGE_SIZE << actual, seed * 1000 + i);
    folios.push({ addr, order: actual, sum });
  });
  return { sys, task, folios };
}

/** Maps `count` 4 KiB folios in one private anonymous mapping, each filled with its own seeded bytes. */
export function mapSmallFolios(sys: System, count: number, seed: number, task = sys.createTask({ cpu: 0 })): MappedSet {
  for (const o of [...MTHP_ORDERS, HPAGE_PMD_ORDER]) sys.setMthp(formatSize(PAGE_SIZE << o), 'never');
  const addr = Math.ceil(nextBase / (2 << 20)) * (2 << 20);
  nextBase = addr + Math.ceil((count * PAGE_SIZE) / (2 << 20)) * (2 << 20);
  const got = task.mm.mmap(addr, count * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  if (got !== addr || task.mm.populate(addr, count * PAGE_SIZE, true) !== 0) throw new Error('mapSmallFolios: mmap/populate failed');
  const folios: MappedFolio[] = [];
  for (let i = 0; i < count; i++) {
    const va = addr + i * PAGE_SIZE;
    const pfn = translate(task.mm, va, false);
    folios.push({ addr: va, order: 0, sum: fillSeeded(sys, pfn * PAGE_SIZE, PAGE_SIZE, seed * 100_000 + i) });
  }
  return { sys, task, folios };
}

/** Unmaps the folios of `set` (cheaper than exiting the task, which walks the whole address space). */
export function unmapSet(set: MappedSet): void {
  for (const f of set.folios) {
    const rc = set.task.mm.munmap(f.addr, PAGE_SIZE << f.order);
    if (rc !== 0) throw new Error(`unmapSet: munmap failed with ${rc}`);
  }
}

/** Head PFNs of the mapped folios now. */
export function headsOf(set: MappedSet): number[] {
  return set.folios.map((f) => set.sys.memmap.compoundHead(translate(set.task.mm, f.addr, false)));
}

/** Isolates every folio of `set` and migrates them to node `nid`; the leftovers are put back. */
export async function migrateSet(
  eng: MigrateEngine,
  set: MappedSet,
  nid: number,
  mode: MigrateMode,
  reason: MigrateReason,
  memcg?: number,
): Promise<MigratePagesResult> {
  const sys = set.sys;
  const list = new FolioList(sys.memmap);
  for (const head of new Set(headsOf(set))) {
    if (!isolateFolioForMigration(sys, head, list)) throw new Error(`migrateSet: folio ${head} could not be isolated`);
  }
  const res = await migratePages(eng, list, allocOnNode(sys, nid), null, { mode, reason, ...(memcg === undefined ? {} : { memcg }) });
  putbackMovablePages(sys, list);
  return res;
}

/** Describes every folio of `set` whose bytes changed or that is not on `nid` (empty when all good). */
export function checkSet(set: MappedSet, nid: number): string[] {
  const out: string[] = [];
  const sys = set.sys;
  set.folios.forEach((f, i) => {
    const pfn = translate(set.task.mm, f.addr, false);
    const head = sys.memmap.compoundHead(pfn);
    if (sys.phys.pfnToNid(head) !== nid) out.push(`folio ${i} (order ${f.order}) is on node ${sys.phys.pfnToNid(head)}, not ${nid}`);
    const data = new Uint8Array(PAGE_SIZE << f.order);
    sys.phys.read(head * PAGE_SIZE, data);
    if (sha1(data) !== f.sum) out.push(`folio ${i} (order ${f.order}) at pfn ${head}: bytes changed`);
  });
  return out;
}

/** Unmapped folio pairs `src` on node 0 (filled) and `dst` on node 1 (zeroed), for offloadCopy. */
export interface FolioPairs {
  dst: Int32Array;
  src: Int32Array;
  sums: string[];
  bytes: number;
}

/** Allocates one pair per order and fills the sources with seeded bytes. */
export function allocPairs(sys: System, orders: readonly number[], seed: number): FolioPairs {
  const dst = new Int32Array(orders.length);
  const src = new Int32Array(orders.length);
  const sums: string[] = [];
  let bytes = 0;
  orders.forEach((order, i) => {
    src[i] = sys.alloc.allocFolio(0, order, 0, NO_MEMCG);
    dst[i] = sys.alloc.allocFolio(1, order, 0, NO_MEMCG);
    if (src[i]! < 0 || dst[i]! < 0) throw new Error(`allocPairs: no memory for order ${order}`);
    sys.phys.zeroPages(dst[i]!, 1 << order);
    sums.push(fillSeeded(sys, src[i]! * PAGE_SIZE, PAGE_SIZE << order, seed * 1000 + i));
    bytes += PAGE_SIZE << order;
  });
  return { dst, src, sums, bytes };
}

/** Frees the pairs. */
export function freePairs(sys: System, pairs: FolioPairs): void {
  for (let i = 0; i < pairs.src.length; i++) {
    sys.alloc.folioPut(pairs.src[i]!);
    sys.alloc.folioPut(pairs.dst[i]!);
  }
}


