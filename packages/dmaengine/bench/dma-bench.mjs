#!/usr/bin/env node
// Benchmark of the software DMA device against a plain CPU copy on this host.
//
// Measures, in one run so the ratios are comparable:
// - raw single-thread `Uint8Array.prototype.set` copy between two node buffers (4 KiB and 2 MiB chunks);
// - software-device memcpy throughput with 1 and 2 channels for 4 KiB and 2 MiB descriptors
//   (descriptors issued in batches of 256 per channel, interrupt only on the last one, like dcbm);
// - the main-thread cost of prep + submit + issue per descriptor, in µs: during the runs above (on a
//   2-core host this includes being preempted by the copy workers) and alone, into a paused channel.
// Every device run is verified afterwards (destination == source, outside the timed part).
// Prints a table and writes bench-results/dmaengine.json (relative to the package).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PhysMem } from '@pagemig/mm';
import {
  DMA_CTRL_ACK,
  DMA_COMPLETE,
  DMA_MEMCPY,
  DMA_PREP_INTERRUPT,
  DmaEngine,
  createSoftwareDmaDevice,
  dmaAsyncIssuePending,
  dmaCapMask,
  dmaReleaseChannel,
  dmaRequestChanByMask,
  dmaSyncWait,
  dmaenginePause,
  dmaengineSubmit,
  dmaengineTerminateSync,
  prepDmaMemcpy,
} from '../dist/index.js';

const PAGE = 4096;
const MiB = 1 << 20;
const TOTAL = 128 * MiB; // bytes per measured run
const REPS = 3;
const BATCH = 256; // descriptors per issue_pending per channel

const phys = new PhysMem([{ size: 256 * MiB }, { size: 256 * MiB }]);
const srcBase = phys.nodeStartPfn[0] * PAGE;
const dstBase = phys.nodeStartPfn[1] * PAGE;
phys.materialize(phys.nodeStartPfn[0], phys.nodeNrPages[0]);
phys.materialize(phys.nodeStartPfn[1], phys.nodeNrPages[1]);
{
  // Non-trivial source bytes (and touch every destination page once).
  const chunk = new Uint8Array(MiB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 7) & 0xff;
  for (let off = 0; off < TOTAL; off += MiB) {
    chunk[0] = off / MiB;
    phys.write(srcBase + off, chunk);
    phys.fill(dstBase + off, MiB, 0);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function rawCopy(chunk) {
  // Both 64 MiB regions lie inside one 128 MiB section of their node.
  const bytes = 64 * MiB;
  const src = phys.bytes(phys.nodeStartPfn[0], bytes / PAGE);
  const dst = phys.bytes(phys.nodeStartPfn[1], bytes / PAGE);
  const gbps = [];
  for (let rep = 0; rep < REPS + 1; rep++) {
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < bytes; off += chunk) dst.set(src.subarray(off, off + chunk), off);
    const ns = Number(process.hrtime.bigint() - t0);
    if (rep > 0) gbps.push(bytes / ns); // bytes per ns = GB/s; first rep is a warm-up
  }
  if (Buffer.compare(Buffer.from(src.buffer, src.byteOffset, bytes), Buffer.from(dst.buffer, dst.byteOffset, bytes)) !== 0) {
    throw new Error('raw copy mismatch');
  }
  return median(gbps);
}

async function deviceRun(engine, chans, size) {
  const n = TOTAL / size;
  const per = Math.ceil(n / chans.length);
  phys.fill(dstBase, 4096, 0xee); // the first page must really change
  // Issue batch by batch, alternating channels, so every engine starts early.
  const lastCookie = new Array(chans.length).fill(0);
  let submitNs = 0;
  const t0 = process.hrtime.bigint();
  const next = new Array(chans.length).fill(0);
  let remaining = n;
  while (remaining > 0) {
    for (let c = 0; c < chans.length; c++) {
      const chan = chans[c];
      const start = c * per + next[c];
      const end = Math.min((c + 1) * per, n, start + BATCH);
      if (start >= end) continue;
      const s0 = process.hrtime.bigint();
      for (let i = start; i < end; i++) {
        const lastOfChan = i === Math.min((c + 1) * per, n) - 1;
        const tx = prepDmaMemcpy(chan, dstBase + i * size, srcBase + i * size, size, lastOfChan ? DMA_PREP_INTERRUPT | DMA_CTRL_ACK : DMA_CTRL_ACK);
        lastCookie[c] = dmaengineSubmit(tx);
      }
      dmaAsyncIssuePending(chan);
      submitNs += Number(process.hrtime.bigint() - s0);
      next[c] += end - start;
      remaining -= end - start;
    }
  }
  const statuses = await Promise.all(chans.map((chan, c) => dmaSyncWait(chan, lastCookie[c], 120_000)));
  const ns = Number(process.hrtime.bigint() - t0);
  if (statuses.some((s) => s !== DMA_COMPLETE)) throw new Error(`device run failed: ${statuses}`);
  // Verify outside the timed part: the whole destination equals the source.
  const a = new Uint8Array(16 * MiB);
  const b = new Uint8Array(16 * MiB);
  for (let off = 0; off < TOTAL; off += a.length) {
    phys.read(srcBase + off, a);
    phys.read(dstBase + off, b);
    if (Buffer.compare(a, b) !== 0) throw new Error(`device copy mismatch near offset ${off}`);
  }
  return { gbps: TOTAL / ns, submitUsPerDesc: submitNs / 1000 / n, descriptors: n };
}

async function deviceCase(nChannels, size) {
  const engine = new DmaEngine();
  const dev = createSoftwareDmaDevice(engine, { phys, channels: nChannels, ringDepth: 32 });
  const chans = [];
  for (let c = 0; c < nChannels; c++) chans.push(dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY)));
  await dev.startWorkers();
  await deviceRun(engine, chans, size); // warm-up
  const runs = [];
  for (let rep = 0; rep < REPS; rep++) runs.push(await deviceRun(engine, chans, size));
  for (const chan of chans) dmaReleaseChannel(chan);
  await dev.shutdown();
  return {
    gbps: median(runs.map((r) => r.gbps)),
    submitUsPerDesc: median(runs.map((r) => r.submitUsPerDesc)),
    descriptors: runs[0].descriptors,
    runs,
  };
}

