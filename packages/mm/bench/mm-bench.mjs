#!/usr/bin/env node
// Costs of the memory model itself, measured in one run on this host: memmap bytes per frame
// (from the typed arrays), boot time and RSS of a large data-less machine, and the write-fault
// rate of populating anonymous memory (4 KiB pages data-less and with data, 64 KiB mTHP, 2 MiB
// THP). Ratios are taken against the 4 KiB data-less rate of the same run. Rates are given per
// wall-clock second and per CPU second of this process (the latter is steadier on a busy host).
// Writes bench-results/mm.json.
//   node bench/mm-bench.mjs [--node 64G] [--fault 1G] [--repeat 5] [--mm <path to an mm build>]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseSize, formatSize, PAGE_SIZE } from '@pagemig/folio';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const nodeSize = parseSize(arg('node', '64G'));
const faultBytes = parseSize(arg('fault', '1G'));
const repeat = Number(arg('repeat', '5'));
const mmPath = arg('mm', new URL('../dist/index.js', import.meta.url).href);
const mm = await import(mmPath.startsWith('file:') ? mmPath : pathToFileURL(resolve(mmPath)).href);
const { createSystem, PROT_READ, PROT_WRITE, MAP_PRIVATE, MAP_ANONYMOUS, MADV_HUGEPAGE } = mm;

const MiB = 1 << 20;
const gc = globalThis.gc ?? (() => {});

/** (a) Bytes of memmap per frame, summed over the memmap's per-frame typed arrays. */
function metadataBytesPerFrame() {
  const sys = createSystem({ nodes: [{ size: 8 * MiB, dataless: true }] });
  const memmap = sys.memmap;
  const arrays = Object.entries(memmap).filter(([, v]) => ArrayBuffer.isView(v) && v.length === memmap.nrPages);
  const bytes = arrays.reduce((sum, [, v]) => sum + v.BYTES_PER_ELEMENT, 0);
  return { bytes, arrays: Object.fromEntries(arrays.map(([k, v]) => [k, v.BYTES_PER_ELEMENT])) };
}

/** (b) Boot time and resident memory of a 2-node machine of data-less nodes. */
function boot() {
  gc();
  const rss0 = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const sys = createSystem({ nodes: [{ size: nodeSize, dataless: true }, { size: nodeSize, dataless: true }] });
  const ns = Number(process.hrtime.bigint() - t0);
  const rss1 = process.memoryUsage().rss;
  return { sys, seconds: ns / 1e9, rssBytes: rss1 - rss0 };
}

