import { createSystem } from '@pagemig/mm';
import { MR_SYSCALL } from '@pagemig/folio';
import { Prng } from '@pagemig/kernel';
import { createMtcopy } from '@pagemig/mtcopy';
const handoff = process.argv[2] ?? 'piscina';
const sys = createSystem({ nodes: [{ size: 64 << 20 }, { size: 64 << 20 }], sectionSize: 16 << 20 });
const mt = createMtcopy({ system: sys, handoff, laneIdleMs: 50 });
const prng = new Prng(Number(process.argv[3] ?? 1));
const t0 = performance.now();
for (let round = 0; round < 300; round++) {
  await mt.setThreads(1 + prng.below(8)); await mt.setMainThreadShare(prng.below(2) === 0); await mt.setWorkStealing(prng.below(2) === 0);
  await sys.sysfs.writeOrThrow('/sys/module/mtcopy/parameters/align_bytes', String(4096 << prng.below(10)));
  const orders = Array.from({ length: 1 + prng.below(10) }, () => prng.below(10));
  const src = Int32Array.from(orders, o => sys.alloc.allocFolio(0, o, 0, 0)); const dst = Int32Array.from(orders, o => sys.alloc.allocFolio(1, o, 0, 0));
  for (let i = 0; i < orders.length; i++) sys.phys.fill(src[i] * 4096, 4096 << orders[i], (round + i) & 255);
  const rc = await mt.migrator.offloadCopy(dst, src, orders.length, { batchId: round, reason: MR_SYSCALL, memcg: 0, hint: 'default', bytes: 1 });
  if (rc !== 0) console.log('rc', rc);
  for (let i = 0; i < orders.length; i++) { const b = sys.phys.bytes(dst[i], 1 << orders[i]); if (b[0] !== ((round + i) & 255) || b[b.length - 1] !== ((round + i) & 255)) console.log('BAD', round, i); }
  for (let k = 0; k < orders.length; k++) { sys.alloc.folioPut(src[k]); sys.alloc.folioPut(dst[k]); }
}
console.log(handoff, 'done', (performance.now() - t0).toFixed(0), 'ms', mt.pool);
await mt.unload();