/** Main-thread cost of prep + submit + issue alone: a paused channel queues but copies nothing. */
async function submitOnly(size, n) {
  const engine = new DmaEngine();
  const dev = createSoftwareDmaDevice(engine, { phys, channels: 1, ringDepth: 32 });
  const chan = dmaRequestChanByMask(engine, dmaCapMask(DMA_MEMCPY));
  await dev.startWorkers();
  const us = [];
  for (let rep = 0; rep < REPS + 1; rep++) {
    dmaenginePause(chan);
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < n; b += BATCH) {
      for (let i = b; i < b + BATCH; i++) {
        const tx = prepDmaMemcpy(chan, dstBase + (i % 32768) * 4096, srcBase + (i % 32768) * 4096, size, DMA_CTRL_ACK);
        dmaengineSubmit(tx);
      }
      dmaAsyncIssuePending(chan);
    }
    const ns = Number(process.hrtime.bigint() - t0);
    if (rep > 0) us.push(ns / 1000 / n);
    await dmaengineTerminateSync(chan); // aborts them all (and resumes)
  }
  dmaReleaseChannel(chan);
  await dev.shutdown();
  return median(us);
}

const rows = [];
const raw4k = rawCopy(4096);
const raw2m = rawCopy(2 * MiB);
rows.push({ case: 'cpu Uint8Array.set, 4 KiB chunks', channels: 0, size: 4096, gbps: raw4k, ratio: 1, submitUsPerDesc: null });
rows.push({ case: 'cpu Uint8Array.set, 2 MiB chunks', channels: 0, size: 2 * MiB, gbps: raw2m, ratio: 1, submitUsPerDesc: null });
for (const size of [4096, 2 * MiB]) {
  const raw = size === 4096 ? raw4k : raw2m;
  for (const ch of [1, 2]) {
    const r = await deviceCase(ch, size);
    rows.push({
      case: `swdma memcpy, ${ch} channel${ch > 1 ? 's' : ''}, ${size === 4096 ? '4 KiB' : '2 MiB'} descriptors`,
      channels: ch,
      size,
      gbps: r.gbps,
      ratio: r.gbps / raw,
      submitUsPerDesc: r.submitUsPerDesc,
      runsGbps: r.runs.map((x) => x.gbps),
    });
  }
}

await submitOnly(4096, 32768); // warm-up: JIT and heap growth
const isolated4k = await submitOnly(4096, 32768);
const isolated2m = await submitOnly(2 * MiB, 32768);

const pad = (s, n) => String(s).padEnd(n);
console.log(`dmaengine bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, ${TOTAL / MiB} MiB per run, median of ${REPS}`);
console.log(`${pad('case', 50)} ${pad('GB/s', 8)} ${pad('vs cpu', 8)} submit µs/desc`);
for (const r of rows) {
  console.log(`${pad(r.case, 50)} ${pad(r.gbps.toFixed(2), 8)} ${pad(r.ratio.toFixed(2), 8)} ${r.submitUsPerDesc === null ? '-' : r.submitUsPerDesc.toFixed(2)}`);
}
console.log(`prep+submit+issue alone (paused channel): ${isolated4k.toFixed(2)} µs per 4 KiB descriptor, ${isolated2m.toFixed(2)} µs per 2 MiB descriptor`);

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results', 'dmaengine.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      host: { cpus: cpus().length, model: cpus()[0]?.model ?? null, memBytes: totalmem(), node: process.version },
      params: { bytesPerRun: TOTAL, reps: REPS, batchPerIssue: BATCH, ringDepth: 32 },
      note: 'ratio = device GB/s over the single-thread CPU Uint8Array.set copy with the same chunk size, measured in this run',
      results: rows,
      submitOnlyUsPerDesc: { '4096': isolated4k, '2097152': isolated2m },
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out}`);
