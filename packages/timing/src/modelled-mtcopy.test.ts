import { describe, expect, it } from 'vitest';
import { HPAGE_PMD_SIZE, PAGE_SIZE } from '@pagemig/folio';
import { MAP_ANONYMOUS, MAP_PRIVATE, MPOL_MF_MOVE, PROT_READ, PROT_WRITE, createSystem, type System } from '@pagemig/mm';
import { createMigrateEngine, movePages } from '@pagemig/migrate';
import { createMigrateOffload, type MigrateOffload, type Migrator } from '@pagemig/offload';
import { createMtcopy } from '@pagemig/mtcopy';
import { CostModel } from './cost-model';
import { createModelledMtcopy } from './modelled-mtcopy';
import { recordMovePagesRun } from './move-pages-run';
import { presetParams } from './preset';
import { getPreset } from './presets';
import { TimelineRecorder } from './timeline-recorder';

/** Moves `count` folios of `folioSize` with the migrator `make` returns; returns the recorded log's dump. */
async function runWith(folioSize: number, count: number, make: (sys: System, offload: MigrateOffload) => Promise<{ migrator: Migrator; done: () => Promise<unknown> }>) {
  const total = folioSize * count;
  const sys = createSystem({
    nodes: [{ size: total + (8 << 20), dataless: true }, { size: total + (8 << 20), dataless: true }],
    thp: { enabled: folioSize === HPAGE_PMD_SIZE ? 'always' : 'never' },
  });
  const eng = createMigrateEngine(sys, { nrMaxBatchedMigration: 262144 });
  const offload = createMigrateOffload(eng);
  const { migrator, done } = await make(sys, offload);
  if (offload.active !== migrator) expect(offload.register(migrator)).toBe(0);
  const task = sys.createTask({ cpu: 0 });
  const addr = task.mm.mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  expect(task.mm.populate(addr, total, true)).toBe(0);
  const pages = Array.from({ length: count }, (_, i) => addr + i * folioSize);
  const rec = new TimelineRecorder(sys.trace);
  expect(await movePages(eng, task, 0, pages, new Array<number>(count).fill(1), new Int32Array(count), MPOL_MF_MOVE)).toBe(0);
  rec.stop();
  await done();
  return rec.log;
}

describe('createModelledMtcopy', () => {
  it('moves real bytes: 16 virtual threads on this machine, data checked', async () => {
    const run = await recordMovePagesRun({ folioSize: 64 << 10, count: 96, path: 'mtcopy', lanes: 16, dataless: false });
    expect(run.rcs).toEqual([0]);
    expect(run.dataChecked).toBe(true);
    expect(run.misplaced).toBe(0);
    expect(run.violations).toEqual([]);
    const dump = run.log.dump();
    expect(dump).toContain('mt_dispatch a=16 b=6291456 x1');
    expect(dump.match(/mt_slice/g)!.length).toBe(16);
  });

  it('gives the same event structure, hence the same modelled time, as the real mtcopy (2 threads, no work stealing)', async () => {
    const real = await runWith(HPAGE_PMD_SIZE, 8, async (system, offload) => {
      const mt = createMtcopy({ system, offload, threads: 2, workStealing: false });
      expect(await mt.setOffloading(true)).toBe(0);
      return { migrator: mt.migrator, done: () => mt.unload() };
    });
    const modelled = await runWith(HPAGE_PMD_SIZE, 8, async (system) => {
      const mt = createModelledMtcopy({ system, threads: 2 });
      return { migrator: mt.migrator, done: () => Promise.resolve() };
    });
    expect(modelled.dump()).toBe(real.dump());
    const model = new CostModel(presetParams(getPreset('zen3-ptdma')));
    expect(model.run(modelled)).toEqual(model.run(real));
  }, 60_000);

  it('refuses a bad thread count by name', () => {
    const sys = createSystem({ nodes: [{ size: 8 << 20 }] });
    expect(() => createModelledMtcopy({ system: sys, threads: 65 })).toThrow(/threads 65 .*1 to 64/);
    const mt = createModelledMtcopy({ system: sys, threads: 3 });
    expect(() => (mt.threads = 0)).toThrow(/threads 0/);
    expect(PAGE_SIZE).toBe(4096);
  });
});
