/**
 * The system one folio size of the bench runs on: two data nodes with the region's folios on
 * one of them, the migration engine with its offload registry, and a process whose region is
 * filled with a pattern that tells every page apart (a page in the wrong place shows up in the
 * digest). Rows move the region back and forth between the nodes with `move_pages` semantics.
 */
import { createHash } from 'node:crypto';
import { HPAGE_PMD_SIZE, PAGE_SIZE, formatSize } from '@pagemig/folio';
import { createMigrateOffload, type MigrateOffload } from '@pagemig/offload';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, createSystem, translate, type System, type Task } from '@pagemig/mm';
import { createMigrateEngine, type MigrateEngine } from '@pagemig/migrate';
import { runtimeError } from '../cli-error';

/** A bench system for one folio size. */
export interface BenchWorld {
  sys: System;
  eng: MigrateEngine;
  offload: MigrateOffload;
  task: Task;
  addr: number;
  total: number;
  folioSize: number;
  /** Node the region is on now. */
  node: number;
  /** Digest of the region's bytes when it was filled. */
  digest: string;
}

/** Builds and fills the world for `folioSize`; `prefault` backs node memory up front (measured mode). */
export function createBenchWorld(total: number, folioSize: number, batchLimit: number, prefault: boolean): BenchWorld {
  const nodeSize = Math.ceil((total + 64 * 2 ** 20) / HPAGE_PMD_SIZE) * HPAGE_PMD_SIZE;
  const mthp = folioSize > PAGE_SIZE && folioSize < HPAGE_PMD_SIZE ? { [formatSize(folioSize)]: 'always' as const } : {};
  const sys = createSystem({
    nodes: [{ size: nodeSize }, { size: nodeSize }],
    thp: { enabled: folioSize === HPAGE_PMD_SIZE ? 'always' : 'never', sizes: mthp },
  });
  if (prefault) sys.phys.prefault();
  const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: batchLimit });
  const offload = createMigrateOffload(eng);
  const task = sys.createTask({ name: 'bench', cpu: 0 });
  const addr = task.mm.mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  if (addr < 0 || task.mm.populate(addr, total, true) !== 0) throw runtimeError(`could not map ${formatSize(total)} on node 0`);
  fillPattern(sys, task, addr, total);
  const world: BenchWorld = { sys, eng, offload, task, addr, total, folioSize, node: 0, digest: '' };
  world.digest = regionDigest(world);
  const order = sys.memmap.folioNrPages(sys.memmap.compoundHead(translate(task.mm, addr, false))) * PAGE_SIZE;
  if (order !== folioSize) throw runtimeError(`the region was built from ${formatSize(order)} folios, not ${formatSize(folioSize)}`);
  return world;
}

/** Every page gets a different content: its index stamped over a rotating byte pattern. */
function fillPattern(sys: System, task: Task, addr: number, total: number): void {
  const pattern = new Uint8Array(2 * PAGE_SIZE);
  for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 131 + 7) & 255;
  for (let page = 0; page < total / PAGE_SIZE; page++) {
    const bytes = sys.phys.bytes(translate(task.mm, addr + page * PAGE_SIZE, false), 1)!;
    const shift = page % PAGE_SIZE;
    bytes.set(pattern.subarray(shift, shift + PAGE_SIZE));
    new DataView(bytes.buffer, bytes.byteOffset, 8).setFloat64(0, page);
  }
}

/** SHA-1 of the region's bytes in address order, read through the page tables. */
export function regionDigest(world: BenchWorld): string {
  const { sys, task, addr, total } = world;
  const hash = createHash('sha1');
  for (let va = addr; va < addr + total; va += PAGE_SIZE) hash.update(sys.phys.bytes(translate(task.mm, va, false), 1)!);
  return hash.digest('hex');
}
