#!/usr/bin/env node
// mtcopy benchmark: moves the same set of mapped anonymous folios back and forth between two
// nodes with migratePages() (move_pages-like: MIGRATE_SYNC / MR_SYSCALL, isolate + allocOnNode)
// and compares, in the same run, the single-thread CPU batch copy (the engine's default
// cpuBatchCopy) against mtcopy with 2 threads in its variants: the doorbell or piscina
// per-task hand-off, with or without the dispatching thread copying a share. Every pass is
// verified (sha1 of every folio against the data written at the start; checkInvariants at the
// end). Also measures the copy alone (offloadCopy on the same pairs, no migration around it).
// Prints a table and writes bench-results/mtcopy.json. Not a test: nothing here asserts speed.
//
//   pnpm bench                       (from packages/mtcopy; builds first through turbo)
//   node bench/mtcopy-bench.mjs --quick
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prng } from '@pagemig/kernel';
import { MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import {
  FolioList,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  checkInvariants,
  createSystem,
  translate,
} from '@pagemig/mm';
import { allocOnNode, createMigrateEngine, isolateFolioForMigration, migratePages, putbackMovablePages } from '@pagemig/migrate';
import { createMtcopy } from '@pagemig/mtcopy';

const quick = process.argv.includes('--quick');
const here = dirname(fileURLToPath(import.meta.url));

const CASES = [
  { name: '2M', order: 9, count: quick ? 128 : 512, batchPages: 262144, reps: quick ? 2 : 5 },
  { name: '4K', order: 0, count: quick ? 4096 : 16384, batchPages: 512, reps: quick ? 2 : 7 },
];

/** Maps `count` folios of `order` on node 0 of a fresh system and fills them with seeded data. */
function setup(order, count) {
  const bytes = count * PAGE_SIZE * 2 ** order;
  const nodeSize = Math.ceil((bytes * 1.25 + (64 << 20)) / (128 << 20)) * (128 << 20);
  const sizes = { '16K': 'never', '32K': 'never', '64K': 'never', '128K': 'never', '256K': 'never', '512K': 'never', '1M': 'never', '2M': order === 9 ? 'always' : 'never' };
  const sys = createSystem({ nodes: [{ size: nodeSize }, { size: nodeSize }], thp: { enabled: 'always', sizes } });
  const task = sys.createTask({ cpu: 0 });
  const base = 0x40000000;
  const addr = task.mm.mmap(base, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  if (addr !== base || task.mm.populate(base, bytes, true) !== 0) throw new Error('setup: mmap/populate failed');
  const folioBytes = PAGE_SIZE * 2 ** order;
  const prng = new Prng(42);
  const sums = [];
  const buf = new Uint8Array(folioBytes);
  const words = new Uint32Array(buf.buffer);
  for (let i = 0; i < count; i++) {
    const pfn = translate(task.mm, base + i * folioBytes, false);
    const head = sys.memmap.compoundHead(pfn);
    if (sys.memmap.folioOrder(head) !== order) throw new Error(`setup: folio ${i} has order ${sys.memmap.folioOrder(head)}`);
    for (let w = 0; w < words.length; w++) words[w] = prng.nextU32();
    sys.phys.write(head * PAGE_SIZE, buf);
    sums.push(createHash('sha1').update(buf).digest('hex'));
  }
  return { sys, task, base, folioBytes, count, sums, bytes };
}

function heads(env) {
  const out = [];
  for (let i = 0; i < env.count; i++) out.push(env.sys.memmap.compoundHead(translate(env.task.mm, env.base + i * env.folioBytes, false)));
  return out;
}

/** Checks every folio: on `nid` and with the bytes written at setup. */
function verify(env, nid) {
  const { sys } = env;
  const hs = heads(env);
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i];
    if (sys.phys.pfnToNid(h) !== nid) throw new Error(`verify: folio ${i} is on node ${sys.phys.pfnToNid(h)}, expected ${nid}`);
    const bytes = sys.phys.bytes(h, env.folioBytes / PAGE_SIZE);
    const sum = createHash('sha1').update(bytes).digest('hex');
    if (sum !== env.sums[i]) throw new Error(`verify: folio ${i} checksum mismatch after migration`);
  }
}

