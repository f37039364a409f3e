#!/usr/bin/env node
// dcbm benchmark: moves the same mapped anonymous folios back and forth between two nodes with
// migratePages() (MIGRATE_ASYNC, MR_SYSCALL, isolate + allocOnNode) and compares, in the same run:
// - cpu: the single-thread CPU batch path (no migrator registered: the registry routes the batch to
//   the engine's default cpuBatchCopy, i.e. foliosMcCopy on the main thread);
// - dcbm with the software DMA device, 1 and 2 channels (one memcpy descriptor per folio);
// - dcbm on a device with DMA_MEMCPY_SG, 2 channels (one descriptor per channel), for comparison;
// - 4 KiB only: dcbm, 2 channels, on a device with a 512-entry ring instead of PTDMA's 32.
// Cases: 2 MiB THPs (NR_MAX_BATCHED_MIGRATION = 262144, patch 7: the whole set is one batch) and
// 4 KiB folios (512 base pages per batch, upstream). Node memory is prefaulted first. Every pass is
// verified (node and sha1 of every folio); invariants are checked at the end of each case.
//
// Reported per variant: end-to-end migration GB/s, copy-phase GB/s (migrate_batch_copy_start → _end,
// where the seam copies), ratios against cpu, the driver's main-thread work per folio (tables,
// mapping, prep, submit; dcbm's setupNs - issueNs) and, apart, the time spent issuing (the doorbells:
// on the software device a futex wake of a sleeping channel thread), its device time, and the device's
// interrupts and doorbells per pass (all channels; ringStats). Also the host's
// raw copy ceiling: one thread vs two threads copying 128 MiB between node buffers. Medians and the
// best pass are both reported: the host is shared, and the best pass is the least disturbed one.
// Prints a table and writes bench-results/dcbm.json. Not a test: nothing here asserts speed.
//
//   pnpm bench                     (from packages/dcbm; turbo builds the dependencies first)
//   node bench/dcbm-bench.mjs --quick
//   node bench/dcbm-bench.mjs --case 2M     (one case only; the ceiling is always measured)
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Prng, SysfsTree } from '@pagemig/kernel';
import { MIGRATE_ASYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import { FolioList, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE, checkInvariants, createSystem, translate } from '@pagemig/mm';
import { allocOnNode, createMigrateEngine, isolateFolioForMigration, migratePages, putbackMovablePages } from '@pagemig/migrate';
import { createMigrateOffload } from '@pagemig/offload';
import { DMA_FROM_DEVICE, DMA_INTERRUPT, DMA_MEMCPY, DMA_MEMCPY_SG, DMA_TO_DEVICE, DmaEngine, createSoftwareDmaDevice, dmaMapSgtable, dmaUnmapSgtable } from '@pagemig/dmaengine';
import { createDcbm, dcbmBuildSgTables } from '../dist/index.js';

const quick = process.argv.includes('--quick');
const caseArg = process.argv.indexOf('--case');
const onlyCase = caseArg >= 0 ? process.argv[caseArg + 1] : null;
const here = dirname(fileURLToPath(import.meta.url));
const MiB = 1 << 20;

const CASES = [
  { name: '2M', order: 9, count: quick ? 64 : 128, batchPages: 262144, reps: quick ? 3 : 7 },
  { name: '4K', order: 0, count: quick ? 4096 : 16384, batchPages: 512, reps: quick ? 3 : 7 },
];
const RING_DEPTH = 32; // PTDMA's ring
const DEEP_RING = 512;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gbps = (bytes, ns) => bytes / ns; // bytes per ns = GB/s
const now = () => Number(process.hrtime.bigint());

/** A fresh system, prefaulted, with `count` folios of `order` mapped at a fixed address and filled with seeded data. */
function setup(order, count) {
  const folioBytes = PAGE_SIZE << order;
  const bytes = count * folioBytes;
  const nodeSize = Math.ceil((bytes * 1.25 + 64 * MiB) / (128 * MiB)) * 128 * MiB;
  const sizes = { '16K': 'never', '32K': 'never', '64K': 'never', '128K': 'never', '256K': 'never', '512K': 'never', '1M': 'never', '2M': order === 9 ? 'always' : 'never' };
  const sys = createSystem({ nodes: [{ size: nodeSize }, { size: nodeSize }], thp: { enabled: 'always', sizes } });
  sys.phys.prefault(); // before any data: it writes a byte into every page
  const task = sys.createTask({ cpu: 0 });
  const base = 0x40000000;
  const addr = task.mm.mmap(base, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  if (addr !== base || task.mm.populate(base, bytes, true) !== 0) throw new Error('setup: mmap/populate failed');
  const prng = new Prng(42);
  const sums = [];
  const buf = new Uint8Array(folioBytes);
  const words = new Uint32Array(buf.buffer);
  for (let i = 0; i < count; i++) {
    const head = sys.memmap.compoundHead(translate(task.mm, base + i * folioBytes, false));
    if (sys.memmap.folioOrder(head) !== order) throw new Error(`setup: folio ${i} has order ${sys.memmap.folioOrder(head)}`);
    for (let w = 0; w < words.length; w++) words[w] = prng.nextU32();
    sys.phys.write(head * PAGE_SIZE, buf);
    sums.push(createHash('sha1').update(buf).digest('hex'));
  }
  return { sys, task, base, folioBytes, count, sums, bytes };
}

function heads(env) {
  const out = new Array(env.count);
  for (let i = 0; i < env.count; i++) out[i] = env.sys.memmap.compoundHead(translate(env.task.mm, env.base + i * env.folioBytes, false));
  return out;
}

/** Every folio is on `nid` and holds the bytes written at setup. */
function verify(env, nid) {
  const { sys } = env;
  const hs = heads(env);
  for (let i = 0; i < hs.length; i++) {
    if (sys.phys.pfnToNid(hs[i]) !== nid) throw new Error(`verify: folio ${i} is on node ${sys.phys.pfnToNid(hs[i])}, expected ${nid}`);
    const sum = createHash('sha1').update(sys.phys.bytes(hs[i], env.folioBytes / PAGE_SIZE)).digest('hex');
    if (sum !== env.sums[i]) throw new Error(`verify: folio ${i} lost its data`);
  }
}

/** Times the batch-copy phase through the migrate tracepoints. */
function copyPhaseTimer(sys) {
  const starts = new Map();
  let total = 0;
  const a = sys.trace.get('migrate_batch_copy_start').subscribe((e) => starts.set(e.batchId, now()));
  const b = sys.trace.get('migrate_batch_copy_end').subscribe((e) => {
    total += now() - starts.get(e.batchId);
    starts.delete(e.batchId);
  });
  return {
    take() {
      const t = total;
      total = 0;
      return t;
    },
    stop() {
      a();
      b();
    },
  };
}

/** One migratePages pass of every folio to `nid`: { ns, copyNs }. */
async function pass(env, eng, timer, nid) {
  const { sys } = env;
  const list = new FolioList(sys.memmap);
  for (const h of heads(env)) if (!isolateFolioForMigration(sys, h, list)) throw new Error('isolate failed');
  timer.take();
  const t0 = now();
  const res = await migratePages(eng, list, allocOnNode(sys, nid), null, { mode: MIGRATE_ASYNC, reason: MR_SYSCALL });
  const ns = now() - t0;
  const copyNs = timer.take();
  putbackMovablePages(sys, list);
  if (res.rc !== 0) throw new Error(`migratePages left ${res.rc} folios`);
  verify(env, nid);
  return { ns, copyNs };
}

/** Raw copy of `bytes` from node 0 to node 1 by `threads` worker threads (each a contiguous share), best of reps. */
async function rawCopy(sys, threads, bytes, chunk, reps) {
  const share = sys.phys.share();
  const sectionBytes = (1 << share.sectionShift) * PAGE_SIZE; // the shift is in pages
  const srcSec = Math.floor((sys.phys.nodeStartPfn[0] * PAGE_SIZE) / sectionBytes);
  const dstSec = Math.floor((sys.phys.nodeStartPfn[1] * PAGE_SIZE) / sectionBytes);
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { sections, srcSec, dstSec, sectionBytes, off, len, chunk } = workerData;
    parentPort.on('message', () => {
      const t0 = process.hrtime.bigint();
      for (let o = off; o < off + len; o += chunk) {
        const s = Math.floor(o / sectionBytes), r = o % sectionBytes;
        const n = Math.min(chunk, sectionBytes - r);
        new Uint8Array(sections[dstSec + s], r, n).set(new Uint8Array(sections[srcSec + s], r, n));
      }
      parentPort.postMessage(Number(process.hrtime.bigint() - t0));
    });`;
  const per = bytes / threads;
  const workers = [];
  for (let t = 0; t < threads; t++) {
    workers.push(new Worker(code, { eval: true, execArgv: [], workerData: { sections: share.sections, srcSec, dstSec, sectionBytes, off: t * per, len: per, chunk } }));
  }
  const run = () => Promise.all(workers.map((w) => new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage('go');
  })));
  await run(); // warm-up: JIT and first touch
  const out = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    await run();
    out.push(now() - t0);
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return { gbps: gbps(bytes, median(out)), best: gbps(bytes, Math.min(...out)) };
}

/** Single-thread copy on the main thread, like foliosMcCopy (one set() per chunk). */
function rawCopyMain(sys, bytes, chunk, reps) {
  const src = sys.phys.bytes(sys.phys.nodeStartPfn[0], bytes / PAGE_SIZE);
  const dst = sys.phys.bytes(sys.phys.nodeStartPfn[1], bytes / PAGE_SIZE);
  const out = [];
  for (let r = 0; r < reps + 1; r++) {
    const t0 = now();
    for (let o = 0; o < bytes; o += chunk) dst.set(src.subarray(o, o + chunk), o);
    if (r > 0) out.push(now() - t0);
  }
  return { gbps: gbps(bytes, median(out)), best: gbps(bytes, Math.min(...out)) };
}

/**
 * The driver's main-thread work per folio with nothing competing for the CPU: every channel's first
 * descriptor of the batch stalls, so the copy threads sleep while the driver builds tables, maps,
 * prepares, submits and issues; then the stalls are released and the copy is verified.
 */
async function isolatedOverhead(sys, dcbm, dev, chans, count, reps) {
  const gfp = 0;
  const src = new Int32Array(count);
  const dst = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    src[i] = sys.alloc.allocFolio(0, 0, gfp, 0);
    dst[i] = sys.alloc.allocFolio(1, 0, gfp, 0);
    sys.phys.fill(src[i] * PAGE_SIZE, PAGE_SIZE, (i * 13 + 1) & 255);
  }
  const ctx = { batchId: 0, reason: MR_SYSCALL, memcg: 0, hint: 'default', bytes: count * PAGE_SIZE };
  dcbm.setParam('nrDmaChan', chans);
  const out = [];
  const issue = [];
  for (let r = 0; r < reps + 2; r++) {
    for (let c = 0; c < chans; c++) dev.injectFault({ kind: 'stall', channel: c, nth: dev.channels[c].cookie + 1 });
    for (let i = 0; i < count; i++) sys.phys.fill(dst[i] * PAGE_SIZE, PAGE_SIZE, 0);
    const pending = dcbm.offloadCopy(dst, src, count, ctx);
    for (let c = 0; c < chans; c++) {
      await dev.whenStalled(dev.channels[c]);
      dev.releaseStall(dev.channels[c]);
    }
    const rc = await pending;
    dev.clearFaults();
    if (rc !== 0) throw new Error(`isolated overhead: rc ${rc}`);
    for (let i = 0; i < count; i++) {
      if (Buffer.compare(sys.phys.bytes(src[i], 1), sys.phys.bytes(dst[i], 1)) !== 0) throw new Error('isolated overhead: bad copy');
    }
    if (r >= 2) {
      // two warm-up rounds
      out.push((dcbm.lastBatch.setupNs - dcbm.lastBatch.issueNs) / count);
      issue.push(dcbm.lastBatch.issueNs / count);
    }
  }
  for (let i = 0; i < count; i++) {
    sys.alloc.folioPut(src[i]);
    sys.alloc.folioPut(dst[i]);
  }
  return { medianUs: median(out) / 1000, bestUs: Math.min(...out) / 1000, issueMedianUs: median(issue) / 1000 };
}

/** Just the driver's own part: building both tables of a chunk and mapping/unmapping them (ns per folio). */
function tablesAndMapping(sys, dev, count, reps) {
  const src = new Int32Array(count);
  const dst = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    src[i] = sys.alloc.allocFolio(0, 0, 0, 0);
    dst[i] = sys.alloc.allocFolio(1, 0, 0, 0);
  }
  const out = [];
  for (let r = 0; r < reps * 20; r++) {
    const t0 = now();
    const sg = dcbmBuildSgTables(sys.memmap, dst, src, 0, count);
    dmaMapSgtable(dev, sg.src, DMA_TO_DEVICE);
    dmaMapSgtable(dev, sg.dst, DMA_FROM_DEVICE);
    dmaUnmapSgtable(dev, sg.src, DMA_TO_DEVICE);
    dmaUnmapSgtable(dev, sg.dst, DMA_FROM_DEVICE);
    out.push((now() - t0) / count);
  }
  for (let i = 0; i < count; i++) {
    sys.alloc.folioPut(src[i]);
    sys.alloc.folioPut(dst[i]);
  }
  return median(out);
}

const results = {
  host: { cpus: availableParallelism(), model: cpus()[0]?.model ?? null, node: process.version, loadavgAtStart: loadavg() },
  quick,
  params: { mode: 'MIGRATE_ASYNC', reason: 'MR_SYSCALL', ringDepth: RING_DEPTH, deepRingDepth: DEEP_RING, completion: 'each' },
  note: 'ratios are against the cpu variant of the same case, measured in the same run; copy = migrate_batch_copy_start..end; driverUsPerFolio = dcbm main-thread setup (sg tables, mapping, prep, submit, issue) per folio',
  ceiling: null,
  cases: [],
};

// Host ceiling: raw copies between two node buffers of 128 MiB (one section each).
{
  const sys = createSystem({ nodes: [{ size: 256 * MiB }, { size: 256 * MiB }] });
  sys.phys.prefault();
  const bytes = 128 * MiB; // one 128 MiB section per node: plain views, no boundary
  const reps = quick ? 3 : 9;
  results.ceiling = {
    bytes,
    mainThreadGBps2M: rawCopyMain(sys, bytes, 2 * MiB, reps),
    oneWorkerGBps2M: await rawCopy(sys, 1, bytes, 2 * MiB, reps),
    twoWorkersGBps2M: await rawCopy(sys, 2, bytes, 2 * MiB, reps),
    mainThreadGBps4K: rawCopyMain(sys, bytes, 4096, reps),
    twoWorkersGBps4K: await rawCopy(sys, 2, bytes, 4096, reps),
  };
  results.ceiling.twoThreadSpeedup = results.ceiling.twoWorkersGBps2M.gbps / results.ceiling.oneWorkerGBps2M.gbps;
  results.ceiling.twoThreadSpeedupBest = results.ceiling.twoWorkersGBps2M.best / results.ceiling.oneWorkerGBps2M.best;
}

for (const c of CASES) {
  if (onlyCase !== null && c.name !== onlyCase) continue;
  const env = setup(c.order, c.count);
  const { sys } = env;
  const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: c.batchPages });
  const offload = createMigrateOffload(eng);
  const dma = new DmaEngine({ sysfs: sys.sysfs, trace: sys.trace });
  const dev = createSoftwareDmaDevice(dma, { phys: sys.phys, channels: 2, ringDepth: RING_DEPTH });
  const dcbm = createDcbm({ system: sys, offload, dma, nrDmaChan: 2 });
  const dmaSg = new DmaEngine();
  const devSg = createSoftwareDmaDevice(dmaSg, { phys: sys.phys, channels: 2, ringDepth: RING_DEPTH, caps: [DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT] });
  const dcbmSg = createDcbm({ system: sys, offload, dma: dmaSg, nrDmaChan: 2, sysfs: new SysfsTree() });
  // 4 KiB only: the same device with a deeper ring, to show where the small-folio time goes
  const dmaDeep = new DmaEngine();
  const devDeep = createSoftwareDmaDevice(dmaDeep, { phys: sys.phys, channels: 2, ringDepth: DEEP_RING });
  const dcbmDeep = createDcbm({ system: sys, offload, dma: dmaDeep, nrDmaChan: 2, sysfs: new SysfsTree() });
  await dev.startWorkers();
  await devSg.startWorkers();
  await devDeep.startWorkers();
  // measured before the migration passes: a fresh heap, so no collection of their garbage lands in it
  let isolated = null;
  if (c.order === 0) {
    const per = c.batchPages;
    const reps = quick ? 9 : 41;
    isolated = {
      folios: per,
      note: 'µs per folio of main-thread driver work (tables, mapping, prep, submit) with the copy threads stalled; issueMedianUs: the issue (doorbells) apart',
      'dcbm-1ch': await isolatedOverhead(sys, dcbm, dev, 1, per, reps),
      'dcbm-2ch': await isolatedOverhead(sys, dcbm, dev, 2, per, reps),
      'dcbm-2ch-sg': await isolatedOverhead(sys, dcbmSg, devSg, 2, per, reps),
      tablesAndMappingNs: tablesAndMapping(sys, dev, per, reps),
    };
  }

  const timer = copyPhaseTimer(sys);

  const variants = [
    { id: 'cpu', driver: null, dev: null, chans: 0 },
    { id: 'dcbm-1ch', driver: dcbm, dev, chans: 1 },
    { id: 'dcbm-2ch', driver: dcbm, dev, chans: 2 },
    { id: 'dcbm-2ch-sg', driver: dcbmSg, dev: devSg, chans: 2 },
    ...(c.order === 0 ? [{ id: `dcbm-2ch-ring${DEEP_RING}`, driver: dcbmDeep, dev: devDeep, chans: 2 }] : []),
  ];
  let active = null;
  const use = async (v) => {
    if (active !== v.driver && active !== null) await active.setOffloading(false);
    if (v.driver !== null) {
      v.driver.setParam('nrDmaChan', v.chans);
      if (active !== v.driver && (await v.driver.setOffloading(true)) !== 0) throw new Error('register failed');
    }
    active = v.driver;
  };
  let nid = 0;
  const flip = () => (nid = 1 - nid);
  const samples = Object.fromEntries(variants.map((v) => [v.id, { ns: [], copyNs: [], setupNs: 0, issueNs: 0, setupFolios: 0, deviceNs: 0, batches: 0, descriptors: 0, interrupts: 0, doorbells: 0 }]));
  // interrupts and doorbells of a device, summed over its channels
  const ringTotals = (d) => d.channels.reduce((t, ch) => ({ interrupts: t.interrupts + d.ringStats(ch).interrupts, doorbells: t.doorbells + d.ringStats(ch).doorbells }), { interrupts: 0, doorbells: 0 });
  // warm-up: every variant once in each direction (JIT, worker start, first touch of sections)
  for (const v of variants) {
    await use(v);
    await pass(env, eng, timer, flip());
    await pass(env, eng, timer, flip());
  }
  for (let r = 0; r < c.reps; r++) {
    for (const v of variants) {
      await use(v);
      const before = v.driver?.stats();
      const ringBefore = v.dev === null ? null : ringTotals(v.dev);
      const s = await pass(env, eng, timer, flip());
      const acc = samples[v.id];
      acc.ns.push(s.ns);
      acc.copyNs.push(s.copyNs);
      if (v.driver !== null) {
        const after = v.driver.stats();
        if (after.batchesCopied - before.batchesCopied !== after.batches - before.batches) throw new Error(`${v.id}: a batch was not offloaded`);
        acc.setupNs += after.setupNs - before.setupNs;
        acc.issueNs += after.issueNs - before.issueNs;
        acc.setupFolios += after.setupFolios - before.setupFolios;
        acc.deviceNs += after.deviceNs - before.deviceNs;
        acc.batches += after.batches - before.batches;
        acc.descriptors += after.descriptors - before.descriptors;
        const ringAfter = ringTotals(v.dev);
        acc.interrupts += ringAfter.interrupts - ringBefore.interrupts;
        acc.doorbells += ringAfter.doorbells - ringBefore.doorbells;
      }
    }
  }
  await use({ driver: null });
  timer.stop();
  const problems = checkInvariants(sys);
  if (problems.length > 0) throw new Error(`invariants: ${problems.slice(0, 3).join('; ')}`);

  const cpu = samples.cpu;
  const cpuNs = median(cpu.ns);
  const cpuCopyNs = median(cpu.copyNs);
  const cpuBestNs = Math.min(...cpu.ns);
  const cpuBestCopyNs = Math.min(...cpu.copyNs);
  const row = { case: c.name, folios: c.count, folioBytes: env.folioBytes, totalBytes: env.bytes, batchPages: c.batchPages, reps: c.reps, isolated, variants: {} };
  for (const v of variants) {
    const acc = samples[v.id];
    const ns = median(acc.ns);
    const copyNs = median(acc.copyNs);
    const bestNs = Math.min(...acc.ns);
    const bestCopyNs = Math.min(...acc.copyNs);
    row.variants[v.id] = {
      migrateGBps: gbps(env.bytes, ns),
      migrateRatio: cpuNs / ns,
      copyGBps: gbps(env.bytes, copyNs),
      copyRatio: cpuCopyNs / copyNs,
      bestMigrateGBps: gbps(env.bytes, bestNs),
      bestMigrateRatio: cpuBestNs / bestNs,
      bestCopyGBps: gbps(env.bytes, bestCopyNs),
      bestCopyRatio: cpuBestCopyNs / bestCopyNs,
      ...(v.driver === null
        ? {}
        : {
            driverUsPerFolio: (acc.setupNs - acc.issueNs) / acc.setupFolios / 1000,
            issueUsPerFolio: acc.issueNs / acc.setupFolios / 1000,
            deviceMsPerPass: acc.deviceNs / c.reps / 1e6,
            batchesPerPass: acc.batches / c.reps,
            descriptorsPerPass: acc.descriptors / c.reps,
            interruptsPerPass: acc.interrupts / c.reps,
            doorbellsPerPass: acc.doorbells / c.reps,
          }),
      passesMs: acc.ns.map((x) => x / 1e6),
      copyMs: acc.copyNs.map((x) => x / 1e6),
    };
  }
  results.cases.push(row);
  await dcbm.unload();
  await dcbmSg.unload();
  await dcbmDeep.unload();
  await dev.shutdown();
  await devSg.shutdown();
  await devDeep.shutdown();
}

results.host.loadavgAtEnd = loadavg();
const f = (x, d = 2) => (x === undefined ? '' : x.toFixed(d));
const pad = (s, n) => String(s).padStart(n);
const ce = results.ceiling;
console.log(
  `dcbm bench: node ${process.version}, ${results.host.cpus} CPUs (${results.host.model}), load average ${results.host.loadavgAtStart[0].toFixed(1)} → ${results.host.loadavgAtEnd[0].toFixed(1)}, ring ${RING_DEPTH}, ${quick ? 'quick, ' : ''}every pass verified`,
);
console.log(
  `host ceiling (raw copy node0→node1, ${ce.bytes / MiB} MiB, GB/s): main thread ${f(ce.mainThreadGBps2M.gbps)} [${f(ce.mainThreadGBps2M.best)}] (2 MiB chunks), ` +
    `${f(ce.mainThreadGBps4K.gbps)} [${f(ce.mainThreadGBps4K.best)}] (4 KiB); 1 worker ${f(ce.oneWorkerGBps2M.gbps)} [${f(ce.oneWorkerGBps2M.best)}]; ` +
    `2 workers ${f(ce.twoWorkersGBps2M.gbps)} [${f(ce.twoWorkersGBps2M.best)}] (x${f(ce.twoThreadSpeedup)} [x${f(ce.twoThreadSpeedupBest)}]), ` +
    `${f(ce.twoWorkersGBps4K.gbps)} [${f(ce.twoWorkersGBps4K.best)}] (4 KiB)`,
);
console.log('medians (best of the passes in brackets); x cpu = ratio to the cpu variant of the same case');
console.log(`${'case'.padEnd(4)} ${'variant'.padEnd(17)} ${pad('migr GB/s', 14)} ${pad('x cpu', 12)} ${pad('copy GB/s', 14)} ${pad('x cpu', 12)} ${pad('µs/folio', 9)} ${pad('+issue', 7)} ${pad('dev ms', 8)} ${pad('batches', 8)} ${pad('descs', 7)} ${pad('irqs', 6)} ${pad('bells', 6)}`);
for (const row of results.cases) {
  for (const [id, v] of Object.entries(row.variants)) {
    console.log(
      `${row.case.padEnd(4)} ${id.padEnd(17)} ${pad(`${f(v.migrateGBps)} [${f(v.bestMigrateGBps)}]`, 14)} ${pad(`${f(v.migrateRatio)} [${f(v.bestMigrateRatio)}]`, 12)} ${pad(`${f(v.copyGBps)} [${f(v.bestCopyGBps)}]`, 14)} ${pad(`${f(v.copyRatio)} [${f(v.bestCopyRatio)}]`, 12)} ${pad(f(v.driverUsPerFolio, 3), 9)} ${pad(f(v.issueUsPerFolio, 3), 7)} ${pad(f(v.deviceMsPerPass, 1), 8)} ${pad(v.batchesPerPass ?? '', 8)} ${pad(v.descriptorsPerPass ?? '', 7)} ${pad(v.interruptsPerPass === undefined ? '' : f(v.interruptsPerPass, 0), 6)} ${pad(v.doorbellsPerPass === undefined ? '' : f(v.doorbellsPerPass, 0), 6)}`,
    );
  }
}
for (const row of results.cases) {
  const iso = row.isolated;
  if (iso === null) continue;
  console.log(
    `${row.case} driver work per folio, copy threads stalled (${iso.folios}-folio batches): ` +
      `1ch ${f(iso['dcbm-1ch'].medianUs, 3)} [${f(iso['dcbm-1ch'].bestUs, 3)}] µs, 2ch ${f(iso['dcbm-2ch'].medianUs, 3)} [${f(iso['dcbm-2ch'].bestUs, 3)}] µs, ` +
      `2ch memcpy_sg ${f(iso['dcbm-2ch-sg'].medianUs, 3)} [${f(iso['dcbm-2ch-sg'].bestUs, 3)}] µs; ` +
      `of which tables + mapping ${f(iso.tablesAndMappingNs / 1000, 3)} µs; issue (doorbells) on top: ` +
      `${f(iso['dcbm-1ch'].issueMedianUs, 3)} / ${f(iso['dcbm-2ch'].issueMedianUs, 3)} / ${f(iso['dcbm-2ch-sg'].issueMedianUs, 3)} µs`,
  );
}
const outDir = join(here, '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'dcbm.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${join('bench-results', 'dcbm.json')}`);
