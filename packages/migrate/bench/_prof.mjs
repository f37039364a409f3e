import { MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import { createSystem, FolioList, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, MADV_HUGEPAGE, translate } from '@pagemig/mm';
import { createMigrateEngine, migratePages, isolateFolioForMigration, allocOnNode, putbackMovablePages } from '@pagemig/migrate';
const size = Number(process.argv[2]); const total = 256 << 20;
for (let round = 0; round < 3; round++) {
const sys = createSystem({ nodes: [{ size: 512 << 20 }, { size: 512 << 20 }] });
sys.phys.prefault();
const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: size >= 2 << 20 ? 262144 : 512 });
const task = sys.createTask();
const addr = task.mm.mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
if (size >= 2 << 20) task.mm.madvise(addr, total, MADV_HUGEPAGE);
task.mm.populate(addr, total, true);
const list = new FolioList(sys.memmap);
const t0 = performance.now();
for (let va = addr; va < addr + total; va += size) isolateFolioForMigration(sys, sys.memmap.compoundHead(translate(task.mm, va, false)), list);
const t1 = performance.now();
const r = await migratePages(eng, list, allocOnNode(sys, 1), null, { mode: MIGRATE_SYNC, reason: MR_SYSCALL });
const t2 = performance.now();
console.log('isolate', (t1-t0).toFixed(1), 'migrate', (t2-t1).toFixed(1), 'ms', r.rc, (total/(t2-t0)/1e6).toFixed(2), 'GB/s');
}
