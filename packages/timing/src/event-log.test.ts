import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { KernelError } from '@pagemig/kernel';
import { EventLog, OP_BATCH_START, OP_DMA_SUBMIT, OP_FOLIO_COPY, OP_MOVE, OP_TLB_FLUSH, OP_UNMAP } from './event-log';
import { recordEvent } from './timeline-recorder';

describe('EventLog', () => {
  it('merges equal consecutive mergeable ops and keeps the rest apart', () => {
    const log = new EventLog();
    for (let i = 0; i < 1000; i++) log.push(OP_UNMAP, 0, 1);
    log.push(OP_UNMAP, 9, 1);
    log.push(OP_BATCH_START, 2, 8192);
    log.push(OP_BATCH_START, 2, 8192);
    expect(log.length).toBe(4);
    expect(log.count(0)).toBe(1000);
    expect(log.events).toBe(1003);
  });

  it('folds the CPU copy recorded just before a move into the move', () => {
    const log = new EventLog();
    log.push(OP_FOLIO_COPY, 4096, 1);
    log.push(OP_FOLIO_COPY, 4096, 1);
    log.pushMove(0, 1);
    expect([log.op(0), log.count(0), log.op(1), log.c(1)]).toEqual([OP_FOLIO_COPY, 1, OP_MOVE, 4096]);
    // the CPU path alternates copy and move per folio: those pairs merge into one op
    const alt = new EventLog();
    for (let i = 0; i < 100; i++) {
      alt.push(OP_FOLIO_COPY, 4096, 0);
      alt.pushMove(0, 1);
    }
    expect(alt.length).toBe(1);
    expect([alt.op(0), alt.count(0), alt.c(0)]).toEqual([OP_MOVE, 100, 4096]);
  });

  it('gives DMA lanes indexes in first-use order', () => {
    const log = new EventLog();
    recordEvent(log, 'dma_desc_submit', { chan: 'dma3chan0', cookie: 1, len: 4096 });
    recordEvent(log, 'dma_desc_submit', { chan: 'dma1chan0', cookie: 1, len: 4096 });
    recordEvent(log, 'dma_desc_submit', { chan: 'dma3chan0', cookie: 2, len: 4096 });
    expect(log.dmaLanes).toEqual(['dma3chan0', 'dma1chan0']);
    expect([log.a(0), log.a(1), log.a(2)]).toEqual([0, 1, 0]);
    expect(log.op(0)).toBe(OP_DMA_SUBMIT);
  });

  it('ignores events that cost nothing', () => {
    const log = new EventLog();
    recordEvent(log, 'mm_page_alloc', { pfn: 1 });
    expect(log.length).toBe(0);
  });

  test.prop([fc.array(fc.tuple(fc.constantFrom(OP_UNMAP, OP_TLB_FLUSH, OP_BATCH_START, OP_MOVE), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 3 })), { maxLength: 300 })])(
    'JSON round trip (with periodic compression) keeps every op',
    (ops) => {
      const log = new EventLog();
      for (const [op, a, n] of ops) log.push(op, a, 1, 0, n);
      const json = JSON.parse(JSON.stringify(log.toJSON()));
      const back = EventLog.fromJSON(json);
      expect(back.dump()).toBe(log.dump());
    },
  );

  it('compresses a periodic run', () => {
    const log = new EventLog();
    for (let i = 0; i < 512; i++) {
      log.push(OP_UNMAP, 0, 1, 0, 512);
      log.push(OP_TLB_FLUSH, 1, 1);
      log.push(OP_MOVE, 0, 1, 4096, 512);
    }
    expect(log.length).toBe(1536);
    const json = log.toJSON();
    expect(json.ops.length).toBe(4);
    expect(EventLog.fromJSON(json).length).toBe(1536);
  });

  it('refuses malformed JSON with a message that says what is accepted', () => {
    expect(() => EventLog.fromJSON({ format: 'x' })).toThrow(KernelError);
    expect(() => EventLog.fromJSON({ format: 'pagemig-event-log', version: 1, dmaLanes: [], migrators: [], ops: [[99, 0, 0, 0, 1]] })).toThrow(/op 0 .*accepted/);
    expect(() => EventLog.fromJSON({ format: 'pagemig-event-log', version: 1, dmaLanes: [], migrators: [], ops: [[0, 3, 1]] })).toThrow(/block length/);
  });
});
