import { createSystem, FolioList, translate, checkInvariants, MAP_PRIVATE, MAP_ANONYMOUS, MAP_FIXED, PROT_READ, PROT_WRITE } from '@pagemig/mm';
import { createMigrateEngine, migratePages, isolateFolioForMigration, allocOnNode, putbackMovablePages } from '@pagemig/migrate';
import { MIGRATE_SYNC, MR_SYSCALL, PAGE_SIZE } from '@pagemig/folio';
import { createMtcopy } from '@pagemig/mtcopy';

const sys = createSystem({ nodes: [{ size: 256 << 20 }, { size: 256 << 20 }], thp: { enabled: 'always' } });
const task = sys.createTask({ cpu: 0 });
const n = 32, size = 2 << 20;
const base = 0x40000000;
const r = task.mm.mmap(base, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
console.log('mmap', r.toString(16), task.mm.populate(base, n*size, true));
const heads = [];
for (let i = 0; i < n; i++) { const pfn = translate(task.mm, base + i * size, false); heads.push(sys.memmap.compoundHead(pfn)); }
console.log('orders', heads.slice(0,3).map(h => sys.memmap.folioOrder(h)), 'node', sys.phys.pfnToNid(heads[0]));
const data = new Uint8Array(size); for (let i = 0; i < size; i++) data[i] = (i * 7 + 3) & 255;
for (const h of heads) sys.phys.write(h * PAGE_SIZE, data);
const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: 262144 });
const mt = createMtcopy({ system: sys, threads: 2 });
eng.batchCopy = mt.migrator.offloadCopy;
const list = new FolioList(sys.memmap);
for (const h of heads) isolateFolioForMigration(sys, h, list);
const t0 = performance.now();
const res = await migratePages(eng, list, allocOnNode(sys, 1), null, { mode: MIGRATE_SYNC, reason: MR_SYSCALL });
console.log('migrate', res.rc, res.nrSucceeded, (performance.now() - t0).toFixed(1), 'ms', mt.stats, mt.timing);
putbackMovablePages(sys, list);
let bad = 0;
const out = new Uint8Array(size);
for (let i = 0; i < n; i++) { const pfn = translate(task.mm, base + i * size, false); if (sys.phys.pfnToNid(pfn) !== 1) bad++; sys.phys.read(pfn * PAGE_SIZE, out); if (!out.every((v, j) => v === data[j])) bad++; }
console.log('bad', bad, 'inv', checkInvariants(sys).slice(0, 5));
console.log(await mt.unload());
