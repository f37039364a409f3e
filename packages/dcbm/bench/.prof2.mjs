import { createSystem, GFP_HIGHUSER_MOVABLE, NO_MEMCG, __GFP_THISNODE } from '@pagemig/mm';
import { DmaEngine, createSoftwareDmaDevice, dmaMapSgtable, dmaUnmapSgtable, dmaRequestChanByMask, dmaCapMask, DMA_MEMCPY, prepDmaMemcpy, dmaengineSubmit, dmaAsyncIssuePending, dmaenginePause, dmaengineTerminateSync, DMA_CTRL_ACK } from '@pagemig/dmaengine';
import { dcbmBuildSgTables } from '../dist/index.js';
const sys = createSystem({ nodes: [{ size: 128 << 20 }, { size: 128 << 20 }] });
sys.phys.prefault();
const N = 512;
const src = new Int32Array(N), dst = new Int32Array(N);
for (let i = 0; i < N; i++) { src[i] = sys.alloc.allocFolio(0, 0, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, NO_MEMCG); dst[i] = sys.alloc.allocFolio(1, 0, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, NO_MEMCG); }
const dma = new DmaEngine();
const dev = createSoftwareDmaDevice(dma, { phys: sys.phys, channels: 1 });
const chan = dmaRequestChanByMask(dma, dmaCapMask(DMA_MEMCPY));
await dev.startWorkers();
const best = (f, reps = 300) => { const xs = []; for (let r = 0; r < reps; r++) { const t = process.hrtime.bigint(); f(); xs.push(Number(process.hrtime.bigint() - t)); } xs.sort((a,b)=>a-b); return (xs[xs.length >> 1] / N).toFixed(1); };
console.log('build tables ns/folio', best(() => dcbmBuildSgTables(sys.memmap, dst, src, 0, N)));
console.log('build+map+unmap ns/folio', best(() => { const sg = dcbmBuildSgTables(sys.memmap, dst, src, 0, N); dmaMapSgtable(dev, sg.src, 1); dmaMapSgtable(dev, sg.dst, 2); dmaUnmapSgtable(dev, sg.src, 1); dmaUnmapSgtable(dev, sg.dst, 2); }));
const cb = () => {};
const xs = [];
for (let r = 0; r < 100; r++) {
  dmaenginePause(chan);
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) { const tx = prepDmaMemcpy(chan, dst[i] * 4096, src[i] * 4096, 4096, DMA_CTRL_ACK); tx.callbackResult = cb; dmaengineSubmit(tx); }
  const t2 = process.hrtime.bigint();
  dmaAsyncIssuePending(chan);
  const t3 = process.hrtime.bigint();
  xs.push([Number(t2 - t) / N, Number(t3 - t2) / N]);
  await dmaengineTerminateSync(chan);
}
xs.sort((a, b) => a[0] - b[0]);
console.log('prep+submit ns/desc', xs[50][0].toFixed(1), 'issue ns/desc', xs[50][1].toFixed(1));
await dev.shutdown();
