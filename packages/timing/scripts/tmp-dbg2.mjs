import { createSystem } from '@pagemig/mm';
import { DmaEngine, dmaRequestChanByMask, dmaCapMask, DMA_MEMCPY, prepDmaMemcpy, dmaengineSubmit, dmaAsyncIssuePending } from '@pagemig/dmaengine';
import { createModelledDmaDevice } from '../dist/index.js';
const sys = createSystem({ nodes: [{ size: 1 << 30, dataless: true }, { size: 1 << 30, dataless: true }] });
const dma = new DmaEngine({ trace: sys.trace });
sys.trace.get('dma_desc_complete').subscribe((p) => { if (p.result !== 0 || p.residue !== 0) { console.log('bad', p); process.exit(0); } });
createModelledDmaDevice(dma, { phys: sys.phys, channels: 1 });
const chan = dmaRequestChanByMask(dma, dmaCapMask(DMA_MEMCPY));
const n = Number(process.argv[2] ?? 131072);
for (let i = 0; i < n; i++) { const d = prepDmaMemcpy(chan, (300000 + i) * 4096, i * 4096, 4096, 0); dmaengineSubmit(d); }
dmaAsyncIssuePending(chan);
await new Promise((r) => setTimeout(r, 10));
console.log('ok', chan.memcpyCount);
