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
import { availableParallelism, loadavg } from 'node:os';
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
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const gbps = (bytes, ms) => bytes / (ms / 1000) / 1e9;

/** mtcopy variants per hand-off; the first of the doorbell block is the default configuration. */
const BLOCKS = [
  {
    handoff: 'doorbell',
    variants: [
      { id: 'mt', label: 'default: main share + stealing', mainThreadShare: true, workStealing: true },
      { id: 'mt-static', label: 'main share, static split', mainThreadShare: true, workStealing: false },
      { id: 'mt-workers', label: '2 workers, main idle', mainThreadShare: false, workStealing: true },
      { id: 'mt-spin', label: 'default + workers poll 1 ms before sleeping', mainThreadShare: true, workStealing: true, spinUs: 1000 },
    ],
  },
  {
    handoff: 'piscina',
    variants: [
      { id: 'pisc', label: 'piscina per-task, main share + stealing', mainThreadShare: true, workStealing: true },
      { id: 'pisc-static', label: 'piscina per-task, main share, static', mainThreadShare: true, workStealing: false },
    ],
  },
];

async function configure(mt, v) {
  await mt.setMainThreadShare(v.mainThreadShare);
  await mt.setWorkStealing(v.workStealing);
  mt.setWorkerSpinUs(v.spinUs ?? 0);
  // lanes of the previous variant were turned off; have this variant's workers serving first
  if ((await mt.ready()) !== 0) throw new Error('mtcopy workers failed to start');
}

/** Host ceiling: one thread copying `bytes` vs that thread and a plain worker copying halves. */
async function rawCeiling(bytes, chunk, reps) {
  const { Worker } = await import('node:worker_threads');
  const src = new Uint8Array(new SharedArrayBuffer(bytes));
  const dst = new Uint8Array(new SharedArrayBuffer(bytes));
  for (let i = 0; i < bytes; i += 4096) src[i] = i & 255;
  dst.fill(1);
  const ctl = new Int32Array(new SharedArrayBuffer(64));
  const code = `const { workerData } = require('node:worker_threads');
    const s = new Uint8Array(workerData.src), d = new Uint8Array(workerData.dst), c = new Int32Array(workerData.ctl);
    for (let seen = 0;;) { Atomics.wait(c, 0, seen); seen = Atomics.load(c, 0); if (seen < 0) break;
      for (let o = c[1]; o < c[1] + c[2]; o += c[3]) d.set(s.subarray(o, o + c[3]), o);
      Atomics.add(c, 5, 1); Atomics.notify(c, 5); }`;
  const w = new Worker(code, { eval: true, workerData: { src: src.buffer, dst: dst.buffer, ctl: ctl.buffer } });
  const copy = (off, len) => {
    for (let o = off; o < off + len; o += chunk) dst.set(src.subarray(o, o + chunk), o);
  };
  const one = [];
  const two = [];
  copy(0, bytes);
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    copy(0, bytes);
    one.push(performance.now() - t0);
    t0 = performance.now();
    const done = Atomics.load(ctl, 5);
    ctl[1] = bytes / 2;
    ctl[2] = bytes / 2;
    ctl[3] = chunk;
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    copy(0, bytes / 2);
    while (Atomics.load(ctl, 5) === done) Atomics.wait(ctl, 5, done, 1000);
    two.push(performance.now() - t0);
  }
  Atomics.store(ctl, 0, -1);
  Atomics.notify(ctl, 0);
  await w.terminate();
  return { oneGBps: gbps(bytes, median(one)), twoGBps: gbps(bytes, median(two)), ratio: median(one) / median(two) };
}

const sumTiming = (list) =>
  list.reduce((a, b) => ({
    batches: a.batches + b.batches,
    prepNs: a.prepNs + b.prepNs,
    dispatchNs: a.dispatchNs + b.dispatchNs,
    wallNs: a.wallNs + b.wallNs,
    copyNs: a.copyNs + b.copyNs,
    workerCpuNs: a.workerCpuNs + b.workerCpuNs,
  }));

