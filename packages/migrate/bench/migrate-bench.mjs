#!/usr/bin/env node
// Migration throughput of the CPU paths against the raw single-thread copy bandwidth of this
// host, measured in the same run on the same node memory. Writes bench-results/migrate.json.
//   node bench/migrate-bench.mjs [--total 256M] [--sizes 4K,2M] [--repeat 3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseSize, formatSize, MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import {
  createSystem, FolioList, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, MADV_HUGEPAGE, translate, checkInvariants,
} from '@pagemig/mm';
import { createMigrateEngine, migratePages, isolateFolioForMigration, allocOnNode, putbackMovablePages } from '@pagemig/migrate';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const total = parseSize(arg('total', '256M'));
const sizes = arg('sizes', '4K,2M').split(',').map(parseSize);
const repeat = Number(arg('repeat', '3'));

/** Raw copy: TypedArray.set between two node buffers in chunks of `chunk` bytes. */
function rawCopyGBps(sys, chunk) {
  let best = 0;
  // two whole sections, one per node (the last section of each, away from the migrated data)
  const sec = (nid) => sys.phys.nodeStartPfn[nid] + sys.phys.nodeNrPages[nid] - sys.phys.sectionPages;
  sys.phys.materialize(sec(0), sys.phys.sectionPages);
  sys.phys.materialize(sec(1), sys.phys.sectionPages);
  const a = sys.phys.bytes(sec(0), sys.phys.sectionPages).fill(3);
  const b = sys.phys.bytes(sec(1), sys.phys.sectionPages).fill(1);
  const bytes = Math.min(total, a.length);
  for (let r = 0; r < repeat + 1; r++) {
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < bytes; off += chunk) b.set(a.subarray(off, off + chunk), off);
    const ns = Number(process.hrtime.bigint() - t0);
    if (r > 0) best = Math.max(best, bytes / ns);
  }
  return best;
}

function hashRegion(sys, task, addr, len) {
  const h = createHash('sha1');
  for (let va = addr; va < addr + len; va += PAGE_SIZE) {
    const pfn = translate(task.mm, va, false);
    h.update(sys.phys.bytes(pfn, 1));
  }
  return h.digest('hex');
}

async function runOne(folioSize, path) {
  const nodeBytes = Math.ceil((total * 1.25) / (128 << 20)) * (128 << 20) + (128 << 20);
  const sys = createSystem({ nodes: [{ size: nodeBytes }, { size: nodeBytes }], thp: { enabled: 'madvise', sizes: {} } });
  if (folioSize > PAGE_SIZE && folioSize < 2 << 20) sys.setMthp(formatSize(folioSize), 'always');
  sys.phys.prefault();
  const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: folioSize >= 2 << 20 ? 262144 : 512 });
  if (path === 'legacy') eng.doBatch = () => false;
  const task = sys.createTask({ cpu: 0 });
  const addr = task.mm.mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  if (folioSize >= 2 << 20) task.mm.madvise(addr, total, MADV_HUGEPAGE);
  if (task.mm.populate(addr, total, true) !== 0) throw new Error('populate failed');
  // fill with a pattern through physical memory (fast), so the copy moves real bytes
  for (let va = addr; va < addr + total; va += PAGE_SIZE) {
    const pfn = translate(task.mm, va, false);
    sys.phys.bytes(pfn, 1).fill((va / PAGE_SIZE) & 255);
  }
  const before = hashRegion(sys, task, addr, total);
  const copyGBps = rawCopyGBps(sys, folioSize);
  // an untimed round trip first, so JIT warm-up and first-touch costs stay out of the numbers
  for (const nid of [1, 0]) {
    const warm = new FolioList(sys.memmap);
    for (let va = addr; va < addr + total; va += folioSize) isolateFolioForMigration(sys, sys.memmap.compoundHead(translate(task.mm, va, false)), warm);
    await migratePages(eng, warm, allocOnNode(sys, nid), null, { mode: MIGRATE_SYNC, reason: MR_SYSCALL });
    putbackMovablePages(sys, warm);
  }
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const list = new FolioList(sys.memmap);
  for (let va = addr; va < addr + total; va += folioSize) {
    const folio = sys.memmap.compoundHead(translate(task.mm, va, false));
    isolateFolioForMigration(sys, folio, list);
  }
  const nrFolios = list.count;
  const result = await migratePages(eng, list, allocOnNode(sys, 1), null, { mode: MIGRATE_SYNC, reason: MR_SYSCALL });
  putbackMovablePages(sys, list);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  const cpuNs = (cpu.user + cpu.system) * 1000;
  const onTarget = sys.phys.pfnToNid(translate(task.mm, addr, false)) === 1;
  const verified = onTarget && result.rc === 0 && hashRegion(sys, task, addr, total) === before && checkInvariants(sys).length === 0;
  // CPU time is steadier than wall time on a shared host; both are reported
  return {
    folioSize, path, nrFolios, GBps: total / ns, cpuGBps: total / cpuNs, copyGBps,
    ratioToCopy: total / ns / copyGBps, usPerFolio: ns / 1000 / nrFolios, cpuUsPerFolio: cpuNs / 1000 / nrFolios, verified,
  };
}

const rows = [];
for (const size of sizes) {
  for (const path of ['legacy', 'batch']) {
    let best = null;
    for (let r = 0; r < repeat; r++) {
      const row = await runOne(size, path);
      if (best === null || row.GBps > best.GBps) best = row;
    }
    rows.push(best);
    console.log(
      `${formatSize(size).padStart(4)} ${path.padEnd(6)} ${best.GBps.toFixed(2)} GB/s  raw copy ${best.copyGBps.toFixed(2)} GB/s  ratio ${best.ratioToCopy.toFixed(3)}  ${best.usPerFolio.toFixed(2)} us/folio (cpu ${best.cpuUsPerFolio.toFixed(2)})  verified=${best.verified}`,
    );
  }
}
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/migrate.json', JSON.stringify({ total, repeat, rows }, null, 2));
