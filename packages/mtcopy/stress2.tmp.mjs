import { createSystem } from '@pagemig/mm';
import { MR_SYSCALL } from '@pagemig/folio';
import { Prng } from '@pagemig/kernel';
import { createMtcopy } from '@pagemig/mtcopy';
const sys = createSystem({ nodes: [{ size: 64 << 20 }, { size: 64 << 20 }], sectionSize: 16 << 20 });
const mt = createMtcopy({ system: sys, threads: 4, laneIdleMs: 1, workStealing: process.argv[2] !== 'nosteal', handoff: process.argv[3] ?? 'doorbell' });
const prng = new Prng(7);
let last = 0;
for (let round = 0; round < 40; round++) {
  const threads = 1 + prng.below(6), main = prng.below(2) === 0;
  await mt.setThreads(threads); await mt.setMainThreadShare(main);
  const orders = Array.from({ length: 1 + prng.below(6) }, () => prng.below(10));
  const src = Int32Array.from(orders, o => sys.alloc.allocFolio(0, o, 0, 0)); const dst = Int32Array.from(orders, o => sys.alloc.allocFolio(1, o, 0, 0));
  const armsBefore = mt.pool.arms;
  const rc = await mt.migrator.offloadCopy(dst, src, orders.length, { batchId: round, reason: MR_SYSCALL, memcg: 0, hint: 'default', bytes: 1 });
  const p = mt.pool;
  if (p.threads !== last) { console.log(`round ${round} threads=${threads} main=${main} n=${orders.length} rc=${rc} pool=${p.threads} arms+${p.arms - armsBefore} takenBack=${p.takenBack}`); last = p.threads; }
  for (let k = 0; k < orders.length; k++) { sys.alloc.folioPut(src[k]); sys.alloc.folioPut(dst[k]); }
  if (prng.below(3) === 0) await new Promise(r => setTimeout(r, 2 + prng.below(4)));
}
console.log(mt.pool);
await mt.unload();
