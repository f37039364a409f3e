import { createSystem } from '@pagemig/mm';
import { createMigrateEngine } from '@pagemig/migrate';
import { createMigrateOffload } from '@pagemig/offload';
import { DmaEngine, createSoftwareDmaDevice } from '@pagemig/dmaengine';
import { createDcbm } from '../dist/index.js';
const chans = Number(process.argv[2] ?? 2);
const stall = process.argv.includes('--stall');
const sys = createSystem({ nodes: [{ size: 256 << 20 }, { size: 256 << 20 }], thp: { enabled: 'always' } });
sys.phys.prefault();
const eng = createMigrateEngine(sys);
const offload = createMigrateOffload(eng);
const dma = new DmaEngine({ sysfs: sys.sysfs, trace: sys.trace });
const dev = createSoftwareDmaDevice(dma, { phys: sys.phys, channels: 2 });
const dcbm = createDcbm({ system: sys, offload, dma, nrDmaChan: chans });
await dev.startWorkers();
const N = 64;
const src = new Int32Array(N), dst = new Int32Array(N);
for (let i = 0; i < N; i++) { src[i] = sys.alloc.allocFolio(0, 9, 0, 0); dst[i] = sys.alloc.allocFolio(1, 9, 0, 0); }
const ctx = { batchId: 1, reason: 3, memcg: 0, hint: 'default', bytes: N * (2 << 20) };
for (let r = 0; r < Number(process.env.REPS ?? 12); r++) {
  if (stall) for (let c = 0; c < chans; c++) dev.injectFault({ kind: 'stall', channel: c, nth: dev.channels[c].cookie + 1 });
  const t0 = performance.now();
  const p = dcbm.offloadCopy(dst, src, N, ctx);
  const t1 = performance.now();
  if (stall) { for (let c = 0; c < chans; c++) { await dev.whenStalled(dev.channels[c]); dev.releaseStall(dev.channels[c]); } dev.clearFaults(); }
  const rc = await p;
  const t2 = performance.now();
  console.log(`rc ${rc} setup ${(dcbm.lastBatch.setupNs / 1e6).toFixed(3)} ms (sync part ${(t1 - t0).toFixed(3)} ms), total ${(t2 - t0).toFixed(1)} ms = ${((N * 2) / (t2 - t0)).toFixed(2)} GB/s`);
}
await dev.shutdown();
