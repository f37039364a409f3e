import { describe, expect, it } from 'vitest';
import { MIGRATE_SYNC, MR_SYSCALL } from '@pagemig/folio';
import { createSystem } from '@pagemig/mm';
import { TraceRegistry } from '@pagemig/kernel';
import { OP_CALL_START, OP_DMA_SUBMIT, OP_UNMAP } from './event-log';
import { recordMovePagesRun } from './move-pages-run';
import { TimelineRecorder, createTimelineRecorder } from './timeline-recorder';

describe('TimelineRecorder', () => {
  it('records tracepoints defined after it started (drivers load later) and stops cleanly', () => {
    const trace = new TraceRegistry();
    const rec = createTimelineRecorder(trace);
    const tp = trace.define<{ chan: string; cookie: number; len: number }>('dma_desc_submit');
    expect(tp.enabled).toBe(true);
    tp.emit({ chan: 'dma0chan0', cookie: 1, len: 4096 });
    rec.stop();
    expect(rec.recording).toBe(false);
    expect(tp.enabled).toBe(false);
    tp.emit({ chan: 'dma0chan0', cookie: 2, len: 4096 });
    expect(rec.log.length).toBe(1);
    expect(rec.log.op(0)).toBe(OP_DMA_SUBMIT);
  });

  it('turns a vanilla move_pages() run into compact ops: chunks of 512 base pages, one flush each', async () => {
    const run = await recordMovePagesRun({ folioSize: 4096, count: 1024, path: 'baseline', dataless: false });
    expect(run.dataChecked).toBe(true);
    expect(run.log.dump()).toBe(
      [
        `call_start a=${MIGRATE_SYNC} b=${MR_SYSCALL} x1`,
        'unmap a=0 b=1 x512',
        'tlb_flush a=1 b=1 x1',
        'move a=0 b=1 c=4096 x512',
        'unmap a=0 b=1 x512',
        'tlb_flush a=1 b=1 x1',
        'move a=0 b=1 c=4096 x512',
        'call_end a=1024 b=0 x1',
      ].join('\n'),
    );
  });

  it('the batch path with the CPU default: one batch, no per-folio copies', async () => {
    const run = await recordMovePagesRun({ folioSize: 16 << 10, count: 256, path: 'batch' });
    expect(run.log.dump()).toBe(
      ['call_start a=2 b=3 x1', 'unmap a=2 b=1 x256', 'tlb_flush a=1 b=1 x1', 'batch_start a=256 b=4194304 x1', 'batch_end a=0 b=256 x1', 'move a=2 b=1 x256', 'call_end a=1024 b=0 x1'].join('\n'),
    );
  });

  it('reset empties the log; the same structure gives the same log', async () => {
    const sys = createSystem({ nodes: [{ size: 8 << 20 }] });
    const rec = new TimelineRecorder(sys.trace);
    rec.log.push(OP_CALL_START, 0, 0);
    rec.log.push(OP_UNMAP, 0, 1);
    rec.reset();
    expect(rec.log.length).toBe(0);
    rec.stop();
    const a = await recordMovePagesRun({ folioSize: 2 << 20, count: 8, path: 'dcbm', lanes: 3 });
    const b = await recordMovePagesRun({ folioSize: 2 << 20, count: 8, path: 'dcbm', lanes: 3 });
    expect(a.log.toJSON()).toEqual(b.log.toJSON());
    expect(a.log.dmaLanes).toEqual(['dma0chan0', 'dma1chan0', 'dma2chan0']);
  });
});
