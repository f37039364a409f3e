import { afterAll, describe, expect, it } from 'vitest';
import { SysfsTree } from '@pagemig/kernel';
import { expectKernelError } from '@pagemig/test-kit';
import { createSystem } from '@pagemig/mm';
import { createMigrateEngine } from '@pagemig/migrate';
import { createMigrateOffload } from '@pagemig/offload';
import { DCBM_NAME, createDcbm } from './dcbm';
import { makeDcbmFixture, type DcbmFixture } from './testing/fixture';

const all: DcbmFixture[] = [];
function fixture(): DcbmFixture {
  const fx = makeDcbmFixture();
  all.push(fx);
  return fx;
}
afterAll(async () => {
  for (const fx of all) await fx.dev.shutdown();
});

describe('createDcbm', () => {
  it('loads the module dcbm with its migrator, offloading off, and the tunables given', () => {
    const fx = fixture();
    expect(fx.dcbm.module).toMatchObject({ name: DCBM_NAME, state: 'live', refcount: 0 });
    expect(fx.dcbm.migrator.name).toBe('dcbm');
    expect(fx.dcbm.migrator.owner).toBe(fx.dcbm.module);
    expect(fx.dcbm.offloading).toBe(false);
    expect(fx.offload.active).toBeNull();
    const tree = new SysfsTree();
    const other = createDcbm({ system: fx.sys, offload: fx.offload, dma: fx.dma, sysfs: tree, nrDmaChan: 4, completion: 'last', align: true, minBatchBytes: 8192, timeoutMs: 50 });
    expect(other.params).toEqual({ nrDmaChan: 4, completion: 'last', align: true, minBatchBytes: 8192, timeoutMs: 50 });
    expect(tree.read('/sys/module/dcbm/nr_dma_chan')).toBe('4\n');
  });

  it('refuses bad options with a message that says what is accepted, and a second driver in the same tree', () => {
    const fx = fixture();
    const base = { system: fx.sys, offload: fx.offload, dma: fx.dma, sysfs: new SysfsTree() };
    expectKernelError(() => createDcbm({ ...base, nrDmaChan: 0 }), 'EINVAL', 'nr_dma_chan 0 is not accepted; accepted: an integer from 1 to 16');
    expectKernelError(() => createDcbm({ ...base, completion: 'first' as never }), 'EINVAL', 'accepted: each, last');
    const elsewhere = createMigrateOffload(createMigrateEngine(createSystem({ nodes: [{ size: 8 << 20 }] })));
    expectKernelError(() => createDcbm({ ...base, offload: elsewhere }), 'EINVAL', 'another system');
    expectKernelError(() => createDcbm({ system: fx.sys, offload: fx.offload, dma: fx.dma }), 'EEXIST');
    // the refused constructions left nothing behind
    expect(base.sysfs.stat('/sys/module/dcbm')).toBeUndefined();
  });

  it('setParam validates like the sysfs files and leaves the value on refusal', () => {
    const fx = fixture();
    fx.dcbm.setParam('nrDmaChan', 8);
    expectKernelError(() => fx.dcbm.setParam('nrDmaChan', 17), 'EINVAL');
    expectKernelError(() => fx.dcbm.setParam('timeoutMs', -1), 'EINVAL');
    expect(fx.dcbm.params.nrDmaChan).toBe(8);
    expect(fx.dcbm.params.timeoutMs).toBe(10_000);
    expect(fx.sys.sysfs.read('/sys/module/dcbm/nr_dma_chan')).toBe('8\n');
  });
});