const results = { host: { cpus: availableParallelism(), node: process.version, loadavg: loadavg() }, quick, ceiling: {}, cases: [] };
results.ceiling['2M'] = await rawCeiling(256 << 20, 2 << 20, quick ? 3 : 5);
results.ceiling['4K'] = await rawCeiling(2 << 20, 4096, quick ? 50 : 200);
for (const c of CASES) {
  const env = setup(c.order, c.count);
  const eng = createMigrateEngine(env.sys, { nrMaxBatchedMigration: c.batchPages });
  const cpuCopy = eng.cpuBatchCopy;
  let nid = 0;
  const flip = () => (nid = 1 - nid);
  for (const block of BLOCKS) {
    const mt = createMtcopy({ system: env.sys, threads: 2, handoff: block.handoff });
    const times = { cpu: [] };
    const timing = {};
    const counts = {};
    const samples = {};
    for (const v of block.variants) {
      samples[v.id] = [];
      times[v.id] = [];
      timing[v.id] = [];
      counts[v.id] = { arms: 0, takenBack: 0 };
    }
    // warm-up: spawn the workers and touch every node section in both directions
    for (const v of block.variants) {
      await configure(mt, v);
      eng.batchCopy = mt.migrator.offloadCopy;
      await pass(env, eng, flip());
    }
    eng.batchCopy = cpuCopy;
    await pass(env, eng, flip());
    for (let r = 0; r < c.reps; r++) {
      eng.batchCopy = cpuCopy;
      times.cpu.push(await pass(env, eng, flip()));
      for (const v of block.variants) {
        await configure(mt, v);
        eng.batchCopy = mt.migrator.offloadCopy;
        mt.resetTiming();
        const before = mt.pool;
        const off = eng.tp.batchEnd.subscribe(() => samples[v.id].push(mt.lastBatch));
        times[v.id].push(await pass(env, eng, flip()));
        off();
        counts[v.id].arms += mt.pool.arms - before.arms;
        counts[v.id].takenBack += mt.pool.takenBack - before.takenBack;
        timing[v.id].push(mt.timing);
      }
    }
    // the copy alone: one batch's worth of pairs through the seam function, nothing around it
    const copyCount = Math.min(c.count, c.batchPages / 2 ** c.order, (256 << 20) / env.folioBytes);
    const copyBytes = copyCount * env.folioBytes;
    const copy = { cpu: [] };
    for (const v of block.variants) copy[v.id] = [];
    for (let r = 0; r < c.reps * 2; r++) {
      copy.cpu.push(await copyOnly(env, cpuCopy, 1 - nid, copyCount));
      for (const v of block.variants) {
        await configure(mt, v);
        copy[v.id].push(await copyOnly(env, mt.migrator.offloadCopy, 1 - nid, copyCount));
      }
    }
    const row = { case: c.name, handoff: block.handoff, folios: c.count, folioBytes: env.folioBytes, totalBytes: env.bytes, batchPages: c.batchPages, reps: c.reps, variants: {} };
    const cpuMs = median(times.cpu);
    row.variants.cpu = { label: 'single-thread cpuBatchCopy', migrateMs: cpuMs, migrateGBps: gbps(env.bytes, cpuMs), copyGBps: gbps(copyBytes, median(copy.cpu)) };
    for (const v of block.variants) {
      const ms = median(times[v.id]);
      const t = sumTiming(timing[v.id]);
      row.variants[v.id] = {
        label: v.label,
        migrateMs: ms,
        migrateGBps: gbps(env.bytes, ms),
        ratioVsCpu: cpuMs / ms,
        copyGBps: gbps(copyBytes, median(copy[v.id])),
        copyRatioVsCpu: median(copy.cpu) / median(copy[v.id]),
        batchesPerPass: t.batches / c.reps,
        prepUsPerBatch: t.prepNs / t.batches / 1000,
        dispatchUsPerBatch: t.dispatchNs / t.batches / 1000,
        overheadUsPerBatch: (t.wallNs - t.copyNs) / t.batches / 1000,
        prepUsMedian: median(samples[v.id].map((x) => x.prepNs)) / 1000,
        dispatchUsMedian: median(samples[v.id].map((x) => x.dispatchNs)) / 1000,
        dispatchUsP90: pct(samples[v.id].map((x) => x.dispatchNs), 0.9) / 1000,
        overheadUsMedian: median(samples[v.id].map((x) => x.wallNs - x.copyNs)) / 1000,
        overheadUsP90: pct(samples[v.id].map((x) => x.wallNs - x.copyNs), 0.9) / 1000,
        laneArmsPerPass: counts[v.id].arms / c.reps,
        takenBackPerPass: counts[v.id].takenBack / c.reps,
      };
    }
    results.cases.push(row);
    await mt.unload();
  }
  const problems = checkInvariants(env.sys);
  if (problems.length > 0) throw new Error(`invariants: ${problems.slice(0, 3).join('; ')}`);
}

const pad = (s, n) => String(s).padStart(n);
const fix = (x, d = 2) => (x === undefined ? '' : x.toFixed(d));
console.log(`mtcopy bench (node ${process.version}, ${results.host.cpus} cpus, load ${results.host.loadavg.map((x) => x.toFixed(1)).join(' ')}${quick ? ', quick' : ''}); medians; every pass verified`);
console.log('prep = entry → doorbells rung; disp = entry → last worker started; ovh = wall − longest thread copy (per batch); back = rings taken back per pass');
for (const [k, c] of Object.entries(results.ceiling)) {
  console.log(`host ceiling ${k} chunks: 1 thread ${fix(c.oneGBps)} GB/s, 2 threads ${fix(c.twoGBps)} GB/s (x${fix(c.ratio)})`);
}
console.log(
  `${'case'.padEnd(4)} ${'handoff'.padEnd(8)} ${'variant'.padEnd(11)} ${pad('migr GB/s', 9)} ${pad('x cpu', 6)} ${pad('copy GB/s', 9)} ${pad('x cpu', 6)} ${pad('batch', 5)} ${pad('prep µs', 8)} ${pad('disp µs', 8)} ${pad('p90', 7)} ${pad('ovh µs', 8)} ${pad('p90', 7)} ${pad('back', 5)}`,
);
for (const row of results.cases) {
  for (const [id, v] of Object.entries(row.variants)) {
    console.log(
      `${row.case.padEnd(4)} ${row.handoff.padEnd(8)} ${id.padEnd(11)} ${pad(fix(v.migrateGBps), 9)} ${pad(fix(v.ratioVsCpu ?? 1), 6)} ${pad(fix(v.copyGBps), 9)} ${pad(fix(v.copyRatioVsCpu ?? 1), 6)} ${pad(v.batchesPerPass ?? '', 5)} ${pad(fix(v.prepUsMedian, 1), 8)} ${pad(fix(v.dispatchUsMedian, 1), 8)} ${pad(fix(v.dispatchUsP90, 0), 7)} ${pad(fix(v.overheadUsMedian, 1), 8)} ${pad(fix(v.overheadUsP90, 0), 7)} ${pad(v.takenBackPerPass === undefined ? '' : fix(v.takenBackPerPass, 1), 5)}`,
    );
  }
}
const outDir = join(here, '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'mtcopy.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${join('bench-results', 'mtcopy.json')}`);