/** One migratePages pass of every folio to `nid`; returns ms. */
async function pass(env, eng, nid) {
  const { sys } = env;
  const list = new FolioList(sys.memmap);
  for (const h of heads(env)) if (!isolateFolioForMigration(sys, h, list)) throw new Error('isolate failed');
  const t0 = performance.now();
  const res = await migratePages(eng, list, allocOnNode(sys, nid), null, { mode: MIGRATE_SYNC, reason: MR_SYSCALL });
  const ms = performance.now() - t0;
  putbackMovablePages(sys, list);
  if (res.rc !== 0) throw new Error(`migratePages left ${res.rc} folios`);
  verify(env, nid);
  return ms;
}

/** Copy-only: offloadCopy / cpuBatchCopy over pairs (current folios → fresh folios on the other node). */
async function copyOnly(env, fn, nid, count) {
  const { sys } = env;
  const hs = heads(env).slice(0, count);
  const src = Int32Array.from(hs);
  const order = sys.memmap.folioOrder(hs[0]);
  const dst = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = sys.alloc.allocFolio(nid, order, 0, 0);
  const ctx = { batchId: 0, reason: MR_SYSCALL, memcg: 0, hint: 'default', bytes: src.length * env.folioBytes };
  const t0 = performance.now();
  const rc = await fn(dst, src, src.length, ctx);
  const ms = performance.now() - t0;
  for (let i = 0; i < dst.length; i++) {
    const a = sys.phys.bytes(src[i], env.folioBytes / PAGE_SIZE);
    const b = sys.phys.bytes(dst[i], env.folioBytes / PAGE_SIZE);
    if (rc !== 0 || createHash('sha1').update(a).digest('hex') !== createHash('sha1').update(b).digest('hex')) throw new Error('copy-only: bad copy');
    sys.alloc.folioPut(dst[i]);
  }
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gbps = (bytes, ms) => bytes / (ms / 1000) / 1e9;

const VARIANTS = [
  { id: 'mt-main', mainThreadShare: true },
  { id: 'mt-workers', mainThreadShare: false },
];

const results = { host: { cpus: availableParallelism(), node: process.version }, quick, cases: [] };
for (const c of CASES) {
  const env = setup(c.order, c.count);
  const eng = createMigrateEngine(env.sys, { nrMaxBatchedMigration: c.batchPages });
  const cpuCopy = eng.cpuBatchCopy;
  let nid = 0;
  const flip = () => (nid = 1 - nid);
  for (const handoff of ['doorbell', 'piscina']) {
    const mt = createMtcopy({ system: env.sys, threads: 2, handoff });
    const times = { cpu: [], 'mt-main': [], 'mt-workers': [] };
    const timing = { 'mt-main': [], 'mt-workers': [] };
    const arms = { 'mt-main': 0, 'mt-workers': 0 };
    // warm-up: spawn the workers and touch every node section once in each direction
    for (const v of VARIANTS) {
      await mt.setMainThreadShare(v.mainThreadShare);
      eng.batchCopy = mt.migrator.offloadCopy;
      await pass(env, eng, flip());
    }
    eng.batchCopy = cpuCopy;
    await pass(env, eng, flip());
    for (let r = 0; r < c.reps; r++) {
      eng.batchCopy = cpuCopy;
      times.cpu.push(await pass(env, eng, flip()));
      for (const v of VARIANTS) {
        await mt.setMainThreadShare(v.mainThreadShare);
        eng.batchCopy = mt.migrator.offloadCopy;
        mt.resetTiming();
        const armsBefore = mt.pool.arms;
        times[v.id].push(await pass(env, eng, flip()));
        arms[v.id] += mt.pool.arms - armsBefore;
        timing[v.id].push(mt.timing);
      }
    }
    // copy only, same pairs count as one batch
    const copyCount = Math.min(c.count, c.batchPages / 2 ** c.order);
    const copyBytes = copyCount * env.folioBytes;
    const copy = { cpu: [], 'mt-main': [], 'mt-workers': [] };
    for (let r = 0; r < c.reps; r++) {
      copy.cpu.push(await copyOnly(env, cpuCopy, 1 - nid, copyCount));
      for (const v of VARIANTS) {
        await mt.setMainThreadShare(v.mainThreadShare);
        copy[v.id].push(await copyOnly(env, mt.migrator.offloadCopy, 1 - nid, copyCount));
      }
    }
    const row = { case: c.name, handoff, folios: c.count, folioBytes: env.folioBytes, totalBytes: env.bytes, batchPages: c.batchPages, reps: c.reps, variants: {} };
    const cpuMs = median(times.cpu);
    row.variants.cpu = { migrateMs: cpuMs, migrateGBps: gbps(env.bytes, cpuMs), copyGBps: gbps(copyBytes, median(copy.cpu)) };
    for (const v of VARIANTS) {
      const ms = median(times[v.id]);
      const t = timing[v.id].reduce((a, b) => ({
        batches: a.batches + b.batches,
        dispatchNs: a.dispatchNs + b.dispatchNs,
        wallNs: a.wallNs + b.wallNs,
        copyNs: a.copyNs + b.copyNs,
        workerCpuNs: a.workerCpuNs + b.workerCpuNs,
      }));
      row.variants[v.id] = {
        migrateMs: ms,
        migrateGBps: gbps(env.bytes, ms),
        ratioVsCpu: cpuMs / ms,
        copyGBps: gbps(copyBytes, median(copy[v.id])),
        copyRatioVsCpu: median(copy.cpu) / median(copy[v.id]),
        batchesPerPass: t.batches / c.reps,
        dispatchUsPerBatch: t.dispatchNs / t.batches / 1000,
        overheadUsPerBatch: (t.wallNs - t.copyNs) / t.batches / 1000,
        laneArmsPerPass: arms[v.id] / c.reps,
      };
    }
    results.cases.push(row);
    await mt.unload();
  }
  const problems = checkInvariants(env.sys);
  if (problems.length > 0) throw new Error(`invariants: ${problems.slice(0, 3).join('; ')}`);
}

const pad = (s, n) => String(s).padStart(n);
console.log(`mtcopy bench (node ${process.version}, ${results.host.cpus} cpus${quick ? ', quick' : ''}); medians; every pass verified`);
console.log(`${'case'.padEnd(4)} ${'handoff'.padEnd(8)} ${'variant'.padEnd(10)} ${pad('migr GB/s', 10)} ${pad('x cpu', 6)} ${pad('copy GB/s', 10)} ${pad('x cpu', 6)} ${pad('batches', 8)} ${pad('disp µs', 8)} ${pad('ovh µs', 8)} ${pad('arms', 5)}`);
for (const row of results.cases) {
  for (const [id, v] of Object.entries(row.variants)) {
    console.log(
      `${row.case.padEnd(4)} ${row.handoff.padEnd(8)} ${id.padEnd(10)} ${pad(v.migrateGBps.toFixed(2), 10)} ${pad(v.ratioVsCpu?.toFixed(2) ?? '1.00', 6)} ${pad(v.copyGBps.toFixed(2), 10)} ${pad(v.copyRatioVsCpu?.toFixed(2) ?? '1.00', 6)} ${pad(v.batchesPerPass ?? '', 8)} ${pad(v.dispatchUsPerBatch?.toFixed(1) ?? '', 8)} ${pad(v.overheadUsPerBatch?.toFixed(1) ?? '', 8)} ${pad(v.laneArmsPerPass ?? '', 5)}`,
    );
  }
}
const outDir = join(here, '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'mtcopy.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${join('bench-results', 'mtcopy.json')}`);