/** (c) Write-faults `bytes` of fresh anonymous memory with populate; pages per second (best of `repeat`). */
function faultRate(sys, { thp = false, mthp = null } = {}) {
  if (mthp !== null) sys.setMthp(mthp, 'always');
  let best = 0;
  let bestCpu = 0;
  for (let r = 0; r < repeat; r++) {
    const task = sys.createTask({ cpu: 0 });
    const addr = task.mm.mmap(0, faultBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    if (addr < 0) throw new Error(`mmap failed: ${addr}`);
    if (thp) task.mm.madvise(addr, faultBytes, MADV_HUGEPAGE);
    const before = sys.vmstat.get('pgalloc');
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const rc = task.mm.populate(addr, faultBytes, true);
    const ns = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    if (rc !== 0) throw new Error(`populate failed: ${rc}`);
    if (sys.vmstat.get('pgalloc') - before !== faultBytes / PAGE_SIZE) throw new Error('populate allocated the wrong number of pages');
    if (task.mm.rss.anon !== faultBytes / PAGE_SIZE) throw new Error('populate mapped the wrong number of pages');
    const pages = faultBytes / PAGE_SIZE;
    best = Math.max(best, pages / (ns / 1e9));
    bestCpu = Math.max(bestCpu, pages / ((cpu.user + cpu.system) / 1e6));
    sys.exitTask(task);
  }
  if (mthp !== null) sys.setMthp(mthp, 'never');
  return { pagesPerSecond: Math.round(best), pagesPerCpuSecond: Math.round(bestCpu) };
}

const meta = metadataBytesPerFrame();
const booted = boot();
const dataless4k = faultRate(booted.sys);
const datalessThp = faultRate(booted.sys, { thp: true });
const datalessMthp = faultRate(booted.sys, { mthp: '64K' });
// a node that keeps bytes: frames come from SharedArrayBuffer sections allocated on first use
const dataSys = createSystem({ nodes: [{ size: Math.max(2 * faultBytes, 256 * MiB) }] });
const data4k = faultRate(dataSys);
const dataThp = faultRate(dataSys, { thp: true });

const results = {
  host: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
  mm: mmPath,
  metadataBytesPerFrame: meta.bytes,
  metadataArrays: meta.arrays,
  boot: {
    nodes: `2 x ${formatSize(nodeSize)} data-less`,
    seconds: Number(booted.seconds.toFixed(3)),
    rssMiB: Number((booted.rssBytes / MiB).toFixed(1)),
  },
  writeFault: {
    bytes: formatSize(faultBytes),
    dataless4K: dataless4k.pagesPerSecond,
    data4K: data4k.pagesPerSecond,
    dataless64K_mTHP: datalessMthp.pagesPerSecond,
    datalessTHP: datalessThp.pagesPerSecond,
    dataTHP: dataThp.pagesPerSecond,
    perCpuSecond: {
      dataless4K: dataless4k.pagesPerCpuSecond,
      data4K: data4k.pagesPerCpuSecond,
      dataless64K_mTHP: datalessMthp.pagesPerCpuSecond,
      datalessTHP: datalessThp.pagesPerCpuSecond,
      dataTHP: dataThp.pagesPerCpuSecond,
    },
    ratios: {
      data4K_vs_dataless4K: Number((data4k.pagesPerSecond / dataless4k.pagesPerSecond).toFixed(3)),
      mTHP64K_vs_4K: Number((datalessMthp.pagesPerSecond / dataless4k.pagesPerSecond).toFixed(3)),
      THP_vs_4K: Number((datalessThp.pagesPerSecond / dataless4k.pagesPerSecond).toFixed(3)),
    },
  },
  goals: {
    metadataBytesPerFrame: { limit: 32, ok: meta.bytes <= 32 },
    bootSeconds: { limit: 2, ok: booted.seconds <= 2 },
    bootRssMiB: { limit: 1.2 * 1024, ok: booted.rssBytes <= 1.2 * 1024 * MiB },
    // judged per CPU second of this process: the wall-clock rate depends on what else the host runs
    writeFault4KPagesPerCpuSecond: { limit: 1_000_000, ok: dataless4k.pagesPerCpuSecond >= 1_000_000 },
  },
};

console.log(`host: ${results.host.cpus} CPUs, load average ${results.host.loadavg.join(' ')}`);
console.log(`memmap: ${meta.bytes} bytes per frame ${JSON.stringify(meta.arrays)}`);
console.log(`boot ${results.boot.nodes}: ${results.boot.seconds} s, RSS +${results.boot.rssMiB} MiB`);
console.log(`write faults over ${results.writeFault.bytes} (pages per wall second, per CPU second):`);
for (const key of ['dataless4K', 'data4K', 'dataless64K_mTHP', 'datalessTHP', 'dataTHP']) {
  const wall = results.writeFault[key].toLocaleString('en-US').padStart(14);
  const cpu = results.writeFault.perCpuSecond[key].toLocaleString('en-US').padStart(14);
  console.log(`  ${key.padEnd(18)} ${wall} ${cpu}`);
}
console.log(`ratios: ${JSON.stringify(results.writeFault.ratios)}`);
console.log(`goals: ${Object.entries(results.goals).map(([k, v]) => `${k} ${v.ok ? 'ok' : 'MISSED'}`).join(', ')}`);
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/mm.json', `${JSON.stringify(results, null, 2)}\n`);
