import { createSystem, GFP_HIGHUSER_MOVABLE, NO_MEMCG, __GFP_THISNODE } from '@pagemig/mm';
import { createMigrateEngine } from '@pagemig/migrate';
import { createMigrateOffload } from '@pagemig/offload';
import { DmaEngine, createSoftwareDmaDevice, DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT } from '@pagemig/dmaengine';
import { createDcbm } from '../dist/index.js';
const sg = process.argv.includes('--sg');
const chans = Number(process.argv[2] ?? 2);
const sys = createSystem({ nodes: [{ size: 128 << 20 }, { size: 128 << 20 }] });
sys.phys.prefault();
const eng = createMigrateEngine(sys);
const offload = createMigrateOffload(eng);
const dma = new DmaEngine({ sysfs: sys.sysfs, trace: sys.trace });
const dev = createSoftwareDmaDevice(dma, { phys: sys.phys, channels: 2, ringDepth: Number(process.env.RING ?? 32), caps: sg ? [DMA_MEMCPY, DMA_MEMCPY_SG, DMA_INTERRUPT] : undefined });
const dcbm = createDcbm({ system: sys, offload, dma, nrDmaChan: chans });
await dev.startWorkers();
const N = 512;
const src = new Int32Array(N), dst = new Int32Array(N);
for (let i = 0; i < N; i++) { src[i] = sys.alloc.allocFolio(0, 0, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, NO_MEMCG); dst[i] = sys.alloc.allocFolio(1, 0, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, NO_MEMCG); }
const ctx = { batchId: 1, reason: 3, memcg: 0, hint: 'default', bytes: N * 4096 };
const stall = process.argv.includes('--stall');
const setups = [];
const t0 = performance.now();
for (let r = 0; r < 400; r++) {
  let p;
  if (stall) {
    for (let c = 0; c < chans; c++) dev.injectFault({ kind: 'stall', channel: c, nth: dev.channels[c].cookie + 1 });
    p = dcbm.offloadCopy(dst, src, N, ctx);
    for (let c = 0; c < chans; c++) { await dev.whenStalled(dev.channels[c]); dev.releaseStall(dev.channels[c]); }
    dev.clearFaults();
  } else p = dcbm.offloadCopy(dst, src, N, ctx);
  const rc = await p;
  if (rc !== 0) throw new Error('rc ' + rc);
  if (r >= 50) setups.push(dcbm.lastBatch.setupNs / N);
}
const ms = performance.now() - t0;
setups.sort((a, b) => a - b);
console.log(`${sg ? 'sg' : 'memcpy'} ${chans}ch stall=${stall}: setup ns/folio median ${setups[setups.length >> 1].toFixed(0)} p10 ${setups[setups.length / 10 | 0].toFixed(0)}; total ${(ms / 400 / N * 1e6).toFixed(0)} ns/folio end-to-end`);
await dev.shutdown();
