import { createSystem } from '@pagemig/mm';
import { MR_SYSCALL } from '@pagemig/folio';
import { createMtcopy } from '@pagemig/mtcopy';
const order = Number(process.argv[2] ?? 9), count = Number(process.argv[3] ?? 64), main = process.argv[4] !== 'nomain', handoff = process.argv[5] ?? 'doorbell', gap = Number(process.argv[6] ?? 0);
const sys = createSystem({ nodes: [{ size: 512 << 20 }, { size: 512 << 20 }] });
const src = new Int32Array(count), dst = new Int32Array(count);
for (let i = 0; i < count; i++) { src[i] = sys.alloc.allocFolio(0, order, 0, 0); dst[i] = sys.alloc.allocFolio(1, order, 0, 0); }
const mt = createMtcopy({ system: sys, threads: 2, mainThreadShare: main, handoff });
const ctx = { batchId: 0, reason: MR_SYSCALL, memcg: 0, hint: 'default', bytes: count * 4096 * 2 ** order };
const rows = [];
for (let i = 0; i < 200; i++) {
  mt.resetTiming(); const a = mt.pool.arms;
  const t0 = performance.now();
  const rc = await mt.migrator.offloadCopy(dst, src, count, ctx);
  const ms = performance.now() - t0; const t = mt.timing;
  rows.push(`${rc} wall ${ms.toFixed(3)}ms prep ${(t.prepNs/1e3).toFixed(1)}us disp ${(t.dispatchNs/1e3).toFixed(1)}us ovh ${((t.wallNs-t.copyNs)/1e3).toFixed(1)}us copy ${(t.copyNs/1e3).toFixed(0)}us arms ${mt.pool.arms - a} thr ${mt.pool.threads}`);
  if (gap) await new Promise(r => setTimeout(r, gap));
}
console.log(rows.slice(-8).join('\n'));
await mt.unload();
